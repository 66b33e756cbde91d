/**
 * Packet sources: a capture file (optionally filtered by a BPF expression),
 * read, decoded and handed on one packet at a time, and the decoding that
 * the live source (live_capture.ts) shares. This is the head of the
 * pipeline; everything downstream consumes {@linkcode PacketRecord}s.
 *
 * @module
 */

import { AnomalyCounter } from "./anomalies.ts";
import { validateFilter } from "./bpf.ts";
import { decodeInto, decodePacket } from "./decode/mod.ts";
import { type FilteredStream, filterThroughTcpdump } from "./filter_stream.ts";
import { DecodedPacket } from "./decoded_packet.ts";
import type { PacketRecord } from "./packet_record.ts";
import type { PcapRecord } from "./pcap_record.ts";
import { openCaptureSource, readCapture } from "./read_capture.ts";

/** Receives each decoded packet with its raw record (valid only during the call). */
export type PacketHandler = (packet: PacketRecord, raw: PcapRecord) => void;

/** How the sources decode: options shared by {@linkcode readPacketFile} and `capturePackets` (live_capture.ts). */
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
  /** Called about every MiB parsed with the bytes read so far (of the file, compressed bytes inflated for gzip, or of tcpdump's output when filtering). */
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
    filtered = await filterThroughTcpdump(source, filter);
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
export function decoderOf(
  anomalies: AnomalyCounter,
  record: (() => DecodedPacket) | undefined,
): (raw: PcapRecord) => PacketRecord {
  if (record === undefined) return (raw) => decodePacket(raw, anomalies);
  return (raw) => decodeInto(record(), raw, anomalies);
}
