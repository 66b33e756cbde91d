import { addressKey } from "../capture/decode/address_key.ts";
import assert from "node:assert/strict";
import { FrameRing } from "./frame_ring.ts";
import { PcapBuilder } from "../capture/pcap_writer.ts";
import type { PcapRecord } from "../capture/pcap_record.ts";

function record(i: number, length: number): PcapRecord {
  // Frame i: a few bytes of padding before it, bytes (i + k) & 255.
  const bytes = new Uint8Array(length + 3);
  for (let k = 0; k < length; k++) bytes[3 + k] = (i + k) & 255;
  return {
    timestampUs: 1_000 + i,
    subMicrosecondNs: -1,
    interfaceId: 0,
    linkType: 1,
    capturedLength: length,
    wireLength: length + 10,
    bytes,
    offset: 3,
  };
}

function expectedPcap(
  frames: PcapRecord[],
  snapLength: number,
): Uint8Array {
  const builder = new PcapBuilder(1, { snapLength });
  for (const frame of frames) {
    builder.add(
      frame.timestampUs,
      frame.bytes.subarray(frame.offset, frame.offset + frame.capturedLength),
      frame.wireLength,
    );
  }
  return builder.toBytes();
}

const ALL = { fromUs: 0, toUs: Number.MAX_SAFE_INTEGER, addresses: [] };

Deno.test("FrameRing keeps the newest frames, in order and intact, through many wrap-arounds", () => {
  const options = { maxFrames: 50, maxBytes: 4096, snapLength: 2048 };
  const ring = new FrameRing(options);
  const pushed: PcapRecord[] = [];
  let seed = 7;
  for (let i = 0; i < 5_000; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const frame = record(i, 1 + (seed % 700));
    ring.add(frame, "10.0.0.1", "10.0.0.2");
    pushed.push(frame);
    const size = ring.size;
    assert.ok(size >= 1 && size <= options.maxFrames, `size ${size}`);
    assert.ok(ring.byteLength <= options.maxBytes);
    // At least half the byte budget stays usable.
    const newest = pushed.slice(-size);
    const held = newest.reduce((sum, f) => sum + f.capturedLength, 0);
    assert.equal(ring.byteLength, held);
    const older = pushed[pushed.length - size - 1];
    if (older !== undefined && size < options.maxFrames) {
      assert.ok(held + older.capturedLength > options.maxBytes / 2 - 700);
    }
    if (i % 97 === 0) {
      const { pcap, frames } = ring.toPcap(ALL);
      const bytes = pcap.toBytes();
      assert.equal(frames, size);
      assert.deepEqual(bytes, expectedPcap(newest, options.snapLength));
    }
  }
});

Deno.test("FrameRing selects by time and address, cuts at the snap length, and clears", () => {
  const ring = new FrameRing({
    maxFrames: 10,
    maxBytes: 1 << 20,
    snapLength: 64,
  });
  ring.add(record(1, 100), "10.0.0.1", "10.0.0.2");
  ring.add(record(2, 50), "10.0.0.3", "10.0.0.4");
  ring.add(record(3, 50), "10.0.0.2", "10.0.0.5");
  const cut = { ...record(1, 100), capturedLength: 64 };
  assert.deepEqual(
    ring.toPcap({ fromUs: 0, toUs: 2_000, addresses: ["10.0.0.2"] }).pcap
      .toBytes(),
    expectedPcap([cut, record(3, 50)], 64),
  );
  assert.deepEqual(
    ring.toPcap({ fromUs: 1_002, toUs: 1_002, addresses: [] }).pcap.toBytes(),
    expectedPcap([record(2, 50)], 64),
  );
  assert.equal(ring.byteLength, 164);
  ring.clear();
  assert.equal(ring.size, 0);
  assert.equal(ring.toPcap(ALL).frames, 0);
  ring.add(record(4, 10), "a", "b");
  assert.deepEqual(
    ring.toPcap(ALL).pcap.toBytes(),
    expectedPcap([record(4, 10)], 64),
  );
});

Deno.test("FrameRing refuses limits it cannot hold", () => {
  assert.throws(() => new FrameRing({ maxFrames: 0 }), RangeError);
  assert.throws(() => new FrameRing({ maxBytes: 2 ** 31 }), RangeError);
});

Deno.test("FrameRing selects IPv4 frames by number and other addresses by text, with or without the caller's keys", () => {
  const ring = new FrameRing({ maxFrames: 10, maxBytes: 1 << 20 });
  const v6 = "2001:db8::1";
  ring.add(record(1, 60), "10.0.0.1", v6, 0x0a000001, addressKey(v6));
  ring.add(record(2, 60), "10.0.0.2", "10.0.0.3"); // keys parsed from the text
  ring.add(record(3, 60), v6, "192.0.2.1", addressKey(v6), 0xc0000201);
  const select = (addresses: string[]) =>
    ring.toPcap({ fromUs: 0, toUs: 10_000, addresses }).frames;
  assert.equal(select([v6]), 2);
  assert.equal(select(["10.0.0.1"]), 1);
  assert.equal(select(["10.0.0.3"]), 1);
  assert.equal(select(["192.0.2.1", "10.0.0.2"]), 2);
  assert.equal(select(["10.0.0.9"]), 0);
  assert.equal(select([]), 3);
});

