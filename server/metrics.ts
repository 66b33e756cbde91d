/**
 * Prometheus text exposition for `GET /metrics`: counters that only grow
 * over the life of the process (sessions and clears are folded in), gauges,
 * and latency histograms. Prefix `netmirror_`, base units, no IP labels.
 *
 * @module
 */

import type { TableStats } from "../detectors/detector.ts";
import type { LatencyMeasurement } from "../detectors/latency/latency_analyzer.ts";

/** Histogram bucket bounds, seconds. */
export const LATENCY_BUCKETS_SECONDS = [
  0.0005,
  0.001,
  0.0025,
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
];

interface Histogram {
  buckets: number[];
  sum: number;
  count: number;
}

/** Latency histograms by protocol, fed by the latency analyzer's measurements. */
export class LatencyHistograms {
  readonly #byProtocol = new Map<string, Histogram>();

  /** Adds one measurement. */
  observe = (measurement: LatencyMeasurement): void => {
    let histogram = this.#byProtocol.get(measurement.protocol);
    if (!histogram) {
      histogram = {
        buckets: new Array(LATENCY_BUCKETS_SECONDS.length).fill(0),
        sum: 0,
        count: 0,
      };
      this.#byProtocol.set(measurement.protocol, histogram);
    }
    const seconds = measurement.latencyUs / 1e6;
    for (let i = 0; i < LATENCY_BUCKETS_SECONDS.length; i++) {
      if (seconds <= LATENCY_BUCKETS_SECONDS[i]!) histogram.buckets[i]!++;
    }
    histogram.sum += seconds;
    histogram.count++;
  };

  /** Histograms by protocol, sorted by protocol. */
  entries(): [string, Histogram][] {
    return [...this.#byProtocol].sort(([a], [b]) => a.localeCompare(b));
  }
}

/** Counters of everything the sensor has seen since the process started. */
export class LifetimeCounters {
  /** Packets by protocol (service name). */
  readonly packets = new Map<string, number>();
  /** Wire bytes by protocol. */
  readonly bytes = new Map<string, number>();
  /** Decode anomalies by name. */
  readonly anomalies = new Map<string, number>();
  /** Alerts engaged, by "kind\u0000severity" (the severity they engaged with). */
  readonly alerts = new Map<string, number>();
  /** Alert severity rises (escalations), by "kind\u0000severity" (the new severity). */
  readonly escalations = new Map<string, number>();
  /** tcpdump kernel drops, summed over finished live sessions. */
  droppedByKernel = 0;
  /** Frames left out of session PCAPs, summed over finished sessions. */
  pcapDroppedFrames = 0;
  /** Frames of a second link type left out of session PCAPs, summed over finished sessions. */
  pcapSkippedFrames = 0;
  /** Frames deleted with session PCAPs' oldest files, summed over finished sessions. */
  pcapRotatedFrames = 0;
  /** Packets tcpdump captured that NetMirror skipped (file ring), summed over finished live sessions. */
  skippedByReader = 0;
  /** Sessions started. */
  sessions = 0;

