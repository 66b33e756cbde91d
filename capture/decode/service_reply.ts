/**
 * Replies of the UDP services whose port a scanner borrows as its source
 * port to pass a firewall (nmap -g): Kerberos (88), the portmapper (111),
 * NTP (123), the NetBIOS name service (137), SNMP (161) and IKE (500); and
 * which other ports below 512 hold a UDP service that answers clients from
 * its port ({@linkcode isUdpServicePort}). A datagram from one of the six
 * ports is
 * told a reply or not from a few bytes at fixed places (for SNMP, a short
 * walk over the BER header), read in place; nothing is kept but the
 * verdict, `PacketRecord.udpServiceReply`. Each check takes the replies its
 * service sends and turns away its requests and every payload nmap sends
 * to ports above 1023 (nmap-payloads), which a scan from these ports
 * carries; a scanner that crafts the service's replies still passes.
 *
 * @module
 */

import { SERVICE_REPLY } from "../packet_record.ts";
import { readU16, readU32 } from "./bytes.ts";
import { BER_CUT, berAfter, berContentOf } from "./ber.ts";

/** The source ports whose datagrams {@linkcode serviceReplyOf} tells apart. */
export const SERVICE_REPLY_PORT = {
  KERBEROS: 88,
  PORTMAPPER: 111,
  NTP: 123,
  NBNS: 137,
  SNMP: 161,
  IKE: 500,
} as const;

/** Whether {@linkcode serviceReplyOf} tells datagrams from `port` apart. */
export function isServiceReplyPort(port: number): boolean {
  // Most datagrams come from higher ports: one comparison for them.
  return port <= SERVICE_REPLY_PORT.IKE &&
    (port === SERVICE_REPLY_PORT.NTP || port === SERVICE_REPLY_PORT.KERBEROS ||
      port === SERVICE_REPLY_PORT.NBNS || port === SERVICE_REPLY_PORT.SNMP ||
      port === SERVICE_REPLY_PORT.IKE ||
      port === SERVICE_REPLY_PORT.PORTMAPPER);
}

/** Ports below this one hold only the UDP services listed in {@linkcode UDP_SERVICE_PORTS}; from 512 to 1023, RPC daemons and clients bind "reserved" ports at random (glibc's bindresvport(), the kernel's NFS client). */
export const UDP_FIXED_SERVICE_PORTS_END = 512;

/** First port of Linux's ephemeral range (IANA's starts at 49152): clients connect from it and above, services listen below it. */
export const FIRST_EPHEMERAL_PORT = 32_768;

/**
 * The ports below 512 of UDP services that answer a client from their own
 * port (IANA's registry, the ones in use): echo 7, daytime 13, qotd 17,
 * chargen 19, time 37, TACACS 49, DNS 53, TFTP 69 (some servers answer
 * from it), Kerberos 88, portmapper 111, NTP 123, DCE/RPC's endpoint mapper
 * 135, NetBIOS 137 and 138, SNMP 161 and its traps' port 162 (inform
 * responses), XDMCP 177, Apple AirPort's base station discovery 192, PTP
 * 319 and 320, CLDAP 389, SLP 427, Mobile IP 434, QUIC and DTLS 443,
 * kpasswd 464, Retrospect 497, IKE 500 and Modbus 502. DHCP's 67 is not
 * among them: its server answers clients at port 68 and relay agents at 67
 * (or at a relay's own port, RFC 8357, which the port scan detector
 * allows when it saw the relay's request).
 */
// deno-fmt-ignore
export const UDP_SERVICE_PORTS: readonly number[] = [
  7, 13, 17, 19, 37, 49, 53, 69, 88, 111, 123, 135, 137, 138, 161, 162, 177,
  192, 319, 320, 389, 427, 434, 443, 464, 497, 500, 502,
];

/** {@linkcode UDP_SERVICE_PORTS} as one bit per port. */
const SERVICE_PORT_BITS = new Uint32Array(UDP_FIXED_SERVICE_PORTS_END / 32);
for (const port of UDP_SERVICE_PORTS) {
  // Non-null: every listed port is below 512, within the table.
  SERVICE_PORT_BITS[port >>> 5]! |= 1 << (port & 31);
}

