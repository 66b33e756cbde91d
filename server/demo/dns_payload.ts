/**
 * DNS messages for the demo (RFC 1035): queries and responses with A, AAAA,
 * CNAME, TXT and NULL answers. `capture/frame_builder.ts` builds queries and
 * A-only responses; this adds the record types that ordinary lookups (AAAA,
 * CNAME chains) and tunnels (TXT, NULL) need.
 *
 * @module
 */

import {
  encodeDnsName,
  parseIpv4,
  parseIpv6,
} from "../../capture/frame_builder.ts";
import { ByteWriter } from "./_byte_writer.ts";

/** DNS record types used by the demo. */
export const DNS_TYPE = {
  A: 1,
  CNAME: 5,
  NULL: 10,
  TXT: 16,
  AAAA: 28,
} as const;

/** One resource record of the answer section. */
export interface DnsAnswer {
  type: number;
  /** RDATA bytes. */
  data: Uint8Array;
  /** Time to live, seconds (default 300). */
  ttlSeconds?: number;
  /** Owner name; default: a pointer to the question name. */
  owner?: string;
}

/** Fields of {@linkcode dnsPayload}. */
export interface DnsPayloadOptions {
  id: number;
  /** Question name. */
  name: string;
  /** Question type. */
  qtype: number;
  /** True for a response (QR, RD and RA set); false for a query (RD set). */
  response: boolean;
  /** Response code (0 NOERROR, 3 NXDOMAIN). */
  rcode?: number;
  /** Answer records (responses only). */
  answers?: DnsAnswer[];
}

/** A DNS message with one question and the given answers. */
export function dnsPayload(
  options: DnsPayloadOptions,
): Uint8Array<ArrayBuffer> {
  const answers = options.response ? options.answers ?? [] : [];
  const flags = options.response ? 0x8180 | (options.rcode ?? 0) : 0x0100;
  const writer = new ByteWriter()
    .u16(options.id)
    .u16(flags)
    .u16(1)
    .u16(answers.length)
    .u16(0)
    .u16(0)
    .bytes(encodeDnsName(options.name))
    .u16(options.qtype)
    .u16(1);
  for (const answer of answers) {
    if (answer.owner === undefined) writer.u16(0xc00c);
    else writer.bytes(encodeDnsName(answer.owner));
    writer.u16(answer.type).u16(1).u32(answer.ttlSeconds ?? 300);
    writer.block(2, (w) => w.bytes(answer.data));
  }
  return writer.toBytes();
}

/** An A record for `address`. */
export function aRecord(address: string, ttlSeconds?: number): DnsAnswer {
  return withTtl({ type: DNS_TYPE.A, data: parseIpv4(address) }, ttlSeconds);
}

/** An AAAA record for `address`. */
export function aaaaRecord(address: string, ttlSeconds?: number): DnsAnswer {
  return withTtl(
    { type: DNS_TYPE.AAAA, data: parseIpv6(address) },
    ttlSeconds,
  );
}

/** A CNAME record pointing at `target` (owned by the question name). */
export function cnameRecord(target: string, ttlSeconds?: number): DnsAnswer {
  return withTtl(
    { type: DNS_TYPE.CNAME, data: encodeDnsName(target) },
    ttlSeconds,
  );
}

/** A TXT record holding `text`, split into character-strings of at most 255 bytes. */
export function txtRecord(text: string, ttlSeconds?: number): DnsAnswer {
  const bytes = new TextEncoder().encode(text);
  const writer = new ByteWriter();
  for (let offset = 0; offset < bytes.length || offset === 0; offset += 255) {
    const chunk = bytes.subarray(offset, offset + 255);
    writer.u8(chunk.length).bytes(chunk);
    if (bytes.length === 0) break;
  }
  return withTtl({ type: DNS_TYPE.TXT, data: writer.toBytes() }, ttlSeconds);
}

/** A NULL record (RFC 1035 section 3.3.10) holding `data` (at most 65 535 bytes). */
export function nullRecord(data: Uint8Array, ttlSeconds?: number): DnsAnswer {
  return withTtl({ type: DNS_TYPE.NULL, data }, ttlSeconds);
}

function withTtl(answer: DnsAnswer, ttlSeconds: number | undefined): DnsAnswer {
  return ttlSeconds === undefined ? answer : { ...answer, ttlSeconds };
}
