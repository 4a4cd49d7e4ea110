import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { completeCommand, parseCommand } from '../../tui/app/commands.js';
import { loadConfig } from '../../tui/config/load-config.js';
import { resolveTarget } from '../../tui/config/resolve-target.js';
import { ACTIONS } from '../../tui/keys/actions.js';
import { buildKeymap } from '../../tui/keys/keymap.js';

const dir = mkdtempSync(join(tmpdir(), 'aidos-tui-cfg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('key registry', () => {
  it('binds every default key once per view, and help, footer and lookup read the same registry', () => {
    const keymap = buildKeymap();
    expect(keymap.lookup('tasks', 'c')?.id).toBe('task.cancel');
    expect(keymap.lookup('tasks', 'j')?.id).toBe('cursor.down');
    expect(keymap.lookup('tasks', 'down')?.id).toBe('cursor.down');
    expect(keymap.lookup('health', 'c')).toBeUndefined();
    expect(keymap.forView('tasks').map((a) => a.id)).toContain('task.retry');
    expect(keymap.actions).toHaveLength(ACTIONS.length);
  });

  it('--readonly removes every dangerous action', () => {
    const keymap = buildKeymap({}, { readonly: true });
    expect(keymap.actions.some((a) => a.dangerous)).toBe(false);
    expect(keymap.lookup('tasks', 'c')).toBeUndefined();
    expect(keymap.lookup('task', 'r')).toBeUndefined();
    expect(keymap.lookup('tasks', 'enter')?.id).toBe('open');
  });

  it('remaps keys from the config, replacing the default binding', () => {
    const keymap = buildKeymap({ 'task.cancel': 'x', 'cursor.down': ['n', 'down'] });
    expect(keymap.lookup('tasks', 'x')?.id).toBe('task.cancel');
    expect(keymap.lookup('tasks', 'c')).toBeUndefined();
    expect(keymap.lookup('tasks', 'n')?.id).toBe('cursor.down');
    expect(keymap.lookup('tasks', 'j')).toBeUndefined();
  });

  it('refuses a conflict, an unknown action and a bad key name, naming the key', () => {
    expect(() => buildKeymap({ 'task.cancel': 'r' })).toThrow(
      'keys.task.cancel: "r" is already bound to task.retry (view tasks)',
    );
    expect(() => buildKeymap({ 'task.nuke': 'x' })).toThrow(
      /^keys\.task\.nuke: unknown action \(known: help,/,
    );
    expect(() => buildKeymap({ quit: 'ctrl+shift+q' })).toThrow(
      'keys.quit: "ctrl+shift+q" is not a key name',
    );
    // A key reused in views that never meet is fine: `l` on health does nothing else.
    expect(buildKeymap({ sort: ['s'] }).lookup('health', 's')?.id).toBe('sort');
  });
});

describe(': commands', () => {
  it('parses views, :ctx and unknown commands', () => {
    expect(parseCommand('nodes')).toEqual({ kind: 'view', view: 'nodes' });
    expect(parseCommand(' ta ')).toEqual({ kind: 'view', view: 'tasks' });
    expect(parseCommand('ctx prod')).toEqual({ kind: 'ctx', name: 'prod' });
    expect(parseCommand('ctx')).toEqual({ kind: 'ctx', name: null });
    expect(parseCommand('q')).toEqual({ kind: 'quit' });
    expect(parseCommand('pods')).toMatchObject({
      kind: 'error',
      message: expect.stringContaining('unknown command ":pods"'),
    });
  });

  it('completes command names and context names', () => {
    expect(completeCommand('hea', [])).toEqual({ line: 'health', candidates: ['health'] });
    expect(completeCommand('he', [])).toEqual({ line: 'he', candidates: ['health', 'help'] });
    expect(completeCommand('c', []).candidates).toEqual(['chaos', 'ctx']);
    expect(completeCommand('ct', []).line).toBe('ctx ');
    expect(completeCommand('ctx st', ['prod', 'staging'])).toEqual({
      line: 'ctx staging',
      candidates: ['staging'],
    });
    expect(completeCommand('ctx ', ['prod', 'pre']).line).toBe('ctx pr');
  });
});

describe('config file and contexts', () => {
  it('reads contexts with token files and resolves the target from flags, then current_context', () => {
    writeFileSync(join(dir, 'token'), 'sekrit\n');
    const path = join(dir, 'tui.yaml');
    writeFileSync(
      path,
      `current_context: prod\ncontexts:\n  prod:\n    url: ws://10.0.0.1:7420\n    token_file: ${join(dir, 'token')}\n    members: [ws://10.0.0.2:7420]\n  dev:\n    url: http://127.0.0.1:7420\nkeys:\n  task.cancel: x\n`,
    );
    const config = loadConfig(path);
    expect(resolveTarget(config, {}, {})).toEqual({
      context: 'prod',
      urls: ['ws://10.0.0.1:7420', 'ws://10.0.0.2:7420'],
      token: 'sekrit',
    });
    expect(resolveTarget(config, { context: 'dev' }, {})).toEqual({
      context: 'dev',
      urls: ['http://127.0.0.1:7420'],
    });
    expect(resolveTarget(config, { url: 'ws://h:1', token: 't' }, {})).toEqual({
      context: null,
      urls: ['ws://h:1'],
      token: 't',
    });
    expect(() => resolveTarget(config, { context: 'nope' }, {})).toThrow(
      'context "nope" is not in the config (known: prod, dev)',
    );
    expect(() => resolveTarget(config, { url: 'h:1' }, {})).toThrow(
      '--url: "h:1" is not an http:// or ws:// URL',
    );
    expect(loadConfig(join(dir, 'missing.yaml'))).toEqual({});
  });

  it('names the bad key of a config file', () => {
    const path = join(dir, 'bad.yaml');
    writeFileSync(path, 'contexts:\n  prod:\n    url: 10.0.0.1:7420\n');
    expect(() => loadConfig(path)).toThrow(
      `${path}: contexts.prod.url: must be an http://, https://, ws:// or wss:// URL`,
    );
    writeFileSync(path, 'context: {}\n');
    expect(() => loadConfig(path)).toThrow(`${path}: context: unknown field`);
  });
});
