import assert from "node:assert/strict";
import { CaptureFormatError } from "../capture/pcap_reader.ts";
import { PcapFileWriter } from "../capture/pcap_file_writer.ts";
import { LINK_TYPE } from "../capture/pcap_record.ts";
import { replayAtCaptureSpeed } from "./paced_replay.ts";

const T0_US = 1_700_000_000_000_000;

/** A pcap whose frames (`frameBytes` long, the first byte numbering them) lie `offsetsMs` after T0. */
async function captureAt(
  offsetsMs: number[],
  frameBytes = 60,
): Promise<string> {
  const path = await Deno.makeTempFile({ suffix: ".pcap" });
  const writer = new PcapFileWriter(path);
  offsetsMs.forEach((ms, n) => {
    const bytes = new Uint8Array(frameBytes);
    bytes[0] = n;
    writer.write({
      timestampUs: T0_US + ms * 1000,
      subMicrosecondNs: -1,
      capturedLength: frameBytes,
      wireLength: frameBytes,
      linkType: LINK_TYPE.ETHERNET,
      interfaceId: 0,
      bytes,
      offset: 0,
    });
  });
  await writer.close();
  return path;
}

/**
 * Replays `file` (frames of `frameBytes`, numbered as {@linkcode captureAt}
 * numbers them) with the read-ahead limits given; counts the records handed
 * on, and whether each came in order and whole.
 */
async function replayCounting(
  file: string,
  limits: { readAhead?: number; readAheadBytes?: number },
  frameBytes: number,
): Promise<{ handed: number; inOrder: boolean }> {
  let handed = 0;
  let inOrder = true;
  await replayAtCaptureSpeed(file, {
    signal: new AbortController().signal,
    ...limits,
    onRecord: (raw) => {
      if (raw.bytes[raw.offset] !== (handed & 255)) inOrder = false;
      if (raw.capturedLength !== frameBytes) inOrder = false;
      handed++;
    },
    onPause: () => {},
  });
  return { handed, inOrder };
}