/**
 * Whether a datagram with data from `port` to a port at or above 1024 can
 * be a service's answer to a client: from a port of
 * {@linkcode UDP_SERVICE_PORTS}, or from any port from 512 up; from the
 * other ports below 512 no UDP service answers (FTP's 20, SMTP's 25, HTTP's
 * 80 and the rest are TCP's), so such a datagram comes from a scanner that
 * borrowed the port (nmap -sU -g 20).
 */
export function isUdpServicePort(port: number): boolean {
  if (port >= UDP_FIXED_SERVICE_PORTS_END) return true;
  // No port (-1): no service's; and no read outside the table.
  if (port < 0) return false;
  // Non-null: `port` is below 512, within the table.
  return ((SERVICE_PORT_BITS[port >>> 5]! >>> (port & 31)) & 1) === 1;
}

/**
 * Whether the UDP payload at `bytes[offset]` of a datagram from `srcPort`,
 * `length` bytes long by its headers and captured up to `end`, is a reply
 * of the service on that port ({@linkcode SERVICE_REPLY}): YES or NO, or
 * UNKNOWN when the capture ends before the bytes that tell, or `srcPort` is
 * none of {@linkcode SERVICE_REPLY_PORT}. An empty payload is no reply.
 */
export function serviceReplyOf(
  srcPort: number,
  bytes: Uint8Array,
  offset: number,
  end: number,
  length: number,
): number {
  if (length === 0) return SERVICE_REPLY.NO;
  switch (srcPort) {
    case SERVICE_REPLY_PORT.NTP:
      return ntpReply(bytes, offset, end, length);
    case SERVICE_REPLY_PORT.KERBEROS:
      return kerberosReply(bytes, offset, end);
    case SERVICE_REPLY_PORT.NBNS:
      return nbnsReply(bytes, offset, end, length);
    case SERVICE_REPLY_PORT.SNMP:
      return snmpReply(bytes, offset, end, length);
    case SERVICE_REPLY_PORT.PORTMAPPER:
      return rpcReply(bytes, offset, end, length);
    case SERVICE_REPLY_PORT.IKE:
      return ikeReply(bytes, offset, end, length);
    default:
      return SERVICE_REPLY.UNKNOWN;
  }
}

/** The verdict when the captured bytes ran out: UNKNOWN if the capture cut the payload, NO if the payload itself is that short. */
function ranOut(offset: number, end: number, length: number): number {
  return end - offset < length ? SERVICE_REPLY.UNKNOWN : SERVICE_REPLY.NO;
}

/** NTP packet header length (RFC 5905 section 7.3), in bytes. */
const NTP_HEADER_LENGTH = 48;
/** Least lengths of NTP control (RFC 9327 section 2) and ntpd private-mode headers, in bytes. */
const NTP_CONTROL_HEADER_LENGTH = 12;
const NTP_PRIVATE_HEADER_LENGTH = 8;
/** Highest NTP stratum; 16 is unsynchronized, 17–255 are reserved (RFC 5905 section 7.3). */
const NTP_MAX_STRATUM = 16;
/** Bit of a control message's second byte, and of a private-mode message's first, that marks a response. */
const NTP_RESPONSE_BIT = 0x80;
/** Control opcodes ntpd answers: 1–7 (RFC 9327 section 2), 8–12 (configure … request nonce) and 31 (unset trap). */
const NTP_CONTROL_OPCODES = 0x80001ffe;
/** Private-mode implementation numbers (ntpd's ntp_request.h): universal 0, old xntpd 2, xntpd 3. */
const NTP_PRIVATE_IMPLEMENTATIONS = 0b1101;

