import assert from "node:assert/strict";
import { emptyPacketRecord } from "../packet_record.ts";
import { readPorts } from "./ports.ts";
import { hex } from "./test_helpers.ts";

/** Two bytes before the header, then ports 53 → 40000 and 4 more header bytes. */
const BYTES = hex("ffff 0035 9c40 0010 0000");

Deno.test("readPorts() reads both ports when their 4 bytes are captured", () => {
  for (const end of [6, 10]) {
    const record = emptyPacketRecord();
    readPorts(record, BYTES, 2, end);
    assert.deepEqual([record.srcPort, record.dstPort], [53, 40000], `${end}`);
  }
});

Deno.test("readPorts() leaves the ports absent when fewer than 4 bytes are captured", () => {
  const record = emptyPacketRecord();
  readPorts(record, BYTES, 2, 5);
  assert.deepEqual([record.srcPort, record.dstPort], [-1, -1]);
});
