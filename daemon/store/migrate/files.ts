import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AidosError } from '../../errors.js';

/** A migration file on disk. */
export interface MigrationFile {
  /** Version number from the file name prefix. */
  version: number;
  /** Name part of the file name. */
  name: string;
  /** File name, for messages. */
  file: string;
  /** sha-256 hex of the contents. */
  checksum: string;
  /** The SQL. */
  sql: string;
}

const FILE_PATTERN = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/** The project's migrations folder, found from this module whether it runs from source or dist/. */
export function defaultMigrationsRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'migrations');
    if (existsSync(join(candidate, 'sqlite')) && existsSync(join(candidate, 'postgres'))) return candidate;
    dir = dirname(dir);
  }
  throw new AidosError('migration', 'migrations folder not found next to the aidos installation');
}

export function checksumOf(sql: string): string {
  return createHash('sha256').update(sql).digest('hex');
}

/** Reads and orders the migrations of one dialect; rejects badly named or duplicate versions. */
export function readMigrationFiles(folder: string): MigrationFile[] {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch (cause) {
    throw new AidosError('migration', `migrations folder ${folder} cannot be read`, { cause });
  }
  const files: MigrationFile[] = [];
  for (const file of names.sort()) {
    if (!file.endsWith('.sql')) continue;
    const match = FILE_PATTERN.exec(file);
    if (!match) {
      throw new AidosError('migration', `migration ${file}: name must look like 0001_some_name.sql`, {
        field: file,
      });
    }
    const sql = readFileSync(join(folder, file), 'utf8');
    const version = Number(match[1]);
    const clash = files.find((f) => f.version === version);
    if (clash) {
      throw new AidosError(
        'migration',
        `migration ${file}: version ${version} is also used by ${clash.file}`,
        {
          field: file,
        },
      );
    }
    files.push({ version, name: match[2] as string, file, checksum: checksumOf(sql), sql });
  }
  return files;
}
