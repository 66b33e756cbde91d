/**
 * Generates a spoofed-source SYN flood for benchmarks: TCP SYNs to one web
 * server from `sources` distinct addresses in 11.0.0.0/8 (every packet from
 * a new source when `sources` equals `packets`) — real bytes with valid
 * checksums, deterministic for a given seed.
 *
 * @module
 */

import { tcpFrame } from "../capture/frame_builder.ts";
import { TCP_FLAGS } from "../capture/packet_record.ts";
import {
  ETH_SRC_MAC,
  fixIpv4Checksums,
  IPV4_SRC,
  L4_SRC_PORT,
  TCP_SEQ,
  writeHostMac,
  writeUint16,
  writeUint32,
} from "./frame_patch.ts";
import { mulberry32 } from "./mixed_capture.ts";
import { PcapSink } from "./pcap_sink.ts";

/** Options of {@linkcode writeSynFloodCapture}. */
export interface SynFloodCaptureOptions {
  /** Packets to write. */
  packets: number;
  /** Distinct source addresses, 1..2^24; packet i comes from source i mod `sources`. */
  sources: number;
  /** Time between packets, µs (default 5: 200 000 packets/s of capture time). */
  gapUs?: number;
  /** PRNG seed (source ports and sequence numbers). */
  seed?: number;
}

/** The flood's target. */
export const SYN_FLOOD_VICTIM = "192.0.2.10";
/** Timestamp of the first packet, µs since the epoch. */
export const SYN_FLOOD_START_US = 1_700_000_000_000_000;

/** Address of source `index` as a 32-bit word in 11.0.0.0/8 (a bijection on 24 bits, so sources stay distinct). */
export function floodSourceWord(index: number): number {
  return (0x0b000000 | (Math.imul(index + 1, 0x9e3779) & 0xffffff)) >>> 0;
}

/**
 * Writes the flood to `path` (Ethernet pcap) and returns its size in bytes.
 * Each SYN has a random source port and sequence number; the source MAC
 * follows the source address, as on a LAN with spoofing hosts.
 */
export async function writeSynFloodCapture(
  path: string,
  options: SynFloodCaptureOptions,
): Promise<number> {
  const { packets, sources } = options;
  if (!(Number.isInteger(sources) && sources >= 1 && sources <= 1 << 24)) {
    throw new RangeError(
      `Cannot write SYN flood capture: sources must be 1-16777216, got ${sources}`,
    );
  }
  const gapUs = options.gapUs ?? 5;
  const random = mulberry32(options.seed ?? 2);
  const template = tcpFrame({
    srcMac: "02:00:00:00:00:01",
    dstMac: "02:ff:00:00:00:01",
    src: "11.0.0.1",
    dst: SYN_FLOOD_VICTIM,
  }, { srcPort: 1024, dstPort: 80, flags: TCP_FLAGS.SYN, seq: 0 });
  return await PcapSink.writeCopies(path, {
    packets,
    template,
    startUs: SYN_FLOOD_START_US,
    gapUs,
    patch: (buffer, at, i) => {
      const word = floodSourceWord(i % sources);
      writeHostMac(buffer, at + ETH_SRC_MAC, word & 0xffffff);
      writeUint32(buffer, at + IPV4_SRC, word);
      writeUint16(
        buffer,
        at + L4_SRC_PORT,
        1024 + Math.floor(random() * 64000),
      );
      writeUint32(buffer, at + TCP_SEQ, Math.floor(random() * 4294967296));
      fixIpv4Checksums(buffer, at);
    },
  });
}
