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
