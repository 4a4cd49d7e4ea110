import { readFileSync } from 'node:fs';
import { UsageError } from './usage.js';

/** The prompt from -m or --message-file (`-` = stdin); a usage error when it is missing or empty. */
export function readMessage(flags: { message?: string; messageFile?: string }): string {
  if (flags.message !== undefined && flags.messageFile !== undefined)
    throw new UsageError('give either --message or --message-file, not both');
  if (flags.message === undefined && flags.messageFile === undefined)
    throw new UsageError('--message: required (or --message-file FILE, - for stdin)');
  if (flags.message !== undefined) {
    if (flags.message.trim() === '') throw new UsageError('--message: must not be empty');
    return flags.message;
  }
  const file = flags.messageFile as string;
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(code);
    throw new UsageError(`--message-file: cannot read ${file === '-' ? 'stdin' : file} (${why})`, { cause });
  }
  if (text.trim() === '') throw new UsageError(`--message-file: ${file === '-' ? 'stdin' : file} is empty`);
  return text;
}
