import { Box, Text } from 'ink';
import type { Theme } from '../app/theme.js';
import type { ActionSpec } from '../keys/actions.js';

/** Props of Footer. */
export interface FooterProps {
  /** The prompt or message line (command input, filter input, confirmation, last result). */
  line: string;
  /** Colour kind of that line (error, warn) or undefined. */
  tone?: string;
  /** Actions that work in this view (their footer flag decides which show). */
  actions: ActionSpec[];
  /** Colours. */
  theme: Theme;
}

/** Two lines: the prompt/message line and the keys that work here. */
export function Footer({ line, tone, actions, theme }: FooterProps) {
  const hints = actions
    .filter((a) => a.footer)
    .map((a) => `<${a.keys[0]}> ${a.label}`)
    .join('  ');
  return (
    <Box flexDirection="column" height={2}>
      <Text wrap="truncate" color={tone ? theme.color(tone) : undefined}>
        {line || ' '}
      </Text>
      <Text wrap="truncate" color={theme.color('dim')}>
        {hints}
      </Text>
    </Box>
  );
}
