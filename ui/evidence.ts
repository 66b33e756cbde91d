/**
 * An alert's evidence in words: a human label for each key, numbers
 * grouped and given their units (bytes, bit/s, durations, shares), and the
 * values a detector uses to say "none" (-1, "", an empty list, a false
 * qualifier, a zero where the other count of a pair applies) left out.
 * Keys no rule knows still show, labelled from their camelCase.
 *
 * @module
 */

import type { EvidenceValue } from "../detectors/alert.ts";
import { formatBytes, formatDateTimeUs, formatDuration } from "./format.ts";

/** One line of evidence as the alert modal shows it. */
export interface EvidenceLine {
  /** The detector's key (as in the report's JSON). */
  key: string;
  /** The key in words, e.g. "Failed logins". */
  label: string;
  /** The value in words, with its unit. */
  text: string;
}

/** Labels that the camelCase split would not give. */
const LABELS: Readonly<Record<string, string>> = {
  qtypes: "Query types",
  synAcks: "SYN-ACKs",
  synAckRetransmissions: "SYN-ACK retransmissions",
  bitsPerSecond: "Bit rate",
  peakMegabitsPerSecond: "Peak bit rate",
  routerLifetimeS: "Router lifetime",
  meanEntropyBits: "Mean entropy",
  outboundRatio: "Bytes out per byte in",
  byteCount: "Bytes counted at",
  moreServers: "More servers than listed",
  uniqueSubdomainsIsUpperBound: "Unique subdomains is an upper bound",
  queriersAreLowerBound: "Queriers are a lower bound",
  countsAreLowerBounds: "Counts are lower bounds",
  distinctReflectorsAtLeast: "Reflectors are a lower bound",
  distinctSourcesEstimated: "Distinct sources estimated",
  sampled: "Sources sampled",
  establishedFirstSeenUs: "Established router first seen",
};

/** Words written in capitals (or their own way) in a label. */
const WORDS: Readonly<Record<string, string>> = {
  dns: "DNS",
  mac: "MAC",
  macs: "MACs",
  ip: "IP",
  ips: "IPs",
  id: "ID",
  ids: "IDs",
  dhcp: "DHCP",
  icmp: "ICMP",
  tcp: "TCP",
  udp: "UDP",
  syn: "SYN",
  arp: "ARP",
  ndp: "NDP",
  vlan: "VLAN",
  vlans: "VLANs",
  wpad: "WPAD",
};

/**
 * Flags that qualify another figure ("more than listed", "a lower
 * bound"): shown only when they hold.
 */
const QUALIFIERS: ReadonlySet<string> = new Set([
  "moreServers",
  "uniqueSubdomainsIsUpperBound",
  "queriersAreLowerBound",
  "countsAreLowerBounds",
  "distinctReflectorsAtLeast",
  "distinctSourcesEstimated",
  "sampled",
]);

/**
 * Counts of which a detector fills only one, the other staying 0 (a brute
 * force counts failed logins on cleartext services, connections on
 * encrypted ones; a top port's hosts are 0 when there is no top port).
 */
const ABSENT_WHEN_ZERO: ReadonlySet<string> = new Set([
  "failedLogins",
  "connections",
  "topPortHosts",
  "establishedFirstSeenUs",
]);

/** The evidence of an alert as lines to show, in the detector's order, the absent values left out. */
export function formatEvidence(
  evidence: Readonly<Record<string, EvidenceValue>>,
): EvidenceLine[] {
  const lines: EvidenceLine[] = [];
  for (const [key, value] of Object.entries(evidence)) {
    if (isAbsent(key, value)) continue;
    lines.push({
      key,
      label: evidenceLabel(key),
      text: evidenceText(key, value),
    });
  }
  return lines;
}

function isAbsent(key: string, value: EvidenceValue): boolean {
  if (value === "" || (Array.isArray(value) && value.length === 0)) {
    return true;
  }
  // -1 is the detectors' "none" (a top port of no port).
  if (value === -1) return true;
  if (value === false && QUALIFIERS.has(key)) return true;
  return value === 0 && ABSENT_WHEN_ZERO.has(key);
}

