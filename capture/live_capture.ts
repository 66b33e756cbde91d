/**
 * The live packet source: tcpdump on an interface, read from its file ring
 * (ring_reader.ts) where /run/netmirror is a tmpfs, else from its pipe,
 * decoded and handed on one packet at a time. A ring that tcpdump cannot
 * write (a confinement such as AppArmor or SELinux, a user it drops to that
 * cannot reach the directory) falls back to the pipe unless the ring was
 * asked for.
 *
 * @module
 */

import { AnomalyCounter } from "./anomalies.ts";
import { registerCleanup } from "./child_registry.ts";
import {
  type DecodeOptions,
  decoderOf,
  type PacketHandler,
} from "./packet_source.ts";
import { CaptureParser } from "./pcap_reader.ts";
import type { PcapRecord } from "./pcap_record.ts";
import {
  isRingDir,
  prepareRingDir,
  type PrepareRingOptions,
  type RingDir,
} from "./ring_dir.ts";
import {
  spawnTcpdump,
  type TcpdumpSource,
  type TcpdumpStats,
} from "./tcpdump.ts";
import { RingError } from "./tcpdump_errors.ts";

/** Options of {@linkcode capturePackets}. */
export interface CapturePacketsOptions extends DecodeOptions {
  /** Interface to capture on ("any" for all). */
  iface: string;
  /** BPF expression ("" for everything). */
  filter?: string;
  /** Bytes kept of each packet (tcpdump -s); default 9216 (`DEFAULT_SNAP_LENGTH` in tcpdump.ts). */
  snapLength?: number;
  /** Kernel buffer size in KiB (tcpdump -B). */
  bufferKib?: number;
  /**
   * How tcpdump hands packets over: "ring" (files in /run/netmirror, read
   * on a timer; the default where that is a tmpfs NetMirror can write) or
   * "pipe" (its stdout; the default elsewhere). An explicit "ring" uses
   * /run/netmirror whatever its file system, and throws if it cannot.
   */
  output?: CaptureOutput;
  /** Where and how the ring's directory is made (ring_dir.ts); the defaults are the product's. */
  ringDir?: Omit<PrepareRingOptions, "anyFileSystem">;
}

/** How a live capture reads tcpdump: a ring of files on tmpfs, or its stdout. */
export type CaptureOutput = "ring" | "pipe";

/** A running live capture. */
export interface LiveCapture {
  /** Resolves once tcpdump listens; rejects with `TcpdumpError` when it cannot start. */
  readonly ready: Promise<void>;
  /** Resolves when the capture ends (stopped, or tcpdump exited) with tcpdump's counts; rejects on failure. */
  readonly done: Promise<LiveCaptureResult>;
  /** Stops tcpdump and resolves with the final result. Idempotent. */
  stop(): Promise<LiveCaptureResult>;
  /** How tcpdump's packets are read (final once `ready` resolves). */
  readonly output: CaptureOutput;
  /** Why the pipe is used where the ring is the default: no ring could be made, or tcpdump could not write it (final once `ready` resolves); undefined otherwise. */
  readonly pipeReason: string | undefined;
  /** Packets tcpdump wrote that the reader skipped so far because it fell behind (ring only). */
  skippedPackets(): number;
  /** tcpdump's counts as it reported them last while running (undefined before its first report), and a request for new ones: see {@linkcode TcpdumpSource.pollCounts}. */
  pollCounts(): TcpdumpStats | undefined;
}

/** Counts of a finished live capture. */
export interface LiveCaptureResult {
  /** Packets decoded by NetMirror. */
  packets: number;
  /** tcpdump's own counts (captured, received by filter, kernel drops). */
  tcpdump: TcpdumpStats;
  /** Packets tcpdump wrote that NetMirror skipped because it fell half a ring behind. */
  skipped: number;
}

/**
 * Starts tcpdump on an interface and decodes every packet it writes,
 * calling `onPacket` for each. The tcpdump child is always reaped: on stop,
 * on failure, and on SIGINT/SIGTERM. Throws right away what `spawnTcpdump`
 * throws, and when a ring was asked for (`output: "ring"`) but cannot be
 * made.
 */
