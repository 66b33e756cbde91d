/**
 * Generates DNS-heavy traffic for benchmarks: a resolver link where every
 * packet is a DNS query or its answer. Most clients look up ordinary names;
 * a few run a tunnel (long random base32 labels under one domain, TXT and
 * NULL queries, as iodine and dnscat2 do). Real bytes with valid checksums,
 * deterministic for a given seed.
 *
 * On DNS the decoder reads each question's name and the tunnel detector
 * scores each query's subdomain: work no other traffic asks for.
 *
 * @module
 */

import { dnsMessage, udpFrame } from "../capture/frame_builder.ts";
import {
  DNS_ID,
  fixIpv4Checksums,
  IPV4_DST,
  IPV4_SRC,
  L4_DST_PORT,
  L4_SRC_PORT,
  writeUint16,
  writeUint32,
} from "./frame_patch.ts";
import { hostWord, mulberry32 } from "./mixed_capture.ts";
import { PcapSink } from "./pcap_sink.ts";

/** Options of {@linkcode writeDnsCapture}. */
export interface DnsCaptureOptions {
  /** Packets to write (queries and answers alternate; an even count is all answered). */
  packets: number;
  /** Distinct clients (default 200). */
  clients?: number;
  /** How many of them run a tunnel (default 4): the first, from 10.0.0.1 up. */
  tunnelClients?: number;
  /** Time between packets, µs (default 10). */
  gapUs?: number;
  /** PRNG seed (default 3). */
  seed?: number;
}

/** The resolver every client asks. */
export const DNS_RESOLVER = "10.0.0.53";
/** The domain the tunnel clients query under. */
export const DNS_TUNNEL_DOMAIN = "tunnel.example";
/** Timestamp of the first packet, µs since the epoch. */
export const DNS_START_US = 1_700_000_000_000_000;

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";
const PREFIXES = [
  "www",
  "api",
  "cdn",
  "mail",
  "img",
  "static",
  "login",
  "update",
  "time",
  "ocsp",
];
const SUFFIXES = [".com", ".net", ".org", ".co.uk", ".de"];
/** Answer given to every A query. */
const ANSWER = "192.0.2.80";

/** Offset of the question's name in an Ethernet/IPv4/UDP DNS frame. */
const NAME_AT = 54;
/** Characters of a tunnel query's data label. */
const TUNNEL_LABEL_LENGTH = 52;
/** Base-36 digits of a tunnel query's sequence label. */
const SEQUENCE_DIGITS = 6;

/** Writes the ASCII text of `value` in `base`, `digits` wide (zero-padded), at `offset`. */
function writeDigits(
  buffer: Uint8Array,
  offset: number,
  value: number,
  base: number,
  digits: number,
): void {
  for (let k = digits - 1; k >= 0; k--) {
    const digit = value % base;
    buffer[offset + k] = digit < 10 ? 0x30 + digit : 0x61 + digit - 10;
    value = Math.floor(value / base);
  }
}

/**
 * Writes the capture to `path` (Ethernet pcap) and returns its size in
 * bytes. Query i comes from client i mod `clients`; each is followed by its
 * answer (one A record for an A query, none otherwise). Ordinary names are
 * "<prefix>.siteNNN<suffix>", tunnel names "<52 base32 characters>.<6
 * base-36 digits of the query's number>.tunnel.example". Frames are
 * patched copies of templates (frame_patch.ts).
 */
