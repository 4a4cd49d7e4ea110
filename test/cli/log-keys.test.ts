import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/** Keys every daemon log line already carries (pino's base and its own fields). */
const BASE_KEYS = new Set(['level', 'time', 'msg', 'pid', 'node', 'hostname']);
const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);

function sources(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => join(dir, f));
}

/** Every `logger.<level>({...}, msg)` and `logger.child({...})` of the daemon and chaos code. */
function logCalls(): { where: string; keys: string[] | null }[] {
  const calls: { where: string; keys: string[] | null }[] = [];
  for (const file of [...sources('daemon'), ...sources('chaos')]) {
    const src = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (n: ts.Node) => {
      if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression)) {
        const method = n.expression.name.text;
        const receiver = n.expression.expression.getText(src);
        const first = n.arguments[0];
        const logged = LEVELS.has(method) ? n.arguments.length >= 2 : method === 'child';
        if (/log/i.test(receiver) && logged && first) {
          const where = `${file}:${src.getLineAndCharacterOfPosition(n.getStart()).line + 1}`;
          calls.push({
            where,
            // Spreads are checked at run time (operator-cli.test.ts counts the keys of real lines).
            keys: ts.isObjectLiteralExpression(first)
              ? first.properties.flatMap((p) => (p.name ? [p.name.getText(src)] : []))
              : null,
          });
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(src);
  }
  return calls;
}

describe('daemon log keys', () => {
  it('no log call repeats a base key or a key of its own, and every key is snake_case', () => {
    const calls = logCalls();
    expect(calls.length).toBeGreaterThan(50);
    // An object built elsewhere hides its keys from this check: log a literal.
    expect(calls.filter((c) => c.keys === null).map((c) => c.where)).toEqual([]);
    const bad = calls.flatMap(({ where, keys }) =>
      (keys ?? [])
        .filter((k, i, all) => BASE_KEYS.has(k) || all.indexOf(k) !== i || !/^[a-z][a-z0-9_]*$/.test(k))
        .map((k) => `${where} ${k}`),
    );
    expect(bad).toEqual([]);
  });
});
