/**
 * The JSON incident report of `POST /api/export/report`: session, summary,
 * alerts with evidence and MITRE, talkers, protocols, latency, and
 * recommendations from what fired and what the traffic shows.
 *
 * @module
 */

import type { Alert, AlertKind, Severity } from "../detectors/alert.ts";
import { ALERT_CATALOG } from "../detectors/catalog.ts";
import type { AlertTally } from "../detectors/alert_lifecycle.ts";
import { SEVERITY_ORDER } from "../detectors/alert.ts";
import type { LatencySnapshot } from "../detectors/latency/latency_analyzer.ts";
import type { StatsSnapshot } from "../detectors/stats/traffic_stats.ts";
import type { SessionInfo } from "./sensor.ts";
import type { PcapDigests } from "./pcap_digest.ts";
import { PcapBuilder } from "../capture/pcap_writer.ts";
import { LINK_TYPE } from "../capture/pcap_record.ts";

/** One recommendation with why it is made. */
export interface Recommendation {
  /** What to do. */
  action: string;
  /** What in this session led to it. */
  reason: string;
}

/** The incident report. */
export interface IncidentReport {
  generatedAt: string;
  tool: { name: "NetMirror"; version: string };
  session: SessionInfo | null;
  summary: {
    packets: number;
    bytes: number;
    durationSeconds: number;
    /** Alerts of the session, also those `alerts` leaves out. */
    alerts: number;
    alertsBySeverity: Record<string, number>;
    alertsByKind: Record<string, number>;
    highestSeverity: string | null;
    /** Alerts of the session that `alerts` does not list: it holds the newest 1,000, the lowest severities forgotten first. */
    alertsNotListed: number;
    /** Listed alerts an analyst acknowledged (`acknowledged` on each). */
    alertsAcknowledged: number;
  };
  alerts: Alert[];
  topTalkers: StatsSnapshot["talkers"];
  topConversations: StatsSnapshot["conversations"];
  /** The server names most asked for (TLS SNI, HTTP Host) over the session. */
  serverNames: StatsSnapshot["serverNames"];
  protocols: StatsSnapshot["protocols"];
  latency: LatencySnapshot;
  recommendations: Recommendation[];
  /**
   * The session PCAP's hash and size; `includesBeforeClear` when the session
   * was cleared (the PCAP holds packets from before the clear that the
   * summary and alerts no longer count).
   */
  pcap: { sha256: string; bytes: number; includesBeforeClear: boolean } | null;
}

/** What a report is built from. */
export interface ReportInput {
  version: string;
  session: SessionInfo | undefined;
  stats: StatsSnapshot;
  latency: LatencySnapshot;
  alerts: Alert[];
  /** Counts of every alert of the session (`alerts` is a bounded history). */
  tally: AlertTally;
  dataDir: string;
  /** Digests of session PCAPs, kept between reports. */
  digests: PcapDigests;
}

/** Cleartext protocols worth a recommendation when seen. */
const CLEARTEXT: Record<string, string> = {
  HTTP:
    "Plain HTTP carries credentials and content in clear text: move these services to HTTPS.",
  Telnet: "Telnet sends passwords in clear text: replace it with SSH.",
  FTP: "FTP sends passwords in clear text: replace it with SFTP or FTPS.",
  POP3: "POP3 without TLS exposes mail credentials: require TLS (port 995).",
  IMAP: "IMAP without TLS exposes mail credentials: require TLS (port 993).",
  SNMP:
    "SNMP v1/v2c community strings travel in clear text: use SNMPv3 with authentication and privacy.",
};

/** Builds the report (hashing the session PCAP if there is one). */
export async function buildReport(input: ReportInput): Promise<IncidentReport> {
  const { session, stats, alerts, tally } = input;
  const bySeverity: Record<string, number> = {};
  for (const [severity, count] of Object.entries(tally.bySeverity)) {
    if (count > 0) bySeverity[severity] = count;
  }
  const highest = (Object.keys(bySeverity) as Severity[]).reduce<
    Severity | null
  >(
    (top, severity) =>
      top === null || SEVERITY_ORDER[severity] > SEVERITY_ORDER[top]
        ? severity
        : top,
    null,
  );
  const durationSeconds = stats.firstPacketUs !== null &&
      stats.lastPacketUs !== null
    ? (stats.lastPacketUs - stats.firstPacketUs) / 1e6
    : 0;
  return {
    generatedAt: new Date().toISOString(),
    tool: { name: "NetMirror", version: input.version },
    session: session ?? null,
    summary: {
      packets: stats.totals.packets,
      bytes: stats.totals.bytes,
      durationSeconds,
      alerts: tally.total,
      alertsBySeverity: bySeverity,
      alertsByKind: { ...tally.byKind },
      highestSeverity: highest,
      alertsNotListed: Math.max(tally.total - alerts.length, 0),
      alertsAcknowledged: alerts.filter((alert) => alert.acknowledged).length,
    },
    alerts,
    topTalkers: stats.talkers,
    topConversations: stats.conversations,
    serverNames: stats.serverNames,
    protocols: stats.protocols,
    latency: input.latency,
    recommendations: recommend(tally, alerts, stats, input.latency, session),
    pcap: session ? await pcapOf(input, session) : null,
  };
}

