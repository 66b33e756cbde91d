/**
 * Colours shared by charts and badges: one per service, per severity, and
 * the latency health scale. Kept in sync with the CSS variables by hand.
 *
 * @module
 */

import type { Severity } from "../detectors/alert.ts";
import type { LatencyProtocol } from "../detectors/latency/latency_analyzer.ts";

/** Colour of each service of the protocol mix (others get a fallback by hash). */
export const SERVICE_COLORS: Readonly<Record<string, string>> = {
  "HTTPS/TLS": "#4f8cff",
  HTTP: "#f5a524",
  DNS: "#22c55e",
  mDNS: "#16a34a",
  LLMNR: "#15803d",
  NetBIOS: "#65a30d",
  ARP: "#eab308",
  ICMP: "#ef4444",
  ICMPv6: "#f97316",
  SSH: "#a855f7",
  Telnet: "#db2777",
  FTP: "#f43f5e",
  SMTP: "#14b8a6",
  POP3: "#0d9488",
  IMAP: "#0f766e",
  DHCP: "#84cc16",
  NTP: "#06b6d4",
  SMB: "#8b5cf6",
  RDP: "#c026d3",
  SNMP: "#e879f9",
  SSDP: "#94a3b8",
  QUIC: "#38bdf8",
  SCTP: "#0ea5e9",
  "Other TCP": "#64748b",
  "Other UDP": "#475569",
  "Other IP": "#334155",
  Other: "#1e293b",
};

const FALLBACK = ["#93c5fd", "#fca5a5", "#fcd34d", "#86efac", "#c4b5fd"];

/** The colour of service `name`. */
export function serviceColor(name: string): string {
  const known = SERVICE_COLORS[name];
  if (known !== undefined) return known;
  let hash = 0;
  for (const char of name) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return FALLBACK[hash % FALLBACK.length]!;
}

/** Colour of each alert severity. */
export const SEVERITY_COLORS: Readonly<Record<Severity, string>> = {
  low: "#38bdf8",
  medium: "#eab308",
  high: "#f97316",
  critical: "#ef4444",
};

/** Severity rank, lowest first (as the server's `SEVERITY_ORDER`). */
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = {
  low: 0,
  medium: 1,
  high: 2,
  critical: 3,
};

/** Latency protocols in display order. */
export const LATENCY_ORDER: readonly LatencyProtocol[] = [
  "dns",
  "tcp_handshake",
  "http",
  "tls",
];

/** Display names of the latency protocols. */
export const LATENCY_LABELS: Readonly<Record<LatencyProtocol, string>> = {
  dns: "DNS",
  "tcp_handshake": "TCP handshake",
  http: "HTTP TTFB",
  tls: "TLS hello",
};

/** p95 limits (ms) below which a protocol is healthy, and below which it is only slow. */
export const LATENCY_HEALTH_MS: Readonly<
  Record<LatencyProtocol, { good: number; slow: number }>
> = {
  dns: { good: 50, slow: 200 },
  "tcp_handshake": { good: 100, slow: 300 },
  http: { good: 300, slow: 1000 },
  tls: { good: 200, slow: 600 },
};

/** Health of a p95 latency: "good", "slow" or "bad" ("none" without data). */
export function latencyHealth(
  protocol: LatencyProtocol,
  p95Ms: number | null,
): "good" | "slow" | "bad" | "none" {
  if (p95Ms === null) return "none";
  const limits = LATENCY_HEALTH_MS[protocol];
  if (p95Ms <= limits.good) return "good";
  return p95Ms <= limits.slow ? "slow" : "bad";
}
