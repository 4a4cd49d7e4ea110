/** The slice of a pino logger the supervisor uses, so tests can pass a silent one. */
export interface AgentLogger {
  /** Something odd but survivable happened (e.g. no setpriv). */
  warn(obj: object, msg: string): void;
  /** Normal lifecycle events (start, exit, restart). */
  info(obj: object, msg: string): void;
}

/** Discards everything; the default when no logger is injected. */
export const silentLogger: AgentLogger = { warn: () => {}, info: () => {} };
