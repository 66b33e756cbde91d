/**
 * Packet sources: a capture file (optionally filtered by a BPF expression) or
 * a live tcpdump capture, each read, decoded and handed on one packet at a
 * time. This is the head of the pipeline; everything downstream consumes
 * {@linkcode PacketRecord}s.
 *
 * @module
 */

import { AnomalyCounter } from "./anomalies.ts";
import { registerCleanup } from "./child_registry.ts";
import { validateFilter } from "./bpf.ts";
import { decodeInto, decodePacket } from "./decode/mod.ts";
import { type FilteredStream, filterThroughTcpdump } from "./filter_stream.ts";
import { DecodedPacket } from "./decoded_packet.ts";
import type { PacketRecord } from "./packet_record.ts";
import { CaptureParser } from "./pcap_reader.ts";
import type { PcapRecord } from "./pcap_record.ts";
import { openCaptureSource, readCapture } from "./read_capture.ts";
import { isRingDir, prepareRingDir, type RingDir } from "./ring_dir.ts";
import { spawnTcpdump, type TcpdumpStats } from "./tcpdump.ts";

/** Receives each decoded packet with its raw record (valid only during the call). */
export type PacketHandler = (packet: PacketRecord, raw: PcapRecord) => void;

/** How the sources decode: options shared by {@linkcode readPacketFile} and {@linkcode capturePackets}. */
export interface DecodeOptions {
  /** Where decode anomalies are counted. */
  anomalies?: AnomalyCounter;
  /**
   * Supplies the record each packet is decoded into (reset first); by
   * default every packet gets a new one. {@linkcode reusedRecord} hands out
   * one record for every packet (no allocation; only for handlers that keep
   * no reference to it); a ring of kept records can hand out its next slot.
   */
  record?: () => DecodedPacket;
  /**
   * Called after the packets of each chunk the source read, before it waits
   * for the next: where a handler that gathers packets (detectors/engine_feed.ts)
   * analyses what it holds, so that nothing waits on a quiet link.
   */
  onChunkEnd?: () => void;
}

/** Options of {@linkcode readPacketFile}. */
export interface ReadPacketFileOptions extends DecodeOptions {
  /** BPF expression; when set, the file is piped through `tcpdump -r - -w - <filter>`. */
  filter?: string;
  /** Called about every MiB with the bytes read so far (of the file, or of tcpdump's output when filtering). */
  onProgress?: (bytesRead: number) => void;
  /** Aborts the read. */
  signal?: AbortSignal;
  /** Awaited before each chunk is read (keeping the fast BYOB reads): lets a slow consumer hold the reader back; a rejection ends the read with that error. */
  gate?: () => Promise<void>;
}

/** What {@linkcode readPacketFile} read. */
export interface ReadPacketFileResult {
  format: "pcap" | "pcapng";
  gzip: boolean;
  packets: number;
  bytesRead: number;
}

/**
 * Reads a capture file ("-" for stdin): pcap, pcapng or gzip of either,
 * decoding every packet. Throws `CaptureFormatError` on a corrupt file (after
 * handing on every good packet before the damage), `TcpdumpError` for a bad
 * filter, `Deno.errors.NotFound` for a missing file.
 */
export function readPacketFile(
  path: string,
  onPacket: PacketHandler,
  options: ReadPacketFileOptions = {},
): Promise<ReadPacketFileResult> {
  const anomalies = options.anomalies ?? new AnomalyCounter();
  const decode = decoderOf(anomalies, options.record);
  return readRecordFile(
    path,
    (raw) => onPacket(decode(raw), raw),
    { ...options, anomalies },
  );
}

/**
 * {@linkcode readPacketFile} without decoding: hands on each raw record
 * (valid only during the call), for a reader that decodes later or never.
 * `options.record` is not used.
 */
