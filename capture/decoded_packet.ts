/**
 * The record the decoder fills: a {@linkcode PacketRecord} whose IP
 * addresses, MACs and DNS name become text only when something reads them.
 *
 * Formatting an address is cheap, but its string is not: under a spoofed
 * flood every packet brings new addresses, and their strings were most of
 * the decoder's garbage although most packets never have their address text
 * read (the analyzers look addresses up by `srcAddressKey`). So the decoder
 * stores an IPv4 address as its key, an IPv6 address as its four words
 * (keyed by them, decode/address_key.ts) and a MAC as two numbers, and the
 * getters format them on first read (through the direct-mapped caches of
 * decode/address.ts). Likewise a DNS question's name is kept as character
 * codes in the record's own buffer and made a string when read: the
 * detectors read the names of queries only, so a response's name is never
 * built. The record keeps no capture bytes, so a record kept in a ring
 * still reads its own addresses and name after the buffer has moved on.
 *
 * The lazy fields are accessors on the prototype, not own properties: copy a
 * record with {@linkcode plainPacket}, not a spread or `JSON.stringify`.
 *
 * @module
 */

import {
  formatIpv4Key,
  formatIpv6Words,
  formatMacWords,
  isGroupMac,
  macHighWord,
  macLowWord,
} from "./decode/address.ts";
import type { AuthService } from "./decode/auth_reply.ts";
import {
  readHttpHost,
  readHttpRequest,
  readHttpUserAgent,
} from "./decode/http.ts";
import { readTlsServerName } from "./decode/tls.ts";
import { readU32 } from "./decode/bytes.ts";
import { ipv6KeyOfWords, isIpv4Key } from "./decode/address_key.ts";
import type {
  AppHint,
  NetworkKind,
  PacketRecord,
  TransportKind,
} from "./packet_record.ts";

/** Bytes of an HTTP request's or TLS ClientHello's segment kept to read its fields from (a Host or server name past them stays unknown). */
export const MAX_APP_BYTES = 4096;
/** What of a kept request or hello is still to be read. */
const UNREAD_REQUEST_LINE = 1;
const UNREAD_HOST = 2;
const UNREAD_SERVER_NAME = 4;
const UNREAD_USER_AGENT = 8;

