import assert from "node:assert/strict";
import type { PcapRecord } from "./pcap_record.ts";
import { RecordQueue } from "./record_queue.ts";

/** A record of `length` bytes, each `(n + i) & 255`, at an offset inside a larger buffer. */
function recordOf(n: number, length: number): PcapRecord {
  const bytes = new Uint8Array(length + 7);
  for (let i = 0; i < length; i++) bytes[3 + i] = (n + i) & 255;
  return {
    timestampUs: 1_700_000_000_000_000 + n,
    subMicrosecondNs: n % 3 === 0 ? -1 : (n * 7) % 1000,
    capturedLength: length,
    wireLength: length + 4,
    linkType: 1 + (n % 3),
    interfaceId: n % 2,
    bytes,
    offset: 3,
  };
}

/** The fields and frame bytes of a record, comparable with deepEqual. */
function plain(raw: PcapRecord) {
  return {
    timestampUs: raw.timestampUs,
    subMicrosecondNs: raw.subMicrosecondNs,
    capturedLength: raw.capturedLength,
    wireLength: raw.wireLength,
    linkType: raw.linkType,
    interfaceId: raw.interfaceId,
    frame: hashOf(
      raw.bytes.subarray(raw.offset, raw.offset + raw.capturedLength),
    ),
  };
}

/** An order-sensitive hash of some bytes. */
function hashOf(bytes: Uint8Array): number {
  let h = 17;
  for (const byte of bytes) h = (Math.imul(h, 31) + byte) >>> 0;
  return h;
}

Deno.test("RecordQueue hands records out in order, with their own bytes and fields", () => {
  const queue = new RecordQueue();
  assert.equal(queue.shift(), undefined);
  assert.ok(Number.isNaN(queue.firstTimestampUs));
  const pushed = [recordOf(1, 60), recordOf(2, 0), recordOf(3, 1514)];
  for (const raw of pushed) queue.push(raw);
  // The queue keeps copies: the reader's buffers may change.
  for (const raw of pushed) raw.bytes.fill(0xee);
  assert.equal(queue.size, 3);
  assert.equal(queue.byteLength, 60 + 0 + 1514);
  assert.equal(queue.firstTimestampUs, recordOf(1, 60).timestampUs);
  for (const n of [1, 2, 3]) {
    const length = [60, 0, 1514][n - 1]!;
    assert.deepEqual(plain(queue.shift()!), plain(recordOf(n, length)));
  }
  assert.equal(queue.size, 0);
  assert.equal(queue.byteLength, 0);
  assert.equal(queue.shift(), undefined);
});

Deno.test("RecordQueue keeps order and bytes while it wraps, compacts and grows", () => {
  const queue = new RecordQueue();
  let pushed = 0;
  let shifted = 0;
  // Alternate bursts of pushes and shifts so the queue's buffers wrap,
  // compact and grow (up to several MiB and thousands of records).
  for (let round = 0; round < 40; round++) {
    const burst = 1 + ((round * 997) % 3000);
    for (let i = 0; i < burst; i++) {
      queue.push(recordOf(pushed, 40 + ((pushed * 131) % 1500)));
      pushed++;
    }
    const take = round % 5 === 4 ? queue.size : Math.floor(queue.size / 2);
    for (let i = 0; i < take; i++) {
      const raw = queue.shift()!;
      assert.deepEqual(
        plain(raw),
        plain(recordOf(shifted, 40 + ((shifted * 131) % 1500))),
        `record ${shifted}`,
      );
      shifted++;
    }
    assert.equal(queue.size, pushed - shifted);
  }
  while (queue.size > 0) {
    assert.equal(
      queue.shift()!.timestampUs,
      recordOf(shifted++, 0).timestampUs,
    );
  }
  assert.equal(shifted, pushed);
});

Deno.test("RecordQueue takes a frame larger than its first buffer", () => {
  const queue = new RecordQueue();
  queue.push(recordOf(1, 100));
  queue.push(recordOf(2, 3 << 20));
  queue.push(recordOf(3, 100));
  assert.deepEqual(plain(queue.shift()!), plain(recordOf(1, 100)));
  assert.deepEqual(plain(queue.shift()!), plain(recordOf(2, 3 << 20)));
  assert.deepEqual(plain(queue.shift()!), plain(recordOf(3, 100)));
});

Deno.test("RecordQueue.clear empties it for reuse", () => {
  const queue = new RecordQueue();
  for (let n = 0; n < 10; n++) queue.push(recordOf(n, 64));
  queue.clear();
  assert.equal(queue.size, 0);
  assert.equal(queue.byteLength, 0);
  queue.push(recordOf(42, 64));
  assert.deepEqual(plain(queue.shift()!), plain(recordOf(42, 64)));
});