/**
 * An NTP reply (RFC 5905): version 1–4 and mode symmetric passive (2),
 * server (4) or broadcast (5) with a whole header and a stratum up to 16,
 * or a response in control (6, RFC 9327: ntpq's readvar and mrulist) or
 * ntpd's private mode (7: ntpdc's monlist), whose answers to requests in a
 * victim's name are NTP amplification. Clients' requests (mode 3, or 6 and
 * 7 without the response bit) are not, nor are other protocols' bytes: the
 * checks beyond the mode turn away nmap's payloads to other ports (SSDP's
 * "M-SEARCH" reads as a broadcast with stratum 45, DTLS's record header as
 * a control response with opcode 30, Sun RPC as version 7).
 */
function ntpReply(
  bytes: Uint8Array,
  offset: number,
  end: number,
  length: number,
): number {
  if (length < 2) return SERVICE_REPLY.NO;
  if (end - offset < 2) return ranOut(offset, end, length);
  // Non-null: two bytes are captured (checked above).
  const first = bytes[offset]!;
  const second = bytes[offset + 1]!;
  const version = (first >> 3) & 0x07;
  if (version < 1 || version > 4) return SERVICE_REPLY.NO;
  let reply: boolean;
  switch (first & 0x07) {
    case 2:
    case 4:
    case 5:
      reply = length >= NTP_HEADER_LENGTH && second <= NTP_MAX_STRATUM;
      break;
    case 6:
      reply = length >= NTP_CONTROL_HEADER_LENGTH &&
        (second & NTP_RESPONSE_BIT) !== 0 &&
        ((NTP_CONTROL_OPCODES >>> (second & 0x1f)) & 1) === 1;
      break;
    case 7: {
      if (length < NTP_PRIVATE_HEADER_LENGTH) return SERVICE_REPLY.NO;
      if (end - offset < 3) return SERVICE_REPLY.UNKNOWN;
      // Non-null: three bytes are captured (checked above).
      const implementation = bytes[offset + 2]!;
      reply = (first & NTP_RESPONSE_BIT) !== 0 && implementation < 4 &&
        ((NTP_PRIVATE_IMPLEMENTATIONS >> implementation) & 1) === 1;
      break;
    }
    default:
      reply = false;
  }
  return reply ? SERVICE_REPLY.YES : SERVICE_REPLY.NO;
}

/** ASN.1 application tags of a KDC's replies (RFC 4120 section 5.4.2, 5.9.1): AS-REP, TGS-REP, KRB-ERROR. */
const KERBEROS_AS_REP = 0x6b;
const KERBEROS_TGS_REP = 0x6d;
const KERBEROS_ERROR = 0x7e;

/** A KDC's reply (RFC 4120): its first byte is the tag of an AS-REP, a TGS-REP or a KRB-ERROR; requests are AS-REQ (0x6a) and TGS-REQ (0x6c). */
function kerberosReply(bytes: Uint8Array, offset: number, end: number): number {
  // An empty payload was answered by the caller: one byte is on the wire.
  if (offset >= end) return SERVICE_REPLY.UNKNOWN;
  const tag = bytes[offset];
  return tag === KERBEROS_AS_REP || tag === KERBEROS_TGS_REP ||
      tag === KERBEROS_ERROR
    ? SERVICE_REPLY.YES
    : SERVICE_REPLY.NO;
}

/** NetBIOS name service header length (RFC 1002 section 4.2.1.1), in bytes. */
const NBNS_HEADER_LENGTH = 12;
/** NBNS opcodes (RFC 1002 section 4.2.1.1, with Wireshark's 9 and 15): query 0, registration 5, release 6, WACK 7, refresh 8 and 9, multi-homed registration 15. */
const NBNS_OPCODES = 0b1000_0011_1110_0001;

/**
 * A NetBIOS name service response (RFC 1002 section 4.2): the response bit,
 * a known opcode, no question and some resource record; requests carry
 * their name as a question.
 */
