import type { Readable } from 'node:stream';
import type { RotatingLog } from './log-file.js';
import { LineSplitter } from './ring-buffer.js';

/** Which output stream a line or chunk came from. */
export type OutputStream = 'stdout' | 'stderr';

/** Where a process's output goes. */
export interface OutputSinks {
  /** Every byte, both streams merged, in arrival order. */
  log: RotatingLog;
  /** Each complete line (long ones cut by the splitter). */
  onLine(stream: OutputStream, text: string): void;
  /** Each raw chunk, before it is split (e.g. to keep the tail of stdout for the envelope). */
  onChunk?(stream: OutputStream, chunk: Buffer): void;
}

/**
 * Captures both output streams of a process, the one way agent runs and agent services do it: to
 * the log file and, line by line, to the caller. A stream error (the pipe closing under us) is
 * ignored: the process's exit is what ends the capture.
 */
export function captureOutput(child: Record<OutputStream, Readable>, sinks: OutputSinks): void {
  for (const stream of ['stdout', 'stderr'] as const) {
    const splitter = new LineSplitter((text) => sinks.onLine(stream, text));
    const pipe = child[stream];
    pipe.on('data', (chunk: Buffer) => {
      sinks.log.write(chunk);
      sinks.onChunk?.(stream, chunk);
      splitter.write(chunk);
    });
    pipe.on('end', () => splitter.end());
    pipe.on('error', () => {});
  }
}
