import { StringDecoder } from 'node:string_decoder';

/** One captured output line. */
export interface OutputLine {
  /** Which pipe it came from. */
  stream: 'stdout' | 'stderr';
  /** The text, without its newline; long lines are cut (see MAX_LINE_CHARS). */
  text: string;
  /** When it was read, ms since the epoch. */
  at: number;
}

/** Lines longer than this are cut: a live view needs a glimpse, not megabytes. */
export const MAX_LINE_CHARS = 4096;

/** Keeps the last `capacity` lines; older lines are overwritten, so memory is fixed. */
export class LineRing {
  private readonly items: (OutputLine | undefined)[];
  private next = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    this.items = new Array(capacity);
  }

  push(line: OutputLine): void {
    this.items[this.next] = line;
    this.next = (this.next + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
  }

  /** Oldest first. */
  lines(): OutputLine[] {
    const out: OutputLine[] = [];
    const first = (this.next - this.size + this.capacity) % this.capacity;
    for (let i = 0; i < this.size; i++) out.push(this.items[(first + i) % this.capacity] as OutputLine);
    return out;
  }
}

/**
 * Splits a byte stream into lines. The pending partial line is capped so a stream
 * without newlines cannot grow it without bound; the excess is dropped.
 */
export class LineSplitter {
  private pending = '';
  private truncated = false;
  // A chunk may end inside a multi-byte character; the decoder carries it over.
  private readonly decoder = new StringDecoder('utf8');

  constructor(private readonly emit: (text: string) => void) {}

  write(chunk: Buffer | string): void {
    const parts = (this.pending + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk))).split(
      '\n',
    );
    this.pending = parts.pop() ?? '';
    for (const part of parts) {
      this.emit(this.truncated ? `${part.slice(0, MAX_LINE_CHARS)}…` : cut(part));
      this.truncated = false;
    }
    if (this.pending.length > MAX_LINE_CHARS) {
      this.pending = this.pending.slice(0, MAX_LINE_CHARS);
      this.truncated = true;
    }
  }

  /** Emits the last unterminated line, if any. */
  end(): void {
    if (this.pending.length > 0) this.emit(cut(this.pending));
    this.pending = '';
  }
}

function cut(text: string): string {
  return text.length > MAX_LINE_CHARS ? `${text.slice(0, MAX_LINE_CHARS)}…` : text;
}
