import { AidosClient } from '../../shared/client/client.js';

/** What the demo's tasks ask for; `flaky` ones fail their first attempt (see demo-agent.ts). */
const MESSAGES = [
  'summarise the overnight incident channel',
  'triage the new issues in the billing repo',
  'draft release notes for 2.14',
  'flaky: re-run the nightly evaluation suite',
  'review the open pull requests on the gateway',
  'check the certificates that expire this month',
  'flaky: refresh the vendor price list',
  'answer the on-call handover questions',
];

/**
 * Submits a demo task every `everyMs` to `url`, round the message list, until stopped; a refused
 * or failed submit is skipped (the demo goes on), never thrown.
 */
export function startTrickle(url: string, everyMs: number): { stop(): void } {
  const client = new AidosClient({ url, timeoutMs: 5_000 });
  let n = 0;
  const timer = setInterval(() => {
    const message = MESSAGES[n % MESSAGES.length] as string;
    n++;
    void client.submitTask({ message: `${message} (#${n})` }).catch(() => {});
  }, everyMs);
  return { stop: () => clearInterval(timer) };
}
