/** Every screen the TUI shows; `task` is the detail of one task, `report` one drill's report. */
export type ViewName = 'nodes' | 'agents' | 'tasks' | 'health' | 'events' | 'chaos' | 'task' | 'report';

/** The top-level views, in the order of keys 1–6 and tab. */
export const MAIN_VIEWS: readonly ViewName[] = ['nodes', 'agents', 'tasks', 'health', 'events', 'chaos'];

/** Views that show a table the cursor moves through. */
export const LIST_VIEWS: readonly ViewName[] = ['nodes', 'agents', 'tasks', 'health', 'events', 'chaos'];

/** One thing a key can do; the registry below is the only place keys are defined. */
export interface ActionSpec {
  /** Stable id, used in the config file's `keys` section. */
  id: string;
  /** Default keys (see keyName for the names). */
  keys: string[];
  /** Short label for the footer and help. */
  label: string;
  /** Views where it applies; `all` for everywhere. */
  views: readonly ViewName[] | 'all';
  /** Changes the fleet: asks for confirmation, removed by --readonly. */
  dangerous: boolean;
  /** Shown in the footer (help lists every action regardless). */
  footer: boolean;
}

const TASK_VIEWS: readonly ViewName[] = ['tasks', 'task'];

/** The registry: keys, footer, help and --readonly all read it. */
export const ACTIONS: readonly ActionSpec[] = [
  { id: 'help', keys: ['?'], label: 'help', views: 'all', dangerous: false, footer: true },
  { id: 'command', keys: [':'], label: 'command', views: 'all', dangerous: false, footer: true },
  { id: 'filter', keys: ['/'], label: 'filter', views: LIST_VIEWS, dangerous: false, footer: true },
  { id: 'back', keys: ['esc'], label: 'back', views: 'all', dangerous: false, footer: true },
  { id: 'quit', keys: ['q', 'ctrl+c'], label: 'quit', views: 'all', dangerous: false, footer: true },
  { id: 'view.nodes', keys: ['1'], label: 'nodes', views: 'all', dangerous: false, footer: false },
  { id: 'view.agents', keys: ['2'], label: 'agents', views: 'all', dangerous: false, footer: false },
  { id: 'view.tasks', keys: ['3'], label: 'tasks', views: 'all', dangerous: false, footer: false },
  { id: 'view.health', keys: ['4'], label: 'health', views: 'all', dangerous: false, footer: false },
  { id: 'view.events', keys: ['5'], label: 'events', views: 'all', dangerous: false, footer: false },
  { id: 'view.chaos', keys: ['6'], label: 'chaos', views: 'all', dangerous: false, footer: false },
  { id: 'view.next', keys: ['tab'], label: 'next view', views: 'all', dangerous: false, footer: false },
  { id: 'cursor.down', keys: ['j', 'down'], label: 'down', views: 'all', dangerous: false, footer: false },
  { id: 'cursor.up', keys: ['k', 'up'], label: 'up', views: 'all', dangerous: false, footer: false },
  {
    id: 'page.down',
    keys: ['pgdn', 'ctrl+f'],
    label: 'page down',
    views: 'all',
    dangerous: false,
    footer: false,
  },
  {
    id: 'page.up',
    keys: ['pgup', 'ctrl+b'],
    label: 'page up',
    views: 'all',
    dangerous: false,
    footer: false,
  },
  { id: 'cursor.top', keys: ['g', 'home'], label: 'top', views: 'all', dangerous: false, footer: false },
  { id: 'cursor.bottom', keys: ['G', 'end'], label: 'bottom', views: 'all', dangerous: false, footer: false },
  {
    id: 'open',
    keys: ['enter'],
    label: 'detail',
    views: ['tasks', 'agents', 'chaos'],
    dangerous: false,
    footer: true,
  },
  { id: 'sort', keys: ['s'], label: 'sort', views: LIST_VIEWS, dangerous: false, footer: true },
  { id: 'logs', keys: ['l'], label: 'logs', views: TASK_VIEWS, dangerous: false, footer: true },
  { id: 'task.cancel', keys: ['c'], label: 'cancel', views: TASK_VIEWS, dangerous: true, footer: true },
  { id: 'task.retry', keys: ['r'], label: 'retry', views: TASK_VIEWS, dangerous: true, footer: true },
  { id: 'task.move', keys: ['m'], label: 'move', views: TASK_VIEWS, dangerous: true, footer: true },
  {
    id: 'node.drain',
    keys: ['d'],
    label: 'drain/undrain',
    views: ['nodes'],
    dangerous: true,
    footer: true,
  },
  { id: 'chaos.run', keys: ['x'], label: 'run/inject', views: ['chaos'], dangerous: true, footer: true },
  { id: 'chaos.abort', keys: ['A'], label: 'abort all', views: ['chaos'], dangerous: true, footer: true },
];
