import assert from "node:assert/strict";
import { CaptureFormatError, CaptureParser } from "./pcap_reader.ts";
import {
  countRecords,
  ringChunks,
  ringFileName,
  type RingReaderOptions,
} from "./ring_reader.ts";

const FILE_COUNT = 8;

/** A classic pcap file header (little-endian, Ethernet). */
function fileHeader(snapLength = 9216): Uint8Array {
  const bytes = new Uint8Array(24);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 0xa1b2c3d4, true);
  view.setUint16(4, 2, true);
  view.setUint16(6, 4, true);
  view.setUint32(16, snapLength, true);
  view.setUint32(20, 1, true);
  return bytes;
}

/** A record whose 60-byte frame carries `id` in its first 4 bytes. */
function record(id: number): Uint8Array {
  const bytes = new Uint8Array(16 + 60);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 1_700_000_000 + id, true);
  view.setUint32(8, 60, true);
  view.setUint32(12, 60, true);
  view.setUint32(16, id);
  return bytes;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** A ring file holding records `ids`. */
function ringFile(ids: number[], header = fileHeader()): Uint8Array {
  return concat([header, ...ids.map(record)]);
}

/** Reads the ring into record ids, as the capture's parser sees it. */
async function readIds(options: RingReaderOptions): Promise<number[]> {
  const ids: number[] = [];
  const parser = new CaptureParser();
  for await (const chunk of ringChunks(options)) {
    parser.push(chunk, (raw) => {
      ids.push(
        new DataView(raw.bytes.buffer, raw.bytes.byteOffset + raw.offset)
          .getUint32(0),
      );
    });
  }
  if (parser.format !== undefined) parser.finish();
  return ids;
}

Deno.test("ringFileName() numbers files as tcpdump -W does, wrapping round the ring", () => {
  assert.equal(ringFileName("/r/ring.pcap", 0, 16), "/r/ring.pcap00");
  assert.equal(ringFileName("/r/ring.pcap", 15, 16), "/r/ring.pcap15");
  assert.equal(ringFileName("/r/ring.pcap", 16, 16), "/r/ring.pcap00");
  assert.equal(ringFileName("/r/ring.pcap", 9, 10), "/r/ring.pcap9");
  assert.equal(ringFileName("/r/ring.pcap", 100, 101), "/r/ring.pcap100");
});

Deno.test("countRecords() counts whole records only", () => {
  const file = ringFile([1, 2, 3]);
  assert.equal(countRecords(file, true), 3);
  assert.equal(countRecords(file.subarray(0, file.length - 1), true), 2);
  assert.equal(countRecords(file.subarray(0, 24), true), 0);
  assert.equal(countRecords(new Uint8Array(0), true), 0);
});

Deno.test("ringChunks() reads every file in turn as one capture, drops their repeated headers and unlinks them", async () => {
  const dir = await Deno.makeTempDir();
  const basePath = `${dir}/ring.pcap`;
  try {
    // Three complete files and the last one; tcpdump has exited.
    for (let i = 0; i < 4; i++) {
      await Deno.writeFile(
        ringFileName(basePath, i, FILE_COUNT),
        ringFile([i * 10, i * 10 + 1]),
      );
    }
    const ids = await readIds({
      basePath,
      fileCount: FILE_COUNT,
      exited: () => true,
    });
    assert.deepEqual(ids, [0, 1, 10, 11, 20, 21, 30, 31]);
    assert.deepEqual(await Array.fromAsync(Deno.readDir(dir)), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ringChunks() follows files while they grow and ends once tcpdump exits", async () => {
  const dir = await Deno.makeTempDir();
  const basePath = `${dir}/ring.pcap`;
  let exited = false;
  try {
    const first = await Deno.open(ringFileName(basePath, 0, FILE_COUNT), {
      write: true,
      createNew: true,
    });
    const ids: number[] = [];
    const parser = new CaptureParser();
    const reading = (async () => {
      for await (
        const chunk of ringChunks({
          basePath,
          fileCount: FILE_COUNT,
          exited: () => exited,
        })
      ) {
        parser.push(chunk, (raw) => {
          ids.push(
            new DataView(raw.bytes.buffer, raw.bytes.byteOffset + raw.offset)
              .getUint32(0),
          );
        });
      }
    })();
    // Written as tcpdump does: the header, then records (one cut in two),
    // then the next file once this one is closed.
    await first.write(fileHeader());
    await first.write(record(1));
    const second = record(2);
    await first.write(second.subarray(0, 30));
    await waitFor(() => ids.length === 1);
    await first.write(second.subarray(30));
    first.close();
    await Deno.writeFile(
      ringFileName(basePath, 1, FILE_COUNT),
      ringFile([3]),
    );
    await waitFor(() => ids.length === 3);
    exited = true;
    await reading;
    assert.deepEqual(ids, [1, 2, 3]);
  } finally {
    exited = true;
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ringChunks() more than half a ring behind skips whole files and counts their packets", async () => {
  const dir = await Deno.makeTempDir();
  const basePath = `${dir}/ring.pcap`;
  const skipped: number[] = [];
  try {
    // Files 0..5 of a ring of 8 are waiting: after file 0, file 5 (half a
    // ring on from file 1) exists, so files 1–3 are skipped.
    for (let i = 0; i < 6; i++) {
      await Deno.writeFile(
        ringFileName(basePath, i, FILE_COUNT),
        ringFile(Array.from({ length: i + 1 }, (_, j) => i * 10 + j)),
      );
    }
    const ids = await readIds({
      basePath,
      fileCount: FILE_COUNT,
      exited: () => true,
      onSkipped: (packets) => skipped.push(packets),
    });
    assert.deepEqual(skipped, [2 + 3 + 4]);
    assert.deepEqual(ids, [0, 40, 41, 42, 43, 44, 50, 51, 52, 53, 54, 55]);
    assert.deepEqual(await Array.fromAsync(Deno.readDir(dir)), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ringChunks() refuses a file whose header is not the first file's", async () => {
  const dir = await Deno.makeTempDir();
  const basePath = `${dir}/ring.pcap`;
  try {
    await Deno.writeFile(ringFileName(basePath, 0, FILE_COUNT), ringFile([1]));
    await Deno.writeFile(
      ringFileName(basePath, 1, FILE_COUNT),
      ringFile([2], fileHeader(65535)),
    );
    const error = await readIds({
      basePath,
      fileCount: FILE_COUNT,
      exited: () => true,
    }).then(() => undefined, (e) => e);
    assert.ok(error instanceof CaptureFormatError, String(error));
    assert.match(error.message, /ring\.pcap1 is not part of this capture/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ringChunks() ends at once when tcpdump exited without writing, and refuses rings under 4 files", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const basePath = `${dir}/ring.pcap`;
    assert.deepEqual(
      await readIds({ basePath, fileCount: FILE_COUNT, exited: () => true }),
      [],
    );
    await assert.rejects(
      readIds({ basePath, fileCount: 3, exited: () => true }),
      RangeError,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 250 && !condition(); i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.ok(condition(), "timed out");
}
