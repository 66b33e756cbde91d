/**
 * The packet search language, one meaning for the dashboard's search box
 * and `GET /api/packets?q=`: words separated by spaces, each of which a row
 * must match.
 *
 * - An address (`192.168.1.6`, `fd00::1`, any IPv6 spelling, a MAC) matches
 *   as a whole: the row's source or destination, or the address as a word
 *   in its Info (an ARP question's target); `192.168.1.6` never matches
 *   `192.168.1.66`.
 * - An endpoint as the page writes it (`192.168.1.23:443`, `[fd00::1]:443`)
 *   matches that address with that port, on either side.
 * - TCP flag words (`SYN`, `ACK`, `FIN`, `RST`, `PSH`, `URG`, `ECE`, `CWR`,
 *   any case) match TCP rows with that flag set; joined by `/`, `+` or `-`
 *   (`SYN/ACK`) with all of them set. The bracketed form the Info column
 *   shows (`[S]`, `[S.]`, `[F.]`) matches exactly those flags.
 * - Any other word matches, case-insensitively, part of the source,
 *   destination, protocol or Info, or a whole port number.
 *
 * @module
 */

import { parseIpv4, parseIpv6Text } from "../capture/decode/address_key.ts";
import { formatIpv6Words } from "../capture/decode/address.ts";
import type { PacketRow } from "./packet_row.ts";

/** One word of a search, compiled. */
export type PacketSearchTerm =
  /** An address matched whole: source, destination, or a word of Info. */
  | { kind: "host"; address: string; inInfo: RegExp }
  /** An address with a port, on the same side of the row. */
  | { kind: "endpoint"; address: string; port: number }
  /** TCP flags (the row's letters) that must all be set. */
  | { kind: "flags"; letters: string }
  /** TCP flags exactly as the row shows them ("S.", "none"). */
  | { kind: "exactFlags"; flags: string }
  /** Lower-case text found in an address, the protocol or Info, or a whole port. */
  | { kind: "text"; text: string; port: number };

/** A search compiled once ({@linkcode compilePacketSearch}), to test many rows. */
export interface PacketSearch {
  /** Every term must match (none: every row matches). */
  readonly terms: readonly PacketSearchTerm[];
}

/** TCP flag words and the letters rows show them as (capture/format_packet.ts formatTcpFlags). */
const FLAG_LETTERS: Readonly<Record<string, string>> = {
  FIN: "F",
  SYN: "S",
  RST: "R",
  PSH: "P",
  ACK: ".",
  URG: "U",
  ECE: "E",
  CWR: "W",
};

const FLAG_WORDS_REGEXP =
  /^(FIN|SYN|RST|PSH|ACK|URG|ECE|CWR)([/+-](FIN|SYN|RST|PSH|ACK|URG|ECE|CWR))*$/;
const BRACKET_FLAGS_REGEXP = /^\[([FSRPUEW.]+|NONE)\]$/;
const MAC_REGEXP = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const PORT_REGEXP = /^\d{1,5}$/;

/** Scratch words of IPv6 parsing. */
const ipv6Words = new Int32Array(4);

/**
 * The address in `text` as rows write it (IPv4 dotted quad, IPv6 compressed
 * lower case, MAC lower case), or "" when `text` is no single address.
 */
export function canonicalAddress(text: string): string {
  if (parseIpv4(text) >= 0) return text;
  const lower = text.toLowerCase();
  if (MAC_REGEXP.test(lower)) return lower;
  if (
    lower.includes(":") && !lower.includes("%") &&
    parseIpv6Text(lower, ipv6Words)
  ) {
    const [w0, w1, w2, w3] = ipv6Words;
    return formatIpv6Words(w0!, w1!, w2!, w3!);
  }
  return "";
}

/** Compiles the search box's `text` (see the module's doc for its words). */
export function compilePacketSearch(text: string): PacketSearch {
  const terms = text.trim().split(/\s+/).filter((word) => word !== "")
    .map(compileTerm);
  return { terms };
}

function compileTerm(word: string): PacketSearchTerm {
  const upper = word.toUpperCase();
  if (FLAG_WORDS_REGEXP.test(upper)) {
    const letters = upper.split(/[/+-]/).map((flag) => FLAG_LETTERS[flag]!)
      .join("");
    return { kind: "flags", letters };
  }
  const bracketed = BRACKET_FLAGS_REGEXP.exec(upper);
  if (bracketed) {
    const flags = bracketed[1]!;
    return { kind: "exactFlags", flags: flags === "NONE" ? "none" : flags };
  }
  const address = canonicalAddress(word);
  if (address !== "") return hostTerm(address);
  const endpoint = parseEndpoint(word);
  if (endpoint) return { kind: "endpoint", ...endpoint };
  const text = word.toLowerCase();
  return {
    kind: "text",
    text,
    port: PORT_REGEXP.test(text) ? Number(text) : -1,
  };
}

function hostTerm(address: string): PacketSearchTerm {
  const escaped = address.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  // Whole: no address character may continue it on either side (a dot
  // after it only as a sentence's end, not before another octet).
  const inInfo = new RegExp(`(?<![\\w.:])${escaped}(?![\\w:]|\\.\\w)`, "i");
  return { kind: "host", address, inInfo };
}

/** `192.168.1.23:443` or `[fd00::1]:443` as an address and a port; undefined otherwise. */
function parseEndpoint(
  word: string,
): { address: string; port: number } | undefined {
  const match = /^\[([^\]]+)\]:(\d{1,5})$/.exec(word) ??
    /^([^:]+):(\d{1,5})$/.exec(word);
  if (!match) return undefined;
  const port = Number(match[2]);
  const address = canonicalAddress(match[1]!);
  if (address === "" || port > 65535) return undefined;
  return { address, port };
}

/** Whether `row` matches every term of `search`. */
export function matchesPacketSearch(
  row: PacketRow,
  search: PacketSearch,
): boolean {
  for (const term of search.terms) {
    if (!matchesTerm(row, term)) return false;
  }
  return true;
}

function matchesTerm(row: PacketRow, term: PacketSearchTerm): boolean {
  switch (term.kind) {
    case "host":
      return row.src === term.address || row.dst === term.address ||
        term.inInfo.test(row.info);
    case "endpoint":
      return (row.src === term.address && row.srcPort === term.port) ||
        (row.dst === term.address && row.dstPort === term.port);
    case "flags": {
      if (row.flags === "" || row.flags === "none") return false;
      for (const letter of term.letters) {
        if (!row.flags.includes(letter)) return false;
      }
      return true;
    }
    case "exactFlags":
      return row.flags === term.flags;
    case "text":
      return (term.port >= 0 &&
        (row.srcPort === term.port || row.dstPort === term.port)) ||
        row.src.toLowerCase().includes(term.text) ||
        row.dst.toLowerCase().includes(term.text) ||
        row.protocol.toLowerCase().includes(term.text) ||
        row.info.toLowerCase().includes(term.text);
  }
}
