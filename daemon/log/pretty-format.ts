/** How the daemon writes its log: auto = pretty on a terminal, JSON lines otherwise. */
export type LogFormat = 'auto' | 'json' | 'pretty';

/** Whether the log should be pretty for this format and output. */
export function wantsPretty(format: LogFormat, stdoutIsTty: boolean): boolean {
  return format === 'pretty' || (format === 'auto' && stdoutIsTty);
}
