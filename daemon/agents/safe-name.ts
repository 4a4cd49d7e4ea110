/**
 * Task ids come from API callers; they become file and directory names, so anything
 * outside a conservative set is encoded to keep them inside the intended directory.
 */
export function safeName(id: string): string {
  const cleaned = id.replace(/[^A-Za-z0-9._-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return cleaned === '.' || cleaned === '..' || cleaned === '' ? `%${cleaned}` : cleaned;
}
