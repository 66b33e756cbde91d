/**
 * Generates a mixed capture for benchmarks: TCP sessions (handshake, request,
 * response, teardown), DNS queries and answers, ICMP echo, ARP, over many
 * hosts — real bytes with valid checksums, deterministic for a given seed.
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
import { LINK_TYPE } from "../capture/pcap_record.ts";
import { pcapFileHeader, writePcapRecordHeader } from "../capture/pcap_writer.ts";

/** Options of {@linkcode writeMixedCapture}. */
export interface MixedCaptureOptions {
  /** Packets to write. */
  packets: number;
  /** Distinct client hosts (10.x.y.z). */
  hosts: number;
  /** PRNG seed. */
  seed?: number;
}

/** A small deterministic PRNG (mulberry32). */
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

function hostAddress(index: number): string {
  return `10.${(index >> 16) & 0xff}.${(index >> 8) & 0xff}.${
    (index & 0xff) || 1
  }`;
}

function hostMac(index: number): string {
  const hex = (n: number) => n.toString(16).padStart(2, "0");
  return `02:00:${hex((index >> 16) & 0xff)}:${hex((index >> 8) & 0xff)}:${
    hex(index & 0xff)
  }:01`;
}

const SERVERS = ["192.0.2.10", "192.0.2.20", "198.51.100.7", "203.0.113.5"];
const RESOLVER = "192.0.2.53";
const GATEWAY_MAC = "02:ff:00:00:00:01";
const REQUEST = new TextEncoder().encode(
  "GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n",
);
const RESPONSE = new TextEncoder().encode(
  "HTTP/1.1 200 OK\r\nContent-Length: 900\r\n\r\n" + "x".repeat(900),
);

/** Builds the frames of one "conversation" for client `host` (5–9 frames). */
function conversation(host: number, random: () => number): Uint8Array[] {
  const client = hostAddress(host);
  const clientMac = hostMac(host);
  const kind = random();
  const port = 1024 + Math.floor(random() * 60000);
  if (kind < 0.6) {
    const server = SERVERS[Math.floor(random() * SERVERS.length)]!;
    const out: FlowEnds = {
      srcMac: clientMac,
      dstMac: GATEWAY_MAC,
      src: client,
      dst: server,
    };
    const back: FlowEnds = {
      srcMac: GATEWAY_MAC,
      dstMac: clientMac,
      src: server,
      dst: client,
    };
    const c = { srcPort: port, dstPort: 80 };
    const s = { srcPort: 80, dstPort: port };
    const { SYN, ACK, PSH, FIN } = TCP_FLAGS;
    return [
      tcpFrame(out, { ...c, flags: SYN, seq: 100 }),
      tcpFrame(back, { ...s, flags: SYN | ACK, seq: 500, ack: 101 }),
      tcpFrame(out, { ...c, flags: ACK, seq: 101, ack: 501 }),
      tcpFrame(out, { ...c, flags: PSH | ACK, seq: 101, ack: 501 }, REQUEST),
      tcpFrame(back, { ...s, flags: PSH | ACK, seq: 501, ack: 148 }, RESPONSE),
      tcpFrame(out, { ...c, flags: FIN | ACK, seq: 148, ack: 1441 }),
      tcpFrame(back, { ...s, flags: FIN | ACK, seq: 1441, ack: 149 }),
    ];
  }
  if (kind < 0.85) {
    const id = Math.floor(random() * 65536);
    const name = `host${host % 5000}.example.com`;
    const out = {
      srcMac: clientMac,
      dstMac: GATEWAY_MAC,
      src: client,
      dst: RESOLVER,
    };
    const back = {
      srcMac: GATEWAY_MAC,
      dstMac: clientMac,
      src: RESOLVER,
      dst: client,
    };
    return [
      udpFrame(
        out,
        { srcPort: port, dstPort: 53 },
        dnsMessage({ id, name, qtype: 1 }),
      ),
      udpFrame(
        back,
        { srcPort: 53, dstPort: port },
        dnsMessage({
          id,
          name,
          qtype: 1,
          response: true,
          answers: ["192.0.2.80"],
        }),
      ),
    ];
  }
  if (kind < 0.95) {
    const server = SERVERS[Math.floor(random() * SERVERS.length)]!;
    const out = {
      srcMac: clientMac,
      dstMac: GATEWAY_MAC,
      src: client,
      dst: server,
    };
    const back = {
      srcMac: GATEWAY_MAC,
      dstMac: clientMac,
      src: server,
      dst: client,
    };
    const payload = new Uint8Array(56);
    return [
      icmpFrame(out, { type: 8, id: port, seq: 1 }, payload),
      icmpFrame(back, { type: 0, id: port, seq: 1 }, payload),
    ];
  }
  return [
    arpFrame({
      operation: 1,
      senderMac: clientMac,
      senderIp: client,
      targetMac: "00:00:00:00:00:00",
      targetIp: "10.0.0.1",
    }),
    arpFrame({
      operation: 2,
      senderMac: GATEWAY_MAC,
      senderIp: "10.0.0.1",
      targetMac: clientMac,
      targetIp: client,
    }, clientMac),
  ];
}

/**
 * Writes a mixed Ethernet pcap to `path` and returns its size in bytes.
 * Conversations of random hosts are laid end to end, 20 µs apart.
 */
export async function writeMixedCapture(
  path: string,
  options: MixedCaptureOptions,
): Promise<number> {
  const random = mulberry32(options.seed ?? 1);
  const file = await Deno.open(path, {
    write: true,
    create: true,
    truncate: true,
  });
  try {
    const buffer = new Uint8Array(4 << 20);
    buffer.set(pcapFileHeader(LINK_TYPE.ETHERNET), 0);
    let used = 24;
    let written = 0;
    let total = 0;
    let timestampUs = 1_700_000_000_000_000;
    const flush = async () => {
      let offset = 0;
      while (offset < used) {
        offset += await file.write(buffer.subarray(offset, used));
      }
      total += used;
      used = 0;
    };
    while (written < options.packets) {
      const host = Math.floor(random() * options.hosts);
      for (const frame of conversation(host, random)) {
        if (written >= options.packets) break;
        if (used + 16 + frame.length > buffer.length) await flush();
        writePcapRecordHeader(buffer, used, timestampUs, frame.length);
        buffer.set(frame, used + 16);
        used += 16 + frame.length;
        timestampUs += 20;
        written++;
      }
    }
    await flush();
    return total;
  } finally {
    file.close();
  }
}
