import assert from "node:assert/strict";
import { HostCrowds } from "./host_crowds.ts";

const WINDOW_US = 300_000_000;

Deno.test("HostCrowds counts the sources noted at a host over this window and the last", () => {
  const crowds = new HostCrowds(16, WINDOW_US);
  assert.equal(crowds.sources(7, 0), 0);
  for (let i = 0; i < 5; i++) crowds.note(7, i);
  crowds.note(8, 10);
  assert.equal(crowds.sources(7, 100), 5);
  assert.equal(crowds.sources(8, 100), 1);
  // A window later the count moves to "previous", and new ones add.
  crowds.note(7, WINDOW_US + 1);
  assert.equal(crowds.sources(7, WINDOW_US + 2), 6);
  // Two quiet windows later they are gone.
  assert.equal(crowds.sources(7, 4 * WINDOW_US), 0);
});

Deno.test("HostCrowds holds at most its hosts, the least recently noted going first", () => {
  const crowds = new HostCrowds(4, WINDOW_US);
  for (let host = 0; host < 10; host++) crowds.note(host, host);
  assert.equal(crowds.size, 4);
  assert.equal(crowds.sources(0, 20), 0);
  assert.equal(crowds.sources(9, 20), 1);
});

Deno.test("HostCrowds folds small scans into one incident per host, afresh after a quiet window", () => {
  const crowds = new HostCrowds(16, WINDOW_US);
  assert.equal(crowds.fold(7, "10.0.0.7", "a", 0), undefined, "not counted");
  crowds.note(7, 0);
  for (const [i, source] of ["a", "b", "c"].entries()) {
    crowds.fold(7, "10.0.0.7", source, 1_000 * (i + 1));
  }
  const entry = crowds.fold(7, "10.0.0.7", "d", 4_000)!;
  assert.equal(entry.folded, 4);
  assert.equal(entry.firstFoldUs, 1_000);
  assert.deepEqual(entry.sampleSources, ["a", "b", "c", "d"]);
  entry.reportedCount = 4;
  entry.lastReportUs = 4_000;
  const later = crowds.fold(7, "10.0.0.7", "e", 4_000 + WINDOW_US)!;
  assert.equal(later.folded, 1);
  assert.equal(later.reportedCount, 0);
  assert.deepEqual(later.sampleSources, ["e"]);
  assert.deepEqual([...crowds.values()].map((e) => e.host), ["10.0.0.7"]);
});