export async function writeDnsCapture(
  path: string,
  options: DnsCaptureOptions,
): Promise<number> {
  const { packets } = options;
  const clients = options.clients ?? 200;
  const tunnelClients = options.tunnelClients ?? 4;
  if (!(Number.isInteger(clients) && clients >= 1 && clients <= 1 << 20)) {
    throw new RangeError(
      `Cannot write DNS capture: clients must be 1-1048576, got ${clients}`,
    );
  }
  if (
    !(Number.isInteger(tunnelClients) && tunnelClients >= 0 &&
      tunnelClients <= clients)
  ) {
    throw new RangeError(
      `Cannot write DNS capture: tunnelClients must be 0-${clients}, got ${tunnelClients}`,
    );
  }
  const gapUs = options.gapUs ?? 10;
  const random = mulberry32(options.seed ?? 3);
  const below = (n: number) => Math.floor(random() * n);
  // Templates by name shape, qtype and direction; built on first use.
  const templates = new Map<string, Uint8Array>();
  const template = (name: string, qtype: number, response: boolean) => {
    const key = `${name} ${qtype} ${response}`;
    let frame = templates.get(key);
    if (frame === undefined) {
      const client = { mac: "02:00:00:00:00:01", address: "10.0.0.1" };
      const resolver = { mac: "02:00:00:00:00:35", address: DNS_RESOLVER };
      const [from, to] = response ? [resolver, client] : [client, resolver];
      frame = udpFrame(
        {
          srcMac: from.mac,
          dstMac: to.mac,
          src: from.address,
          dst: to.address,
        },
        { srcPort: 1024, dstPort: 1024 },
        dnsMessage({
          id: 0,
          name,
          qtype,
          response,
          answers: response && qtype === 1 ? [ANSWER] : [],
        }),
      );
      templates.set(key, frame);
    }
    return frame;
  };
  return await PcapSink.write(path, async (sink) => {
    const buffer = sink.buffer;
    let timestampUs = DNS_START_US;
    // The query's draws, which its answer repeats.
    let lastQtype = 1;
    let lastPrefix = "";
    let lastSuffix = "";
    let lastSite = 0;
    let lastId = 0;
    let lastPort = 0;
    const lastLabel = new Uint8Array(TUNNEL_LABEL_LENGTH);
    for (let i = 0; i < packets; i++) {
      const query = i >> 1;
      const response = (i & 1) === 1;
      const client = query % clients;
      const tunnel = client < tunnelClients;
      if (!response) {
        lastQtype = tunnel
          ? (random() < 0.5 ? 16 : 10)
          : [1, 1, 1, 28, 65][below(5)]!;
        lastPrefix = PREFIXES[below(PREFIXES.length)]!;
        lastSuffix = SUFFIXES[below(SUFFIXES.length)]!;
        lastSite = below(400);
        lastId = below(65536);
        lastPort = 1024 + below(64000);
      }
      const shape = tunnel
        ? `${"a".repeat(TUNNEL_LABEL_LENGTH)}.${
          "0".repeat(SEQUENCE_DIGITS)
        }.${DNS_TUNNEL_DOMAIN}`
        : `${lastPrefix}.site000${lastSuffix}`;
      const frame = template(shape, lastQtype, response);
      if (!sink.fits(frame.length)) await sink.flush();
      const at = sink.append(timestampUs, frame.length);
      buffer.set(frame, at);
      const word = hostWord(client + 1); // 10.0.0.1, 10.0.0.2, …
      writeUint32(buffer, at + (response ? IPV4_DST : IPV4_SRC), word);
      writeUint16(
        buffer,
        at + (response ? L4_DST_PORT : L4_SRC_PORT),
        lastPort,
      );
      writeUint16(buffer, at + (response ? L4_SRC_PORT : L4_DST_PORT), 53);
      writeUint16(buffer, at + DNS_ID, lastId);
      const name = at + NAME_AT;
      if (tunnel) {
        if (!response) {
          for (let k = 0; k < TUNNEL_LABEL_LENGTH; k++) {
            lastLabel[k] = BASE32.charCodeAt(below(BASE32.length));
          }
        }
        buffer.set(lastLabel, name + 1);
        writeDigits(
          buffer,
          name + 2 + TUNNEL_LABEL_LENGTH,
          query,
          36,
          SEQUENCE_DIGITS,
        );
      } else {
        writeDigits(
          buffer,
          name + 1 + lastPrefix.length + 1 + 4,
          lastSite,
          10,
          3,
        );
      }
      fixIpv4Checksums(buffer, at);
      timestampUs += gapUs;
    }
  });
}
