import { Box, Text } from 'ink';
import type { Theme } from '../app/theme.js';
import type { FleetConnection } from '../fleet/connection.js';
import { useTaskDetail } from '../hooks/use-task-detail.js';
import { age } from './format.js';

/** Props of TaskDetailView. */
export interface TaskDetailViewProps {
  /** The link to the daemon. */
  connection: FleetConnection;
  /** Task shown. */
  id: string;
  /** updated_at of the task as the tasks topic last pushed it (re-reads the history when it moves). */
  updatedAt: number | undefined;
  /** Lines available. */
  height: number;
  /** Logs only (the `l` key): the whole height for the tail. */
  logsOnly: boolean;
  /** Lines scrolled back from the end of the log (0 follows the tail). */
  scroll: number;
  /** Colours. */
  theme: Theme;
}

/** A task: its fields, its event history, and a window onto its live output. */
export function TaskDetailView(props: TaskDetailViewProps) {
  const { theme, height } = props;
  const d = useTaskDetail(props.connection, props.id, props.updatedAt);
  const t = d.task;
  const now = Date.now();
  const head = props.logsOnly
    ? []
    : t
      ? [
          `state ${t.state}   node ${t.node_id ?? '-'}   attempt ${t.attempt}/${t.max_attempts}   profile ${t.profile}   age ${age(t.created_at, now)}`,
          `message ${t.message}`,
          ...(t.error ? [`error ${t.error}`] : []),
        ]
      : [d.error ?? 'loading…'];
  const eventRows = props.logsOnly
    ? []
    : d.events.slice(-Math.max(1, Math.floor((height - head.length) / 3)));
  const eventLines = eventRows.map(
    (e) =>
      `${new Date(e.at).toISOString().slice(11, 19)} ${e.kind}${e.node_id ? ` on ${e.node_id}` : ''} (attempt ${e.attempt})${Object.keys(e.detail).length ? ` ${JSON.stringify(e.detail)}` : ''}`,
  );
  const used = head.length + (props.logsOnly ? 0 : eventLines.length + 1) + 1;
  const logHeight = Math.max(0, height - used);
  const end = Math.max(0, d.lines.length - props.scroll);
  const window = d.lines.slice(Math.max(0, end - logHeight), end);
  const logTitle = `logs, attempt ${d.attempt || '-'} (${d.lines.length} lines${d.ended ? ', ended' : ', live'}${props.scroll ? `, ${props.scroll} back` : ''})`;
  return (
    <Box flexDirection="column" height={height} overflowY="hidden">
      {head.map((l) => (
        <Text key={l.slice(0, 40)} wrap="truncate">
          {l}
        </Text>
      ))}
      {!props.logsOnly && (
        <Text bold color={theme.color('accent')} wrap="truncate">
          events ({d.events.length})
        </Text>
      )}
      {eventLines.map((l, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a window of an append-only list
        <Text key={i} wrap="truncate">
          {l}
        </Text>
      ))}
      <Text bold color={theme.color('accent')} wrap="truncate">
        {logTitle}
      </Text>
      {window.map((l, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a window of an append-only list
        <Text key={i} wrap="truncate" color={l.stream === 'stderr' ? theme.color('warn') : undefined}>
          {l.text}
        </Text>
      ))}
    </Box>
  );
}
