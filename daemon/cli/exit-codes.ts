/**
 * Exit codes of the `aidos` client commands, one meaning each (README "Exit codes"). `aidos health`
 * keeps the Nagios convention of its own (0 pass, 1 warn, 2 fail, 3 unknown/unreachable).
 */
export const EXIT = {
  /** Done; with --wait, the task succeeded. */
  ok: 0,
  /** With --wait: the task ended but did not succeed (failed, cancelled, dead). */
  taskUnsuccessful: 1,
  /** The daemon refused the request (bad input, not found, conflict, unauthorized). */
  rejected: 2,
  /** The daemon could not be reached (refused, timed out, closed the connection). */
  unreachable: 3,
  /** --wait-timeout expired before the task ended (the task goes on). */
  waitTimeout: 4,
  /** The daemon answered but its store is down (HTTP 503 unavailable). */
  storeDown: 5,
  /** sysexits EX_USAGE: wrong command-line arguments. */
  usage: 64,
  /** sysexits EX_DATAERR: migration history disagrees with the files. */
  dataErr: 65,
  /** sysexits EX_UNAVAILABLE: the store could not be opened (local commands). */
  unavailable: 69,
  /** sysexits EX_SOFTWARE: the daemon answered with an internal error, or with a reply no daemon sends. */
  internal: 70,
  /** sysexits EX_CONFIG: the configuration is invalid. */
  config: 78,
} as const;