/** A decoded packet (see the module doc); every field starts at its "absent" value. */
export class DecodedPacket implements PacketRecord {
  timestampUs = 0;
  interfaceId = 0;
  linkType = -1;
  capturedLength = 0;
  wireLength = 0;
  /** Text, or null to format from the words below on first read. */
  #srcMac: string | null = "";
  #srcMacHigh = -1;
  #srcMacLow = -1;
  #dstMac: string | null = "";
  #dstMacHigh = 0;
  #dstMacLow = 0;
  vlanId = -1;
  etherType = -1;
  tunnel = "";
  /** Text, or null to format the IPv4 key below on first read. */
  #tunnelSrcAddress: string | null = "";
  #tunnelDstAddress: string | null = "";
  tunnelSrcAddressKey = -1;
  tunnelDstAddressKey = -1;
  tunnelId = -1;
  network: NetworkKind = "other";
  /** Text, or null to format `srcAddressKey` (an IPv4 address) or the words below (IPv6) on first read. */
  #srcAddress: string | null = "";
  #dstAddress: string | null = "";
  #srcWord0 = 0;
  #srcWord1 = 0;
  #srcWord2 = 0;
  #srcWord3 = 0;
  #dstWord0 = 0;
  #dstWord1 = 0;
  #dstWord2 = 0;
  #dstWord3 = 0;
  srcAddressKey = -1;
  dstAddressKey = -1;
  ipProtocol = -1;
  ttl = -1;
  ipLength = 0;
  laterFragment = false;
  fragment = false;
  fragmentId = -1;
  transport: TransportKind = "none";
  srcPort = -1;
  dstPort = -1;
  tcpFlags = 0;
  tcpSeq = 0;
  tcpAck = 0;
  tcpWindow = 0;
  sctpChunkType = -1;
  payloadLength = 0;
  icmpType = -1;
  icmpCode = -1;
  icmpId = -1;
  icmpSeq = -1;
  icmpEchoSum = -1;
  icmpEchoTailSum = -1;
  icmpEchoTracker = false;
  quotedProtocol = -1;
  quotedDstAddress = "";
  quotedSrcPort = -1;
  quotedDstPort = -1;
  arpOperation = -1;
  arpSenderMac = "";
  arpTargetMac = "";
  ndTarget = "";
  ndFlags = -1;
  ndLinkMac = "";
  ndRouterLifetimeS = -1;
  ndPrefixes = "";
  ndRoutes = "";
  ndDnsServers = "";
  ndDnsWithdrawn = "";
  dhcpMessageType = -1;
  dhcpServerId = "";
  dhcpLeaseAddresses = "";
  dhcpDnsServers = "";
  dhcpRouters = "";
  dhcpRoutes = "";
  dhcpPrefixLength = -1;
  dhcpClientMac = "";
  dhcpRelayAddress = "";
  dhcpClientAddress = "";
  dhcpClientId = "";
  app: AppHint = "";
  httpStatus = -1;
  /** The first bytes of an HTTP request's or TLS ClientHello's segment (see {@linkcode setAppPayload}), read into the fields below on first read. */
  #appBytes: Uint8Array | undefined;
  #appLength = 0;
  /** Which fields below are still to be read from `#appBytes` ({@linkcode UNREAD_REQUEST_LINE}, …, or-ed). */
  #appUnread = 0;
  #httpMethod = "";
  #httpUri = "";
  #httpHost = "";
  #httpUserAgent = "";
  #tlsServerName = "";
  dnsId = -1;
  dnsResponse = false;
  dnsOpcode = -1;
  dnsRcode = -1;
  /** Text, or null to make from the first `#dnsNameLength` of `#dnsNameCodes` on first read. */
  #dnsQname: string | null = "";
  #dnsNameCodes: Uint16Array | undefined;
  #dnsNameLength = 0;
  dnsQtype = -1;
  dnsQuestionCount = 0;
  dnsAnswerCount = 0;
  dnsAnswerDataBytes = 0;
  udpServiceReply = -1;
  nbnsId = -1;
  nbnsFlags = -1;
  nbnsAnswerCount = 0;
  nbnsName = "";
  mdnsQueryName = "";
  mdnsRecords = "";
  authFailure: AuthService | "" = "";
  authSuccess: AuthService | "" = "";
  truncated = false;
  anomaly = "";

  /** Source MAC as "aa:bb:cc:dd:ee:ff", or "". */
  get srcMac(): string {
    return this.#srcMac ??= formatMacWords(this.#srcMacHigh, this.#srcMacLow);
  }
  set srcMac(text: string) {
    this.#srcMac = text;
    if (text === "") {
      this.#srcMacHigh = -1;
      this.#srcMacLow = -1;
    } else {
      // A test's or a caller's text: words only for a well-formed MAC.
      const hex = text.replaceAll(":", "");
      const valid = /^[0-9a-fA-F]{12}$/.test(hex);
      this.#srcMacHigh = valid ? parseInt(hex.slice(0, 6), 16) : -1;
      this.#srcMacLow = valid ? parseInt(hex.slice(6, 12), 16) : -1;
    }
  }

  /** The source MAC's first three bytes as one number, or -1 when there is none. */
  get srcMacHigh(): number {
    return this.#srcMacHigh;
  }

  /** The source MAC's last three bytes as one number, or -1 when there is none. */
  get srcMacLow(): number {
    return this.#srcMacLow;
  }

  /** Destination MAC as "aa:bb:cc:dd:ee:ff", or "". */
  get dstMac(): string {
    return this.#dstMac ??= formatMacWords(this.#dstMacHigh, this.#dstMacLow);
  }
  set dstMac(text: string) {
    this.#dstMac = text;
  }

