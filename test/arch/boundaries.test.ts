import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importCycles, importEdges, sourceFiles, stringLiterals } from './import-graph.js';

// The layering rules of DESIGN.md (Layout, Boundaries) and docs/modules.md, checked on the source:
// they stay true only if breaking one fails a test.
const root = fileURLToPath(new URL('../..', import.meta.url));
const files = sourceFiles(root, ['daemon', 'shared', 'tui', 'chaos']);
const edges = importEdges(root, files);
const COMPOSE = 'daemon/compose.ts';

/** A module's folder: `daemon/<name>/` for the daemon's own, the top folder (`chaos/`) for one beside it. */
function moduleFolder(moduleFile: string): string {
  const parts = moduleFile.split('/');
  return parts[0] === 'daemon' ? `daemon/${parts[1]}/` : `${parts[0]}/`;
}

/** The modules the composition root lists, as folders. */
const moduleFolders = edges
  .filter((e) => e.from === COMPOSE && e.to.endsWith('/module.ts') && !e.to.startsWith('daemon/runtime/'))
  .map((e) => moduleFolder(e.to));
const moduleOf = (file: string) => moduleFolders.find((m) => file.startsWith(m));
const show = (list: { from: string; to: string }[]) => list.map((e) => `${e.from} → ${e.to}`);

describe('module boundaries', () => {
  it('finds the modules in the composition root', () => {
    expect(moduleFolders).toEqual(
      expect.arrayContaining(['daemon/health/', 'daemon/tasks/', 'daemon/cluster/', 'chaos/']),
    );
  });

  it('has no import cycle, type imports included', () => {
    expect(importCycles(edges)).toEqual([]);
  });

  it('only the composition root imports modules: not the runtime, the CLI or any library folder', () => {
    const wrong = edges.filter(
      (e) => e.from.startsWith('daemon/') && e.from !== COMPOSE && !moduleOf(e.from) && moduleOf(e.to),
    );
    expect(show(wrong)).toEqual([]);
  });

  it('a module reaches another only through types (services it provides), never its code', () => {
    const wrong = edges.filter(
      (e) => moduleOf(e.from) && moduleOf(e.to) && moduleOf(e.from) !== moduleOf(e.to) && !e.typeOnly,
    );
    expect(show(wrong)).toEqual([]);
  });

  it('modules reach the store only through its facets: type imports of facets.ts and types.ts', () => {
    const allowed = ['daemon/store/facets.ts', 'daemon/store/types.ts'];
    const wrong = edges.filter(
      (e) => moduleOf(e.from) && e.to.startsWith('daemon/store/') && !(e.typeOnly && allowed.includes(e.to)),
    );
    expect(show(wrong)).toEqual([]);
  });

  it("a module's services throw AidosError: only its operations and routes know the HTTP layer's ApiError", () => {
    const wrong = edges.filter(
      (e) =>
        moduleOf(e.from) &&
        e.to === 'daemon/server/api-error.ts' &&
        !/(operations|routes|route|module)\.ts$/.test(e.from),
    );
    expect(show(wrong)).toEqual([]);
  });

  it('nothing outside daemon/store/ tells the stores apart by class, opens a driver or writes SQL', () => {
    const outside = files.filter((f) => !f.startsWith('daemon/store/'));
    const text = (f: string) => readFileSync(`${root}/${f}`, 'utf8');
    const matching = (pattern: RegExp) => outside.filter((f) => pattern.test(text(f)));
    expect(matching(/instanceof\s+(SqliteStore|PostgresStore)\b/)).toEqual([]);
    expect(matching(/from '(pg|better-sqlite3|pg-copy-streams)'/)).toEqual([]);
    expect(
      matching(/\b(SELECT\s+[\w*]|INSERT\s+INTO|DELETE\s+FROM|UPDATE\s+\w+\s+SET|CREATE\s+TABLE)\b/),
    ).toEqual([]);
  });

  it('route strings live in shared/ (the route table); the daemon, CLI, TUI and chaos name them', () => {
    // The chaos module's node-to-node path is its own, defined once beside its signer.
    const own = ['chaos/cluster/peer-protocol.ts'];
    const wrong = files
      .filter((f) => !f.startsWith('shared/') && !own.includes(f))
      .flatMap((f) => stringLiterals(root, f).map((text) => `${f}: ${text}`))
      .filter((hit) => /: \/(api\/v1|health|metrics|v1\/)/.test(hit));
    expect(wrong).toEqual([]);
  });

  it('shared/ depends on nothing of ours; the TUI only on shared/', () => {
    const wrong = edges.filter(
      (e) =>
        (e.from.startsWith('shared/') && !e.to.startsWith('shared/')) ||
        (e.from.startsWith('tui/') && !e.to.startsWith('tui/') && !e.to.startsWith('shared/')),
    );
    expect(show(wrong)).toEqual([]);
  });
});