function nbnsReply(
  bytes: Uint8Array,
  offset: number,
  end: number,
  length: number,
): number {
  if (length < NBNS_HEADER_LENGTH) return SERVICE_REPLY.NO;
  if (end - offset < NBNS_HEADER_LENGTH) return SERVICE_REPLY.UNKNOWN;
  // Non-null: the 12 header bytes are captured (checked above).
  const flags = bytes[offset + 2]!;
  const records = readU16(bytes, offset + 6) + readU16(bytes, offset + 8) +
    readU16(bytes, offset + 10);
  return (flags & 0x80) !== 0 &&
      ((NBNS_OPCODES >> ((flags >> 3) & 0x0f)) & 1) === 1 &&
      readU16(bytes, offset + 4) === 0 && records > 0
    ? SERVICE_REPLY.YES
    : SERVICE_REPLY.NO;
}

/** BER tags (X.690) in an SNMP message. */
const BER_INTEGER = 0x02;
const BER_OCTET_STRING = 0x04;
const BER_SEQUENCE = 0x30;
/** SNMP PDU tags an agent sends (RFC 3416 section 3): Response 0xa2, Trap-PDU 0xa4 (SNMPv1), InformRequest 0xa6, SNMPv2-Trap 0xa7, Report 0xa8; requests are 0xa0, 0xa1, 0xa3 and 0xa5. */
const SNMP_AGENT_PDUS = 0b1_1101_0100;
/** Of those, the notifications an agent sends unasked: Trap-PDU, InformRequest, SNMPv2-Trap. */
const SNMP_NOTIFICATION_PDUS = 0b0_1101_0000;
/** The reportable flag of an SNMPv3 message (RFC 3412 section 6.4): set on requests, clear on responses, reports and notifications. */
const SNMP_REPORTABLE = 0x04;

/**
 * An SNMP agent's message (RFC 3416, RFC 3412): SNMPv1 or v2c with a
 * Response or Report PDU after the community (YES), or a Trap or Inform
 * (NOTIFICATION), or SNMPv3 with the reportable flag clear (YES, which holds
 * for encrypted PDUs and notifications too); managers' requests (get,
 * get-next, get-bulk, set, or v3 with the flag set) are not. Answers to
 * requests in a victim's name are SNMP amplification.
 */
function snmpReply(
  bytes: Uint8Array,
  offset: number,
  end: number,
  length: number,
): number {
  // SEQUENCE { version INTEGER (one byte), …
  let at = berContentOf(bytes, offset, end, BER_SEQUENCE);
  if (at < 0) return stopped(at, offset, end, length);
  if (at + 3 > end) return ranOut(offset, end, length);
  if (bytes[at] !== BER_INTEGER || bytes[at + 1] !== 1) {
    return SERVICE_REPLY.NO;
  }
  const version = bytes[at + 2];
  at += 3;
  if (version === 0 || version === 1) {
    // … community OCTET STRING, PDU }: v1 or v2c.
    at = berAfter(bytes, at, end, BER_OCTET_STRING);
    if (at < 0) return stopped(at, offset, end, length);
    if (at >= end) return ranOut(offset, end, length);
    // Non-null: `at` is before `end` (checked above).
    const tag = bytes[at]!;
    if (tag < 0xa0 || tag > 0xa8) return SERVICE_REPLY.NO;
    const bit = 1 << (tag - 0xa0);
    return (SNMP_AGENT_PDUS & bit) === 0
      ? SERVICE_REPLY.NO
      : (SNMP_NOTIFICATION_PDUS & bit) === 0
      ? SERVICE_REPLY.YES
      : SERVICE_REPLY.NOTIFICATION;
  }
  if (version !== 3) return SERVICE_REPLY.NO;
  // … msgGlobalData SEQUENCE { msgID INTEGER, msgMaxSize INTEGER,
  // msgFlags OCTET STRING, … }, … }: v3.
  at = berContentOf(bytes, at, end, BER_SEQUENCE);
  if (at >= 0) at = berAfter(bytes, at, end, BER_INTEGER);
  if (at >= 0) at = berAfter(bytes, at, end, BER_INTEGER);
  if (at >= 0) at = berContentOf(bytes, at, end, BER_OCTET_STRING);
  if (at < 0) return stopped(at, offset, end, length);
  if (at >= end) return ranOut(offset, end, length);
  // Non-null: `at` is before `end` (checked above).
  return (bytes[at]! & SNMP_REPORTABLE) === 0
    ? SERVICE_REPLY.YES
    : SERVICE_REPLY.NO;
}

