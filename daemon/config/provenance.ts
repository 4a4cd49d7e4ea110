/** Where one config value came from; later sources win: default < file < env < flag. */
export type ConfigOrigin =
  | { source: 'default' }
  | { source: 'file'; file: string }
  | { source: 'env'; name: string }
  | { source: 'flag'; flag: string };

/** Origin of every key a user set, by dotted path (keys left out came from the defaults). */
export type Provenance = Record<string, ConfigOrigin>;

/** Dotted paths of the leaves of a parsed YAML mapping (arrays are leaves). */
export function leafPaths(value: unknown, prefix: string[] = []): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.keys(value).length === 0)
    return prefix.length ? [prefix.join('.')] : [];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => leafPaths(v, [...prefix, k]));
}

/**
 * The origin of a value at `path`: its own entry, else the nearest set parent (a whole `listen:` set
 * in a file covers `listen.port`), else the set child closest to it (`tasks` covers nothing itself).
 */
export function originOf(provenance: Provenance, path: string): ConfigOrigin {
  for (let p = path; p; p = p.includes('.') ? p.slice(0, p.lastIndexOf('.')) : '') {
    const origin = provenance[p];
    if (origin) return origin;
  }
  return { source: 'default' };
}

/** Whether the user set `path` (or a key inside it) rather than leaving it to its default. */
export function userSet(provenance: Provenance, path: string): boolean {
  return originOf(provenance, path).source !== 'default';
}

/** How an origin reads in messages and in `aidos config check`: `env AIDOS_TASKS_LEASE`. */
export function describeOrigin(origin: ConfigOrigin): string {
  switch (origin.source) {
    case 'default':
      return 'default';
    case 'file':
      return `file ${origin.file}`;
    case 'env':
      return `env ${origin.name}`;
    case 'flag':
      return `flag ${origin.flag}`;
  }
}

/** The key as the user wrote it, for error messages: `AIDOS_TASKS_LEASE (tasks.lease)`. */
export function keyAsSet(provenance: Provenance, path: string): string {
  const origin = originOf(provenance, path);
  if (origin.source === 'env') return `${origin.name} (${path})`;
  if (origin.source === 'flag' && !origin.flag.startsWith('--set')) return `${origin.flag} (${path})`;
  return path;
}