  /** Whether the destination MAC is a group address (multicast or broadcast), without making its text; null when there is none (raw IP, Linux cooked). */
  get dstMacIsGroup(): boolean | null {
    const text = this.#dstMac;
    if (text === null) return ((this.#dstMacHigh >> 16) & 1) === 1;
    return text === "" ? null : isGroupMac(text);
  }

  /** Source IP address text, or "". */
  get srcAddress(): string {
    return this.#srcAddress ??= isIpv4Key(this.srcAddressKey)
      ? formatIpv4Key(this.srcAddressKey)
      : formatIpv6Words(
        this.#srcWord0,
        this.#srcWord1,
        this.#srcWord2,
        this.#srcWord3,
      );
  }
  set srcAddress(text: string) {
    this.#srcAddress = text;
  }

  /** Destination IP address text, or "". */
  get dstAddress(): string {
    return this.#dstAddress ??= isIpv4Key(this.dstAddressKey)
      ? formatIpv4Key(this.dstAddressKey)
      : formatIpv6Words(
        this.#dstWord0,
        this.#dstWord1,
        this.#dstWord2,
        this.#dstWord3,
      );
  }
  set dstAddress(text: string) {
    this.#dstAddress = text;
  }

  /** The outermost tunnel's source endpoint, or "". */
  get tunnelSrcAddress(): string {
    return this.#tunnelSrcAddress ??= formatIpv4Key(this.tunnelSrcAddressKey);
  }
  set tunnelSrcAddress(text: string) {
    this.#tunnelSrcAddress = text;
  }

  /** The outermost tunnel's destination endpoint, or "". */
  get tunnelDstAddress(): string {
    return this.#tunnelDstAddress ??= formatIpv4Key(this.tunnelDstAddressKey);
  }
  set tunnelDstAddress(text: string) {
    this.#tunnelDstAddress = text;
  }

  /** Makes the packet's addresses, as decoded so far, the tunnel's endpoints (IPv4 ones formatted when read). */
  keepTunnelEndpoints(): void {
    this.tunnelSrcAddressKey = this.srcAddressKey;
    this.tunnelDstAddressKey = this.dstAddressKey;
    if (isIpv4Key(this.srcAddressKey) && isIpv4Key(this.dstAddressKey)) {
      this.#tunnelSrcAddress = null;
      this.#tunnelDstAddress = null;
    } else {
      this.#tunnelSrcAddress = this.srcAddress;
      this.#tunnelDstAddress = this.dstAddress;
    }
  }

  /** The first DNS question's name (lower case, no trailing dot), or "". */
  get dnsQname(): string {
    return this.#dnsQname ??= textOfCodes(
      this.#dnsNameCodes!,
      this.#dnsNameLength,
    );
  }
  set dnsQname(text: string) {
    this.#dnsQname = text;
  }

  /** Sets the DNS name to the first `length` character codes of `codes` (copied), made a string when read. */
  setDnsNameCodes(codes: Uint16Array, length: number): void {
    if (length === 0) {
      this.#dnsQname = "";
      return;
    }
    let own = this.#dnsNameCodes;
    if (own === undefined || own.length < length) {
      own = this.#dnsNameCodes = new Uint16Array(Math.max(64, length));
    }
    for (let i = 0; i < length; i++) own[i] = codes[i]!;
    this.#dnsNameLength = length;
    this.#dnsQname = null;
  }

  /** An HTTP request's method, or "" (read from the kept payload on first read). */
  get httpMethod(): string {
    if ((this.#appUnread & UNREAD_REQUEST_LINE) !== 0) this.#readRequestLine();
    return this.#httpMethod;
  }
  set httpMethod(text: string) {
    this.#appUnread &= ~UNREAD_REQUEST_LINE;
    this.#httpMethod = text;
  }

  /** An HTTP request's target, or "". */
  get httpUri(): string {
    if ((this.#appUnread & UNREAD_REQUEST_LINE) !== 0) this.#readRequestLine();
    return this.#httpUri;
  }
  set httpUri(text: string) {
    this.#appUnread &= ~UNREAD_REQUEST_LINE;
    this.#httpUri = text;
  }

  /** An HTTP request's Host header, or "". */
  get httpHost(): string {
    if ((this.#appUnread & UNREAD_HOST) !== 0) {
      this.#appUnread &= ~UNREAD_HOST;
      this.#httpHost = readHttpHost(this.#appBytes!, 0, this.#appLength);
    }
    return this.#httpHost;
  }
  set httpHost(text: string) {
    this.#appUnread &= ~UNREAD_HOST;
    this.#httpHost = text;
  }

  /** An HTTP request's User-Agent header, or "". */
  get httpUserAgent(): string {
    if ((this.#appUnread & UNREAD_USER_AGENT) !== 0) {
      this.#appUnread &= ~UNREAD_USER_AGENT;
      this.#httpUserAgent = readHttpUserAgent(
        this.#appBytes!,
        0,
        this.#appLength,
      );
    }
    return this.#httpUserAgent;
  }
  set httpUserAgent(text: string) {
    this.#appUnread &= ~UNREAD_USER_AGENT;
    this.#httpUserAgent = text;
  }

  /** A TLS ClientHello's server name, or "". */
  get tlsServerName(): string {
    if ((this.#appUnread & UNREAD_SERVER_NAME) !== 0) {
      this.#appUnread &= ~UNREAD_SERVER_NAME;
      this.#tlsServerName = readTlsServerName(
        this.#appBytes!,
        0,
        this.#appLength,
      );
    }
    return this.#tlsServerName;
  }
  set tlsServerName(text: string) {
    this.#appUnread &= ~UNREAD_SERVER_NAME;
    this.#tlsServerName = text;
  }

  /**
   * Keeps the first {@linkcode MAX_APP_BYTES} of `bytes[offset, end)`, an
   * HTTP request's or a TLS ClientHello's segment (as `app` says), copied:
   * its method, target, Host, User-Agent or server name are read from them only when
   * asked for (most packets' never are, and the frame's bytes are reused).
   */
  setAppPayload(bytes: Uint8Array, offset: number, end: number): void {
    const length = Math.min(end - offset, MAX_APP_BYTES);
    if (length <= 0) return;
    const own = this.#appBytes ??= new Uint8Array(MAX_APP_BYTES);
    // A loop for the usual short request: subarray() costs more than the
    // copy itself.
    if (length <= 512) {
      for (let i = 0; i < length; i++) own[i] = bytes[offset + i]!;
    } else {
      own.set(bytes.subarray(offset, offset + length));
    }
    this.#appLength = length;
    this.#appUnread = this.app === "tls_client_hello"
      ? UNREAD_SERVER_NAME
      : UNREAD_REQUEST_LINE | UNREAD_HOST | UNREAD_USER_AGENT;
  }

  /** Forgets the HTTP and TLS fields (the next packet's decode). */
  clearApp(): void {
    this.httpStatus = -1;
    this.#appUnread = 0;
    this.#httpMethod = "";
    this.#httpUri = "";
    this.#httpHost = "";
    this.#httpUserAgent = "";
    this.#tlsServerName = "";
  }

  #readRequestLine(): void {
    this.#appUnread &= ~UNREAD_REQUEST_LINE;
    const request = { httpMethod: "", httpUri: "" };
    readHttpRequest(request, this.#appBytes!, 0, this.#appLength);
    this.#httpMethod = request.httpMethod;
    this.#httpUri = request.httpUri;
  }

  /** Sets the source MAC to the 6 bytes at `offset` (the caller checked they are present), formatted when read. */
  setSrcMacAt(bytes: Uint8Array, offset: number): void {
    this.#srcMacHigh = macHighWord(bytes, offset);
    this.#srcMacLow = macLowWord(bytes, offset);
    this.#srcMac = null;
  }

  /** Sets the destination MAC like {@linkcode setSrcMacAt}. */
  setDstMacAt(bytes: Uint8Array, offset: number): void {
    this.#dstMacHigh = macHighWord(bytes, offset);
    this.#dstMacLow = macLowWord(bytes, offset);
    this.#dstMac = null;
  }

  /** Sets both addresses to IPv4 addresses given as unsigned 32-bit numbers (their keys), formatted when read. */
  setIpv4Addresses(src: number, dst: number): void {
    this.srcAddressKey = src;
    this.dstAddressKey = dst;
    this.#srcAddress = null;
    this.#dstAddress = null;
  }

  /** Sets both addresses to the IPv6 addresses in the 16 bytes at `srcAt` and at `dstAt` (the caller checked they are present): keyed now, formatted when read. */
  setIpv6Addresses(bytes: Uint8Array, srcAt: number, dstAt: number): void {
    const s0 = this.#srcWord0 = readU32(bytes, srcAt);
    const s1 = this.#srcWord1 = readU32(bytes, srcAt + 4);
    const s2 = this.#srcWord2 = readU32(bytes, srcAt + 8);
    const s3 = this.#srcWord3 = readU32(bytes, srcAt + 12);
    const d0 = this.#dstWord0 = readU32(bytes, dstAt);
    const d1 = this.#dstWord1 = readU32(bytes, dstAt + 4);
    const d2 = this.#dstWord2 = readU32(bytes, dstAt + 8);
    const d3 = this.#dstWord3 = readU32(bytes, dstAt + 12);
    this.srcAddressKey = ipv6KeyOfWords(s0, s1, s2, s3);
    this.dstAddressKey = ipv6KeyOfWords(d0, d1, d2, d3);
    this.#srcAddress = null;
    this.#dstAddress = null;
  }
}

/** Plain arrays of each length up to 128, for {@linkcode textOfCodes}. */
const plainCodes: number[][] = [];

/**
 * The string of the first `length` character codes of `codes`. Up to 128
 * codes go through a reused plain array of that length, which
 * `String.fromCharCode.apply` takes about twice as fast as a typed array view.
 */
function textOfCodes(codes: Uint16Array, length: number): string {
  if (length > 128) {
    return String.fromCharCode.apply(
      null,
      codes.subarray(0, length) as unknown as number[],
    );
  }
  const plain = plainCodes[length] ??= new Array<number>(length).fill(0);
  for (let i = 0; i < length; i++) plain[i] = codes[i]!;
  return String.fromCharCode.apply(null, plain);
}

/**
 * A plain-object copy of `packet` with every field an own property (a
 * {@linkcode DecodedPacket}'s lazy fields are accessors, which a spread or
 * `JSON.stringify` would skip); for records kept past the decoder's reuse
 * of theirs, and for output.
 */
export function plainPacket(packet: PacketRecord): PacketRecord {
  return {
    ...packet,
    srcMac: packet.srcMac,
    dstMac: packet.dstMac,
    srcMacHigh: packet.srcMacHigh,
    srcMacLow: packet.srcMacLow,
    srcAddress: packet.srcAddress,
    dstAddress: packet.dstAddress,
    dnsQname: packet.dnsQname,
    tunnelSrcAddress: packet.tunnelSrcAddress,
    tunnelDstAddress: packet.tunnelDstAddress,
    httpMethod: packet.httpMethod,
    httpUri: packet.httpUri,
    httpHost: packet.httpHost,
    httpUserAgent: packet.httpUserAgent,
    tlsServerName: packet.tlsServerName,
  };
}

/**
 * What a table keeps of a packet's source (or destination) address text:
 * "" for an IPv4 address, whose text {@linkcode addressTextOf} rebuilds from
 * its key, so a decoded packet's address is not formatted at all; the text
 * for any other address.
 */
export function keptText(
  key: number,
  packet: PacketRecord,
  source: boolean,
): string {
  if (isIpv4Key(key)) return "";
  return source ? packet.srcAddress : packet.dstAddress;
}

/** The address text of address key `key`, kept as {@linkcode keptText} kept it. */
export function addressTextOf(key: number, kept: string): string {
  return kept === "" && isIpv4Key(key) ? formatIpv4Key(key) : kept;
}

/**
 * Whether `packet`'s frame went to a group MAC (multicast or broadcast), or
 * null when the capture holds no destination MAC; a decoded packet answers
 * without making the MAC's text.
 */
export function frameToGroup(packet: PacketRecord): boolean | null {
  if (packet instanceof DecodedPacket) {
    return packet.dstMacIsGroup;
  }
  const mac = packet.dstMac;
  return mac === "" ? null : isGroupMac(mac);
}