/** The verdict when a walk over an SNMP header stopped with `code`: BER_CUT as {@linkcode ranOut} says, BER_BAD (no SNMP) NO. */
function stopped(
  code: number,
  offset: number,
  end: number,
  length: number,
): number {
  return code === BER_CUT ? ranOut(offset, end, length) : SERVICE_REPLY.NO;
}

/** ISAKMP/IKE header length (RFC 2408 section 3.1, RFC 7296 section 3.1), in bytes. */
const IKE_HEADER_LENGTH = 28;
/** The Response flag of an IKEv2 header (RFC 7296 section 3.1). */
const IKE_V2_RESPONSE = 0x20;
/** IKEv1's Informational exchange type and Notification payload type (RFC 2408 sections 3.1 and 3.14). */
const IKE_V1_INFORMATIONAL = 5;
const IKE_V1_NOTIFICATION = 11;

/**
 * A peer's answer in IKE (RFC 2408, RFC 7296): a header whose major version
 * is 1 or 2 and whose length is the datagram's. In IKEv2 it has the
 * Response flag; the sending peer's own requests are no answers. IKEv1 has
 * no such flag: there every message with the responder's cookie set (all
 * after the initiator's first, requests of either peer included) is taken
 * for one, and so is an Informational exchange that opens with a
 * notification (an error answer to a first message, which some
 * implementations send with the responder's cookie still zero). From port
 * 500 to a port above 1023 a peer answers one behind NAT (whose source port
 * the NAT changed); nmap's payload for port 4500 (an IKEv1 Main Mode
 * request, its responder cookie zero) is no answer.
 */
function ikeReply(
  bytes: Uint8Array,
  offset: number,
  end: number,
  length: number,
): number {
  if (length < IKE_HEADER_LENGTH) return SERVICE_REPLY.NO;
  // The payload is long enough, so the capture (or an IP fragment) cut it.
  if (end - offset < IKE_HEADER_LENGTH) return SERVICE_REPLY.UNKNOWN;
  // Non-null: the 28 header bytes are captured (checked above).
  const major = bytes[offset + 17]! >> 4;
  if (readU32(bytes, offset + 24) !== length) return SERVICE_REPLY.NO;
  let reply = false;
  if (major === 2) {
    reply = (bytes[offset + 19]! & IKE_V2_RESPONSE) !== 0;
  } else if (major === 1) {
    reply = bytes[offset + 18] === IKE_V1_INFORMATIONAL &&
      bytes[offset + 16] === IKE_V1_NOTIFICATION;
    for (let i = offset + 8; i < offset + 16; i++) {
      if (bytes[i] !== 0) reply = true;
    }
  }
  return reply ? SERVICE_REPLY.YES : SERVICE_REPLY.NO;
}

/** ONC RPC message header up to the reply's status (RFC 5531 section 9: xid, msg_type, reply_stat), in bytes. */
const RPC_REPLY_HEADER_LENGTH = 12;
/** An RPC message's type REPLY (a CALL is 0). */
const RPC_REPLY = 1;

/**
 * An ONC RPC reply (RFC 5531), as the portmapper (rpcbind) sends from port
 * 111: message type REPLY and a reply status MSG_ACCEPTED (0) or
 * MSG_DENIED (1). Calls (nmap's payload for RPC ports among them) are not.
 */
function rpcReply(
  bytes: Uint8Array,
  offset: number,
  end: number,
  length: number,
): number {
  if (length < RPC_REPLY_HEADER_LENGTH) return SERVICE_REPLY.NO;
  if (end - offset < RPC_REPLY_HEADER_LENGTH) return SERVICE_REPLY.UNKNOWN;
  return readU32(bytes, offset + 4) === RPC_REPLY &&
      readU32(bytes, offset + 8) <= 1
    ? SERVICE_REPLY.YES
    : SERVICE_REPLY.NO;
}
