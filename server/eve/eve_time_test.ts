import assert from "node:assert/strict";
import { eveTimestamp, writeEveTimestamp } from "./eve_time.ts";
import { JsonBytes } from "../json_bytes.ts";

Deno.test("eveTimestamp() writes Suricata's format, in UTC, to the microsecond", () => {
  assert.equal(
    eveTimestamp(Date.UTC(2003, 11, 16, 13, 21, 44) * 1000 + 891_921),
    "2003-12-16T13:21:44.891921+0000",
  );
  assert.equal(eveTimestamp(0), "1970-01-01T00:00:00.000000+0000");
  assert.equal(eveTimestamp(-1), "1969-12-31T23:59:59.999999+0000");
  assert.equal(eveTimestamp(1_500.9), "1970-01-01T00:00:00.001500+0000");
});

Deno.test("eveTimestamp() is right going back and forth across seconds (its per-second cache)", () => {
  const base = Date.UTC(2026, 11, 4, 23, 59, 59) * 1000;
  const cases: [number, string][] = [
    [base + 999_999, "2026-12-04T23:59:59.999999+0000"],
    [base + 1_000_000, "2026-12-05T00:00:00.000000+0000"],
    [base + 5, "2026-12-04T23:59:59.000005+0000"],
    [base + 1_000_042, "2026-12-05T00:00:00.000042+0000"],
  ];
  for (const [us, text] of cases) assert.equal(eveTimestamp(us), text);
});

Deno.test("writeEveTimestamp() writes the same text as eveTimestamp()", () => {
  const base = Date.UTC(2026, 11, 4, 23, 59, 59) * 1000;
  for (
    const us of [0, -1, 1_500.9, base + 999_999, base + 1_000_000, base + 5]
  ) {
    const out = new JsonBytes();
    writeEveTimestamp(out, us);
    assert.equal(out.text(), eveTimestamp(us));
  }
});
