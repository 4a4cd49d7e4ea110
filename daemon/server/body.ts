import type { IncomingMessage } from 'node:http';
import { ApiError } from './api-error.js';

/** Reads a JSON body up to a size limit; 413 beyond it, 400 naming `body` when it is not JSON. */
export async function readJsonBody(req: IncomingMessage, limitBytes: number): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limitBytes) throw new ApiError('too_large', `body: larger than ${limitBytes} bytes`, 'body');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limitBytes) throw new ApiError('too_large', `body: larger than ${limitBytes} bytes`, 'body');
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return undefined;
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ApiError('bad_request', `body: not valid JSON (${(error as Error).message})`, 'body');
  }
}
