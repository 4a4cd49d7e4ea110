import { Box, Text } from 'ink';
import type { Theme } from '../app/theme.js';
import type { ActionSpec } from '../keys/actions.js';
import { fitCell } from '../views/format.js';

/** Props of Help. */
export interface HelpProps {
  /** Actions that work in the view help was opened from. */
  actions: ActionSpec[];
  /** Lines available. */
  height: number;
  /** Colours. */
  theme: Theme;
}

/** `?`: every key that works in the current view, from the live registry (remaps and --readonly included). */
export function Help({ actions, height, theme }: HelpProps) {
  const lines = actions.map(
    (a) => `${fitCell(a.keys.join(' '), 16)} ${fitCell(a.label, 14)} ${a.dangerous ? '(asks first)' : ''}`,
  );
  const commands = ':nodes :agents :tasks :health :events :chaos :ctx [NAME] :help :quit';
  return (
    <Box flexDirection="column" height={height} overflowY="hidden">
      <Text bold color={theme.color('accent')}>
        Keys (esc closes)
      </Text>
      {lines.slice(0, Math.max(0, height - 3)).map((l) => (
        <Text key={l} wrap="truncate">
          {l}
        </Text>
      ))}
      <Text wrap="truncate">Commands: {commands}</Text>
    </Box>
  );
}
