/**
 * The traffic part of `netmirror read`'s summary: services by bytes, top
 * talkers and conversations, and latency per exchange type, as text lines.
 *
 * @module
 */

import { clientsText } from "../../detectors/stats/server_names.ts";
import { formatBytes, printable } from "../../capture/format_summary.ts";
import type {
  LatencySnapshot,
  ProtocolLatency,
} from "../../detectors/latency/latency_analyzer.ts";
import type { StatsSnapshot } from "../../detectors/stats/traffic_stats.ts";

/** Services named on the services line, largest first. */
const SERVICES_LISTED = 6;

/** Lines for the services, the session's top talkers, conversations and server names, and latency ([] before any packet). */
export function formatTrafficLines(
  stats: StatsSnapshot,
  latency: LatencySnapshot,
): string[] {
  if (stats.totals.packets === 0) return [];
  const lines: string[] = [];
  const services = stats.protocols.slice(0, SERVICES_LISTED);
  if (services.length > 0) {
    const more = stats.protocols.length - services.length;
    lines.push(
      `services:    ${
        services.map((s) => `${s.name} ${percent(s.bytesPercent)}`).join(
          ", ",
        )
      } of bytes${more > 0 ? ` (${more} more)` : ""}`,
    );
  }
  const talkers = stats.talkers.session;
  if (talkers.length > 0) {
    lines.push("top talkers: by bytes sent + received");
    const width = columnWidth(talkers.map((host) => host.address));
    for (const host of talkers) {
      lines.push(
        `  ${printable(host.address).padEnd(width)}  ${
          formatBytes(host.bytes).padStart(10)
        }  ${String(host.packets).padStart(9)} packets  sent ${
          formatBytes(host.sentBytes)
        }`,
      );
    }
  }
  const pairs = stats.conversations.session;
  if (pairs.length > 0) {
    lines.push("top conversations: by bytes, both ways");
    const names = pairs.map((pair) => `${pair.hostA} ↔ ${pair.hostB}`);
    const width = columnWidth(names);
    pairs.forEach((pair, i) => {
      lines.push(
        `  ${printable(names[i] ?? "").padEnd(width)}  ${
          formatBytes(pair.bytes).padStart(10)
        }  ${String(pair.packets).padStart(9)} packets  ${pair.mainProtocol}`,
      );
    });
  }
  const names = stats.serverNames;
  if (names.length > 0) {
    lines.push(
      "server names: asked by TLS ClientHellos (SNI) and HTTP requests",
    );
    const width = Math.min(
      columnWidth(names.map((entry) => entry.name)),
      MAX_NAME_COLUMN,
    );
    for (const entry of names) {
      const asked = [
        entry.tlsHellos > 0 ? `${entry.tlsHellos} TLS` : "",
        entry.httpRequests > 0 ? `${entry.httpRequests} HTTP` : "",
      ].filter((part) => part !== "").join(" + ");
      lines.push(
        `  ${cut(printable(entry.name), width).padEnd(width)}  ${asked}, ${
          clientsText(entry)
        }`,
      );
    }
  }
  const measured = Object.entries(latency.protocols).filter(([, p]) =>
    p.totalCount > 0 || p.unanswered > 0
  );
  measured.forEach(([name, protocol], i) => {
    lines.push(
      `${i === 0 ? "latency:    " : "            "} ${name.padEnd(13)} ${
        formatLatency(protocol)
      }`,
    );
  });
  return lines;
}

/** "N answered, M unanswered: median x ms, p95 y ms, max z ms". */
function formatLatency(protocol: ProtocolLatency): string {
  const answered =
    `${protocol.totalCount} answered, ${protocol.unanswered} unanswered`;
  if (protocol.count === 0) return answered;
  return `${answered}: median ${ms(protocol.p50Ms)}, p95 ${
    ms(protocol.p95Ms)
  }, max ${ms(protocol.maxMs)}`;
}

/** Milliseconds with three significant digits at least to the µs. */
function ms(value: number | null): string {
  if (value === null) return "-";
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(3)} ms`;
}

/** Widest column of server names: a longer name (up to 255 characters, one hostile SNI) is cut, not every line widened. */
const MAX_NAME_COLUMN = 60;

/** `text` cut to `width` characters, ending with "…" when cut. */
function cut(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

/** The widest of `texts`. */
function columnWidth(texts: string[]): number {
  return Math.max(...texts.map((text) => printable(text).length));
}

/** A share in percent with one decimal ("<0.1 %" for a small one above 0). */
function percent(value: number): string {
  return value > 0 && value < 0.05 ? "<0.1 %" : `${value.toFixed(1)} %`;
}
