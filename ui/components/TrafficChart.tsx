import { useSignalEffect } from "@preact/signals";
import type { JSX } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { Chart } from "../charts.ts";
import { formatBitRate, formatCount } from "../format.ts";
import { running, stats } from "../state.ts";

/** Seconds of the rolling timeline. */
export const TIMELINE_SECONDS = 60;

/** The packets/s and bits/s timeline over the last 60 s of packet time while a session runs, and over all the server keeps of it (5 min) once it has ended (chart.js island). */
export function TrafficChart(): JSX.Element {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart<"line", number[], string> | null>(null);

  useEffect(() => {
    const instance = new Chart(canvas.current!, {
      type: "line",
      data: {
        labels: [],
        datasets: [
          {
            label: "packets/s",
            data: [],
            yAxisID: "pps",
            borderColor: "#4f8cff",
            backgroundColor: "rgba(79, 140, 255, 0.18)",
            borderWidth: 1.5,
            fill: true,
            pointRadius: 0,
            tension: 0.25,
          },
          {
            label: "bits/s",
            data: [],
            yAxisID: "bps",
            borderColor: "#22c55e",
            borderWidth: 1.5,
            borderDash: [4, 3],
            fill: false,
            pointRadius: 0,
            tension: 0.25,
          },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { ticks: { maxTicksLimit: 7, maxRotation: 0 } },
          pps: {
            position: "left",
            beginAtZero: true,
            // Whole packets: no "1, 1, 1, 0" from rounded fractional ticks.
            ticks: {
              precision: 0,
              callback: (value) => formatCount(Number(value)),
            },
          },
          bps: {
            position: "right",
            beginAtZero: true,
            grid: { drawOnChartArea: false },
            ticks: {
              precision: 0,
              callback: (value) => formatBitRate(Number(value)),
            },
          },
        },
        plugins: {
          tooltip: {
            callbacks: {
              label: (item) =>
                item.datasetIndex === 0
                  ? ` ${formatCount(item.parsed.y ?? 0)} packets/s`
                  : ` ${formatBitRate(item.parsed.y ?? 0)}`,
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
    const snapshot = stats.value;
    const live = running.value;
    const instance = chart.current;
    if (!instance) return;
    const { labels, packets, bits } = lastSeconds(snapshot, live);
    instance.data.labels = labels;
    instance.data.datasets[0]!.data = packets;
    instance.data.datasets[1]!.data = bits;
    instance.update("none");
  });

  return (
    <div class="chart-box chart-timeline">
      <canvas
        ref={canvas}
        data-testid="traffic-chart"
        aria-label={running.value
          ? "Packets and bits per second, last 60 seconds"
          : "Packets and bits per second, the session's last 5 minutes"}
      />
    </div>
  );
}

function lastSeconds(
  snapshot: typeof stats.value,
  live: boolean,
): { labels: string[]; packets: number[]; bits: number[] } {
  const timeline = snapshot?.timeline;
  if (!timeline || timeline.startSecond === null) {
    return { labels: [], packets: [], bits: [] };
  }
  // While capturing, the newest second is still filling: leave it out;
  // an ended session is shown whole, as far as the server keeps it (its
  // last 60 s may be an idle tail, or a replay's last burst).
  const end = timeline.packets.length - (live ? 1 : 0);
  const start = live ? Math.max(0, end - TIMELINE_SECONDS) : 0;
  const labels: string[] = [];
  for (let i = start; i < end; i++) {
    const date = new Date((timeline.startSecond + i) * 1000);
    labels.push(
      [date.getHours(), date.getMinutes(), date.getSeconds()]
        .map((part) => String(part).padStart(2, "0")).join(":"),
    );
  }
  return {
    labels,
    packets: timeline.packets.slice(start, end),
    bits: timeline.bitsPerSecond.slice(start, end),
  };
}
