/**
 * Community ID v1 flow hashes (https://github.com/corelight/community-id-spec),
 * computed from the spec: SHA-1 over seed, ordered addresses, protocol,
 * a zero pad byte and ordered ports, base64-encoded, prefixed "1:".
 *
 * @module
 */

import { createHash } from "node:crypto";
import { parseIpv4, parseIpv6 } from "../capture/frame_builder.ts";

const TCP = 6;
const UDP = 17;
const ICMP = 1;
const ICMPV6 = 58;
const SCTP = 132;

/** ICMP types with a counterpart (request ↔ reply), per the spec. */
const ICMP_PAIRS: Record<number, number> = {
  8: 0, // echo
  0: 8,
  13: 14, // timestamp
  14: 13,
  15: 16, // information
  16: 15,
  10: 9, // router solicitation ↔ advertisement
  9: 10,
  17: 18, // address mask
  18: 17,
};

/** ICMPv6 types with a counterpart, per the spec. */
const ICMPV6_PAIRS: Record<number, number> = {
  128: 129, // echo
  129: 128,
  133: 134, // router solicitation ↔ advertisement
  134: 133,
  135: 136, // neighbour solicitation ↔ advertisement
  136: 135,
  130: 131, // multicast listener query ↔ report
  131: 130,
  139: 140, // node information query ↔ response
  140: 139,
  144: 145, // home agent address discovery
  145: 144,
};

/** A flow's five-tuple; for ICMP/ICMPv6 the ports are the type and code. */
export interface FlowTuple {
  srcAddress: string;
  dstAddress: string;
  /** IANA protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, 132 SCTP, …). */
  protocol: number;
  /** Source port, or ICMP type. */
  srcPort: number;
  /** Destination port, or ICMP code. */
  dstPort: number;
}

/** The Community ID v1 of `flow` ("" when an address does not parse). */
export function communityId(flow: FlowTuple, seed = 0): string {
  let src = addressBytes(flow.srcAddress);
  let dst = addressBytes(flow.dstAddress);
  if (src === undefined || dst === undefined || src.length !== dst.length) {
    return "";
  }
  let srcPort = flow.srcPort;
  let dstPort = flow.dstPort;
  const hasPorts = flow.protocol === TCP || flow.protocol === UDP ||
    flow.protocol === SCTP || flow.protocol === ICMP ||
    flow.protocol === ICMPV6;
  let oneWay = false;
  if (flow.protocol === ICMP || flow.protocol === ICMPV6) {
    const pairs = flow.protocol === ICMP ? ICMP_PAIRS : ICMPV6_PAIRS;
    const counterpart = pairs[flow.srcPort];
    if (counterpart === undefined) {
      oneWay = true; // type and code stay as they are
    } else {
      dstPort = counterpart;
    }
  }
  if (!oneWay && !ordered(src, dst, srcPort, dstPort)) {
    [src, dst] = [dst, src];
    [srcPort, dstPort] = [dstPort, srcPort];
  }
  const hash = createHash("sha1");
  hash.update(new Uint8Array([(seed >> 8) & 0xff, seed & 0xff]));
  hash.update(src);
  hash.update(dst);
  hash.update(new Uint8Array([flow.protocol & 0xff, 0]));
  if (hasPorts) {
    hash.update(
      new Uint8Array([
        (srcPort >> 8) & 0xff,
        srcPort & 0xff,
        (dstPort >> 8) & 0xff,
        dstPort & 0xff,
      ]),
    );
  }
  return `1:${hash.digest("base64")}`;
}

function ordered(
  src: Uint8Array,
  dst: Uint8Array,
  srcPort: number,
  dstPort: number,
): boolean {
  for (let i = 0; i < src.length; i++) {
    if (src[i]! !== dst[i]!) return src[i]! < dst[i]!;
  }
  return srcPort <= dstPort;
}

/** Network-order bytes of a dotted-quad or RFC 4291 IPv6 address; undefined when it does not parse. */
export function addressBytes(address: string): Uint8Array | undefined {
  try {
    return address.includes(":") ? parseIpv6(address) : parseIpv4(address);
  } catch {
    return undefined;
  }
}
