import assert from "node:assert/strict";
import {
  formatBitRate,
  formatBytes,
  formatCount,
  formatDateTimeUs,
  formatDuration,
  formatEndpoint,
  formatMs,
  formatRate,
  middleCut,
} from "./format.ts";

Deno.test("formatCount() is compact SI", () => {
  assert.deepEqual(
    [0, 950, 1_234, 34_000, 5_600_000, -2_500].map(formatCount),
    ["0", "950", "1.2k", "34k", "5.6M", "-2.5k"],
  );
  assert.equal(formatCount(Number.NaN), "–");
});

Deno.test("formatBytes() and formatBitRate() use binary bytes and SI bits", () => {
  assert.deepEqual(
    [512, 1536, 20 * 2 ** 20].map(formatBytes),
    ["512 B", "1.5 KiB", "20 MiB"],
  );
  assert.equal(formatBitRate(1_200_000), "1.2Mb/s");
});

Deno.test("formatMs() keeps 3 significant digits and switches to seconds", () => {
  assert.deepEqual(
    [0.4217, 12.34, 161.2, 1250, null].map(formatMs),
    ["0.42 ms", "12.3 ms", "161 ms", "1.25 s", "–"],
  );
});

Deno.test("formatDuration() and formatEndpoint()", () => {
  assert.deepEqual(
    [4, 185, 7620, 97_200].map(formatDuration),
    ["4s", "3m 05s", "2h 07m", "1d 03h"],
  );
  assert.equal(formatEndpoint("10.0.0.1", 80), "10.0.0.1:80");
  assert.equal(formatEndpoint("fe80::1", 443), "[fe80::1]:443");
  assert.equal(formatEndpoint("10.0.0.1", -1), "10.0.0.1");
});

Deno.test("formatDateTimeUs() is an unambiguous local YYYY-MM-DD HH:MM:SS.mmm", () => {
  const date = new Date(2026, 1, 3, 4, 5, 6, 7); // 3 February, local time
  assert.equal(
    formatDateTimeUs(date.getTime() * 1000 + 999),
    "2026-02-03 04:05:06.007",
  );
});

Deno.test("formatRate() keeps a decimal below 10 per second, so 0.2 is not 0", () => {
  assert.equal(formatRate(0), "0");
  assert.equal(formatRate(0.2), "0.2");
  assert.equal(formatRate(0.04), "0.0");
  assert.equal(formatRate(9.5), "9.5");
  assert.equal(formatRate(9.96), "10");
  assert.equal(formatRate(12.4), "12");
  assert.equal(formatRate(20_500), "21k");
  assert.equal(formatRate(Number.NaN), "–");
});

Deno.test("middleCut() keeps a long name's start and more of its end", () => {
  assert.equal(middleCut("short.example", 48), "short.example");
  const name = `${"a".repeat(40)}.login.bank.example.com`;
  const cut = middleCut(name, 48);
  assert.equal(cut.length, 48);
  assert.ok(cut.endsWith(".login.bank.example.com"), cut);
  assert.ok(cut.startsWith("aaaa"), cut);
  assert.ok(cut.includes("…"));
});
