/**
 * Generates a mixed capture for benchmarks: TCP sessions (handshake, HTTP
 * request, response, teardown), DNS queries and answers, ICMP echo, ARP,
 * over many hosts — real bytes with valid checksums, deterministic for a
 * given seed. Frames are built once by `capture/frame_builder.ts` and then
 * copied and patched per conversation (see `frame_patch.ts`).
 *
 * @module
 */

import {
  arpFrame,
  dnsMessage,
  type FlowEnds,
  icmpFrame,
  tcpFrame,
  udpFrame,
} from "../capture/frame_builder.ts";
import { TCP_FLAGS } from "../capture/packet_record.ts";
import {
  DNS_ID,
  ETH_DST_MAC,
  ETH_SRC_MAC,
  fixIpv4Checksums,
  ICMP_ID,
  IPV4_DST,
  IPV4_SRC,
  L4_DST_PORT,
  L4_SRC_PORT,
  writeHostMac,
  writeUint16,
  writeUint32,
} from "./frame_patch.ts";
import { PcapSink } from "./pcap_sink.ts";

/** Options of {@linkcode writeMixedCapture}. */
export interface MixedCaptureOptions {
  /** Packets to write. */
  packets: number;
  /** Distinct client hosts (10.x.y.z), at most 2^24. */
  hosts: number;
  /** PRNG seed. */
  seed?: number;
  /** Packet time between packets, µs; default {@linkcode MIXED_PACKET_GAP_US}. */
  gapUs?: number;
}

/** A small deterministic PRNG (mulberry32), uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Address of client `index` as a 32-bit word: 10.x.y.z, never .0. */
export function hostWord(index: number): number {
  return (0x0a000000 | (index & 0xffff00) | ((index & 0xff) || 1)) >>> 0;
}

/** Address of client `index` as text (the same as {@linkcode hostWord}). */
export function hostAddress(index: number): string {
  return `10.${(index >> 16) & 0xff}.${(index >> 8) & 0xff}.${
    (index & 0xff) || 1
  }`;
}

/** Time between consecutive packets of the capture, µs (50 000 packets/s). */
export const MIXED_PACKET_GAP_US = 20;
/** Timestamp of the first packet, µs since the epoch. */
export const MIXED_START_US = 1_700_000_000_000_000;

const SERVERS = ["192.0.2.10", "192.0.2.20", "198.51.100.7", "203.0.113.5"];
const RESOLVER = "192.0.2.53";
const GATEWAY_MAC = "02:ff:00:00:00:01";
/** Distinct DNS names (host0.example.com …). */
const DNS_NAMES = 5000;
const TEMPLATE_HOST = 1;
const TEMPLATE_PORT = 1024;
const REQUEST = new TextEncoder().encode(
  "GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n",
);
const RESPONSE = new TextEncoder().encode(
  "HTTP/1.1 200 OK\r\nContent-Length: 900\r\n\r\n" + "x".repeat(900),
);

/** One frame of a conversation and whether it goes client → server. */
interface TemplateFrame {
  bytes: Uint8Array;
  outbound: boolean;
}

function ends(server: string): { out: FlowEnds; back: FlowEnds } {
  const client = hostAddress(TEMPLATE_HOST);
  const clientMac = "02:00:00:00:01:01";
  return {
    out: { srcMac: clientMac, dstMac: GATEWAY_MAC, src: client, dst: server },
    back: { srcMac: GATEWAY_MAC, dstMac: clientMac, src: server, dst: client },
  };
}

