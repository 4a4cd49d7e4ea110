import pino from 'pino';
import { stdoutDestination } from './destination.js';

export type Logger = pino.Logger;

/** Structured JSON lines on stdout, so journald (and any collector) keeps one record per line. */
export function createLogger(level: string, nodeId: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { node: nodeId, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? stdoutDestination(),
  );
}
