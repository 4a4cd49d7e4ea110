import type { ViewName } from '../keys/actions.js';
import type { ListOptions } from '../views/table-model.js';

/** One step of the breadcrumb. */
export interface Screen {
  /** Which view. */
  view: ViewName;
  /** For the task view: which task. */
  taskId?: string;
  /** For the task view: the log tail over the whole height. */
  logsOnly?: boolean;
  /** For the report view: which drill. */
  runId?: string;
}

/** What the keyboard is doing right now. */
export type Mode =
  | {
      /** Keys go to the actions of the keymap. */
      kind: 'normal';
    }
  | {
      /** The `?` help is shown. */
      kind: 'help';
    }
  | {
      /** Typing a `:` command. */
      kind: 'command';
      /** What was typed. */
      text: string;
      /** Completion candidates to show. */
      hint: string;
    }
  | {
      /** Typing a `/` filter. */
      kind: 'filter';
      /** What was typed. */
      text: string;
    }
  | {
      /** Picking one of a list (the node to move a task to). */
      kind: 'pick';
      /** What is being picked for, e.g. "move t_… to". */
      title: string;
      /** The choices. */
      options: string[];
      /** The highlighted choice. */
      index: number;
      /** The mode after a choice (the confirmation naming it). */
      choose: (option: string) => Mode;
    }
  | {
      /** Waiting for y/n before a dangerous action. */
      kind: 'confirm';
      /** The question, naming the target. */
      question: string;
      /** Does the action; resolves with the message to show. */
      run: () => Promise<string>;
    };

/** The UI's own state (what is shown, not what the fleet is). */
export interface UiState {
  /** Breadcrumb, current screen last. */
  stack: Screen[];
  /** Selected row per list view. */
  cursor: Partial<Record<ViewName, number>>;
  /** Filter and sort per list view. */
  list: Partial<Record<ViewName, ListOptions>>;
  /** Keyboard mode. */
  mode: Mode;
  /** Last result or error, shown in the footer. */
  message: { text: string; tone?: string };
  /** Task view: lines scrolled back from the end of the log; report view: first line shown. */
  logScroll: number;
}

/** Where the TUI starts. */
export function initialUi(view: ViewName = 'tasks'): UiState {
  return {
    stack: [{ view }],
    cursor: {},
    list: {},
    mode: { kind: 'normal' },
    message: { text: '' },
    logScroll: 0,
  };
}

/** The screen on top of the breadcrumb. */
export function current(ui: UiState): Screen {
  return ui.stack[ui.stack.length - 1]!;
}

/** Filter and sort of a view. */
export function listOf(ui: UiState, view: ViewName): ListOptions {
  return ui.list[view] ?? { filter: '', sort: -1 };
}
