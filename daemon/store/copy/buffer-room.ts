/**
 * `buffer` when `bytes` more fit after its first `used`, else a buffer at least twice as large
 * holding those `used` bytes: the growth of the copy's reused scratch buffers, which never shrink.
 */
export function withRoom(buffer: Buffer, used: number, bytes: number): Buffer {
  if (used + bytes <= buffer.length) return buffer;
  const bigger = Buffer.allocUnsafe(Math.max(buffer.length * 2, used + bytes));
  buffer.copy(bigger, 0, 0, used);
  return bigger;
}