/** A key in words: "failedLogins" → "Failed logins", "windowUs" → "Window", "dnsServers" → "DNS servers". */
export function evidenceLabel(key: string): string {
  const known = LABELS[key];
  if (known !== undefined) return known;
  const stem = key.replace(/(Us|Seconds|PerSecond|PerMinute)$/, "") || key;
  const words = stem.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase()
    .split(" ").map((word) => WORDS[word] ?? word);
  const text = words.join(" ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A value in words, with the unit its key names. */
export function evidenceText(key: string, value: EvidenceValue): string {
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "string") return value;
  if (Array.isArray(value)) {
    return (value as (string | number)[]).map((item) =>
      typeof item === "number" ? formatNumberOf(key, item) : item
    ).join(", ");
  }
  return formatNumberOf(key, value);
}

const GROUPED = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });

/** `value` grouped by thousands, at most two decimals: 120,836,966. */
export function groupNumber(value: number): string {
  return GROUPED.format(value);
}

function formatNumberOf(key: string, value: number): string {
  // Ports are names, not quantities: 8080, never 8,080 (but a count of
  // ports, "distinctPorts", is a quantity).
  if (/(^p|P)ort$|^(remote|sample|sampleSource)Ports$/.test(key)) {
    return String(value);
  }
  if (key === "bitsPerSecond") return formatBitsPerSecond(value);
  if (key === "peakMegabitsPerSecond") {
    return formatBitsPerSecond(value * 1e6);
  }
  if (/(^b|B)ytes(In|Out)?$/.test(key)) return formatByteCount(value);
  if (/(SeenUs|AtUs|timestampUs)$/.test(key)) {
    return formatDateTimeUs(value).slice(0, 19); // the page's local time
  }
  if (key.endsWith("Us")) return formatSeconds(value / 1e6);
  if (key.endsWith("Seconds") || key === "routerLifetimeS") {
    return formatSeconds(value);
  }
  if (/(Share|Fraction)$/.test(key)) {
    return `${GROUPED.format(Math.round(value * 1000) / 10)} %`;
  }
  if (key === "outboundRatio") return `${groupNumber(value)}×`;
  if (key.endsWith("PerSecond")) return `${groupNumber(value)} /s`;
  if (key.endsWith("PerMinute")) return `${groupNumber(value)} /min`;
  if (key === "meanEntropyBits") return `${groupNumber(value)} bits`;
  return groupNumber(value);
}

/** Bytes in binary units with the exact count: "115 MiB (120,836,966 B)"; "512 B" below a KiB. */
export function formatByteCount(bytes: number): string {
  if (Math.abs(bytes) < 1024) return `${groupNumber(bytes)} B`;
  return `${formatBytes(bytes)} (${groupNumber(bytes)} B)`;
}

const SI_PREFIXES = ["", "k", "M", "G", "T"];

/** A bit rate with SI prefixes: "800 bit/s", "8.93 Mbit/s". */
export function formatBitsPerSecond(bitsPerSecond: number): string {
  let scaled = bitsPerSecond;
  let prefix = 0;
  while (Math.abs(scaled) >= 1000 && prefix < SI_PREFIXES.length - 1) {
    scaled /= 1000;
    prefix++;
  }
  const digits = prefix === 0 ? 0 : Math.abs(scaled) < 10 ? 2 : 1;
  return `${Number(scaled.toFixed(digits))} ${SI_PREFIXES[prefix]}bit/s`;
}

/** Seconds in words: "250 ms", "12.5 s", "60 s", "5 min", "1 h", "2m 05s". */
export function formatSeconds(seconds: number): string {
  if (seconds > 0 && seconds < 1) {
    return `${groupNumber(Math.round(seconds * 1e4) / 10)} ms`;
  }
  if (seconds < 120) return `${groupNumber(Math.round(seconds * 10) / 10)} s`;
  // A window is whole minutes or hours: "10 min", "1 h".
  if (seconds % 3600 === 0) return `${groupNumber(seconds / 3600)} h`;
  if (seconds % 60 === 0) return `${groupNumber(seconds / 60)} min`;
  return formatDuration(seconds);
}