export function capturePackets(
  options: CapturePacketsOptions,
  onPacket: PacketHandler,
): LiveCapture {
  const anomalies = options.anomalies ?? new AnomalyCounter();
  const forced = options.output === "ring";
  const prepared = options.output === "pipe"
    ? undefined
    : prepareRingDir({ ...options.ringDir, anyFileSystem: forced });
  let ring: RingDir | undefined;
  let pipeReason: string | undefined;
  if (prepared && isRingDir(prepared)) ring = prepared;
  else if (prepared) pipeReason = prepared.reason;
  if (pipeReason !== undefined && forced) {
    throw new RingError(
      `Cannot capture into a file ring: ${pipeReason}`,
      pipeReason,
    );
  }
  const unregisterCleanup = ring ? registerCleanup(ring.remove) : () => {};
  const start = (into: RingDir | undefined): TcpdumpSource =>
    spawnTcpdump({
      iface: options.iface,
      ...(options.filter ? { filter: options.filter } : {}),
      ...(options.snapLength ? { snapLength: options.snapLength } : {}),
      ...(options.bufferKib ? { bufferKib: options.bufferKib } : {}),
      ...(into
        ? {
          ring: { dir: into.path, ...(into.user ? { user: into.user } : {}) },
        }
        : {}),
    });
  let tcpdump: TcpdumpSource;
  try {
    tcpdump = start(ring);
  } catch (error) {
    unregisterCleanup();
    void ring?.remove();
    throw error;
  }
  let stopRequested = false;

  const ready = (async () => {
    try {
      await tcpdump.ready;
    } catch (error) {
      if (!ring || forced || stopRequested || !(error instanceof RingError)) {
        throw error;
      }
      // tcpdump could not write the ring: the pipe, as everywhere else.
      pipeReason = `tcpdump cannot write ${ring.path} (${error.detail})`;
      await ring.remove();
      ring = undefined;
      if (stopRequested) throw error;
      tcpdump = start(undefined);
      await tcpdump.ready;
    }
  })();
  ready.catch(() => {}); // also reported by `done`

  const parser = new CaptureParser({ anomalies });
  let packets = 0;
  const decode = decoderOf(anomalies, options.record);
  const handle = (raw: PcapRecord): void => {
    packets++;
    onPacket(decode(raw), raw);
  };
  const pumped = (async () => {
    // The tcpdump that listens: after a fallback, the pipe's.
    await ready.catch(() => {});
    const onChunkEnd = options.onChunkEnd;
    for await (const chunk of tcpdump.chunks()) {
      parser.push(chunk, handle);
      onChunkEnd?.();
    }
  })();
  const done = (async (): Promise<LiveCaptureResult> => {
    try {
      try {
        await pumped;
      } catch (error) {
        await tcpdump.stop();
        throw error;
      }
      const stats = await tcpdump.done;
      return { packets, tcpdump: stats, skipped: tcpdump.skippedPackets() };
    } finally {
      unregisterCleanup();
      await ring?.remove();
    }
  })();
  done.catch(() => {}); // observed by callers through `done` or `stop()`
  return {
    ready,
    done,
    async stop() {
      stopRequested = true;
      await tcpdump.stop().catch(() => {});
      return await done;
    },
    get output(): CaptureOutput {
      return ring ? "ring" : "pipe";
    },
    get pipeReason() {
      return pipeReason;
    },
    skippedPackets: () => tcpdump.skippedPackets(),
    pollCounts: () => tcpdump.pollCounts(),
  };
}

/** How a capture reads tcpdump, in words: "read from a file ring", or "read through a pipe" with the reason the ring was not used (none when undefined or ""). */
export function describeOutput(
  output: CaptureOutput,
  pipeReason: string | undefined,
): string {
  if (output === "ring") return "read from a file ring";
  return pipeReason
    ? `read through a pipe (no file ring: ${pipeReason})`
    : "read through a pipe";
}