  /** Adds `value` to `key` of `map`. */
  static add(map: Map<string, number>, key: string, value: number): void {
    if (value !== 0) map.set(key, (map.get(key) ?? 0) + value);
  }
}

/** What one scrape reports. */
export interface MetricsInput {
  /** Lifetime counters without the current session's share. */
  lifetime: LifetimeCounters;
  /** The current session's protocol counts. */
  protocols: { name: string; packets: number; bytes: number }[];
  /** The current session's anomalies. */
  anomalies: Record<string, number>;
  /** The current live session's kernel drops (0 otherwise). */
  droppedByKernel: number;
  /** Frames the current session left out of its PCAP. */
  pcapDroppedFrames: number;
  /** Frames of a second link type the current session left out of its PCAP. */
  pcapSkippedFrames: number;
  /** Frames the current session deleted with its PCAP's oldest files. */
  pcapRotatedFrames: number;
  /** Packets the current live session skipped because it fell behind tcpdump's file ring. */
  skippedByReader: number;
  latency: LatencyHistograms;
  /** Bounded tables, by "<owner>.<table>". */
  tables: Record<string, TableStats>;
  /** 1 while a capture runs. */
  captureRunning: number;
  sseClients: number;
  sseDroppedRows: number;
}

/** Renders the metrics in the Prometheus text format (version 0.0.4). */
export function renderMetrics(input: MetricsInput): string {
  const out: string[] = [];
  const family = (
    name: string,
    type: "counter" | "gauge" | "histogram",
    help: string,
  ) => {
    out.push(
      `# HELP netmirror_${name} ${help}`,
      `# TYPE netmirror_${name} ${type}`,
    );
  };
  const sample = (
    name: string,
    labels: Record<string, string>,
    value: number,
  ) => {
    const text = Object.entries(labels).map(([k, v]) =>
      `${k}="${escapeLabel(v)}"`
    )
      .join(",");
    out.push(
      `netmirror_${name}${text ? `{${text}}` : ""} ${formatValue(value)}`,
    );
  };
  // Alert counters are keyed "detector\u0000severity" (LifetimeCounters).
  const samplesByDetectorAndSeverity = (
    name: string,
    counts: Map<string, number>,
  ) => {
    for (const [key, value] of [...counts].sort()) {
      const [detector, severity] = key.split("\u0000") as [string, string];
      sample(name, { detector, severity }, value);
    }
  };
  const merged = (base: Map<string, number>, current: [string, number][]) => {
    const all = new Map(base);
    for (const [key, value] of current) LifetimeCounters.add(all, key, value);
    return [...all].sort(([a], [b]) => a.localeCompare(b));
  };

  family("packets_total", "counter", "Packets decoded, by protocol.");
  for (
    const [protocol, value] of merged(
      input.lifetime.packets,
      input.protocols.map((p) => [p.name, p.packets]),
    )
  ) sample("packets_total", { protocol }, value);

  family(
    "bytes_total",
    "counter",
    "Bytes on the wire of decoded packets, by protocol.",
  );
  for (
    const [protocol, value] of merged(
      input.lifetime.bytes,
      input.protocols.map((p) => [p.name, p.bytes]),
    )
  ) sample("bytes_total", { protocol }, value);

  family(
    "decode_anomalies_total",
    "counter",
    "Malformed or truncated input, by anomaly name.",
  );
  for (
    const [anomaly, value] of merged(
      input.lifetime.anomalies,
      Object.entries(input.anomalies),
    )
  ) sample("decode_anomalies_total", { anomaly }, value);

  family(
    "tcpdump_dropped_packets_total",
    "counter",
    "Packets tcpdump reported dropped by the kernel.",
  );
  sample(
    "tcpdump_dropped_packets_total",
    {},
    input.lifetime.droppedByKernel + input.droppedByKernel,
  );

  family(
    "pcap_dropped_frames_total",
    "counter",
    "Frames analysed but left out of the session PCAP (the disk fell behind a live capture, or a write failed).",
  );
  sample(
    "pcap_dropped_frames_total",
    {},
    input.lifetime.pcapDroppedFrames + input.pcapDroppedFrames,
  );

  family(
    "pcap_skipped_frames_total",
    "counter",
    "Frames left out of the session PCAP because their link type was not the file's first (one link type per pcap file).",
  );
  sample(
    "pcap_skipped_frames_total",
    {},
    input.lifetime.pcapSkippedFrames + input.pcapSkippedFrames,
  );

  family(
    "pcap_rotated_frames_total",
    "counter",
    "Frames deleted with the session PCAP's oldest files to keep it within its size limit.",
  );
  sample(
    "pcap_rotated_frames_total",
    {},
    input.lifetime.pcapRotatedFrames + input.pcapRotatedFrames,
  );

  family(
    "capture_skipped_packets_total",
    "counter",
    "Packets tcpdump captured that NetMirror skipped, a ring's files at a time, because it fell half a ring behind.",
  );
  sample(
    "capture_skipped_packets_total",
    {},
    input.lifetime.skippedByReader + input.skippedByReader,
  );

  family(
    "alerts_total",
    "counter",
    "Alerts engaged, by detector and the severity they engaged with.",
  );
  samplesByDetectorAndSeverity("alerts_total", input.lifetime.alerts);

  family(
    "alert_escalations_total",
    "counter",
    "Alerts whose severity rose after they engaged, by detector and the new severity.",
  );
  samplesByDetectorAndSeverity(
    "alert_escalations_total",
    input.lifetime.escalations,
  );

  family(
    "latency_seconds",
    "histogram",
    "Request to response latency, by protocol.",
  );
  for (const [protocol, histogram] of input.latency.entries()) {
    LATENCY_BUCKETS_SECONDS.forEach((le, i) =>
      sample(
        "latency_seconds_bucket",
        { protocol, le: String(le) },
        histogram.buckets[i]!,
      )
    );
    sample("latency_seconds_bucket", { protocol, le: "+Inf" }, histogram.count);
    sample("latency_seconds_sum", { protocol }, histogram.sum);
    sample("latency_seconds_count", { protocol }, histogram.count);
  }

  const tables = Object.entries(input.tables).sort(([a], [b]) =>
    a.localeCompare(b)
  );
  family("table_entries", "gauge", "Entries in each bounded table.");
  for (const [table, stats] of tables) {
    sample("table_entries", { table }, stats.size);
  }
  family(
    "table_capacity",
    "gauge",
    "Most entries each bounded table may hold.",
  );
  for (const [table, stats] of tables) {
    sample("table_capacity", { table }, stats.capacity);
  }
  family(
    "table_evictions_total",
    "counter",
    "Entries evicted from each bounded table because it was full (current session).",
  );
  for (const [table, stats] of tables) {
    sample("table_evictions_total", { table }, stats.evictions);
  }
  family(
    "table_rejected_total",
    "counter",
    "New keys turned away because a table was full (admission control; current session).",
  );
  for (const [table, stats] of tables) {
    if (stats.rejected !== undefined) {
      sample("table_rejected_total", { table }, stats.rejected);
    }
  }

  family("sessions_total", "counter", "Capture sessions started.");
  sample("sessions_total", {}, input.lifetime.sessions);
  family("capture_running", "gauge", "1 while a capture session runs.");
  sample("capture_running", {}, input.captureRunning);
  family("sse_clients", "gauge", "Connected Server-Sent Events clients.");
  sample("sse_clients", {}, input.sseClients);
  family(
    "sse_dropped_rows_total",
    "counter",
    "Packet rows dropped for SSE clients that read too slowly.",
  );
  sample("sse_dropped_rows_total", {}, input.sseDroppedRows);
  return out.join("\n") + "\n";
}

function escapeLabel(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll(
    "\n",
    "\\n",
  );
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}