export async function readRecordFile(
  path: string,
  onRecord: (raw: PcapRecord) => void,
  options: ReadPacketFileOptions = {},
): Promise<ReadPacketFileResult> {
  const anomalies = options.anomalies ?? new AnomalyCounter();
  const filter = options.filter?.trim() ?? "";
  if (filter !== "") await validateFilter(filter);
  let source = await openCaptureSource(path);
  let filtered: FilteredStream | undefined;
  if (filter !== "") {
    filtered = filterThroughTcpdump(source, filter);
    source = filtered.stream;
  }
  let packets = 0;
  // Whether the read was stopped from this side: a handler threw, or the
  // caller aborted.
  let handlerThrew = false;
  const onChunkEnd = options.onChunkEnd;
  const readOptions = {
    anomalies,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.gate ? { gate: options.gate } : {}),
    ...(onChunkEnd
      ? {
        onChunkEnd: () => {
          try {
            onChunkEnd();
          } catch (error) {
            handlerThrew = true;
            throw error;
          }
        },
      }
      : {}),
  };
  try {
    const result = await readCapture(source, (raw) => {
      packets++;
      try {
        onRecord(raw);
      } catch (error) {
        handlerThrew = true;
        throw error;
      }
    }, readOptions);
    await filtered?.done;
    return {
      format: result.format,
      gzip: result.gzip,
      packets,
      bytesRead: result.bytesRead,
    };
  } catch (error) {
    // A tcpdump failure explains a broken pipe better than the reader's
    // error, unless the read was stopped here: tcpdump's end follows then.
    if (filtered && (handlerThrew || options.signal?.aborted)) {
      filtered.stop();
      await filtered.done.catch(() => {});
    } else {
      await filtered?.done;
    }
    throw error;
  }
}

/** A record supplier for `record` options: the same record for every packet. */
export function reusedRecord(): () => DecodedPacket {
  const record = new DecodedPacket();
  return () => record;
}

/** Decodes into a new record per packet, or into the supplied one. */
function decoderOf(
  anomalies: AnomalyCounter,
  record: (() => DecodedPacket) | undefined,
): (raw: PcapRecord) => PacketRecord {
  if (record === undefined) return (raw) => decodePacket(raw, anomalies);
  return (raw) => decodeInto(record(), raw, anomalies);
}

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
  /** How tcpdump's packets are read. */
  readonly output: CaptureOutput;
  /** Why a ring was asked for (the default) but a pipe is used; undefined otherwise. */
  readonly pipeReason?: string;
  /** Packets tcpdump wrote that the reader skipped so far because it fell behind (ring only). */
  skippedPackets(): number;
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
 * on failure, and on SIGINT/SIGTERM.
 */
export function capturePackets(
  options: CapturePacketsOptions,
  onPacket: PacketHandler,
): LiveCapture {
  const anomalies = options.anomalies ?? new AnomalyCounter();
  const prepared = options.output === "pipe"
    ? undefined
    : prepareRingDir({ anyFileSystem: options.output === "ring" });
  let ring: RingDir | undefined;
  let pipeReason: string | undefined;
  if (prepared && isRingDir(prepared)) ring = prepared;
  else if (prepared) pipeReason = prepared.reason;
  if (pipeReason !== undefined && options.output === "ring") {
    throw new Error(`Cannot capture into a file ring: ${pipeReason}`);
  }
  const unregisterCleanup = ring ? registerCleanup(ring.remove) : () => {};
  let tcpdump;
  try {
    tcpdump = spawnTcpdump({
      iface: options.iface,
      ...(options.filter ? { filter: options.filter } : {}),
      ...(options.snapLength ? { snapLength: options.snapLength } : {}),
      ...(options.bufferKib ? { bufferKib: options.bufferKib } : {}),
      ...(ring
        ? {
          ring: { dir: ring.path, ...(ring.user ? { user: ring.user } : {}) },
        }
        : {}),
    });
  } catch (error) {
    unregisterCleanup();
    void ring?.remove();
    throw error;
  }
  const parser = new CaptureParser({ anomalies });
  let packets = 0;
  const decode = decoderOf(anomalies, options.record);
  const handle = (raw: PcapRecord): void => {
    packets++;
    onPacket(decode(raw), raw);
  };
  const pumped = (async () => {
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
    ready: tcpdump.ready,
    done,
    async stop() {
      await tcpdump.stop().catch(() => {});
      return await done;
    },
    output: ring ? "ring" : "pipe",
    ...(pipeReason !== undefined ? { pipeReason } : {}),
    skippedPackets: () => tcpdump.skippedPackets(),
  };
}
