/**
 * DNS record type and response code names, as EVE and dig print them.
 *
 * @module
 */

const RRTYPES: Record<number, string> = {
  1: "A",
  2: "NS",
  5: "CNAME",
  6: "SOA",
  10: "NULL",
  12: "PTR",
  13: "HINFO",
  15: "MX",
  16: "TXT",
  28: "AAAA",
  33: "SRV",
  35: "NAPTR",
  41: "OPT",
  43: "DS",
  46: "RRSIG",
  47: "NSEC",
  48: "DNSKEY",
  64: "SVCB",
  65: "HTTPS",
  99: "SPF",
  252: "AXFR",
  255: "ANY",
  257: "CAA",
};

const RCODES = [
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
];

/** "A", "TXT", … or "TYPE<n>" (RFC 3597) for unknown types. */
export function rrtypeName(type: number): string {
  return RRTYPES[type] ?? `TYPE${type}`;
}

/** "NOERROR", "NXDOMAIN", … or "RCODE<n>". */
export function rcodeName(rcode: number): string {
  return RCODES[rcode] ?? `RCODE${rcode}`;
}
