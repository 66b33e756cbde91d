import assert from "node:assert/strict";
import { topN } from "./top_n.ts";

Deno.test("topN keeps the highest positive scores in order, ties in iteration order", () => {
  const items = [5, 1, 9, 7, 9, 0, -3, 2, 8];
  assert.deepEqual(topN(items, 3, (x) => x).map((e) => e.item), [9, 9, 8]);
  assert.deepEqual(
    topN(["a", "bb", "cc", "d"], 2, (s) => s.length).map((e) => e.item),
    ["bb", "cc"],
  );
  assert.deepEqual(topN(items, 0, (x) => x), []);
  assert.deepEqual(topN(items, 20, (x) => x).map((e) => e.score), [
    9,
    9,
    8,
    7,
    5,
    2,
    1,
  ]);
});
