/**
 * SHA-256 digests of session PCAPs for the incident report, each taken once
 * while the session's files stay as they are: a report is often downloaded
 * again, and hashing a PCAP at its 576 MiB cap takes 1–3 s of CPU.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { joinSessionFiles, sessionPcapFiles } from "./pcap_store.ts";

/** A session PCAP's digest and length. */
export interface PcapDigest {
  sha256: string;
  bytes: number;
}

/**
 * The digest of the last session PCAP asked for, kept with what its files
 * were (path, size, inode, modification and change times): reused while
 * none of them changed, and shared by requests that come while it is taken.
 */
export class PcapDigests {
  #last: { key: string; digest: Promise<PcapDigest> } | undefined;
  /** Digests taken (files read and hashed) so far. */
  taken = 0;

  /** The digest of session `sessionId`'s PCAP in `dataDir`, or null when it has no files. */
  async digest(
    dataDir: string,
    sessionId: string,
  ): Promise<PcapDigest | null> {
    const paths = await sessionPcapFiles(dataDir, sessionId);
    if (paths.length === 0) return null;
    const key = await filesKey(paths);
    const last = this.#last;
    if (key !== undefined && last?.key === key) return await last.digest;
    this.taken++;
    const digest = digestOf(joinSessionFiles(paths));
    if (key !== undefined) this.#last = { key, digest };
    try {
      return await digest;
    } catch (error) {
      // Not kept: the next request tries again.
      if (this.#last?.digest === digest) this.#last = undefined;
      throw error;
    }
  }
}

/**
 * What the files are now: path, size, inode, modification and change
 * time of each (a file rewritten in place changes its change time even
 * when its size and modification time are set back, from the next second
 * on: Deno gives change times in whole seconds);
 * undefined when one could not be read (gone since it was listed).
 */
async function filesKey(paths: string[]): Promise<string | undefined> {
  try {
    const infos = await Promise.all(paths.map((path) => Deno.stat(path)));
    return infos.map((info, k) =>
      [
        paths[k],
        info.size,
        info.ino ?? 0,
        info.mtime?.getTime() ?? 0,
        info.ctime?.getTime() ?? 0,
      ].join("\t")
    ).join("\n");
  } catch {
    return undefined;
  }
}

async function digestOf(
  stream: ReadableStream<Uint8Array>,
): Promise<PcapDigest> {
  // Streamed: a session PCAP may be hundreds of MiB.
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of stream) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: hash.digest("hex"), bytes };
}