Deno.test("FrameRing selects the frames between two addresses, either way, when asked", () => {
  const ring = new FrameRing({ maxFrames: 10, maxBytes: 1 << 20 });
  const v6 = "2001:db8::1";
  ring.add(record(1, 60), "10.0.0.1", "10.0.0.2"); // attacker → victim
  ring.add(record(2, 60), "10.0.0.2", "10.0.0.1"); // victim → attacker
  ring.add(record(3, 60), "10.0.0.1", "10.0.0.9"); // attacker's other traffic
  ring.add(record(4, 60), "10.0.0.7", "10.0.0.2"); // victim's other traffic
  ring.add(record(5, 60), v6, "10.0.0.2", addressKey(v6), 0x0a000002);
  const select = (addresses: string[], between: boolean) =>
    ring.toPcap({ fromUs: 0, toUs: 10_000, addresses, between }).frames;
  assert.equal(select(["10.0.0.1", "10.0.0.2"], true), 2);
  assert.equal(select(["10.0.0.1", "10.0.0.2"], false), 5);
  assert.equal(select([v6, "10.0.0.2"], true), 1);
  // One end unknown (""): every frame from or to the other.
  assert.equal(select(["10.0.0.1", ""], true), 3);
});

Deno.test("FrameRing selects Ethernet frames by a MAC address in their header", () => {
  const ring = new FrameRing({ maxFrames: 10, maxBytes: 1 << 20 });
  const withMacs = (i: number, dst: number[], src: number[]): PcapRecord => {
    const frame = record(i, 60);
    frame.bytes.set([...dst, ...src], frame.offset);
    return frame;
  };
  const poisoner = [0x00, 0xe0, 0x4d, 0x3c, 0x25, 0x7b];
  const other = [0x02, 0, 0, 0, 0, 1];
  const broadcast = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
  // ARP frames carry no IP header: their addresses are ARP's.
  ring.add(withMacs(1, broadcast, poisoner), "10.0.0.1", "10.0.0.5");
  ring.add(withMacs(2, poisoner, other), "10.0.0.5", "10.0.0.1");
  ring.add(withMacs(3, broadcast, other), "10.0.0.5", "10.0.0.6");
  const raw = { ...withMacs(4, broadcast, poisoner), linkType: 101 };
  ring.add(raw, "10.0.0.1", "10.0.0.5");
  const select = (addresses: string[]) =>
    ring.toPcap({ fromUs: 0, toUs: 10_000, addresses }).frames;
  assert.equal(select(["00:e0:4d:3c:25:7b"]), 2);
  assert.equal(select(["00:E0:4D:3C:25:7B"]), 2);
  assert.equal(select(["02:00:00:00:00:01"]), 2);
  assert.equal(select(["02:00:00:00:00:09"]), 0);
});

Deno.test("FrameRing takes every frame of the time range, also after one out of order", () => {
  const ring = new FrameRing({ maxFrames: 10, maxBytes: 1 << 20 });
  // A frame dated far later (another interface's clock, a merged file),
  // then the frames of the range.
  ring.add(
    { ...record(0, 60), timestampUs: 9_000_000 },
    "10.0.0.1",
    "10.0.0.2",
  );
  for (let i = 1; i <= 4; i++) ring.add(record(i, 60), "10.0.0.1", "10.0.0.2");
  assert.equal(
    ring.toPcap({ fromUs: 1_000, toUs: 2_000, addresses: ["10.0.0.1"] }).frames,
    4,
  );
});

Deno.test("FrameRing says how many selected frames it cut, and whether it still holds every frame since a time", () => {
  const ring = new FrameRing({
    maxFrames: 3,
    maxBytes: 1 << 20,
    snapLength: 100,
  });
  assert.equal(ring.holdsSince(0), true);
  ring.add(record(1, 60), "10.0.0.1", "10.0.0.2"); // at 1 001 µs
  ring.add(record(2, 300), "10.0.0.1", "10.0.0.2"); // cut to 100 bytes
  ring.add(record(3, 60), "10.0.0.1", "10.0.0.2");
  assert.equal(ring.toPcap(ALL).cutFrames, 1);
  assert.equal(ring.holdsSince(0), true, "nothing dropped yet");
  ring.add(record(4, 60), "10.0.0.1", "10.0.0.2"); // frame 1 leaves
  assert.equal(ring.holdsSince(1_001), false);
  assert.equal(ring.holdsSince(1_002), true);
  ring.clear();
  assert.equal(ring.holdsSince(0), true);
});
