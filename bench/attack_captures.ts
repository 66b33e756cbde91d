/**
 * Generates attack traffic that stresses other detectors than the mixed
 * capture does, for the bench's attack section: an ICMP sweep (one host
 * pinging every address of a /16, again and again: the ICMP sweep and flood
 * detectors see a new destination per packet), a spoofed-source IPv6 SYN
 * flood (every packet a new IPv6 address to key) and a fast horizontal scan
 * (scanners sending SYNs to port 445 of ever new hosts, nothing answering:
 * the port scan and SYN flood detectors see a new host per packet) and a
 * DHCP starvation (yersinia flat out: every discover a new client MAC, each
 * offered an address by the link's server, for the DHCP detectors). Real bytes with valid
 * checksums, deterministic; frames are patched copies of one template
 * (frame_patch.ts).
 *
 * @module
 */

import {
  dhcpv4Message,
  icmpFrame,
  tcpFrame,
  udpFrame,
} from "../capture/frame_builder.ts";
import { TCP_FLAGS } from "../capture/packet_record.ts";
import {
  ETH_DST_MAC,
  ETH_SRC_MAC,
  fixIpv4Checksums,
  fixIpv6Checksum,
  ICMP_ID,
  IPV4_DST,
  IPV4_SRC,
  IPV6_SRC,
  IPV6_TCP_SEQ,
  IPV6_TCP_SRC_PORT,
  L4_SRC_PORT,
  TCP_SEQ,
  writeHostMac,
  writeUint16,
  writeUint32,
} from "./frame_patch.ts";
import { mulberry32 } from "./mixed_capture.ts";
import { PcapSink } from "./pcap_sink.ts";
import { floodSourceWord } from "./synflood_capture.ts";

/** Timestamp of the first packet of each capture, µs since the epoch. */
export const ATTACK_START_US = 1_700_000_000_000_000;

/** The sweeping host, and the /16 it sweeps. */
export const SWEEP_SOURCE = "10.9.9.9";
export const SWEEP_NETWORK = "10.1.0.0/16";

/** The IPv6 flood's target, and the /32 its spoofed sources come from. */
export const IPV6_FLOOD_VICTIM = "2001:db8:ffff::10";
export const IPV6_FLOOD_SOURCES = "2001:db8::/32";

/** Offset of an ICMP echo's sequence number in an Ethernet/IPv4 frame. */
const ICMP_SEQ = ICMP_ID + 2;

/**
 * Writes `packets` ICMP echo requests from {@linkcode SWEEP_SOURCE} to
 * 10.1.x.y, x.y counting up through the /16 and starting over, `gapUs`
 * (default 5) apart; returns the file's size in bytes.
 */
export async function writeIcmpSweepCapture(
  path: string,
  options: { packets: number; gapUs?: number },
): Promise<number> {
  const gapUs = options.gapUs ?? 5;
  const template = icmpFrame({
    srcMac: "02:00:00:00:00:09",
    dstMac: "02:ff:00:00:00:01",
    src: SWEEP_SOURCE,
    dst: "10.1.0.1",
  }, { type: 8, code: 0, id: 0x4242, seq: 0 });
  return await PcapSink.writeCopies(path, {
    packets: options.packets,
    template,
    startUs: ATTACK_START_US,
    gapUs,
    patch: (buffer, at, i) => {
      writeUint32(buffer, at + IPV4_DST, (0x0a010000 | (i & 0xffff)) >>> 0);
      writeUint16(buffer, at + ICMP_SEQ, i & 0xffff);
      fixIpv4Checksums(buffer, at);
    },
  });
}

/**
 * Writes `packets` TCP SYNs to [{@linkcode IPV6_FLOOD_VICTIM}]:80, packet i
 * from source i mod `sources` (addresses spread over 2001:db8::/32), random
 * source ports and sequence numbers, `gapUs` (default 5) apart; returns
 * the file's size in bytes.
 */
export async function writeIpv6SynFloodCapture(
  path: string,
  options: { packets: number; sources: number; gapUs?: number; seed?: number },
): Promise<number> {
  const { packets, sources } = options;
  if (!(Number.isInteger(sources) && sources >= 1 && sources <= 2 ** 32)) {
    throw new RangeError(
      `Cannot write IPv6 SYN flood capture: sources must be 1-4294967296, got ${sources}`,
    );
  }
  const gapUs = options.gapUs ?? 5;
  const random = mulberry32(options.seed ?? 4);
  const template = tcpFrame({
    srcMac: "02:00:00:00:00:01",
    dstMac: "02:ff:00:00:00:01",
    src: "2001:db8::1",
    dst: IPV6_FLOOD_VICTIM,
  }, { srcPort: 1024, dstPort: 80, flags: TCP_FLAGS.SYN, seq: 0 });
  return await PcapSink.writeCopies(path, {
    packets,
    template,
    startUs: ATTACK_START_US,
    gapUs,
    patch: (buffer, at, i) => {
      // 2001:db8:<source spread over the next 64 bits>::1
      const source = i % sources;
      writeUint32(buffer, at + IPV6_SRC + 4, Math.imul(source + 1, 0x9e3779b1));
      writeUint32(buffer, at + IPV6_SRC + 8, source);
      writeUint16(
        buffer,
        at + IPV6_TCP_SRC_PORT,
        1024 + Math.floor(random() * 64000),
      );
      writeUint32(
        buffer,
        at + IPV6_TCP_SEQ,
        Math.floor(random() * 4294967296),
      );
      fixIpv6Checksum(buffer, at);
    },
  });
}

