import { FAKE_MODEL_ID } from '../fixtures/fake-model-server.js';

/** An `openclaw.json` whose only model is the fake model server at `baseUrl` (see OPENCLAW.md). */
export function fakeModelOpenClawConfig(baseUrl: string): Record<string, unknown> {
  return {
    gateway: { mode: 'local' },
    agents: { defaults: { model: { primary: `fake/${FAKE_MODEL_ID}` } } },
    models: {
      mode: 'merge',
      providers: {
        fake: {
          baseUrl,
          apiKey: 'sk-local',
          api: 'openai-completions',
          models: [
            {
              id: FAKE_MODEL_ID,
              name: 'Fake Model',
              reasoning: false,
              input: ['text'],
              cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
              contextWindow: 32768,
              maxTokens: 1024,
            },
          ],
        },
      },
    },
  };
}

/** Variables under which OpenClaw takes itself for a test run and prints nothing: agents must not see them. */
export function vitestVariables(): string[] {
  return Object.keys(process.env).filter((k) => k.startsWith('VITEST') || k === 'TEST' || k === 'NODE_ENV');
}
