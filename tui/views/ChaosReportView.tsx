import { Box, Text } from 'ink';
import type { Theme } from '../app/theme.js';
import type { ChaosReport } from '../hooks/use-chaos-report.js';
import type { StyledLine } from './markdown-lines.js';

/** Props of ChaosReportView. */
export interface ChaosReportViewProps {
  /** Run shown. */
  runId: string;
  /** What chaos.report answered. */
  report: ChaosReport;
  /** The report laid out for the terminal's width (markdownLines). */
  lines: StyledLine[];
  /** First line shown (the key handler keeps it inside the report). */
  top: number;
  /** Lines available, the position line included. */
  height: number;
  /** Colours. */
  theme: Theme;
}

/** Lines of the report a view of `height` lines shows at once (one is the position line). */
export const reportPage = (height: number) => Math.max(1, height - 1);

/** A drill's Markdown report, laid out for the terminal and windowed to its height; j/k scroll it. */
export function ChaosReportView(props: ChaosReportViewProps) {
  const { report, lines, theme, height } = props;
  const page = reportPage(height);
  const top = Math.max(0, Math.min(props.top, lines.length - page));
  const shown = lines.slice(top, top + page);
  const where = report.markdown
    ? `lines ${lines.length ? top + 1 : 0}–${top + shown.length} of ${lines.length}  (j/k, pgup/pgdn, g/G scroll; esc back)`
    : report.error
      ? `report: ${report.error}`
      : 'reading the report…';
  const tone = report.verdict ? (report.verdict === 'passed' ? 'pass' : 'fail') : 'dim';
  return (
    <Box flexDirection="column" height={height} overflowY="hidden">
      <Text wrap="truncate" color={theme.color(report.error ? 'error' : 'dim')}>
        {`${props.runId}${report.verdict ? ` ${report.verdict}` : ''} · ${where}`}
      </Text>
      {shown.map((l, i) => (
        <Text
          // biome-ignore lint/suspicious/noArrayIndexKey: a window of a fixed document
          key={top + i}
          wrap="truncate"
          bold={l.style !== 'text' && l.style !== 'code'}
          color={theme.color(l.style === 'title' ? tone : l.style === 'heading' ? 'accent' : '')}
        >
          {l.text || ' '}
        </Text>
      ))}
    </Box>
  );
}
