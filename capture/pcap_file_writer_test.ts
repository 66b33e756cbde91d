import assert from "node:assert/strict";
import { udpFrame } from "./frame_builder.ts";
import { PcapFileWriter } from "./pcap_file_writer.ts";
import { OutputClosedError } from "./write_all.ts";
import { CaptureParser } from "./pcap_reader.ts";
import { LINK_TYPE, type PcapRecord } from "./pcap_record.ts";
import { rawRecord, V4 } from "./decode/test_helpers.ts";

const MIB = 1 << 20;

/** Frame `n`, captured at µs `n` past 1_700_000_000 s: a UDP datagram of 100–1 499 payload bytes filled with `n`. */
function record(n: number, linkType: number = LINK_TYPE.ETHERNET): PcapRecord {
  return rawRecord(
    udpFrame(
      V4,
      { srcPort: 1000, dstPort: 2000 },
      new Uint8Array(100 + (n * 7919) % 1400).fill(n & 0xff),
    ),
    { timestampUs: 1_700_000_000_000_000 + n, linkType },
  );
}

/** Packet numbers of the records in the pcap file `path`, in file order. */
async function recordNumbers(path: string): Promise<number[]> {
  const numbers: number[] = [];
  const parser = new CaptureParser();
  parser.push(
    await Deno.readFile(path),
    (r) => numbers.push(r.timestampUs - 1_700_000_000_000_000),
  );
  parser.finish();
  return numbers;
}

