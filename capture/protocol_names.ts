/**
 * Names of protocol numbers as people read them in packet lines and EVE:
 * ICMP and ICMPv6 messages (tcpdump's wording), DNS record types and
 * response codes (their IANA mnemonics), and the link types NetMirror
 * decodes (libpcap's names and descriptions). A number without a name
 * keeps its number.
 *
 * @module
 */

/** A link type's libpcap name (`tcpdump -L`, `-y`) and description. */
export interface LinkTypeInfo {
  /** "EN10MB", "LINUX_SLL2", … */
  name: string;
  /** "Ethernet", "Linux cooked v2", … */
  description: string;
}

/** The link types NetMirror decodes (tcpdump.org LINKTYPE_* numbers), as libpcap names and describes them. */
export const LINK_TYPE_INFO: Readonly<Record<number, LinkTypeInfo>> = {
  0: { name: "NULL", description: "BSD loopback" },
  1: { name: "EN10MB", description: "Ethernet" },
  101: { name: "RAW", description: "Raw IP" },
  108: { name: "LOOP", description: "OpenBSD loopback" },
  113: { name: "LINUX_SLL", description: "Linux cooked v1" },
  228: { name: "IPV4", description: "Raw IPv4" },
  229: { name: "IPV6", description: "Raw IPv6" },
  276: { name: "LINUX_SLL2", description: "Linux cooked v2" },
};

/** "EN10MB (Ethernet)" as `tcpdump -L` writes a link type, or "LINKTYPE 147" for one NetMirror does not decode. */
export function linkTypeName(linkType: number): string {
  const info = LINK_TYPE_INFO[linkType];
  return info ? `${info.name} (${info.description})` : `LINKTYPE ${linkType}`;
}

/** DNS record types by number (IANA "Resource Record (RR) TYPEs"), the common ones. */
const DNS_TYPES: Readonly<Record<number, string>> = {
  1: "A",
  2: "NS",
  5: "CNAME",
  6: "SOA",
  10: "NULL",
  12: "PTR",
  13: "HINFO",
  15: "MX",
  16: "TXT",
  17: "RP",
  18: "AFSDB",
  24: "SIG",
  25: "KEY",
  28: "AAAA",
  29: "LOC",
  33: "SRV",
  35: "NAPTR",
  36: "KX",
  37: "CERT",
  39: "DNAME",
  41: "OPT",
  42: "APL",
  43: "DS",
  44: "SSHFP",
  45: "IPSECKEY",
  46: "RRSIG",
  47: "NSEC",
  48: "DNSKEY",
  49: "DHCID",
  50: "NSEC3",
  51: "NSEC3PARAM",
  52: "TLSA",
  53: "SMIMEA",
  55: "HIP",
  59: "CDS",
  60: "CDNSKEY",
  61: "OPENPGPKEY",
  62: "CSYNC",
  63: "ZONEMD",
  64: "SVCB",
  65: "HTTPS",
  99: "SPF",
  108: "EUI48",
  109: "EUI64",
  249: "TKEY",
  250: "TSIG",
  251: "IXFR",
  252: "AXFR",
  255: "ANY",
  256: "URI",
  257: "CAA",
};

/** A DNS record type's mnemonic ("A", "TXT", …), or RFC 3597's `TYPE<n>` for one without. */
export function dnsTypeName(type: number): string {
  return DNS_TYPES[type] ?? `TYPE${type}`;
}

/** DNS response codes (RFC 1035, 2136 and 6891's 4-bit header codes). */
const DNS_RCODES: readonly string[] = [
  "NOERROR",
  "FORMERR",
  "SERVFAIL",
  "NXDOMAIN",
  "NOTIMP",
  "REFUSED",
  "YXDOMAIN",
  "YXRRSET",
  "NXRRSET",
  "NOTAUTH",
  "NOTZONE",
  "DSOTYPENI",
];

/** A DNS response code's mnemonic ("NOERROR", "NXDOMAIN", …), or `RCODE<n>` for one without. */
export function dnsRcodeName(rcode: number): string {
  return DNS_RCODES[rcode] ?? `RCODE${rcode}`;
}

/** ICMP (IPv4) destination unreachable codes (RFC 792, 1812). */
const ICMP_UNREACHABLE: readonly string[] = [
  "net unreachable",
  "host unreachable",
  "protocol unreachable",
  "port unreachable",
  "fragmentation needed",
  "source route failed",
  "destination net unknown",
  "destination host unknown",
  "source host isolated",
  "net prohibited",
  "host prohibited",
  "net unreachable for TOS",
  "host unreachable for TOS",
  "communication administratively prohibited",
  "host precedence violation",
  "precedence cutoff",
];

/** ICMP (IPv4) messages other than destination unreachable, by type (RFC 792, 950, 1256). */
const ICMP_TYPES: Readonly<Record<number, string>> = {
  0: "echo reply",
  4: "source quench",
  5: "redirect",
  8: "echo request",
  9: "router advertisement",
  10: "router solicitation",
  11: "time exceeded",
  12: "parameter problem",
  13: "time stamp query",
  14: "time stamp reply",
  17: "address mask request",
  18: "address mask reply",
};

/** ICMPv6 destination unreachable codes (RFC 4443). */
const ICMPV6_UNREACHABLE: readonly string[] = [
  "no route to destination",
  "communication administratively prohibited",
  "beyond scope of source address",
  "address unreachable",
  "port unreachable",
  "source address failed policy",
  "reject route to destination",
];

/** ICMPv6 messages other than destination unreachable, by type (RFC 4443, 4861, 2710, 3810). */
const ICMPV6_TYPES: Readonly<Record<number, string>> = {
  2: "packet too big",
  3: "time exceeded",
  4: "parameter problem",
  128: "echo request",
  129: "echo reply",
  130: "multicast listener query",
  131: "multicast listener report",
  132: "multicast listener done",
  133: "router solicitation",
  134: "router advertisement",
  135: "neighbor solicitation",
  136: "neighbor advertisement",
  137: "redirect",
  143: "multicast listener report v2",
};

/**
 * An ICMP (`v6` false) or ICMPv6 message's name, as tcpdump words it
 * ("echo request", "port unreachable", "neighbor solicitation", …), or
 * `type <t> code <c>` for one without.
 */
export function icmpMessageName(
  v6: boolean,
  type: number,
  code: number,
): string {
  const name = v6
    ? (type === 1 ? ICMPV6_UNREACHABLE[code] : ICMPV6_TYPES[type])
    : (type === 3 ? ICMP_UNREACHABLE[code] : ICMP_TYPES[type]);
  return name ?? `type ${type} code ${code}`;
}
