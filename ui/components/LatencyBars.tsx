import type { JSX } from "preact";
import type {
  LatencyProtocol,
  ProtocolLatency,
} from "../../detectors/latency/latency_analyzer.ts";
import { formatCount, formatMs } from "../format.ts";
import {
  LATENCY_HEALTH_MS,
  LATENCY_LABELS,
  LATENCY_ORDER,
  latencyHealth,
} from "../palette.ts";
import { latency } from "../state.ts";

/** Latency per protocol: a p95 bar coloured by health, with p50/p99 and counts. */
export function LatencyBars(): JSX.Element {
  const snapshot = latency.value;
  const rows = LATENCY_ORDER.map((protocol) => ({
    protocol,
    stats: snapshot?.protocols[protocol],
  }));
  // Bars share one scale: the largest p95, at least the "slow" limit of DNS.
  const scaleMs = Math.max(
    LATENCY_HEALTH_MS.dns.slow,
    ...rows.map((row) => row.stats?.p95Ms ?? 0),
  );
  return (
    <section class="panel" data-testid="latency-panel">
      <div class="panel-title">
        <h2>Latency</h2>
        <span class="muted">p95 · 5 min window</span>
      </div>
      <ul class="latency-list">
        {rows.map(({ protocol, stats }) => (
          <LatencyRow
            key={protocol}
            protocol={protocol}
            stats={stats}
            scaleMs={scaleMs}
          />
        ))}
      </ul>
    </section>
  );
}

interface LatencyRowProps {
  protocol: LatencyProtocol;
  stats: ProtocolLatency | undefined;
  scaleMs: number;
}

function LatencyRow(props: LatencyRowProps): JSX.Element {
  const { protocol, stats, scaleMs } = props;
  const p95 = stats?.p95Ms ?? null;
  const health = latencyHealth(protocol, p95);
  const width = p95 === null ? 0 : Math.max(2, (p95 / scaleMs) * 100);
  return (
    <li
      class="latency-row"
      data-testid="latency-row"
      data-protocol={protocol}
      data-health={health}
    >
      <div class="latency-head">
        <span>{LATENCY_LABELS[protocol]}</span>
        <span class={`latency-p95 ${health}`}>{formatMs(p95)}</span>
      </div>
      <div class="bar-track">
        <div class={`bar-fill ${health}`} style={{ width: `${width}%` }} />
      </div>
      <div class="latency-detail muted">
        {stats && stats.count > 0
          ? `p50 ${formatMs(stats.p50Ms)} · p99 ${formatMs(stats.p99Ms)} · n=${
            formatCount(stats.count)
          }${
            stats.unanswered > 0
              ? ` · ${formatCount(stats.unanswered)} unanswered in all`
              : ""
          }`
          : "no measurements"}
      </div>
    </li>
  );
}
