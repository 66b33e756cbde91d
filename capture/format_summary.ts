/**
 * The text summary `netmirror read` prints.
 *
 * @module
 */

import { countText } from "./count_text.ts";
import type { CaptureSummaryJson } from "./summary.ts";

/** Everything the read summary shows. */
export interface SummaryReport {
  path: string;
  summary: CaptureSummaryJson;
  anomalies: Record<string, number>;
  format: "pcap" | "pcapng" | undefined;
  gzip: boolean;
  filter: string;
  elapsedSeconds: number;
}

function isoTime(timestampUs: number): string {
  const iso = new Date(Math.floor(timestampUs / 1000)).toISOString();
  return `${iso.slice(0, 19)}.${String(timestampUs % 1e6).padStart(6, "0")}Z`;
}

/** Formats a byte count with binary units ("1.5 MiB"). */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** Formats the summary as aligned "label: value" lines. */
export function formatSummary(report: SummaryReport): string {
  const s = report.summary;
  const p = s.protocols;
  const rate = report.elapsedSeconds > 0
    ? Math.round(s.packets / report.elapsedSeconds)
    : 0;
  const lines = [
    `file:        ${printable(report.path)}${
      report.format ? ` (${report.format}${report.gzip ? ", gzip" : ""})` : ""
    }`,
  ];
  if (report.filter) lines.push(`filter:      ${printable(report.filter)}`);
  lines.push(
    `packets:     ${s.packets}`,
    `bytes:       ${s.wireBytes} on the wire (${
      formatBytes(s.wireBytes)
    }), ${s.capturedBytes} captured`,
  );
  if (s.packets > 0) {
    lines.push(
      `time:        ${isoTime(s.firstTimestampUs)} → ${
        isoTime(s.lastTimestampUs)
      } (${(s.durationUs / 1e6).toFixed(6)} s)`,
    );
  }
  const links = Object.entries(s.linkTypes).map(([name, n]) => `${name} ${n}`);
  const tunnels = Object.entries(s.tunnels).map(([kind, n]) => `${kind} ${n}`);
  lines.push(
    `link types:  ${links.length ? links.join(", ") : "none"}`,
    `tunnels:     ${tunnels.length ? tunnels.join(", ") : "none"}`,
    `network:     ipv4 ${p.ipv4}, ipv6 ${p.ipv6}, arp ${p.arp}, other ${p.otherNetwork}`,
    `transport:   tcp ${p.tcp}, udp ${p.udp}, icmp ${p.icmp}, icmpv6 ${p.icmpv6}, sctp ${p.sctp}, other ${p.otherTransport}`,
    `application: dns ${p.dns}, http ${p.http}, tls ${p.tls}`,
    `truncated:   ${
      countText(s.truncatedPackets, "packet")
    } cut by the snap length; ${
      countText(s.laterFragments, "non-first IP fragment")
    }`,
  );
  const anomalies = Object.entries(report.anomalies);
  lines.push(
    `anomalies:   ${
      anomalies.length
        ? anomalies.map(([name, n]) => `${name} ${n}`).join(", ")
        : "none"
    }`,
    `decoded in:  ${report.elapsedSeconds.toFixed(3)} s (${rate} packets/s)`,
  );
  return lines.join("\n");
}

/**
 * `text` with control characters (a newline or an escape sequence in a file
 * name) written as `\xNN`, so a summary line stays one line and the
 * terminal takes no orders from it.
 */
export function printable(text: string): string {
  return text.replace(
    // deno-lint-ignore no-control-regex
    /[\x00-\x1f\x7f]/g,
    (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}