/**
 * One recommendation per alert kind the session raised (also a kind whose
 * alerts the bounded list has forgotten), naming every ATT&CK technique
 * among its listed alerts once (a flood found volumetric is T1498, a DNS
 * tunnel in raw mode T1571), else the kind's own.
 */
export function alertRecommendations(
  tally: AlertTally,
  alerts: Alert[],
): Recommendation[] {
  const out: Recommendation[] = [];
  for (
    const [kind, count] of Object.entries(tally.byKind) as [AlertKind, number][]
  ) {
    if (count <= 0) continue;
    const info = ALERT_CATALOG[kind];
    const techniques = new Map<string, string>();
    for (const alert of alerts) {
      if (alert.kind === kind) techniques.set(alert.mitre.id, alert.mitre.name);
    }
    if (techniques.size === 0) techniques.set(info.mitre.id, info.mitre.name);
    out.push({
      action: info.recommendation,
      reason: `${count} ${info.title} alert${count === 1 ? "" : "s"} (${
        [...techniques].map(([id, name]) => `${id} ${name}`).join("; ")
      })`,
    });
  }
  return out;
}

function recommend(
  tally: AlertTally,
  alerts: Alert[],
  stats: StatsSnapshot,
  latency: LatencySnapshot,
  session: SessionInfo | undefined,
): Recommendation[] {
  const out: Recommendation[] = alertRecommendations(tally, alerts);
  for (const protocol of stats.protocols) {
    // Packets with data: a scan's probes to port 23 and their resets
    // carry none, and are no Telnet in use.
    const advice = CLEARTEXT[protocol.name];
    if (advice && protocol.dataPackets > 0) {
      out.push({
        action: advice,
        reason:
          `${protocol.dataPackets} ${protocol.name} packets with data seen`,
      });
    }
  }
  for (const [name, summary] of Object.entries(latency.protocols)) {
    if (summary.count > 0 && summary.p95Ms !== null && summary.p95Ms > 500) {
      out.push({
        action: `Investigate slow ${name} responses (p95 ${
          summary.p95Ms.toFixed(1)
        } ms): check the servers listed in the latency table and the path to them.`,
        reason: `${name} p95 latency above 500 ms`,
      });
    }
    if (summary.unanswered > 0 && name === "dns") {
      out.push({
        action: "Check DNS resolver health: some queries were never answered.",
        reason: `${summary.unanswered} unanswered DNS queries`,
      });
    }
  }
  if (session && session.droppedByKernel > 0) {
    out.push({
      action:
        "Packets were dropped before analysis: give tcpdump a larger buffer (-B) or narrow the BPF filter.",
      reason:
        `tcpdump dropped ${session.droppedByKernel} packets in the kernel`,
    });
  }
  if (session && session.skippedByReader > 0) {
    out.push({
      action:
        "The analysis fell behind the capture: narrow the BPF filter, or give NetMirror a faster core.",
      reason:
        `NetMirror skipped ${session.skippedByReader} packets tcpdump had captured`,
    });
  }
  if (session && session.pcapDroppedFrames > 0) {
    out.push(
      session.pcapError === ""
        ? {
          action:
            "The session PCAP misses frames the analysis saw: put the data directory (--data-dir) on a faster disk.",
          reason:
            `${session.pcapDroppedFrames} frames were left out of the session PCAP`,
        }
        : {
          action:
            "The session PCAP could not be written, and misses the frames the analysis saw from then on: free space in the data directory (--data-dir) or give it a disk of its own, and lower pcap.dirBytes to what it holds.",
          reason:
            `${session.pcapDroppedFrames} frames were left out of the session PCAP: ${session.pcapError}`,
        },
    );
  }
  if (session && session.pcapSkippedFrames > 0) {
    out.push({
      action:
        "The session PCAP holds one link type: read the original capture for the frames of the others.",
      reason:
        `${session.pcapSkippedFrames} frames of a second link type were left out of the session PCAP`,
    });
  }
  if (session && session.pcapRotatedFrames > 0) {
    out.push({
      action:
        "The session PCAP lost its start to its size limit: raise pcap.sessionBytes, or narrow the BPF filter, to keep a whole session.",
      reason:
        `${session.pcapRotatedFrames} of the session's first frames were deleted with the PCAP's oldest files`,
    });
  }
  return out;
}

/**
 * The report's `pcap` entry for `session` (the current one): its files'
 * digest, or, before its first frame, that of the empty capture its
 * export gives then.
 */
async function pcapOf(
  input: ReportInput,
  session: SessionInfo,
): Promise<IncidentReport["pcap"]> {
  const hashed = await input.digests.digest(input.dataDir, session.id) ??
    // Before its first frame its export is an empty capture; a session
    // with packets but no file (it could not be written) has none.
    (session.packets === 0 && session.clearedMs === null
      ? await emptyPcapDigest()
      : undefined);
  return hashed === undefined
    ? null
    : { ...hashed, includesBeforeClear: session.clearedMs !== null };
}

/** SHA-256 and size of an empty Ethernet pcap (its file header alone). */
async function emptyPcapDigest(): Promise<{ sha256: string; bytes: number }> {
  const empty = new PcapBuilder(LINK_TYPE.ETHERNET).toBytes();
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", empty));
  return {
    sha256: Array.from(hash, (byte) => byte.toString(16).padStart(2, "0"))
      .join(""),
    bytes: empty.length,
  };
}
