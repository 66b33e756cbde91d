import assert from "node:assert/strict";
import { AnomalyCounter } from "../anomalies.ts";
import { emptyPacketRecord } from "../packet_record.ts";
import {
  type MinimalHeader,
  reportAnomaly,
  reportShortHeader,
  reportTruncated,
} from "./report.ts";

const HEADER: MinimalHeader = {
  length: 8,
  badLength: "test_bad_length",
  truncated: "test_header_truncated",
};

Deno.test("reportAnomaly() counts every anomaly and keeps the first on the record", () => {
  const record = emptyPacketRecord();
  const anomalies = new AnomalyCounter();
  reportAnomaly(record, anomalies, "first");
  reportAnomaly(record, anomalies, "second");
  reportTruncated(record, anomalies, "third");
  assert.deepEqual(anomalies.toJSON(), { first: 1, second: 1, third: 1 });
  assert.equal(record.anomaly, "first");
  assert.equal(record.truncated, true);
});

Deno.test("reportShortHeader() names a capture cut as truncated", () => {
  const record = emptyPacketRecord();
  const anomalies = new AnomalyCounter();
  reportShortHeader(record, anomalies, 8, HEADER);
  assert.deepEqual(anomalies.toJSON(), { test_header_truncated: 1 });
  assert.equal(record.anomaly, "test_header_truncated");
  assert.equal(record.truncated, true);
});

Deno.test("reportShortHeader() names a message too short for the header as malformed", () => {
  const record = emptyPacketRecord();
  const anomalies = new AnomalyCounter();
  reportShortHeader(record, anomalies, 7, HEADER);
  assert.deepEqual(anomalies.toJSON(), { test_bad_length: 1 });
  assert.equal(record.anomaly, "test_bad_length");
  assert.equal(record.truncated, false);
});
