/**
 * The alert contract: what a detector reports (a {@linkcode Finding}) and what
 * the alert lifecycle publishes (an {@linkcode Alert} in state engaged,
 * updated or released).
 *
 * @module
 */

/** The attack families NetMirror detects (the kinds of ../shared/pcaps/truth.json). */
export type AlertKind =
  | "port_scan"
  | "syn_flood"
  | "arp_scan"
  | "arp_spoof"
  | "icmp_flood"
  | "icmp_sweep"
  | "dns_tunnel"
  | "data_exfil"
  | "ndp_spoof"
  | "ndp_scan"
  | "rogue_router"
  | "dhcp_spoof"
  | "dhcp_starvation"
  | "icmp_tunnel"
  | "brute_force"
  | "reflection_flood"
  | "name_poisoning"
  | "udp_flood"
  | "mac_flood";

/** Every alert kind, in a stable order. */
export const ALERT_KINDS: readonly AlertKind[] = [
  "port_scan",
  "syn_flood",
  "arp_scan",
  "arp_spoof",
  "icmp_flood",
  "icmp_sweep",
  "dns_tunnel",
  "data_exfil",
  // Last: EVE signature ids follow this order, and the older kinds keep theirs.
  "ndp_spoof",
  "ndp_scan",
  "rogue_router",
  "dhcp_spoof",
  "dhcp_starvation",
  "icmp_tunnel",
  "brute_force",
  "reflection_flood",
  "name_poisoning",
  "udp_flood",
  "mac_flood",
];

/** Alert severity, lowest first. */
export type Severity = "low" | "medium" | "high" | "critical";

/** Severities in increasing order, for comparisons. */
export const SEVERITY_ORDER: Readonly<Record<Severity, number>> = {
  low: 0,
  medium: 1,
  high: 2,
  critical: 3,
};

/** A JSON-ready evidence value. */
export type EvidenceValue = number | string | boolean | number[] | string[];

/**
 * What a detector reports when its state for one incident crosses (or stays
 * over) its threshold. Detectors may report the same incident many times; the
 * alert lifecycle turns them into one alert.
 */
export interface Finding {
  kind: AlertKind;
  /** Identifies the incident within the kind (e.g. the scanner's address, or the victim's for a spoofed flood). */
  key: string;
  /** Packet time of the packet that produced the finding, µs since the epoch. */
  timestampUs: number;
  /**
   * Packet time of the incident's first counted packet (a scan's first
   * probe, a flood's start), when the detector knows it: the alert's first
   * seen, so its PCAP slice holds the incident from its start.
   */
  startUs?: number;
  severity: Severity;
  /** The attacking host ("" when unknown or spoofed from many sources). */
  attacker: string;
  /** The victim host ("" when many). */
  victim: string;
  /** For DNS findings: the registered domain (for domain allowlists), else "". */
  domain: string;
  /** One plain sentence: what happened, with numbers. */
  summary: string;
  /** Counts, window, samples (bounded lists). */
  evidence: Record<string, EvidenceValue>;
  /** A more specific MITRE technique than the kind's (e.g. T1498 for a volumetric SYN flood); the latest one given wins. */
  mitre?: MitreTechnique;
}

/** Lifecycle state of an alert. */
export type AlertState = "engaged" | "updated" | "released";

/** A MITRE ATT&CK technique. */
export interface MitreTechnique {
  /** Technique id, e.g. "T1046". */
  id: string;
  /** Technique name, e.g. "Network Service Discovery". */
  name: string;
  /** Tactic, e.g. "Discovery". */
  tactic: string;
}

/** One alert: one incident, however many packets and findings it took. */
export interface Alert {
  /**
   * Stable id, "<kind>-<n>", numbered in order of engagement: identical on
   * replay, and never reused by a later session of the same server (its
   * sessions share one numbering; see alert_lifecycle.ts).
   */
  id: string;
  kind: AlertKind;
  state: AlertState;
  severity: Severity;
  /** Short title, e.g. "Port scan". */
  title: string;
  summary: string;
  /** What this kind of attack is, in plain words. */
  description: string;
  /** What to do about it. */
  recommendation: string;
  mitre: MitreTechnique;
  attacker: string;
  victim: string;
  domain: string;
  /** Packet time of the first finding, µs. */
  firstSeenUs: number;
  /** Packet time of the latest finding, µs. */
  lastSeenUs: number;
  /** Findings merged into this alert. */
  findings: number;
  /** The latest finding's figures, but each `peak…` number is the largest of any (a flood's later burst counts afresh). */
  evidence: Record<string, EvidenceValue>;
  /**
   * When an analyst acknowledged the alert (wall clock, ms since the epoch),
   * and their note: set by the server (`POST /api/alerts/:id/ack`), absent
   * otherwise, and gone again once the alert's severity rises.
   */
  acknowledged?: { atMs: number; note: string };
}

/** Receives findings from detectors. */
export type FindingSink = (finding: Finding) => void;

export { countText } from "../capture/count_text.ts";

/** A window of packet time as a summary says it: "10 min", "1.5 min", "20 s". */
export function windowText(windowUs: number): string {
  if (windowUs >= 60_000_000) {
    return `${Math.round(windowUs / 6e5) / 100} min`;
  }
  return `${Math.round(windowUs / 1e4) / 100} s`;
}

/** How long activity lasted, for a summary: "under 1 ms", "40 ms" under a tenth of a second, else seconds to a tenth ("2.5 s"), never "0 s". */
export function elapsedText(elapsedUs: number): string {
  if (elapsedUs < 1_000) return "under 1 ms";
  if (elapsedUs < 100_000) return `${Math.round(elapsedUs / 1_000)} ms`;
  return `${Math.round(elapsedUs / 1e5) / 10} s`;
}