/** The horizontal scan's scanners (10.7.0.1 up), how many the bench uses, and the port they probe. */
export const SCAN_SOURCES = "10.7.0.0/24";
export const BENCH_SCANNERS = 50;
export const SCAN_PORT = 445;

/**
 * Writes `packets` TCP SYNs to port {@linkcode SCAN_PORT}, packet i from
 * scanner 10.7.0.(1 + i mod `scanners`) to the i-th host of a walk through
 * 11.0.0.0/8 (every packet a host not seen before), `gapUs` (default 5)
 * apart; returns the file's size in bytes.
 */
export async function writeHorizontalScanCapture(
  path: string,
  options: { packets: number; scanners: number; gapUs?: number },
): Promise<number> {
  const { packets, scanners } = options;
  if (!(Number.isInteger(scanners) && scanners >= 1 && scanners <= 254)) {
    throw new RangeError(
      `Cannot write horizontal scan capture: scanners must be 1-254, got ${scanners}`,
    );
  }
  const gapUs = options.gapUs ?? 5;
  const template = tcpFrame({
    srcMac: "02:00:00:00:07:01",
    dstMac: "02:ff:00:00:00:01",
    src: "10.7.0.1",
    dst: "11.0.0.1",
  }, { srcPort: 40000, dstPort: SCAN_PORT, flags: TCP_FLAGS.SYN, seq: 0 });
  return await PcapSink.writeCopies(path, {
    packets,
    template,
    startUs: ATTACK_START_US,
    gapUs,
    patch: (buffer, at, i) => {
      const scanner = i % scanners;
      writeUint32(buffer, at + IPV4_SRC, (0x0a070001 + scanner) >>> 0);
      // The SYN flood's source walk: 2^24 distinct hosts before any repeats.
      writeUint32(buffer, at + IPV4_DST, floodSourceWord(i));
      writeUint16(buffer, at + L4_SRC_PORT, 40000 + scanner);
      writeUint32(buffer, at + TCP_SEQ, i);
      fixIpv4Checksums(buffer, at);
    },
  });
}

/** The starved DHCP server, and the MAC it sends from. */
export const DHCP_SERVER = "10.0.0.1";
const DHCP_SERVER_MAC = "02:ff:00:00:00:01";
/** Offsets in an untagged Ethernet/IPv4/UDP frame: a DHCP message's client hardware address and "your address". */
const DHCP_CHADDR = 42 + 28;
const DHCP_YIADDR = 42 + 16;

/**
 * Writes `packets` DHCP messages, in pairs: a discover from client MAC i
 * (its frame's source too, as yersinia sends them; 02:00:hh:mm:ll:01), then
 * {@linkcode DHCP_SERVER}'s offer to it of 10.0.x.y (the /16 over and
 * over), `gapUs` (default 5) apart; returns the file's size in bytes.
 */
export async function writeDhcpStarvationCapture(
  path: string,
  options: { packets: number; gapUs?: number },
): Promise<number> {
  const gapUs = options.gapUs ?? 5;
  const discover = udpFrame(
    {
      srcMac: "02:00:00:00:00:01",
      dstMac: "ff:ff:ff:ff:ff:ff",
      src: "0.0.0.0",
      dst: "255.255.255.255",
    },
    { srcPort: 68, dstPort: 67 },
    dhcpv4Message({
      type: 1,
      transactionId: 1,
      clientMac: "02:00:00:00:00:01",
    }),
  );
  const offer = udpFrame(
    {
      srcMac: DHCP_SERVER_MAC,
      dstMac: "02:00:00:00:00:01",
      src: DHCP_SERVER,
      dst: "255.255.255.255",
    },
    { srcPort: 67, dstPort: 68 },
    dhcpv4Message({
      type: 2,
      transactionId: 1,
      clientMac: "02:00:00:00:00:01",
      yourAddress: "10.0.0.2",
      serverId: DHCP_SERVER,
      subnetMask: "255.255.0.0",
      routers: [DHCP_SERVER],
      dnsServers: [DHCP_SERVER],
    }),
  );
  // Both frames are the same length: one template, the offer laid over it.
  if (discover.length > offer.length) {
    throw new Error("DHCP discover template longer than the offer");
  }
  const template = new Uint8Array(offer.length);
  return await PcapSink.writeCopies(path, {
    packets: options.packets,
    template,
    startUs: ATTACK_START_US,
    gapUs,
    patch: (buffer, at, i) => {
      const client = i >>> 1;
      if (i % 2 === 0) {
        buffer.set(discover, at);
        buffer.fill(0, at + discover.length, at + offer.length);
        writeHostMac(buffer, at + ETH_SRC_MAC, client);
      } else {
        buffer.set(offer, at);
        writeHostMac(buffer, at + ETH_DST_MAC, client);
        writeUint32(buffer, at + DHCP_YIADDR, 0x0a000000 | (client & 0xffff));
      }
      writeHostMac(buffer, at + DHCP_CHADDR, client);
      writeUint32(buffer, at + 42 + 4, client);
      fixIpv4Checksums(buffer, at);
    },
  });
}
