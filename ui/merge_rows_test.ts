import assert from "node:assert/strict";
import type { PacketRow } from "../server/packet_row.ts";
import { mergeRows } from "./merge_rows.ts";
import { packetRow } from "./test_rows.ts";

function row(n: number, info = ""): PacketRow {
  return packetRow({ n, timestampUs: n * 1000, info });
}

const numbers = (rows: readonly PacketRow[]) => rows.map((r) => r.n);

Deno.test("mergeRows() fills the gaps between sampled rows, oldest first", () => {
  const merged = mergeRows([row(1), row(5), row(9)], [
    row(4),
    row(5),
    row(6),
    row(10),
  ], 100);
  assert.deepEqual(numbers(merged.rows), [1, 4, 5, 6, 9, 10]);
  assert.equal(merged.added, 3);
});

Deno.test("mergeRows() keeps the held row of a number fetched again", () => {
  const merged = mergeRows([row(2, "held")], [row(2, "fetched")], 10);
  assert.equal(merged.rows[0]?.info, "held");
  assert.equal(merged.added, 0);
});

Deno.test("mergeRows() keeps only the newest maxRows rows", () => {
  const merged = mergeRows([row(1), row(2)], [row(3), row(4), row(5)], 3);
  assert.deepEqual(numbers(merged.rows), [3, 4, 5]);
  assert.equal(merged.added, 3);
  assert.deepEqual(numbers(mergeRows([], [], 3).rows), []);
});
