import type { ViewName } from '../keys/actions.js';

/** What a `:` command line asks for. */
export type Command =
  | {
      /** Switch to a view. */
      kind: 'view';
      /** Which one. */
      view: ViewName;
    }
  | {
      /** List (name null) or switch contexts. */
      kind: 'ctx';
      /** Context to switch to. */
      name: string | null;
    }
  | {
      /** Show the keys. */
      kind: 'help';
    }
  | {
      /** Leave. */
      kind: 'quit';
    }
  | {
      /** `:move <task> <node>`. */
      kind: 'move';
      /** Task id. */
      task: string;
      /** Node to run it on. */
      node: string;
    }
  | {
      /** `:drain <node>` or `:undrain <node>`. */
      kind: 'drain';
      /** drain or undrain. */
      verb: 'drain' | 'undrain';
      /** The node. */
      node: string;
    }
  | {
      /** Not a command. */
      kind: 'error';
      /** What to tell the user. */
      message: string;
    };

const VIEWS: Record<string, ViewName> = {
  nodes: 'nodes',
  no: 'nodes',
  agents: 'agents',
  ag: 'agents',
  tasks: 'tasks',
  ta: 'tasks',
  health: 'health',
  he: 'health',
  events: 'events',
  ev: 'events',
  chaos: 'chaos',
};

/** Every command name, for completion and for the error listing them. */
export const COMMANDS = [
  'nodes',
  'agents',
  'tasks',
  'health',
  'events',
  'chaos',
  'ctx',
  'move',
  'drain',
  'undrain',
  'help',
  'quit',
];

/** Parses one command line (without the leading `:`). */
export function parseCommand(line: string): Command {
  const [name = '', ...args] = line.trim().split(/\s+/);
  const view = VIEWS[name];
  if (view)
    return args.length ? { kind: 'error', message: `:${name} takes no arguments` } : { kind: 'view', view };
  if (name === 'ctx' || name === 'context') {
    if (args.length > 1) return { kind: 'error', message: ':ctx takes one context name' };
    return { kind: 'ctx', name: args[0] ?? null };
  }
  if (name === 'move')
    return args.length === 2
      ? { kind: 'move', task: args[0]!, node: args[1]! }
      : { kind: 'error', message: ':move takes a task id and a node id (:move t_… node-2)' };
  if (name === 'drain' || name === 'undrain')
    return args.length === 1
      ? { kind: 'drain', verb: name, node: args[0]! }
      : { kind: 'error', message: `:${name} takes one node id` };
  if (name === 'help' || name === '?') return { kind: 'help' };
  if (name === 'q' || name === 'quit' || name === 'q!') return { kind: 'quit' };
  return {
    kind: 'error',
    message: `unknown command ":${name}" (commands: ${COMMANDS.map((c) => `:${c}`).join(' ')})`,
  };
}

/** Tab completion: the completed line and the candidates that were possible. */
export function completeCommand(line: string, contexts: string[]): { line: string; candidates: string[] } {
  const ctx = /^(ctx|context)\s+(\S*)$/.exec(line);
  const [pool, prefix, lead] = ctx ? [contexts, ctx[2]!, `${ctx[1]} `] : [COMMANDS, line.trim(), ''];
  if (!ctx && /\s/.test(line.trim())) return { line, candidates: [] };
  const candidates = pool.filter((c) => c.startsWith(prefix));
  if (candidates.length === 1)
    return {
      line: `${lead}${candidates[0]}${ctx ? '' : ' '}`.replace(/ $/, candidates[0] === 'ctx' ? ' ' : ''),
      candidates,
    };
  let common = prefix;
  if (candidates.length > 1)
    for (let i = prefix.length; ; i++) {
      const ch = candidates[0]![i];
      if (!ch || !candidates.every((c) => c[i] === ch)) break;
      common += ch;
    }
  return { line: `${lead}${common}`, candidates };
}