Deno.test("replayAtCaptureSpeed hands every record on in order, none more than 1 ms early", async () => {
  const offsetsMs = [0, 0, 40, 120, 121, 300, 450];
  const file = await captureAt(offsetsMs);
  try {
    const seen: { n: number; atMs: number; timestampUs: number }[] = [];
    let pauses = 0;
    // Count the abort listeners left on the signal: one per wait would
    // pile up over a long replay.
    const signal = new AbortController().signal;
    let listeners = 0;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = (...args: Parameters<typeof add>) => {
      listeners++;
      add(...args);
    };
    signal.removeEventListener = (...args: Parameters<typeof remove>) => {
      listeners--;
      remove(...args);
    };
    const started = performance.now();
    await replayAtCaptureSpeed(file, {
      signal,
      onRecord: (raw) =>
        seen.push({
          n: raw.bytes[raw.offset]!,
          atMs: performance.now() - started,
          timestampUs: raw.timestampUs,
        }),
      onPause: () => pauses++,
    });
    assert.deepEqual(seen.map((s) => s.n), offsetsMs.map((_, n) => n));
    assert.deepEqual(
      seen.map((s) => s.timestampUs),
      offsetsMs.map((ms) => T0_US + ms * 1000),
    );
    for (const [n, { atMs }] of seen.entries()) {
      assert.ok(
        atMs >= offsetsMs[n]! - 1,
        `record ${n} at ${atMs.toFixed(1)} ms, due at ${offsetsMs[n]} ms`,
      );
    }
    // It waited between the records (and said so before each wait).
    assert.ok(pauses >= 4, `${pauses} pauses`);
    assert.equal(listeners, 0, "abort listeners left on the signal");
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("replayAtCaptureSpeed stops at once when aborted, handing on nothing more", async () => {
  const file = await captureAt([0, 10_000, 20_000]);
  try {
    const abort = new AbortController();
    const seen: number[] = [];
    const started = performance.now();
    const timer = setTimeout(() => abort.abort(), 100);
    await replayAtCaptureSpeed(file, {
      signal: abort.signal,
      onRecord: (raw) => seen.push(raw.bytes[raw.offset]!),
      onPause: () => {},
    });
    clearTimeout(timer);
    const elapsedMs = performance.now() - started;
    assert.deepEqual(seen, [0]);
    assert.ok(elapsedMs < 1_000, `stopped after ${elapsedMs} ms`);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("replayAtCaptureSpeed with a small read-ahead in bytes keeps every large record, in order", async () => {
  // 300 frames of 60,000 bytes 1 ms apart, read ahead at most 200,000 bytes.
  const file = await captureAt(
    Array.from({ length: 300 }, (_, n) => n),
    60_000,
  );
  try {
    const { handed, inOrder } = await replayCounting(
      file,
      { readAheadBytes: 200_000 },
      60_000,
    );
    assert.equal(handed, 300);
    assert.ok(inOrder);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("replayAtCaptureSpeed with a small read-ahead keeps every record, in order", async () => {
  // 5,000 records 0.2 ms apart (1 s), read ahead at most 100.
  const offsetsMs = Array.from({ length: 5_000 }, (_, n) => n * 0.2);
  const file = await captureAt(offsetsMs);
  try {
    const { handed, inOrder } = await replayCounting(
      file,
      { readAhead: 100 },
      60,
    );
    assert.equal(handed, 5_000);
    assert.ok(inOrder);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("replayAtCaptureSpeed hands on a corrupt file's good records at their time, then rejects", async () => {
  const good = await captureAt([0, 150, 300]);
  const file = await Deno.makeTempFile({ suffix: ".pcap" });
  try {
    const bytes = await Deno.readFile(good);
    // Cut the last record in half.
    await Deno.writeFile(file, bytes.subarray(0, bytes.length - 30));
    const seen: number[] = [];
    const started = performance.now();
    await assert.rejects(
      replayAtCaptureSpeed(file, {
        signal: new AbortController().signal,
        onRecord: (raw) => seen.push(raw.bytes[raw.offset]!),
        onPause: () => {},
      }),
      CaptureFormatError,
    );
    const elapsedMs = performance.now() - started;
    assert.deepEqual(seen, [0, 1]);
    // The error came after the second record's time, not at once.
    assert.ok(elapsedMs >= 149, `rejected after ${elapsedMs} ms`);
  } finally {
    await Deno.remove(good);
    await Deno.remove(file);
  }
});

Deno.test("replayAtCaptureSpeed rejects with its handler's error, and stops reading", async () => {
  // Far more records than it reads ahead, all due at once.
  const file = await captureAt(Array.from({ length: 3_000 }, () => 0));
  try {
    let handed = 0;
    await assert.rejects(
      replayAtCaptureSpeed(file, {
        signal: new AbortController().signal,
        readAhead: 100,
        onRecord: () => {
          if (++handed === 500) throw new Error("handler failed");
        },
        onPause: () => {},
      }),
      new Error("handler failed"),
    );
    assert.equal(handed, 500);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("replayAtCaptureSpeed cuts a gap longer than maxGapMs to it, and keeps the records' timestamps", async () => {
  // A record 2,000,000,000 s (63 years) later: a bad clock, merged captures.
  const hugeMs = 2e12;
  const file = await captureAt([0, 10, hugeMs, hugeMs + 30]);
  try {
    const seen: { atMs: number; timestampUs: number }[] = [];
    const started = performance.now();
    await replayAtCaptureSpeed(file, {
      signal: AbortSignal.timeout(10_000),
      maxGapMs: 100,
      onRecord: (raw) =>
        seen.push({
          atMs: performance.now() - started,
          timestampUs: raw.timestampUs,
        }),
      onPause: () => {},
    });
    assert.equal(seen.length, 4, "every record before the 10 s timeout");
    assert.equal(seen[2]!.timestampUs, T0_US + hugeMs * 1000);
    // Due at 10 + 100 ms (none more than 1 ms early), then at 140 ms.
    assert.ok(seen[2]!.atMs >= 109, `${seen[2]!.atMs} ms`);
    assert.ok(seen[2]!.atMs < 5_000, `${seen[2]!.atMs} ms`);
    assert.ok(seen[3]!.atMs >= 139, `${seen[3]!.atMs} ms`);
  } finally {
    await Deno.remove(file);
  }
});