function tcpTemplate(server: string): TemplateFrame[] {
  const { out, back } = ends(server);
  const c = { srcPort: TEMPLATE_PORT, dstPort: 80 };
  const s = { srcPort: 80, dstPort: TEMPLATE_PORT };
  const { SYN, ACK, PSH, FIN } = TCP_FLAGS;
  return [
    { bytes: tcpFrame(out, { ...c, flags: SYN, seq: 100 }), outbound: true },
    {
      bytes: tcpFrame(back, { ...s, flags: SYN | ACK, seq: 500, ack: 101 }),
      outbound: false,
    },
    {
      bytes: tcpFrame(out, { ...c, flags: ACK, seq: 101, ack: 501 }),
      outbound: true,
    },
    {
      bytes: tcpFrame(
        out,
        { ...c, flags: PSH | ACK, seq: 101, ack: 501 },
        REQUEST,
      ),
      outbound: true,
    },
    {
      bytes: tcpFrame(
        back,
        { ...s, flags: PSH | ACK, seq: 501, ack: 148 },
        RESPONSE,
      ),
      outbound: false,
    },
    {
      bytes: tcpFrame(out, { ...c, flags: FIN | ACK, seq: 148, ack: 1441 }),
      outbound: true,
    },
    {
      bytes: tcpFrame(back, { ...s, flags: FIN | ACK, seq: 1441, ack: 149 }),
      outbound: false,
    },
  ];
}

function dnsTemplate(nameIndex: number): TemplateFrame[] {
  const { out, back } = ends(RESOLVER);
  const name = `host${nameIndex}.example.com`;
  return [
    {
      bytes: udpFrame(
        out,
        { srcPort: TEMPLATE_PORT, dstPort: 53 },
        dnsMessage({ id: 0, name, qtype: 1 }),
      ),
      outbound: true,
    },
    {
      bytes: udpFrame(
        back,
        { srcPort: 53, dstPort: TEMPLATE_PORT },
        dnsMessage({
          id: 0,
          name,
          qtype: 1,
          response: true,
          answers: ["192.0.2.80"],
        }),
      ),
      outbound: false,
    },
  ];
}

function icmpTemplate(server: string): TemplateFrame[] {
  const { out, back } = ends(server);
  const payload = new Uint8Array(56);
  return [
    {
      bytes: icmpFrame(out, { type: 8, id: TEMPLATE_PORT, seq: 1 }, payload),
      outbound: true,
    },
    {
      bytes: icmpFrame(back, { type: 0, id: TEMPLATE_PORT, seq: 1 }, payload),
      outbound: false,
    },
  ];
}

const ARP_SENDER_MAC = 22;
const ARP_SENDER_IP = 28;
const ARP_TARGET_MAC = 32;
const ARP_TARGET_IP = 38;

function arpTemplate(): TemplateFrame[] {
  const client = hostAddress(TEMPLATE_HOST);
  const clientMac = "02:00:00:00:01:01";
  return [
    {
      bytes: arpFrame({
        operation: 1,
        senderMac: clientMac,
        senderIp: client,
        targetMac: "00:00:00:00:00:00",
        targetIp: "10.0.0.1",
      }),
      outbound: true,
    },
    {
      bytes: arpFrame({
        operation: 2,
        senderMac: GATEWAY_MAC,
        senderIp: "10.0.0.1",
        targetMac: clientMac,
        targetIp: client,
      }, clientMac),
      outbound: false,
    },
  ];
}

/** Every conversation template, built once per process. */
interface Templates {
  tcp: TemplateFrame[][];
  dns: TemplateFrame[][];
  icmp: TemplateFrame[][];
  arp: TemplateFrame[];
}

let templates: Templates | undefined;

function buildTemplates(): Templates {
  templates ??= {
    tcp: SERVERS.map(tcpTemplate),
    dns: Array.from({ length: DNS_NAMES }, (_, i) => dnsTemplate(i)),
    icmp: SERVERS.map(icmpTemplate),
    arp: arpTemplate(),
  };
  return templates;
}

