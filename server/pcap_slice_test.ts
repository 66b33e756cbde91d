import assert from "node:assert/strict";
import { udpFrame } from "../capture/frame_builder.ts";
import { CaptureParser } from "../capture/pcap_reader.ts";
import { rawRecord, V4 } from "../capture/decode/test_helpers.ts";
import { sessionPcapFiles, SessionPcapWriter } from "./pcap_store.ts";
import { sliceSessionPcap, SliceSlots } from "./pcap_slice.ts";
import { SensorError } from "./session_errors.ts";

/** Frame `n` at µs `n`: a UDP datagram of `size` bytes from `src` to `dst`. */
function frame(n: number, src: string, dst: string, size = 200) {
  return rawRecord(
    udpFrame(
      { ...V4, src, dst },
      { srcPort: 1000, dstPort: 2000 },
      new Uint8Array(size).fill(n & 0xff),
    ),
    { timestampUs: n },
  );
}

/** The records of a pcap file: time, captured and wire length. */
function recordsOf(bytes: Uint8Array): number[][] {
  const out: number[][] = [];
  const parser = new CaptureParser();
  parser.push(
    bytes,
    (r) => out.push([r.timestampUs, r.capturedLength, r.wireLength]),
  );
  parser.finish();
  return out;
}

Deno.test("sliceSessionPcap reads an alert's frames, whole, from the session PCAP's files", async () => {
  const dir = await Deno.makeTempDir({ prefix: "netmirror-slice-" });
  const writer = new SessionPcapWriter(dir, "s1", { fileBytes: 20_000 });
  for (let n = 1; n <= 300; n++) {
    const between = n % 3 === 0;
    writer.write(
      between
        ? frame(n, "10.0.0.1", "10.0.0.2", 9_000) // jumbo frames
        : frame(n, "10.0.0.1", "10.0.0.9"),
    );
  }
  await writer.close();
  const selection = {
    fromUs: 100,
    toUs: 200,
    addresses: ["10.0.0.2", "10.0.0.1"],
    between: true,
  };
  const slice = await sliceSessionPcap(dir, "s1", selection);
  assert.ok(slice);
  const expected = [];
  for (let n = 102; n <= 198; n += 3) expected.push([n, 9_042, 9_042]);
  assert.deepEqual(recordsOf(slice.pcap.toBytes()), expected);
  assert.equal(slice.frames, expected.length);
  assert.equal(slice.truncated, false);
  // The session's first frame on disk (frame n is at n µs).
  assert.equal(slice.firstUs, 1);
  // Up to a byte limit: the first frames, marked truncated.
  const capped = await sliceSessionPcap(dir, "s1", selection, 24 + 5 * 9_058);
  assert.deepEqual(recordsOf(capped!.pcap.toBytes()), expected.slice(0, 5));
  assert.equal(capped!.truncated, true);
  assert.equal(await sliceSessionPcap(dir, "s2", selection), undefined);
  // A file cut mid-record (a sensor killed while writing): the frames
  // before the damage, marked as ending early.
  // One in the middle of the session: within the alert's time range.
  const files = await sessionPcapFiles(dir, "s1");
  const middle = files[Math.floor(files.length / 2)]!;
  const whole = await Deno.readFile(middle);
  await Deno.writeFile(middle, whole.subarray(0, whole.length - 100));
  const damaged = await sliceSessionPcap(dir, "s1", selection);
  assert.ok(damaged!.frames > 0 && damaged!.frames < expected.length);
  assert.deepEqual(
    recordsOf(damaged!.pcap.toBytes()),
    expected.slice(0, damaged!.frames),
  );
  assert.equal(damaged!.truncated, true);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("SliceSlots refuses a slice while all slots are held, and runs disk reads one at a time", async () => {
  const slots = new SliceSlots(2);
  const first = slots.take();
  const second = slots.take();
  assert.throws(
    () => slots.take(),
    (error: unknown) =>
      error instanceof SensorError && error.status === 503 &&
      error.message.includes("2 alert slices are being built or sent"),
  );
  first();
  first(); // A second release of one slot frees nothing more.
  const third = slots.take();
  assert.equal(slots.taken, 2);
  assert.throws(() => slots.take(), SensorError);
  second();
  third();
  assert.equal(slots.taken, 0);

  const order: string[] = [];
  let release!: () => void;
  const firstRead = slots.readDisk(async () => {
    order.push("first starts");
    await new Promise<void>((resolve) => release = resolve);
    order.push("first ends");
    return 1;
  });
  const secondRead = slots.readDisk(() => {
    order.push("second");
    return Promise.resolve(2);
  });
  await new Promise((resolve) => setTimeout(resolve, 10));
  release();
  assert.deepEqual([await firstRead, await secondRead], [1, 2]);
  assert.deepEqual(order, ["first starts", "first ends", "second"]);
  // A failed read does not stop the next.
  await assert.rejects(() =>
    slots.readDisk(() => Promise.reject(new Error("x")))
  );
  assert.equal(await slots.readDisk(() => Promise.resolve(4)), 4);
});
