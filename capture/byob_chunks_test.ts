import assert from "node:assert/strict";
import { byobChunks } from "./byob_chunks.ts";

function byteStream(
  parts: Uint8Array<ArrayBuffer>[],
): ReadableStream<Uint8Array> {
  let index = 0;
  return new ReadableStream({
    type: "bytes",
    pull(controller) {
      const part = parts[index++];
      if (part !== undefined) return controller.enqueue(part);
      controller.close();
      controller.byobRequest?.respond(0); // a pending BYOB read ends with "done"
    },
  });
}

Deno.test("byobChunks() reads every byte of a byte stream in order", async () => {
  const parts = [
    new Uint8Array([1, 2, 3]),
    new Uint8Array([4]),
    new Uint8Array(10).fill(9),
  ];
  const seen: number[] = [];
  for await (const chunk of byobChunks(byteStream(parts), 4)) {
    seen.push(...chunk);
  }
  assert.deepEqual(seen, [1, 2, 3, 4, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9]);
});

Deno.test("byobChunks() falls back to the default reader for plain streams", async () => {
  const plain = ReadableStream.from([
    new Uint8Array([5, 6]),
    new Uint8Array([7]),
  ]);
  const seen: number[] = [];
  for await (const chunk of byobChunks(plain)) seen.push(...chunk);
  assert.deepEqual(seen, [5, 6, 7]);
});

/** A byte stream of `count` reads, read `n` filled with the byte n (into the reader's buffer). */
function numberedReads(
  count: number,
  bytes: number,
): ReadableStream<Uint8Array> {
  let n = 0;
  return new ReadableStream({
    type: "bytes",
    pull(controller) {
      const request = controller.byobRequest!;
      if (n === count) {
        controller.close();
        request.respond(0);
        return;
      }
      const view = request.view!;
      new Uint8Array(view.buffer, view.byteOffset, bytes).fill(++n);
      request.respond(bytes);
    },
  });
}

Deno.test("byobChunks() keeps a chunk intact while the next read is under way", async () => {
  const seen: number[] = [];
  for await (const chunk of byobChunks(numberedReads(6, 100), 100)) {
    const first = chunk[0]!;
    // The consumer takes its time; the read-ahead fills the other buffer.
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(chunk.length, 100, "not detached by the next read");
    assert.ok(chunk.every((byte) => byte === first), `chunk ${first} intact`);
    seen.push(first);
  }
  assert.deepEqual(seen, [1, 2, 3, 4, 5, 6]);
});

Deno.test("byobChunks() lets go of the stream when the consumer stops early", async () => {
  const stream = numberedReads(100, 100);
  for await (const chunk of byobChunks(stream, 100)) {
    if (chunk[0] === 3) break;
  }
  // The read-ahead did not keep the lock: the stream can be cancelled.
  assert.equal(stream.locked, false);
  await stream.cancel();
});