/** Copies `frame` into the sink for client `host` with source port (or ICMP id / DNS id) patched in. */
function emitIp(
  sink: PcapSink,
  timestampUs: number,
  frame: TemplateFrame,
  host: number,
  port: number,
  dnsId: number,
): void {
  const at = sink.append(timestampUs, frame.bytes.length);
  const buffer = sink.buffer;
  buffer.set(frame.bytes, at);
  const word = hostWord(host);
  if (frame.outbound) {
    writeHostMac(buffer, at + ETH_SRC_MAC, host);
    writeUint32(buffer, at + IPV4_SRC, word);
  } else {
    writeHostMac(buffer, at + ETH_DST_MAC, host);
    writeUint32(buffer, at + IPV4_DST, word);
  }
  const protocol = buffer[at + 23];
  if (protocol === 1) {
    writeUint16(buffer, at + ICMP_ID, port);
  } else {
    writeUint16(
      buffer,
      at + (frame.outbound ? L4_SRC_PORT : L4_DST_PORT),
      port,
    );
    if (dnsId >= 0) writeUint16(buffer, at + DNS_ID, dnsId);
  }
  fixIpv4Checksums(buffer, at);
}

function emitArp(
  sink: PcapSink,
  timestampUs: number,
  frame: TemplateFrame,
  host: number,
): void {
  const at = sink.append(timestampUs, frame.bytes.length);
  const buffer = sink.buffer;
  buffer.set(frame.bytes, at);
  const word = hostWord(host);
  if (frame.outbound) {
    writeHostMac(buffer, at + ETH_SRC_MAC, host);
    writeHostMac(buffer, at + ARP_SENDER_MAC, host);
    writeUint32(buffer, at + ARP_SENDER_IP, word);
  } else {
    writeHostMac(buffer, at + ETH_DST_MAC, host);
    writeHostMac(buffer, at + ARP_TARGET_MAC, host);
    writeUint32(buffer, at + ARP_TARGET_IP, word);
  }
}

/**
 * Writes a mixed Ethernet pcap to `path` and returns its size in bytes.
 * Conversations of random hosts are laid end to end, `gapUs`
 * ({@linkcode MIXED_PACKET_GAP_US} by default) apart: 60 % TCP/HTTP (7 frames), 25 %
 * DNS (2), 10 % ICMP echo (2), 5 % ARP (2).
 */
export async function writeMixedCapture(
  path: string,
  options: MixedCaptureOptions,
): Promise<number> {
  if (!(options.hosts >= 1 && options.hosts <= 1 << 24)) {
    throw new RangeError(
      `Cannot write mixed capture: hosts must be 1-16777216, got ${options.hosts}`,
    );
  }
  const gapUs = options.gapUs ?? MIXED_PACKET_GAP_US;
  if (!(Number.isInteger(gapUs) && gapUs >= 1)) {
    throw new RangeError(
      `Cannot write mixed capture: gapUs must be a positive integer, got ${gapUs}`,
    );
  }
  const { tcp, dns, icmp, arp } = buildTemplates();
  const random = mulberry32(options.seed ?? 1);
  return await PcapSink.write(path, async (sink) => {
    let written = 0;
    let timestampUs = MIXED_START_US;
    while (written < options.packets) {
      const host = Math.floor(random() * options.hosts);
      const kind = random();
      const port = 1024 + Math.floor(random() * 60000);
      let frames: TemplateFrame[];
      let dnsId = -1;
      if (kind < 0.6) {
        frames = tcp[Math.floor(random() * tcp.length)]!;
      } else if (kind < 0.85) {
        dnsId = Math.floor(random() * 65536);
        frames = dns[host % DNS_NAMES]!;
      } else if (kind < 0.95) {
        frames = icmp[Math.floor(random() * icmp.length)]!;
      } else {
        frames = arp;
      }
      for (const frame of frames) {
        if (written >= options.packets) break;
        if (!sink.fits(frame.bytes.length)) await sink.flush();
        if (frames === arp) emitArp(sink, timestampUs, frame, host);
        else emitIp(sink, timestampUs, frame, host, port, dnsId);
        timestampUs += gapUs;
        written++;
      }
    }
  });
}
