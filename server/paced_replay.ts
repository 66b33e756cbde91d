/**
 * A replay at capture speed (`--realtime`, `"realtime": true`): the file is
 * read ahead into a bounded {@linkcode RecordQueue} and each record handed
 * on when its time comes, measured from the first record's.
 *
 * @module
 */

import type { AnomalyCounter } from "../capture/anomalies.ts";
import { readRecordFile } from "../capture/packet_source.ts";
import type { PcapRecord } from "../capture/pcap_record.ts";
import { RecordQueue } from "../capture/record_queue.ts";

/** Records read ahead at most, by default. */
export const PACED_READ_AHEAD = 10_000;

/** Bytes of frames read ahead at most, by default (10,000 records of 64 KiB would be 640 MiB). */
export const PACED_READ_AHEAD_BYTES = 16 * 1024 * 1024;

/** The longest single wait for a record's time, ms (a stop is seen at once either way). */
const MAX_WAIT_MS = 200;

/**
 * The longest quiet time replayed, ms, by default: a longer gap between
 * records (captures merged from days apart, a bad clock) is cut to it, as
 * tcpreplay's `--maxsleep` does. The records keep their timestamps.
 */
export const PACED_MAX_GAP_MS = 60_000;

/** Options of {@linkcode replayAtCaptureSpeed}. */
export interface PacedReplayOptions {
  /** BPF expression ("" for everything). */
  filter?: string;
  /** Where format anomalies are counted. */
  anomalies?: AnomalyCounter;
  /** Stops the replay (it then resolves). */
  signal: AbortSignal;
  /** Receives each record when its time comes (valid only during the call). */
  onRecord: (raw: PcapRecord) => void;
  /** Called before the replay waits, for time or for the file: where a consumer that gathers records analyses what it holds. */
  onPause: () => void;
  /** Records read ahead at most (default {@linkcode PACED_READ_AHEAD}). */
  readAhead?: number;
  /** Bytes of frames read ahead at most (default {@linkcode PACED_READ_AHEAD_BYTES}); the reader may pass it by one chunk. */
  readAheadBytes?: number;
  /** The longest quiet time replayed between two records, ms (default {@linkcode PACED_MAX_GAP_MS}). */
  maxGapMs?: number;
}

/**
 * Replays `file` at capture speed; resolves once every record was handed on
 * (or the signal aborted) and rejects with the reader's error (a corrupt
 * file after its good records, a bad filter).
 *
 * A record is handed on once no more than 1 ms early; a quiet time longer
 * than `maxGapMs` between two records is cut to it. The clock is read
 * only when the oldest record looks early, not once per record, and no
 * record is decoded or copied into an object of its own: at 200,000 records
 * a second, reading and copying had cost as much as the analysis
 * (bench/findings.md, step 16).
 */
export async function replayAtCaptureSpeed(
  file: string,
  options: PacedReplayOptions,
): Promise<void> {
  const { signal, onRecord, onPause } = options;
  const readAhead = options.readAhead ?? PACED_READ_AHEAD;
  const readAheadBytes = options.readAheadBytes ?? PACED_READ_AHEAD_BYTES;
  const maxGapMs = options.maxGapMs ?? PACED_MAX_GAP_MS;
  const queue = new RecordQueue();
  // Stops the reader and the pump: the caller's abort, or the pump's failure
  // (the reader would otherwise wait at its gate for a pump that is gone).
  const stop = new AbortController();
  let wakeReader: (() => void) | undefined;
  let wakePump: (() => void) | undefined;
  const wake = () => {
    const reader = wakeReader;
    const pump = wakePump;
    wakeReader = undefined;
    wakePump = undefined;
    reader?.();
    pump?.();
  };
  const halt = () => {
    stop.abort();
    wake();
  };
  signal.addEventListener("abort", halt, { once: true });
  if (signal.aborted) halt();
  let readDone = false;
  const reading = readRecordFile(file, (raw) => {
    queue.push(raw);
    if (wakePump !== undefined) wake();
  }, {
    ...(options.filter ? { filter: options.filter } : {}),
    ...(options.anomalies ? { anomalies: options.anomalies } : {}),
    signal: stop.signal,
    gate: async () => {
      while (
        (queue.size > readAhead || queue.byteLength > readAheadBytes) &&
        !stop.signal.aborted
      ) {
        await new Promise<void>((resolve) => wakeReader = resolve);
      }
    },
  }).finally(() => {
    readDone = true;
    wake();
  });
  const pump = async () => {
    let firstUs = NaN;
    const startedMs = performance.now();
    /** Time since the start as last read, ms: never ahead of the clock. */
    let elapsedMs = 0;
    /** When the latest record handed on was due, ms after the start. */
    let lastDueMs = 0;
    while (!stop.signal.aborted) {
      if (queue.size === 0) {
        onPause();
        if (readDone) break;
        // (The reader is not at its gate: the queue is below its halves.)
        await new Promise<void>((resolve) => wakePump = resolve);
        continue;
      }
      const timestampUs = queue.firstTimestampUs;
      if (Number.isNaN(firstUs)) firstUs = timestampUs;
      let dueMs = (timestampUs - firstUs) / 1000;
      if (dueMs - lastDueMs > maxGapMs) {
        // A gap past the longest replayed: the records after it come as if
        // it were that long.
        firstUs += (dueMs - lastDueMs - maxGapMs) * 1000;
        dueMs = lastDueMs + maxGapMs;
      }
      if (dueMs - elapsedMs > 1) {
        elapsedMs = performance.now() - startedMs;
        const earlyMs = dueMs - elapsedMs;
        if (earlyMs > 1) {
          onPause();
          await sleep(Math.min(earlyMs, MAX_WAIT_MS), stop.signal);
          elapsedMs = performance.now() - startedMs;
        }
        continue;
      }
      if (dueMs > lastDueMs) lastDueMs = dueMs;
      onRecord(queue.shift()!);
      if (
        wakeReader !== undefined && queue.size <= readAhead / 2 &&
        queue.byteLength <= readAheadBytes / 2
      ) wake();
    }
  };
  try {
    // After a read error the records read before it are still handed on, at
    // their time; the error comes once they are.
    const [read, pumped] = await Promise.allSettled([
      reading,
      pump().catch((error) => {
        halt();
        throw error;
      }),
    ]);
    if (pumped.status === "rejected") throw pumped.reason;
    if (read.status === "rejected") throw read.reason;
  } finally {
    signal.removeEventListener("abort", halt);
  }
}

/** Waits `ms`, or until `signal` aborts; leaves no listener behind either way. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
