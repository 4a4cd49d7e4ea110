import type { Key } from 'ink';

/** Named keys a binding may use besides single printable characters and ctrl+LETTER. */
export const NAMED_KEYS = [
  'enter',
  'esc',
  'tab',
  'shift+tab',
  'up',
  'down',
  'left',
  'right',
  'pgup',
  'pgdn',
  'home',
  'end',
  'backspace',
  'delete',
] as const;

/** True for a key name a binding may use. */
export function isValidKeyName(name: string): boolean {
  return (
    (NAMED_KEYS as readonly string[]).includes(name) || /^ctrl\+[a-z]$/.test(name) || /^[!-~]$/.test(name)
  );
}

/** The binding name of what Ink reports for one key press ('' for nothing bindable). */
export function keyName(input: string, key: Key): string {
  if (key.return) return 'enter';
  if (key.escape) return 'esc';
  if (key.tab) return key.shift ? 'shift+tab' : 'tab';
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.leftArrow) return 'left';
  if (key.rightArrow) return 'right';
  if (key.pageUp) return 'pgup';
  if (key.pageDown) return 'pgdn';
  if (key.home) return 'home';
  if (key.end) return 'end';
  if (key.backspace) return 'backspace';
  if (key.delete) return 'delete';
  if (key.ctrl && /^[a-z]$/.test(input)) return `ctrl+${input}`;
  return input.length === 1 ? input : '';
}
