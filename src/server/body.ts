// Request bodies read with a byte limit: the Fetch handler and the emulator's forms read a `Request` body
// this way, and the Node adapter joins its chunks with `concatBytes`.

/** Joins chunks into one array (the one chunk itself when there is only one). */
export function concatBytes(chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1 && chunks[0] !== undefined) return chunks[0];
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/** Reads a Fetch body, stopping (and cancelling the stream) as soon as it passes `limit` bytes. */
export async function readLimited(
  request: Request,
  limit: number,
): Promise<Uint8Array | 'too_large'> {
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      reader.cancel().catch(() => {});
      return 'too_large';
    }
    chunks.push(value);
  }
  return concatBytes(chunks, total);
}
