/**
 * A traffic mirror's feed: every frame of a capture written by the bench's
 * generators (classic pcap, Ethernet, microseconds) wrapped in VXLAN, as AWS
 * traffic mirroring delivers a network's packets to a sensor: Ethernet,
 * IPv4 and UDP from the mirror's source to the sensor, port 4789 (a source
 * port from the inner frame's position, as VTEPs spread flows; checksum 0,
 * as RFC 7348 advises), then the VXLAN header and the frame itself.
 *
 * @module
 */

import {
  internetChecksum,
  parseIpv4,
  parseMac,
} from "../capture/frame_builder.ts";
import { PcapSink } from "./pcap_sink.ts";

/** The mirror session's endpoints: the mirrored host's VTEP, and the sensor. */
export const VXLAN_SOURCE = "192.0.2.100";
export const VXLAN_SENSOR = "192.0.2.200";
/** The mirror session's VXLAN network identifier. */
export const VXLAN_BENCH_VNI = 4242;

/** Ethernet (14) + IPv4 (20) + UDP (8) + VXLAN (8). */
export const VXLAN_OVERHEAD = 50;

const PCAP_HEADER = 24;
const RECORD_HEADER = 16;

/** The outer headers, lengths and checksum left to fill per frame. */
function outerTemplate(): Uint8Array {
  const outer = new Uint8Array(VXLAN_OVERHEAD);
  outer.set(parseMac("02:00:00:00:fe:02"), 0);
  outer.set(parseMac("02:00:00:00:fe:01"), 6);
  outer[12] = 0x08;
  outer[14] = 0x45;
  outer[22] = 64;
  outer[23] = 17;
  outer.set(parseIpv4(VXLAN_SOURCE), 26);
  outer.set(parseIpv4(VXLAN_SENSOR), 30);
  outer[36] = 4789 >> 8;
  outer[37] = 4789 & 0xff;
  outer[42] = 0x08;
  outer[46] = VXLAN_BENCH_VNI >> 16;
  outer[47] = (VXLAN_BENCH_VNI >> 8) & 0xff;
  outer[48] = VXLAN_BENCH_VNI & 0xff;
  return outer;
}

/**
 * Writes every frame of the pcap at `inPath` (a little-endian microsecond
 * file, as the bench's generators write) inside VXLAN to `outPath`, with
 * its timestamp; returns the new file's size in bytes.
 */
export async function writeVxlanCapture(
  inPath: string,
  outPath: string,
): Promise<number> {
  const input = await Deno.readFile(inPath);
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  if (
    view.getUint32(0, true) !== 0xa1b2c3d4 || view.getUint32(20, true) !== 1
  ) {
    throw new Error(
      `Cannot wrap ${inPath} in VXLAN: not a little-endian microsecond Ethernet pcap`,
    );
  }
  const outer = outerTemplate();
  return await PcapSink.write(outPath, async (sink) => {
    let i = 0;
    for (let at = PCAP_HEADER; at + RECORD_HEADER <= input.length; i++) {
      const timestampUs = view.getUint32(at, true) * 1_000_000 +
        view.getUint32(at + 4, true);
      const length = view.getUint32(at + 8, true);
      const frame = input.subarray(
        at + RECORD_HEADER,
        at + RECORD_HEADER + length,
      );
      at += RECORD_HEADER + length;
      const total = VXLAN_OVERHEAD + frame.length;
      if (!sink.fits(total)) await sink.flush();
      const out = sink.append(timestampUs, total);
      const buffer = sink.buffer;
      buffer.set(outer, out);
      buffer.set(frame, out + VXLAN_OVERHEAD);
      const ipLength = total - 14;
      buffer[out + 16] = ipLength >> 8;
      buffer[out + 17] = ipLength & 0xff;
      const checksum = internetChecksum(buffer.subarray(out + 14, out + 34));
      buffer[out + 24] = checksum >> 8;
      buffer[out + 25] = checksum & 0xff;
      const sourcePort = 49152 + (i & 0x3fff);
      buffer[out + 34] = sourcePort >> 8;
      buffer[out + 35] = sourcePort & 0xff;
      const udpLength = ipLength - 20;
      buffer[out + 38] = udpLength >> 8;
      buffer[out + 39] = udpLength & 0xff;
    }
  });
}
