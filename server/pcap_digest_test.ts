import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { udpFrame } from "../capture/frame_builder.ts";
import { rawRecord, V4 } from "../capture/decode/test_helpers.ts";
import { PcapDigests } from "./pcap_digest.ts";
import { sessionPcapFiles, SessionPcapWriter } from "./pcap_store.ts";

/** A session "s1" of `frames` frames in a new directory, in two files or more. */
async function session(frames: number) {
  const dir = await Deno.makeTempDir({ prefix: "netmirror-digest-" });
  const writer = new SessionPcapWriter(dir, "s1", { fileBytes: 8_192 });
  for (let n = 0; n < frames; n++) {
    writer.write(rawRecord(
      udpFrame(V4, { srcPort: 1000, dstPort: 2000 }, new Uint8Array(300)),
      { timestampUs: 1_700_000_000_000_000 + n },
    ));
  }
  await writer.close();
  const paths = await sessionPcapFiles(dir, "s1");
  assert.ok(paths.length >= 2, `${paths.length} files`);
  return { dir, paths };
}

/** SHA-256 of the session's files as served: the first whole, the others without their file header. */
async function expected(paths: string[]) {
  const hash = createHash("sha256");
  let bytes = 0;
  for (const [k, path] of paths.entries()) {
    const data = (await Deno.readFile(path)).subarray(k === 0 ? 0 : 24);
    hash.update(data);
    bytes += data.length;
  }
  return { sha256: hash.digest("hex"), bytes };
}

Deno.test("PcapDigests hashes a session's PCAP once while its files stay as they are, and requests meanwhile share it", async () => {
  const { dir, paths } = await session(100);
  const digests = new PcapDigests();
  const [first, second] = await Promise.all([
    digests.digest(dir, "s1"),
    digests.digest(dir, "s1"),
  ]);
  assert.deepEqual(first, await expected(paths));
  assert.deepEqual(second, first);
  assert.equal(digests.taken, 1);
  assert.deepEqual(await digests.digest(dir, "s1"), first);
  assert.equal(digests.taken, 1);
  assert.equal(await digests.digest(dir, "s2"), null);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("PcapDigests hashes again when a file grows, or is rewritten in place with its size and time set back", async () => {
  const { dir, paths } = await session(100);
  const digests = new PcapDigests();
  const first = await digests.digest(dir, "s1");
  // A running session's last file grows.
  const last = paths[paths.length - 1]!;
  await Deno.writeFile(last, new Uint8Array(316), { append: true });
  const grown = await digests.digest(dir, "s1");
  assert.deepEqual(grown, await expected(paths));
  assert.equal(grown!.bytes, first!.bytes + 316);
  assert.equal(digests.taken, 2);
  // The first file's bytes changed, its size and modification time not
  // (a second on: Deno gives change times in whole seconds).
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  const info = await Deno.stat(paths[0]!);
  const bytes = await Deno.readFile(paths[0]!);
  bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
  await Deno.writeFile(paths[0]!, bytes);
  await Deno.utime(paths[0]!, info.atime!, info.mtime!);
  assert.equal(
    (await Deno.stat(paths[0]!)).mtime!.getTime(),
    info.mtime!.getTime(),
  );
  const rewritten = await digests.digest(dir, "s1");
  assert.deepEqual(rewritten, await expected(paths));
  assert.notEqual(rewritten!.sha256, grown!.sha256);
  assert.equal(digests.taken, 3);
  await Deno.remove(dir, { recursive: true });
});
