import assert from "node:assert/strict";
import { udpFrame } from "../capture/frame_builder.ts";
import { CaptureParser } from "../capture/pcap_reader.ts";
import type { PcapRecord } from "../capture/pcap_record.ts";
import { rawRecord, V4 } from "../capture/decode/test_helpers.ts";
import {
  joinSessionFiles,
  openSessionPcap,
  pruneDataDir,
  sessionPcapFiles,
  SessionPcapWriter,
} from "./pcap_store.ts";

/** Frame `n`, captured at µs `n` past 1_700_000_000 s: a UDP datagram of 200 bytes filled with `n`. */
function record(n: number): PcapRecord {
  return rawRecord(
    udpFrame(
      V4,
      { srcPort: 1000, dstPort: 2000 },
      new Uint8Array(200).fill(n & 0xff),
    ),
    { timestampUs: 1_700_000_000_000_000 + n },
  );
}

Deno.test("SessionPcapWriter rotates files, drops the oldest past the cap, and serves one valid pcap", async () => {
  const dir = await Deno.makeTempDir({ prefix: "netmirror-store-" });
  const writer = new SessionPcapWriter(dir, "s1", {
    fileBytes: 10_000,
    sessionBytes: 30_000,
  });
  for (let n = 0; n < 200; n++) writer.write(record(n));
  await writer.close();
  assert.equal(writer.droppedFrames, 0);
  const files = await sessionPcapFiles(dir, "s1");
  assert.ok(files.length >= 2 && files.length <= 4, `${files.length} files`);
  assert.ok(writer.byteLength <= 30_000 + 10_000);
  const stream = await openSessionPcap(dir, "s1");
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  const seen: number[] = [];
  const parser = new CaptureParser();
  parser.push(bytes, (r) => seen.push(r.timestampUs % 1000));
  parser.finish();
  assert.ok(seen.length > 0 && seen.length < 200, `${seen.length} records`);
  assert.equal(seen.at(-1), 199, "the newest frames are kept");
  assert.deepEqual(seen, [...seen].sort((a, b) => a - b), "in order");
  // The frames deleted with the oldest files are counted: the first ones.
  assert.equal(writer.rotatedFrames, 200 - seen.length);
  assert.equal(seen[0], writer.rotatedFrames);
  assert.equal(await openSessionPcap(dir, "nope"), undefined);
  assert.equal(await openSessionPcap(dir, "../etc"), undefined);
  assert.throws(() => new SessionPcapWriter(dir, "../x"), RangeError);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("SessionPcapWriter writes behind across files: written() waits for every frame, in order", async () => {
  const dir = await Deno.makeTempDir({ prefix: "netmirror-store-" });
  const writer = new SessionPcapWriter(dir, "s2", {
    fileBytes: 300_000,
    writeBehindBytes: 1 << 20,
  });
  const count = 2_000; // about 450 KB: two files
  for (let n = 0; n < count; n++) {
    if (n % 100 === 0) await writer.ready();
    writer.write(record(n));
  }
  await writer.written(); // what a download waits for while the session runs
  assert.equal((await sessionPcapFiles(dir, "s2")).length, 2);
  const bytes = new Uint8Array(
    await new Response(await openSessionPcap(dir, "s2")).arrayBuffer(),
  );
  const seen: number[] = [];
  const parser = new CaptureParser();
  parser.push(bytes, (r) => seen.push(r.timestampUs % 1_000_000));
  parser.finish();
  assert.deepEqual(seen, Array.from({ length: count }, (_, n) => n));
  assert.equal(writer.droppedFrames, 0);
  assert.equal(writer.error, undefined);
  await writer.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("SessionPcapWriter counts the frames it leaves out while the disk is behind, and keeps the rest", async () => {
  const dir = await Deno.makeTempDir({ prefix: "netmirror-store-" });
  const writer = new SessionPcapWriter(dir, "s3", {
    fileBytes: 4 << 20,
    writeBehindBytes: 1 << 20,
  });
  const count = 40_000; // about 9 MiB at once, as a burst on a live capture
  for (let n = 0; n < count; n++) writer.write(record(n));
  assert.ok(writer.droppedFrames > 0);
  await writer.close();
  const bytes = new Uint8Array(
    await new Response(await openSessionPcap(dir, "s3")).arrayBuffer(),
  );
  let kept = 0;
  const parser = new CaptureParser();
  parser.push(bytes, () => kept++);
  parser.finish();
  assert.equal(kept + writer.droppedFrames, count);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("pruneDataDir deletes the oldest session files until the directory fits, and nothing else", async () => {
  const dir = await Deno.makeTempDir({ prefix: "netmirror-store-" });
  // An operator's own captures, older and bigger than any session's, one
  // named as a session's file was before the prefix.
  for (
    const name of [
      "operator-capture.pcap",
      "backup-0001.pcap",
      "switch1-2024.pcap",
    ]
  ) {
    await Deno.writeFile(`${dir}/${name}`, new Uint8Array(5000));
    await Deno.utime(`${dir}/${name}`, 0, 0);
  }
  for (const [name, seconds] of [["sa", 1], ["sb", 2], ["sc", 3]] as const) {
    const path = `${dir}/netmirror-${name}-0000.pcap`;
    await Deno.writeFile(path, new Uint8Array(1000));
    await Deno.utime(path, seconds, seconds);
  }
  assert.equal(await pruneDataDir(dir, 2000), 1);
  const left = [];
  for await (const entry of Deno.readDir(dir)) left.push(entry.name);
  assert.deepEqual(left.sort(), [
    "backup-0001.pcap",
    "netmirror-sb-0000.pcap",
    "netmirror-sc-0000.pcap",
    "operator-capture.pcap",
    "switch1-2024.pcap",
  ]);
  // Nor are they served as a session's PCAP.
  assert.deepEqual(await sessionPcapFiles(dir, "operator"), []);
  assert.deepEqual(await sessionPcapFiles(dir, "backup"), []);
  assert.deepEqual(await sessionPcapFiles(dir, "switch1"), []);
  assert.deepEqual(await sessionPcapFiles(dir, "sb"), [
    `${dir}/netmirror-sb-0000.pcap`,
  ]);
  assert.equal(await pruneDataDir(`${dir}/missing`, 0), 0);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("pruneDataDir also keeps at most so many session files, the newest", async () => {
  const dir = await Deno.makeTempDir({ prefix: "netmirror-store-" });
  // 150 small sessions (more than one batch of measurements), oldest first.
  for (let n = 0; n < 150; n++) {
    const path = `${dir}/netmirror-s${
      n.toString(36).padStart(3, "0")
    }-0000.pcap`;
    await Deno.writeFile(path, new Uint8Array(24));
    await Deno.utime(path, 1000 + n, 1000 + n);
  }
  await Deno.writeFile(`${dir}/operator-capture.pcap`, new Uint8Array(24));
  assert.equal(await pruneDataDir(dir, 1 << 30, 150), 0);
  assert.equal(await pruneDataDir(dir, 1 << 30, 100), 50);
  const left = [];
  for await (const entry of Deno.readDir(dir)) left.push(entry.name);
  assert.equal(left.length, 101);
  assert.ok(left.includes("operator-capture.pcap"));
  // The 100 newest sessions are kept.
  for (let n = 50; n < 150; n++) {
    assert.ok(
      left.includes(`netmirror-s${n.toString(36).padStart(3, "0")}-0000.pcap`),
    );
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("SessionPcapWriter names a data directory that is a file", async () => {
  const file = await Deno.makeTempFile();
  try {
    assert.throws(
      () => new SessionPcapWriter(file, "s1"),
      (error: unknown) =>
        error instanceof Deno.errors.NotADirectory &&
        error.message.includes(`"${file}": it is a file, not a directory`),
    );
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("sessionPcapFiles orders a session's files by number, past 9999", async () => {
  const dir = await Deno.makeTempDir({ prefix: "netmirror-store-" });
  const numbers = [10_001, 9_998, 10_000, 9_999, 12];
  for (const n of numbers) {
    await Deno.writeFile(
      `${dir}/netmirror-s1-${String(n).padStart(4, "0")}.pcap`,
      new Uint8Array(0),
    );
  }
  const files = await sessionPcapFiles(dir, "s1");
  assert.deepEqual(
    files.map((path) => Number(/-(\d+)\.pcap$/.exec(path)![1])),
    [12, 9_998, 9_999, 10_000, 10_001],
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("joinSessionFiles skips a file rotated away before it is reached, reads the later ones, and tells how many it skipped", async () => {
  const dir = await Deno.makeTempDir({ prefix: "netmirror-store-" });
  const writer = new SessionPcapWriter(dir, "s1", { fileBytes: 2_000 });
  for (let n = 0; n < 40; n++) writer.write(record(n));
  await writer.close();
  const paths = await sessionPcapFiles(dir, "s1");
  assert.ok(paths.length >= 4, `${paths.length} files`);
  /** The frame numbers in each file. */
  const numbersIn = async (path: string) => {
    const numbers: number[] = [];
    const parser = new CaptureParser();
    parser.push(
      await Deno.readFile(path),
      (r) => numbers.push(r.timestampUs % 1000),
    );
    parser.finish();
    return numbers;
  };
  const perFile = await Promise.all(paths.map(numbersIn));
  const skipped: number[] = [];
  const stream = joinSessionFiles(paths, {
    onSkipped: (files) => skipped.push(files),
  });
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  // The first file is open and read from; then two later ones go.
  const first = await reader.read();
  chunks.push(first.value!);
  await Deno.remove(paths[1]!);
  await Deno.remove(paths[3]!);
  for (let i = 0; i < 1_000; i++) {
    const next = await reader.read();
    if (next.done) break;
    chunks.push(next.value);
  }
  const seen: number[] = [];
  const parser = new CaptureParser();
  for (const chunk of chunks) {
    parser.push(chunk, (r) => seen.push(r.timestampUs % 1000));
  }
  parser.finish();
  const expected = perFile.filter((_, k) => k !== 1 && k !== 3).flat();
  assert.deepEqual(seen, expected);
  assert.deepEqual(skipped, [2]);
  // Without its first file, the next one's header starts the pcap.
  await Deno.remove(paths[0]!);
  const rest = new Uint8Array(
    await new Response(joinSessionFiles(paths)).arrayBuffer(),
  );
  const later: number[] = [];
  const restParser = new CaptureParser();
  restParser.push(rest, (r) => later.push(r.timestampUs % 1000));
  restParser.finish();
  assert.deepEqual(later, perFile.slice(2).filter((_, k) => k !== 1).flat());
  await Deno.remove(dir, { recursive: true });
});
