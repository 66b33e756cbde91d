import type { JSX } from "preact";
import { formatBitRate, formatCount, formatMs, formatRate } from "../format.ts";
import {
  activeAlerts,
  alertCount,
  alerts,
  disconnectedMs,
  stats,
} from "../state.ts";
import { formatClockUs } from "../format.ts";

interface KpiCardProps {
  /** Stable test id. */
  testId: string;
  label: string;
  value: string;
  /** Second line under the value. */
  detail: string;
  /** Extra class (e.g. "hot" when alerts are active). */
  tone?: string;
  /** True for a word rather than a number (smaller type). */
  text?: boolean;
}

function KpiCard(props: KpiCardProps): JSX.Element {
  return (
    <div class={`kpi ${props.tone ?? ""}`} data-testid={props.testId}>
      <div class="kpi-label">{props.label}</div>
      <div
        class={props.text ? "kpi-value text" : "kpi-value"}
        data-testid={`${props.testId}-value`}
        title={props.value}
      >
        {props.value}
      </div>
      <div class="kpi-detail" title={props.detail}>{props.detail}</div>
    </div>
  );
}

/**
 * The four headline numbers: packets/s, alerts, mean latency, top protocol;
 * marked stale while the sensor is unreachable.
 */
export function KpiCards(): JSX.Element {
  const kpis = stats.value?.kpis;
  const active = activeAlerts.value;
  const top = kpis?.topProtocol;
  const lostMs = disconnectedMs.value;
  return (
    <section
      class={lostMs === null ? "kpis" : "kpis stale"}
      data-testid="kpis"
      data-stale={lostMs !== null}
    >
      {lostMs !== null && (
        <div class="stale-note" role="status" data-testid="kpi-stale">
          Sensor unreachable: figures as of{" "}
          {formatClockUs(lostMs * 1000).slice(0, 8)}
        </div>
      )}
      <KpiCard
        testId="kpi-pps"
        label="Packets/s"
        value={kpis ? formatRate(kpis.ppsAvg) : "–"}
        detail={kpis
          ? `${
            formatBitRate(kpis.bitsPerSecondAvg)
          } · ${kpis.averagedSeconds}s avg`
          : "waiting for traffic"}
      />
      <KpiCard
        testId="kpi-alerts"
        label="Alerts"
        value={formatCount(Math.max(alertCount.value, alerts.value.size))}
        detail={`${active} active`}
        {...(active > 0 ? { tone: "hot" } : {})}
      />
      <KpiCard
        testId="kpi-latency"
        label="Avg latency"
        value={formatMs(kpis?.meanLatencyMs)}
        detail="DNS · TCP · HTTP · TLS"
      />
      <KpiCard
        testId="kpi-top-protocol"
        text
        label="Top protocol"
        value={top ? top.name : "–"}
        detail={top ? `${top.bytesPercent.toFixed(1)}% of bytes` : "–"}
      />
    </section>
  );
}
