/**
 * The frames of a session PCAP that match a search, streamed as one pcap:
 * `GET /api/export/pcap/<session>?q=…&protocol=…&src=…&dst=…&filter=…`.
 * The recent packets behind `GET /api/packets` hold a session's last
 * 10,000; this reads every frame its files on disk still hold (the
 * session's byte cap rotates the oldest away), so an analyst takes all of
 * a host's or a port's packets of the session into Wireshark.
 *
 * A BPF `filter` runs first, in tcpdump (`tcpdump -r - -w - <filter>`, as
 * `netmirror read` filters); the search words, chip and addresses of the
 * packet table (server/packet_search.ts) then run on each frame that
 * passed, decoded and made into its table row. The output is written as it
 * is found, in chunks the client's reading paces (a client that stops
 * reading stops the search; one that leaves cancels it), so memory stays
 * bounded whatever the session holds.
 *
 * @module
 */

import { AnomalyCounter } from "../capture/anomalies.ts";
import { decodeInto } from "../capture/decode/mod.ts";
import { DecodedPacket } from "../capture/decoded_packet.ts";
import {
  type FilteredStream,
  filterThroughTcpdump,
  hasSubMicrosecondClock,
} from "../capture/filter_stream.ts";
import { CaptureFormatError } from "../capture/pcap_reader.ts";
import type { PcapRecord } from "../capture/pcap_record.ts";
import {
  PCAP_RECORD_HEADER_LENGTH,
  PcapBuilder,
  pcapFileHeader,
} from "../capture/pcap_writer.ts";
import { readCapture } from "../capture/read_capture.ts";
import {
  compilePacketQuery,
  matchesPacketQuery,
  type PacketQuery,
  toPacketRow,
} from "./packet_row.ts";

/** What a session PCAP search keeps: the packet table's filters, and a BPF expression. */
export interface PcapSearchQuery extends Omit<PacketQuery, "limit"> {
  /** A BPF expression (validated by the caller), applied by tcpdump before the other filters; "" or absent for none. */
  filter?: string;
}

/** Options of {@linkcode searchSessionPcap}. */
export interface PcapSearchOptions {
  /** The session's file header (its first file's): a BPF filter keeps its clock (nanoseconds, magic a1b23c4d), and it is the output's header when no record matches (Ethernet in microseconds by default). */
  sessionHeader?: Uint8Array;
  /** Called once when the stream has ended: closed, failed or cancelled. */
  onEnd?: () => void;
}

/** Bytes of matching frames gathered (at the end of a read chunk) before they are handed to the reader. */
export const SEARCH_CHUNK_BYTES = 128 * 1024;

/** Whether `query` filters at all (without a filter the whole session PCAP is the answer). */
export function isPcapSearch(query: PcapSearchQuery): boolean {
  return filtersRows(query) || Boolean(query.filter?.trim());
}

/** Whether `query` has filters of the packet table's, for which each frame is decoded into its row. */
function filtersRows(query: PcapSearchQuery): boolean {
  return Boolean(
    query.q?.trim() || query.protocol?.trim() || query.src || query.dst,
  );
}

/**
 * Streams the frames of `source` (a session's joined pcap, as
 * `joinSessionFiles` makes it) that match `query`, as a classic pcap whose
 * header is `source`'s own link type and clock. A record cut short at the
 * end (the running session's last file, caught mid-write) or damage in a
 * file ends the stream with what matched before it. Cancelling the result
 * stops the read, and tcpdump.
 */
export async function searchSessionPcap(
  source: ReadableStream<Uint8Array>,
  query: PcapSearchQuery,
  options: PcapSearchOptions = {},
): Promise<ReadableStream<Uint8Array>> {
  const filter = query.filter?.trim() ?? "";
  let input = source;
  let filtered: FilteredStream | undefined;
  if (filter !== "") {
    // A pipe's clock is not peeked at: the session's header tells it.
    const nanosecond = options.sessionHeader !== undefined &&
      hasSubMicrosecondClock(options.sessionHeader);
    filtered = await filterThroughTcpdump(source, filter, { nanosecond });
    input = filtered.stream;
  }
  const rowsNeeded = filtersRows(query);
  const matcher = compilePacketQuery(query);
  const anomalies = new AnomalyCounter();
  const scratch = new DecodedPacket();
  const stop = new AbortController();
  let wake: (() => void) | undefined;
  /** The output, from the input's first record on (its link type and clock: one of each per session PCAP). */
  let builder: PcapBuilder | undefined;
  /** Its bytes not handed to the reader yet. */
  let pending = 0;
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    options.onEnd?.();
  };

  const matches = (raw: PcapRecord): boolean => {
    if (!rowsNeeded) return true;
    const packet = decodeInto(scratch, raw, anomalies);
    return matchesPacketQuery(matcher, packet, toPacketRow(0, packet));
  };

  return new ReadableStream<Uint8Array>({
    start(controller) {
      const emit = (): void => {
        for (const part of builder?.take() ?? []) controller.enqueue(part);
        pending = 0;
      };
      const onRecord = (raw: PcapRecord): void => {
        builder ??= new PcapBuilder(raw.linkType, {
          nanosecond: raw.subMicrosecondNs >= 0,
        });
        if (!matches(raw)) return;
        builder.add(
          raw.timestampUs,
          raw.bytes.subarray(raw.offset, raw.offset + raw.capturedLength),
          raw.wireLength,
          raw.subMicrosecondNs,
        );
        pending += PCAP_RECORD_HEADER_LENGTH + raw.capturedLength;
      };
      // The reader reads on while the client takes what it found.
      const gate = (): Promise<void> =>
        (controller.desiredSize ?? 0) > 0
          ? Promise.resolve()
          : new Promise((resolve) => wake = resolve);
      void (async () => {
        try {
          await readCapture(input, onRecord, {
            anomalies,
            signal: stop.signal,
            gate,
            onChunkEnd: () => {
              if (pending >= SEARCH_CHUNK_BYTES) emit();
            },
          });
          await filtered?.done;
        } catch (error) {
          filtered?.stop();
          if (stop.signal.aborted) return end(); // the client left
          const failure = await failureOf(error, filtered);
          if (failure !== undefined) {
            end();
            controller.error(failure);
            return;
          }
        }
        // An input without a record still makes a valid capture.
        if (builder === undefined) {
          controller.enqueue(options.sessionHeader ?? pcapFileHeader(1));
        }
        emit();
        end();
        controller.close();
      })();
    },
    pull() {
      wake?.();
      wake = undefined;
    },
    cancel(reason) {
      end();
      stop.abort(reason);
      filtered?.stop();
      wake?.();
      wake = undefined;
    },
  }, { highWaterMark: 2 });
}

/**
 * The error a search fails with, given the read's `error`; undefined for a
 * cut or damaged record (what matched before it stands). When tcpdump
 * filtered, its own failure comes first: a filter it could not compile
 * (one the link type cannot take) left it no output at all, which reads
 * as a capture cut short.
 */
async function failureOf(
  error: unknown,
  filtered: FilteredStream | undefined,
): Promise<unknown> {
  if (!(error instanceof CaptureFormatError)) return error;
  // Its output has ended, so it has exited (or was stopped just now).
  const tcpdumpFailure = await filtered?.done.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  if (
    tcpdumpFailure !== undefined &&
    !(tcpdumpFailure instanceof CaptureFormatError)
  ) return tcpdumpFailure;
  return undefined;
}
