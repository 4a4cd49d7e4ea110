import pino from 'pino';

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
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
