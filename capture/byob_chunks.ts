/**
 * Reads a byte stream into one reused buffer (a BYOB reader), which is 2–6×
 * faster than the default reader for tcpdump's stdout and large files.
 *
 * @module
 */

/** Default size of the reused read buffer, in bytes. */
export const DEFAULT_CHUNK_BYTES = 1 << 20;

/**
 * Yields chunks of `stream`. With a byte stream, every chunk is a view of the
 * same reused buffer and is valid only until the next iteration: consumers
 * copy what they keep. Streams without BYOB support are read normally.
 */
export async function* byobChunks(
  stream: ReadableStream<Uint8Array>,
  chunkBytes: number = DEFAULT_CHUNK_BYTES,
): AsyncGenerator<Uint8Array, void, undefined> {
  let reader: ReadableStreamBYOBReader;
  try {
    reader = stream.getReader({ mode: "byob" });
  } catch {
    // Not a byte stream (e.g. a DecompressionStream's output): read normally.
    const plain = stream.getReader();
    try {
      while (true) {
        const { done, value } = await plain.read();
        if (done) return;
        if (value.byteLength > 0) yield value;
      }
    } finally {
      plain.releaseLock();
    }
  }
  let buffer = new ArrayBuffer(chunkBytes);
  try {
    while (true) {
      const { done, value } = await reader.read(new Uint8Array(buffer));
      if (done || value === undefined) return;
      buffer = value.buffer as ArrayBuffer; // the read transferred it; take it back
      if (value.byteLength > 0) yield value;
    }
  } finally {
    reader.releaseLock();
  }
}
