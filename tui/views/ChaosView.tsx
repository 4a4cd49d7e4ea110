import { Box, Text } from 'ink';
import type { Theme } from '../app/theme.js';

/** Props of ChaosView. */
export interface ChaosViewProps {
  /** Lines available. */
  height: number;
  /** Colours. */
  theme: Theme;
}

/** The place for chaos drills; the chaos module (its own issue) fills it. */
export function ChaosView({ height, theme }: ChaosViewProps) {
  return (
    <Box flexDirection="column" height={height}>
      <Text color={theme.color('dim')} wrap="truncate">
        Chaos drills are not available on this daemon yet.
      </Text>
    </Box>
  );
}
