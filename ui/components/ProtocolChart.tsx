import { computed, signal, useSignalEffect } from "@preact/signals";
import type { JSX } from "preact";
import { useEffect, useRef } from "preact/hooks";
import type { ProtocolShare } from "../../detectors/stats/traffic_stats.ts";
import { Chart } from "../charts.ts";
import { formatBytes, formatCount } from "../format.ts";
import { legendShares } from "../legend_shares.ts";
import { serviceColor } from "../palette.ts";
import { hiddenProtocols, stats, toggleProtocol } from "../state.ts";

/** What the doughnut measures. */
type ShareMetric = "packets" | "bytes";

const metric = signal<ShareMetric>("bytes", { name: "protocolMetric" });

/** Services with traffic, largest share first by the chosen metric. */
const shares = computed<ProtocolShare[]>(() => {
  const list = stats.value?.protocols ?? [];
  const key = metric.value;
  return [...list].sort((a, b) => b[key] - a[key]);
});

/** The protocol mix as a doughnut (chart.js island) with a legend whose items toggle services. */
export function ProtocolChart(): JSX.Element {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart<"doughnut", number[], string> | null>(null);

  useEffect(() => {
    const instance = new Chart(canvas.current!, {
      type: "doughnut",
      data: {
        labels: [],
        datasets: [{ data: [], backgroundColor: [], borderWidth: 0 }],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        cutout: "62%",
        plugins: {
          tooltip: {
            callbacks: {
              label: (item) =>
                ` ${item.label}: ${
                  metric.value === "bytes"
                    ? formatBytes(item.parsed)
                    : `${formatCount(item.parsed)} packets`
                }`,
            },
          },
        },
      },
    });
    chart.current = instance;
    return () => {
      instance.destroy();
      chart.current = null;
    };
  }, []);

  useSignalEffect(() => {
    const hidden = hiddenProtocols.value;
    const key = metric.value;
    const visible = shares.value.filter((share) => !hidden.has(share.name));
    const instance = chart.current;
    if (!instance) return;
    instance.data.labels = visible.map((share) => share.name);
    const dataset = instance.data.datasets[0]!;
    dataset.data = visible.map((share) => share[key]);
    dataset.backgroundColor = visible.map((share) => serviceColor(share.name));
    instance.update("none");
  });

  const list = shares.value;
  const hidden = hiddenProtocols.value;
  const key = metric.value;
  const legend = legendShares(list, key, hidden);
  return (
    <section class="panel" data-testid="protocol-panel">
      <div class="panel-title">
        <h2>Protocol mix</h2>
        <div class="segmented" role="group" aria-label="Measure">
          {(["bytes", "packets"] as const).map((option) => (
            <button
              type="button"
              key={option}
              class={option === key ? "active" : ""}
              aria-pressed={option === key}
              onClick={() => metric.value = option}
            >
              {option}
            </button>
          ))}
        </div>
      </div>
      <div class="doughnut-row">
        <div class="chart-box chart-doughnut">
          <canvas
            ref={canvas}
            data-testid="protocol-chart"
            aria-label="Protocol mix"
          />
        </div>
        <ul class="legend" data-testid="protocol-legend">
          {list.length === 0 && <li class="muted">No traffic yet</li>}
          {legend.listed.map((share) => (
            <li key={share.name}>
              <button
                type="button"
                class={hidden.has(share.name)
                  ? "legend-item off"
                  : "legend-item"}
                data-testid="legend-item"
                data-protocol={share.name}
                aria-pressed={!hidden.has(share.name)}
                title={`${formatCount(share.packets)} packets, ${
                  formatBytes(share.bytes)
                }`}
                onClick={() => toggleProtocol(share.name)}
              >
                <span
                  class="swatch"
                  style={{ background: serviceColor(share.name) }}
                />
                <span class="legend-name">{share.name}</span>
                <span class="legend-value">
                  {(key === "bytes" ? share.bytesPercent : share.packetsPercent)
                    .toFixed(1)}%
                </span>
              </button>
            </li>
          ))}
          {legend.omitted > 0 && (
            <li
              class="muted legend-more"
              data-testid="legend-more"
              title="Services whose share reads 0.0 %, or past the largest 12"
            >
              +{legend.omitted} more not listed
            </li>
          )}
        </ul>
      </div>
    </section>
  );
}
