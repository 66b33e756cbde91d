/**
 * Reads the file ring a live tcpdump writes (`-w <base> -C <MB> -W <n>`):
 * files `<base>00`, `<base>01`, … in turn, each as it grows, polled on a
 * timer ({@linkcode RING_POLL_MS}). Writing into a file wakes nobody, where each of tcpdump's writes
 * into a pipe (one per packet with `-U`) wakes the pipe's reader: on a
 * 2-core machine at 200k packets/s that costs tcpdump kernel drops
 * (bench/findings.md, step 19).
 *
 * tcpdump closes a file before it creates the next, so a file is complete
 * once the next exists (or tcpdump has exited). Each file is unlinked as
 * soon as it is opened: when tcpdump comes round the ring again it creates
 * a new file rather than truncating one being read. A reader more than half
 * a ring behind skips whole files (counting their packets as dropped) so
 * that tcpdump never overwrites a file not yet read. Every file after the
 * first starts with the same pcap file header, which is dropped: the
 * consumer sees one continuous capture.
 *
 * @module
 */

import { CaptureFormatError } from "./pcap_reader.ts";

/** Size of a classic pcap file header, in bytes. */
const FILE_HEADER_BYTES = 24;
/** Size of a classic pcap record header, in bytes. */
const RECORD_HEADER_BYTES = 16;

/** Default size of the read buffer, in bytes. */
export const RING_CHUNK_BYTES = 1 << 20;

/**
 * Wait between polls once the ring has nothing new, in milliseconds. At
 * 200k packets/s on lo, polls every 1 ms cost tcpdump a median 1,163 more
 * drops per 300,000 packets than `tcpdump | cat`; every 5 or 10 ms, none
 * (bench/findings.md, step 19). It bounds the latency a packet gains.
 */
export const RING_POLL_MS = 10;

/** Options of {@linkcode ringChunks}. */
export interface RingReaderOptions {
  /** The path given to tcpdump's `-w`; its files are this plus a number. */
  basePath: string;
  /** Files in tcpdump's ring (`-W`), at least 4. */
  fileCount: number;
  /** True once tcpdump has exited: its last file is then complete. */
  exited: () => boolean;
  /** Called with the number of packets in files skipped because the reader fell behind. */
  onSkipped?: (packets: number) => void;
  /** Read buffer size, in bytes; default {@linkcode RING_CHUNK_BYTES}. */
  chunkBytes?: number;
}

/** The name of file `index` (counted from 0, never wrapped) of a ring, as tcpdump names it. */
export function ringFileName(
  basePath: string,
  index: number,
  fileCount: number,
): string {
  // tcpdump pads the number to the digits of fileCount - 1 (getWflagChars).
  const width = String(fileCount - 1).length;
  return basePath + String(index % fileCount).padStart(width, "0");
}

/**
 * Yields tcpdump's capture from the ring as one classic pcap stream (the
 * first file's header, then every record), in chunks of one reused buffer:
 * use or copy each chunk before pulling the next. Ends when tcpdump has
 * exited and its last file is read. Throws `CaptureFormatError` when a file
 * does not start with the first file's header (not tcpdump's ring).
 */
export async function* ringChunks(
  options: RingReaderOptions,
): AsyncGenerator<Uint8Array, void, undefined> {
  const { basePath, fileCount, exited } = options;
  if (!Number.isInteger(fileCount) || fileCount < 4) {
    throw new RangeError(`A ring needs at least 4 files, got ${fileCount}`);
  }
  const skipAhead = fileCount >> 1;
  const name = (index: number) => ringFileName(basePath, index, fileCount);
  const buffer = new Uint8Array(options.chunkBytes ?? RING_CHUNK_BYTES);
  const header = new Uint8Array(FILE_HEADER_BYTES);
  let headerBytes = 0; // of the first file's header, seen so far

  for (let index = 0;; index++) {
    const file = await openWhenCreated(name(index), exited);
    if (file === undefined) return;
    try {
      // Beyond the first file, the header repeats: check it and drop it.
      let toSkip = index === 0 ? 0 : FILE_HEADER_BYTES;
      let complete = false;
      while (true) {
        const n = await file.read(buffer);
        if (n === null || n === 0) {
          if (complete) break;
          // Complete once the next file exists or tcpdump has gone; then
          // one more read takes what was written before that.
          complete = await exists(name(index + 1)) || exited();
          if (!complete) await sleep(RING_POLL_MS);
          continue;
        }
        let chunk = buffer.subarray(0, n);
        if (index === 0 && headerBytes < FILE_HEADER_BYTES) {
          const take = Math.min(FILE_HEADER_BYTES - headerBytes, n);
          header.set(chunk.subarray(0, take), headerBytes);
          headerBytes += take;
        } else if (toSkip > 0) {
          const take = Math.min(toSkip, n);
          const at = FILE_HEADER_BYTES - toSkip;
          for (let i = 0; i < take; i++) {
            if (chunk[i] !== header[at + i]) {
              throw new CaptureFormatError(
                `Cannot parse capture: ${
                  name(index)
                } is not part of this capture (its file header differs from the first file's)`,
              );
            }
          }
          toSkip -= take;
          chunk = chunk.subarray(take);
        }
        if (chunk.length > 0) yield chunk;
      }
    } finally {
      file.close();
    }
    // Half a ring behind: skip to the newest half before tcpdump laps us.
    if (await exists(name(index + 1 + skipAhead))) {
      let packets = 0;
      const littleEndian = header[0] === 0xd4 || header[0] === 0x4d;
      for (let skip = 1; skip < skipAhead; skip++) {
        packets += await countAndRemove(name(index + skip), littleEndian);
      }
      index += skipAhead - 1;
      options.onSkipped?.(packets);
    }
  }
}

/**
 * Opens a ring file once tcpdump has created it, and unlinks it. Returns
 * undefined when tcpdump has exited without creating it.
 */
async function openWhenCreated(
  path: string,
  exited: () => boolean,
): Promise<Deno.FsFile | undefined> {
  while (true) {
    const gone = exited(); // before the open: a file made before exit is seen
    try {
      const file = await Deno.open(path, { read: true });
      await Deno.remove(path).catch(() => {});
      return file;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    if (gone) return undefined;
    await sleep(RING_POLL_MS);
  }
}

/** Counts the records of a complete ring file, then removes it. */
async function countAndRemove(
  path: string,
  littleEndian: boolean,
): Promise<number> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return 0;
    throw error;
  }
  await Deno.remove(path).catch(() => {});
  return countRecords(bytes, littleEndian);
}

/** Number of whole records in one pcap file's bytes (header included). */
export function countRecords(bytes: Uint8Array, littleEndian: boolean): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let count = 0;
  let offset = FILE_HEADER_BYTES;
  while (offset + RECORD_HEADER_BYTES <= bytes.length) {
    const capturedBytes = view.getUint32(offset + 8, littleEndian);
    offset += RECORD_HEADER_BYTES + capturedBytes;
    if (offset > bytes.length) break;
    count++;
  }
  return count;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
