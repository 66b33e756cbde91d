import assert from "node:assert/strict";
import { concatBytes } from "./concat_bytes.ts";
import { CaptureParser } from "./pcap_reader.ts";
import { LINK_TYPE } from "./pcap_record.ts";
import {
  PCAP_FILE_HEADER_LENGTH,
  PCAP_RECORD_HEADER_LENGTH,
  PcapBuilder,
} from "./pcap_writer.ts";

/** Frame `n`: 60–9 059 bytes, every byte `n`. */
function frame(n: number): Uint8Array {
  return new Uint8Array(60 + (n * 7919) % 9000).fill(n & 0xff);
}

Deno.test("PcapBuilder writes frames across its blocks whole and in order, and its parts are the file", () => {
  const pcap = new PcapBuilder(LINK_TYPE.ETHERNET, { nanosecond: true });
  let expectedBytes = PCAP_FILE_HEADER_LENGTH;
  // About 5 MiB: frames cross the 1 MiB blocks' edges, headers too.
  for (let n = 0; n < 1_100; n++) {
    pcap.add(1_700_000_000_000_000 + n, frame(n), 9_100, n % 1000);
    expectedBytes += PCAP_RECORD_HEADER_LENGTH + frame(n).length;
    assert.equal(pcap.byteLength, expectedBytes);
  }
  const bytes = pcap.toBytes();
  assert.equal(bytes.length, expectedBytes);
  const parts = pcap.parts();
  assert.ok(parts.length >= 5, `${parts.length} parts`);
  assert.deepEqual(concatBytes(parts), bytes);

  const seen: number[] = [];
  const parser = new CaptureParser();
  parser.push(bytes, (record) => {
    const n = record.timestampUs - 1_700_000_000_000_000;
    const body = record.bytes.subarray(
      record.offset,
      record.offset + record.capturedLength,
    );
    assert.deepEqual(body, frame(n), `frame ${n}`);
    assert.equal(record.wireLength, 9_100);
    assert.equal(record.subMicrosecondNs, n % 1000);
    seen.push(n);
  });
  assert.deepEqual(seen, Array.from({ length: 1_100 }, (_, n) => n));
});

Deno.test("PcapBuilder's file without frames is its header alone, in one part", () => {
  const pcap = new PcapBuilder(LINK_TYPE.RAW, { snapLength: 65535 });
  assert.equal(pcap.byteLength, PCAP_FILE_HEADER_LENGTH);
  assert.deepEqual(pcap.parts().map((part) => part.length), [24]);
  const header = new DataView(pcap.toBytes().buffer);
  assert.equal(header.getUint32(0, true), 0xa1b2c3d4);
  assert.equal(header.getUint32(16, true), 65535);
  assert.equal(header.getUint32(20, true), LINK_TYPE.RAW);
});

Deno.test("PcapBuilder.take() hands out what was added since, and the pieces make the same file as toBytes(), across blocks", () => {
  const taking = new PcapBuilder(1, { nanosecond: true });
  const whole = new PcapBuilder(1, { nanosecond: true });
  const pieces: Uint8Array[] = [];
  for (let i = 0; i < 3_000; i++) {
    // 700-byte frames: 1 MiB blocks fill mid-frame.
    const frame = new Uint8Array(700).fill(i & 255);
    taking.add(1_000 + i, frame, 800, i % 1000);
    whole.add(1_000 + i, frame, 800, i % 1000);
    if (i % 97 === 0) pieces.push(...taking.take());
  }
  pieces.push(...taking.take());
  assert.deepEqual(taking.take(), []);
  assert.deepEqual(concatBytes(pieces), whole.toBytes());
});
