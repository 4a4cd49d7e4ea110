import { TuiError } from '../config/tui-error.js';
import { ACTIONS, type ActionSpec, type ViewName } from './actions.js';
import { isValidKeyName } from './key-name.js';

/** The live bindings: the registry after remapping and --readonly. */
export interface Keymap {
  /** Actions that exist in this session, with their effective keys. */
  actions: ActionSpec[];
  /** The action a key triggers in a view, if any. */
  lookup(view: ViewName, key: string): ActionSpec | undefined;
  /** Actions that apply in a view, in registry order. */
  forView(view: ViewName): ActionSpec[];
}

function applies(action: ActionSpec, view: ViewName): boolean {
  return action.views === 'all' || action.views.includes(view);
}

function overlap(a: ActionSpec, b: ActionSpec): ViewName | 'all' | undefined {
  if (a.views === 'all') return b.views === 'all' ? 'all' : b.views[0];
  if (b.views === 'all') return a.views[0];
  return a.views.find((v) => (b.views as readonly ViewName[]).includes(v));
}

/** Builds the keymap; a remap naming an unknown action, a bad key or a conflicting key is an error naming it. */
export function buildKeymap(
  remap: Record<string, string | string[]> = {},
  options: { readonly?: boolean } = {},
): Keymap {
  const known = new Map(ACTIONS.map((a) => [a.id, a]));
  for (const [id, keys] of Object.entries(remap)) {
    if (!known.has(id))
      throw new TuiError(`keys.${id}: unknown action (known: ${[...known.keys()].join(', ')})`, {
        field: `keys.${id}`,
      });
    for (const key of Array.isArray(keys) ? keys : [keys])
      if (!isValidKeyName(key))
        throw new TuiError(
          `keys.${id}: "${key}" is not a key name (a character, ctrl+x, enter, esc, tab, up, pgdn, …)`,
          {
            field: `keys.${id}`,
          },
        );
  }
  const actions = ACTIONS.filter((a) => !(options.readonly && a.dangerous)).map((a) => {
    const keys = remap[a.id];
    return keys === undefined ? a : { ...a, keys: Array.isArray(keys) ? keys : [keys] };
  });
  for (let i = 0; i < actions.length; i++)
    for (let j = i + 1; j < actions.length; j++) {
      const a = actions[i]!;
      const b = actions[j]!;
      const shared = a.keys.find((k) => b.keys.includes(k));
      const where = shared && overlap(a, b);
      if (shared && where) {
        const remapped = remap[b.id] !== undefined ? b : a;
        const other = remapped === b ? a : b;
        throw new TuiError(
          `keys.${remapped.id}: "${shared}" is already bound to ${other.id} (view ${where})`,
          { field: `keys.${remapped.id}` },
        );
      }
    }
  return {
    actions,
    lookup: (view, key) => actions.find((a) => applies(a, view) && a.keys.includes(key)),
    forView: (view) => actions.filter((a) => applies(a, view)),
  };
}
