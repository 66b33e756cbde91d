import assert from "node:assert/strict";
import { concatBytes } from "./concat_bytes.ts";

Deno.test("concatBytes joins parts in order, with or without their total", () => {
  const parts = [
    new Uint8Array([1, 2]),
    new Uint8Array(0),
    new Uint8Array([3]),
    new Uint8Array([4, 5, 6]).subarray(1),
  ];
  assert.deepEqual([...concatBytes(parts)], [1, 2, 3, 5, 6]);
  assert.deepEqual([...concatBytes(parts, 5)], [1, 2, 3, 5, 6]);
  assert.equal(concatBytes([]).length, 0);
  // A new buffer, not a view of a part.
  const single = new Uint8Array([7, 8]);
  const joined = concatBytes([single]);
  joined[0] = 0;
  assert.equal(single[0], 7);
});
