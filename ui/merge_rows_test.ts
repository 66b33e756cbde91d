import assert from "node:assert/strict";
import type { PacketRow } from "../server/packet_row.ts";
import { appendBatch, mergeRows } from "./merge_rows.ts";
import { packetRow } from "../server/test_rows.ts";

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

Deno.test("appendBatch() adds a batch's new rows and counts its skipped packets", () => {
  const appended = appendBatch([row(1), row(2)], [row(3), row(4)], 6, 100);
  assert.deepEqual(numbers(appended.rows), [1, 2, 3, 4]);
  assert.equal(appended.skipped, 6);
  // Partly held (a fetch reached row 3): row 4 and the skipped ones after it are new.
  const partly = appendBatch([row(1), row(2), row(3)], [row(3), row(4)], 6, 3);
  assert.deepEqual(numbers(partly.rows), [2, 3, 4]);
  assert.equal(partly.skipped, 6);
  // No rows: nothing tells where the skipped packets were; they count.
  const held = [row(1)];
  const none = appendBatch(held, [], 5, 100);
  assert.equal(none.rows, held);
  assert.equal(none.skipped, 5);
});

Deno.test("appendBatch() counts nothing of a batch a fetch already covered (a finished replay's last batch)", () => {
  // The table holds every packet 1–438 (fetched when the replay ended);
  // a batch sent before arrives after the fetch: its rows and the 388
  // packets skipped after them are all in the table already.
  const table = Array.from({ length: 438 }, (_, i) => row(i + 1));
  const late = appendBatch(table, [row(1), row(2), row(50)], 388, 10_000);
  assert.equal(late.rows, table);
  assert.equal(late.skipped, 0);
});
