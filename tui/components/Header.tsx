import { Box, Text } from 'ink';
import type { TaskState } from '../../shared/tasks.js';
import type { Theme } from '../app/theme.js';
import type { FleetSnapshot } from '../fleet/fleet-state.js';

/** Props of Header. */
export interface HeaderProps {
  /** Fleet state. */
  fleet: FleetSnapshot;
  /** Context name, or null without one. */
  context: string | null;
  /** --readonly is on. */
  readonly: boolean;
  /** Colours. */
  theme: Theme;
}

const STATES: TaskState[] = ['queued', 'running', 'succeeded', 'failed', 'dead', 'cancelled'];

/** What the header shows of the members: alive, total, and the worst health (with the attached daemon's). */
export function nodesSummary(fleet: FleetSnapshot): { alive: number; total: number; worst: string | null } {
  const alive = fleet.nodes.filter((n) => n.state === 'alive').length;
  const worst = fleet.nodes.reduce<string | null>(
    (w, n) => (n.health === 'fail' || w === 'fail' ? 'fail' : n.health === 'warn' ? 'warn' : (w ?? n.health)),
    fleet.health,
  );
  return { alive, total: fleet.nodes.length, worst };
}

/** Two lines: where it is attached and whether the data is live; the cluster summary. */
export function Header({ fleet, context, readonly, theme }: HeaderProps) {
  const { alive, worst } = nodesSummary(fleet);
  const badge = fleet.link === 'live' ? 'LIVE' : fleet.link === 'stale' ? 'STALE' : 'CONNECTING';
  return (
    <Box flexDirection="column" height={2}>
      <Text wrap="truncate">
        <Text bold color={theme.color('accent')}>
          aidos
        </Text>
        {context ? ` ctx:${context}` : ''} {fleet.url}
        {fleet.nodeId ? ` (${fleet.nodeId})` : ''}{' '}
        <Text inverse color={theme.color(fleet.link === 'live' ? 'live' : 'stale')}>
          {` ${badge} `}
        </Text>
        {readonly ? ' [readonly]' : ''}
        {fleet.link !== 'live' && fleet.trying ? ` trying ${fleet.trying}${fleet.linkError ? ' ·' : ''}` : ''}
        {fleet.link !== 'live' && fleet.linkError ? ` ${fleet.linkError}` : ''}
      </Text>
      <Text wrap="truncate">
        nodes {alive}/{fleet.nodes.length} · tasks{' '}
        {STATES.map((s) => (
          <Text key={s} color={theme.color(s)}>
            {s} {fleet.taskCounts[s]}{' '}
          </Text>
        ))}
        · health <Text color={worst ? theme.color(worst) : undefined}>{worst ?? '-'}</Text>
      </Text>
    </Box>
  );
}
