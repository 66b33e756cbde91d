import assert from "node:assert/strict";
import { HostCrowds } from "./host_crowds.ts";

const WINDOW_US = 300_000_000;

Deno.test("HostCrowds counts the sources noted at a host over this window and the last", () => {
  const crowds = new HostCrowds(16, WINDOW_US, 10);
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
  const crowds = new HostCrowds(4, WINDOW_US, 10);
  for (let host = 0; host < 10; host++) crowds.note(host, host);
  assert.equal(crowds.size, 4);
  assert.equal(crowds.sources(0, 20), 0);
  assert.equal(crowds.sources(9, 20), 1);
});

Deno.test("HostCrowds: a host is crowded with enough sources only while flooded with refusals, for a window after the flood", () => {
  const crowds = new HostCrowds(16, WINDOW_US, 10);
  for (let i = 0; i < 20; i++) crowds.note(7, i);
  assert.equal(crowds.crowded(7, 100, 20), false, "no flood");
  // Nine refusals a second for three seconds: no flood.
  for (let second = 0; second < 3; second++) {
    for (let i = 0; i < 9; i++) crowds.refused(7, second * 1_000_000 + i);
  }
  assert.equal(crowds.crowded(7, 3_000_000, 20), false);
  // Ten within one second: flooded for a window.
  for (let i = 0; i < 10; i++) crowds.refused(7, 4_000_000 + i);
  assert.equal(crowds.crowded(7, 4_000_010, 20), true);
  assert.equal(crowds.crowded(7, 4_000_010, 21), false, "too few sources");
  assert.equal(crowds.crowded(7, 4_000_010 + WINDOW_US, 20), false);
  // A host never noted counts no refusals.
  for (let i = 0; i < 10; i++) crowds.refused(9, i);
  assert.equal(crowds.crowded(9, 20, 0), false);
});

Deno.test("HostCrowds folds small scans into one incident per host, its samples the largest, afresh after a quiet window", () => {
  const crowds = new HostCrowds(16, WINDOW_US, 10);
  assert.equal(crowds.fold(7, "10.0.0.7", "a", 15, 0), undefined);
  crowds.note(7, 0);
  for (let i = 0; i < 12; i++) {
    crowds.fold(7, "10.0.0.7", `s${i}`, 15 + (i % 3), 1_000 * (i + 1));
  }
  const entry = crowds.fold(7, "10.0.0.7", "scanner", 16, 20_000)!;
  assert.equal(entry.folded, 13);
  assert.equal(entry.firstFoldUs, 1_000);
  assert.equal(entry.sampleSources.length, 10);
  // The scanner's scan grows to 99 ports: first among the samples.
  assert.equal(crowds.grew(7, "scanner", 99, 21_000), entry);
  assert.equal(crowds.grew(7, "scanner", 50, 22_000), undefined, "no change");
  assert.equal(entry.samplesChangedUs, 21_000);
  assert.equal(entry.sampleSources[0], "scanner");
  assert.equal(entry.samplePorts[0], 99);
  assert.deepEqual(
    entry.samplePorts,
    [...entry.samplePorts].sort((a, b) => b - a),
  );
  entry.reportedCount = 13;
  entry.lastReportUs = 20_000;
  const later = crowds.fold(7, "10.0.0.7", "e", 15, 20_000 + WINDOW_US)!;
  assert.equal(later.folded, 1);
  assert.equal(later.reportedCount, 0);
  assert.deepEqual(later.sampleSources, ["e"]);
  assert.deepEqual([...crowds.values()].map((e) => e.host), ["10.0.0.7"]);
});
