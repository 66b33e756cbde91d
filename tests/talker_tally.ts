/**
 * Hosts' and host pairs' counts as text lines, shared by the tshark fixture
 * maker (tests/fixtures/make_talkers_tshark.ts) and the test that compares
 * TrafficStats with it (talkers_tshark_test.ts): one format, one order, one
 * digest.
 *
 * @module
 */

/** Capture folders under ../shared/pcaps compared. */
export const TALKER_FOLDERS = ["benign", "formats", "attacks", "malformed"];

/** Up to this many hosts (or pairs), a capture's fixture lists them all. */
export const LISTED_ENTRIES = 500;

/** Largest entries kept for a capture with more. */
export const TOP_ENTRIES = 10;

/** One host's counts. */
export interface HostTally {
  /** Packets sent and received. */
  packets: number;
  /** Wire bytes sent and received. */
  bytes: number;
  /** Wire bytes sent. */
  sentBytes: number;
}

/** One unordered host pair's counts. */
export interface PairTally {
  /** Packets both ways. */
  packets: number;
  /** Wire bytes both ways. */
  bytes: number;
}

/** A capture's hosts by address and pairs by "low high" (string order). */
export interface Tally {
  /** Hosts by address text. */
  hosts: Map<string, HostTally>;
  /** Pairs by their two addresses, lower first, space-separated. */
  conversations: Map<string, PairTally>;
}

/** One capture's entry in tests/fixtures/talkers_tshark.json. */
export interface TalkerFile {
  /** Frames tshark read. */
  frames: number;
  /** tshark's message when the capture is cut short. */
  readError?: string;
  /** Hosts with IP traffic. */
  hostCount: number;
  /** SHA-256 (hex) of the host lines joined by "\n". */
  hostsSha256: string;
  /** Every host line (up to LISTED_ENTRIES hosts). */
  hosts?: string[];
  /** The TOP_ENTRIES largest host lines by bytes (more hosts). */
  topHosts?: string[];
  /** Host pairs. */
  conversationCount: number;
  /** SHA-256 (hex) of the pair lines joined by "\n". */
  conversationsSha256: string;
  /** Every pair line (up to LISTED_ENTRIES pairs). */
  conversations?: string[];
  /** The TOP_ENTRIES largest pair lines by bytes (more pairs). */
  topConversations?: string[];
}

/** Host lines "address packets bytes sentBytes", sorted by address (code units). */
export function hostLines(hosts: Map<string, HostTally>): string[] {
  return [...hosts].map(([address, host]) =>
    `${address} ${host.packets} ${host.bytes} ${host.sentBytes}`
  ).sort();
}

/** Pair lines "low high packets bytes", sorted. */
export function conversationLines(pairs: Map<string, PairTally>): string[] {
  return [...pairs].map(([key, pair]) => `${key} ${pair.packets} ${pair.bytes}`)
    .sort();
}

/** Bytes of a host or pair line: a host's third field, a pair's fourth (its second is an address). */
export function bytesOfLine(line: string): number {
  const fields = line.split(" ");
  return Number(/[.:]/.test(fields[1] ?? "") ? fields[3] : fields[2]);
}

/** The `count` largest lines by bytes, ties in line order. */
export function topLines(lines: string[], count: number): string[] {
  return [...lines].sort((a, b) =>
    bytesOfLine(b) - bytesOfLine(a) || (a < b ? -1 : a > b ? 1 : 0)
  ).slice(0, count);
}

/** SHA-256 of the lines joined by "\n", in hex. */
export async function sha256Hex(lines: string[]): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(lines.join("\n")),
  );
  return [...new Uint8Array(digest)]
    .map((byte) => byte.toString(16).padStart(2, "0")).join("");
}