Deno.test("PcapFileWriter writes behind byte for byte what it writes synchronously", async () => {
  const dir = await Deno.makeTempDir({ prefix: "netmirror-writer-" });
  const count = 12_000; // about 10 MiB: several blocks
  const sync = new PcapFileWriter(`${dir}/sync.pcap`);
  const behind = new PcapFileWriter(`${dir}/behind.pcap`, {
    writeBehindBytes: 4 * MIB,
  });
  for (let n = 0; n < count; n++) {
    assert.equal(sync.write(record(n)), true);
    if (n % 500 === 0) await behind.ready(); // as a replay does between chunks
    assert.equal(behind.write(record(n)), true, `record ${n}`);
  }
  assert.ok(behind.pendingBytes <= 4 * MIB);
  await sync.close();
  await behind.close();
  assert.equal(behind.dropped, 0);
  assert.equal(behind.records, count);
  assert.equal(behind.error, undefined);
  assert.deepEqual(
    await Deno.readFile(`${dir}/behind.pcap`),
    await Deno.readFile(`${dir}/sync.pcap`),
  );
  assert.equal((await recordNumbers(`${dir}/behind.pcap`)).length, count);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("PcapFileWriter drops and counts whole records while the disk is the limit behind, and the file stays valid", async () => {
  const dir = await Deno.makeTempDir({ prefix: "netmirror-writer-" });
  const path = `${dir}/behind.pcap`;
  const writer = new PcapFileWriter(path, { writeBehindBytes: MIB });
  const count = 10_000; // about 8 MiB without a pause: the queue fills
  const taken: number[] = [];
  for (let n = 0; n < count; n++) if (writer.write(record(n))) taken.push(n);
  assert.ok(writer.dropped > 0, "records were dropped");
  assert.equal(writer.records + writer.dropped, count);
  assert.ok(writer.pendingBytes <= MIB);
  await writer.written();
  assert.equal(writer.pendingBytes, 0);
  // Room again once the queue is written.
  assert.equal(writer.write(record(count)), true);
  taken.push(count);
  await writer.close();
  assert.deepEqual(await recordNumbers(path), taken);
  assert.equal(writer.write(record(count + 1)), false, "closed");
  await Deno.remove(dir, { recursive: true });
});

/** A target whose writes fail as on a full disk once `okBytes` were written. */
function fullDisk(okBytes: number) {
  let written = 0;
  const take = (bytes: Uint8Array): number => {
    if (written + bytes.length > okBytes) {
      throw new Error("No space left on device (os error 28)");
    }
    written += bytes.length;
    return bytes.length;
  };
  return {
    closed: false,
    writeSync: take,
    write: (bytes: Uint8Array) => Promise.resolve().then(() => take(bytes)),
    close() {
      this.closed = true;
    },
  };
}

Deno.test("PcapFileWriter reports a failed write behind and drops from then on; a synchronous one throws", async () => {
  const disk = fullDisk(MIB + 1); // the first block fits, the second does not
  const behind = new PcapFileWriter(disk, { writeBehindBytes: 4 * MIB });
  const count = 3_000; // about 2.4 MiB: three blocks
  for (let n = 0; n < count; n++) assert.ok(behind.write(record(n)));
  behind.flush();
  await behind.written();
  assert.match(String(behind.error), /No space left/, "the error is kept");
  assert.ok(
    behind.dropped > 0 && behind.dropped < count,
    `the records of the failed blocks only: ${behind.dropped}`,
  );
  assert.equal(behind.write(record(count)), false, "nothing is taken after");
  const dropped = behind.dropped;
  await behind.close();
  assert.equal(behind.dropped, dropped);
  assert.ok(disk.closed);

  const sync = new PcapFileWriter(fullDisk(MIB + 1));
  assert.throws(() => {
    for (let n = 0; n < count; n++) sync.write(record(n));
  }, /No space left/);
});

Deno.test("PcapFileWriter into a pipe whose reader has gone throws OutputClosedError once, then drops, and closes quietly", async () => {
  let writes = 0;
  let closed = false;
  const pipe = {
    writeSync(): number {
      writes++;
      throw new Deno.errors.BrokenPipe("Broken pipe (os error 32)");
    },
    write(): Promise<number> {
      return Promise.reject(new Error("not used synchronously"));
    },
    close() {
      closed = true;
    },
  };
  const writer = new PcapFileWriter(pipe);
  assert.throws(() => {
    for (let n = 0; n < 3_000; n++) writer.write(record(n)); // more than a block
  }, OutputClosedError);
  assert.ok(writer.error instanceof OutputClosedError);
  assert.equal(writes, 1);
  const dropped = writer.dropped;
  assert.ok(dropped > 0, "the block that could not go is counted");
  assert.equal(writer.write(record(0)), false, "nothing is taken after");
  assert.equal(writer.dropped, dropped + 1);
  await writer.close(); // no second attempt, no throw
  assert.equal(writes, 1);
  assert.ok(closed);
});

Deno.test("PcapFileWriter skips records of another link type", async () => {
  const dir = await Deno.makeTempDir({ prefix: "netmirror-writer-" });
  const path = `${dir}/mixed.pcap`;
  const writer = new PcapFileWriter(path, { writeBehindBytes: MIB });
  assert.equal(writer.write(record(0)), true);
  assert.equal(writer.write(record(1, 113)), false);
  assert.equal(writer.write(record(2)), true);
  await writer.close();
  assert.equal(writer.skipped, 1);
  assert.equal(writer.dropped, 0);
  assert.deepEqual(await recordNumbers(path), [0, 2]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("PcapFileWriter keeps a nanosecond capture's nanoseconds, and writes microseconds otherwise", async () => {
  const dir = await Deno.makeTempDir({ prefix: "netmirror-writer-" });
  const times = async (path: string) => {
    const bytes = await Deno.readFile(path);
    const seen: [number, number][] = [];
    const parser = new CaptureParser();
    parser.push(bytes, (r) => seen.push([r.timestampUs, r.subMicrosecondNs]));
    parser.finish();
    return { magic: new DataView(bytes.buffer).getUint32(0, true), seen };
  };
  // A nanosecond capture's records, one at 999 ns past its µs.
  const nano = new PcapFileWriter(`${dir}/nano.pcap`);
  for (const [n, ns] of [[0, 999], [1, 0], [2, 487]]) {
    nano.write({ ...record(n!), subMicrosecondNs: ns! });
  }
  // A record from a microsecond clock in a nanosecond file: 0 ns past.
  nano.write(record(3));
  await nano.close();
  assert.deepEqual(await times(`${dir}/nano.pcap`), {
    magic: 0xa1b23c4d,
    seen: [
      [1_700_000_000_000_000, 999],
      [1_700_000_000_000_001, 0],
      [1_700_000_000_000_002, 487],
      [1_700_000_000_000_003, 0],
    ],
  });
  // The first record decides: a microsecond file drops what comes later.
  const micro = new PcapFileWriter(`${dir}/micro.pcap`);
  micro.write(record(0));
  micro.write({ ...record(1), subMicrosecondNs: 487 });
  await micro.close();
  assert.deepEqual(await times(`${dir}/micro.pcap`), {
    magic: 0xa1b2c3d4,
    seen: [[1_700_000_000_000_000, -1], [1_700_000_000_000_001, -1]],
  });
  // Unless told otherwise.
  const told = new PcapFileWriter(`${dir}/told.pcap`, { nanosecond: true });
  told.write(record(0));
  await told.close();
  assert.deepEqual((await times(`${dir}/told.pcap`)).seen, [
    [1_700_000_000_000_000, 0],
  ]);
  await Deno.remove(dir, { recursive: true });
});
