import assert from "node:assert/strict";
import { addUnique, listOf } from "./evidence_list.ts";

Deno.test("listOf() splits the decoder's lists; an empty one holds nothing", () => {
  assert.deepEqual(listOf(""), []);
  assert.deepEqual(listOf("fe80::1"), ["fe80::1"]);
  assert.deepEqual(listOf("10.0.0.1,10.0.0.2"), ["10.0.0.1", "10.0.0.2"]);
});

Deno.test("addUnique() adds each new item once, up to the bound", () => {
  const listed = ["a"];
  addUnique(listed, ["a", "b", "b", "c", "d"], 3);
  assert.deepEqual(listed, ["a", "b", "c"]);
});
