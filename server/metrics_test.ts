import assert from "node:assert/strict";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { createApp } from "./app.ts";
import { EventBus } from "./event_bus.ts";
import type { SensorEvent } from "./events.ts";
import { Sensor } from "./sensor.ts";
import { StreamHub } from "./stream_hub.ts";

const PCAPS = new URL("../../shared/pcaps/", import.meta.url).pathname;

interface Family {
  name: string;
  type: string;
  metrics: {
    value?: string;
    labels?: Record<string, string>;
    buckets?: Record<string, string>;
    count?: string;
    sum?: string;
  }[];
}

async function replay(sensor: Sensor, file: string): Promise<void> {
  await sensor.start({ mode: "replay", file: `${PCAPS}${file}` });
  for (let i = 0; i < 400 && sensor.running; i++) {
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.equal(sensor.running, false);
}

Deno.test("GET /metrics parses as Prometheus text and counts across sessions", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "netmirror-metrics-" });
  const bus = new EventBus<SensorEvent>();
  const sensor = new Sensor(bus, { dataDir });
  const hub = new StreamHub(bus);
  const app = createApp({ sensor, hub, version: "test" });
  try {
    await replay(sensor, "benign/http_get_classic_wireshark_sample__http.cap");
    await replay(
      sensor,
      "attacks/portscan_nmap-sS_1000ports_scanme__synscan.pcapng",
    );
    const response = await app.request("/metrics");
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type")!, /version=0\.0\.4/);
    const text = await response.text();
    const families: Family[] = parsePrometheusTextFormat(text);
    const byName = new Map(families.map((f) => [f.name, f]));
    for (const family of families) {
      assert.match(family.name, /^netmirror_/);
      if (family.type === "COUNTER") assert.match(family.name, /_total$/);
      for (const metric of family.metrics) {
        for (const [key, value] of Object.entries(metric.labels ?? {})) {
          assert.doesNotMatch(
            value,
            /^\d+\.\d+\.\d+\.\d+$/,
            `${family.name} has an IP in label ${key}`,
          );
        }
      }
    }
    const packets = byName.get("netmirror_packets_total")!;
    const totalPackets = packets.metrics.reduce(
      (sum, m) => sum + Number(m.value),
      0,
    );
    const scanPackets = sensor.session!.packets;
    assert.equal(totalPackets, 43 + scanPackets, "both sessions counted");
    const http = packets.metrics.find((m) => m.labels?.protocol === "HTTP");
    assert.ok(Number(http?.value) > 0);

    const alerts = byName.get("netmirror_alerts_total")!;
    const scans = alerts.metrics.find((m) =>
      m.labels?.detector === "port_scan"
    );
    assert.ok(Number(scans?.value) >= 1);

    const latency = byName.get("netmirror_latency_seconds")!;
    assert.equal(latency.type, "HISTOGRAM");
    // The parser merges a labelled histogram's series into one; read the
    // DNS series on its own to check buckets, sum and count.
    const dnsText = text.split("\n").filter((line) =>
      line.startsWith("# HELP netmirror_latency_seconds ") ||
      line.startsWith("# TYPE netmirror_latency_seconds ") ||
      (line.startsWith("netmirror_latency_seconds") &&
        line.includes('protocol="dns"'))
    ).map((line) =>
      // This parser reads count and sum of unlabelled histograms only.
      line.replace('{protocol="dns"}', "").replace('protocol="dns",', "")
    ).join("\n") + "\n";
    const [dnsFamily] = parsePrometheusTextFormat(dnsText) as Family[];
    const dns = dnsFamily!.metrics[0]!;
    assert.ok(Number(dns.count) >= 1);
    assert.equal(dns.buckets?.["+Inf"], dns.count);
    assert.ok(Number(dns.sum) > 0);

    const sessions = byName.get("netmirror_sessions_total")!;
    assert.equal(sessions.metrics[0]!.value, "2");
    assert.ok(byName.has("netmirror_table_entries"));
    assert.ok(byName.has("netmirror_table_evictions_total"));
    assert.ok(byName.has("netmirror_sse_clients"));
    assert.ok(byName.has("netmirror_sse_dropped_rows_total"));
    assert.ok(byName.has("netmirror_tcpdump_dropped_packets_total"));
    assert.equal(
      byName.get("netmirror_pcap_dropped_frames_total")?.metrics[0]?.value,
      "0",
      "replays wait for the disk",
    );
    assert.ok(byName.has("netmirror_decode_anomalies_total"));
    assert.equal(
      byName.get("netmirror_capture_skipped_packets_total")?.metrics[0]?.value,
      "0",
      "replays skip nothing",
    );
  } finally {
    await sensor.close();
    hub.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("GET /metrics needs the token when one is set", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "netmirror-metrics-" });
  const bus = new EventBus<SensorEvent>();
  const sensor = new Sensor(bus, { dataDir });
  const hub = new StreamHub(bus);
  const app = createApp({ sensor, hub, version: "test", token: "t0k" });
  const denied = await app.request("/metrics");
  assert.equal(denied.status, 401);
  await denied.body?.cancel();
  const allowed = await app.request("/metrics", {
    headers: { Authorization: "Bearer t0k" },
  });
  assert.equal(allowed.status, 200);
  await allowed.body?.cancel();
  hub.close();
  await Deno.remove(dataDir, { recursive: true });
});

Deno.test("GET /metrics counts alerts by their engaging severity and each escalation by its new one", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "netmirror-metrics-" });
  const bus = new EventBus<SensorEvent>();
  const sensor = new Sensor(bus, { dataDir });
  const hub = new StreamHub(bus);
  const app = createApp({ sensor, hub, version: "test" });
  try {
    // A spoofed SYN flood: engaged at the threshold, then far above it.
    await replay(
      sensor,
      "attacks/synflood_spoofed_37k_sources__pkt.TCP.synflood.spoofed.pcap",
    );
    const [alert, ...others] = sensor.alerts();
    assert.equal(others.length, 0);
    const text = await (await app.request("/metrics")).text();
    assert.match(
      text,
      /# HELP netmirror_alert_escalations_total .+\n# TYPE netmirror_alert_escalations_total counter\n/,
    );
    const byName = new Map(
      (parsePrometheusTextFormat(text) as Family[]).map((f) => [f.name, f]),
    );
    const series = (name: string) =>
      (byName.get(name)?.metrics ?? []).map((m) => [
        m.labels?.detector,
        m.labels?.severity,
        Number(m.value),
      ]);
    const engaged = series("netmirror_alerts_total");
    assert.equal(engaged.length, 1, "one alert, counted once");
    assert.equal(engaged[0]![0], "syn_flood");
    assert.notEqual(engaged[0]![1], alert!.severity, "it engaged lower");
    const escalations = series("netmirror_alert_escalations_total");
    assert.ok(
      escalations.some(([detector, severity, value]) =>
        detector === "syn_flood" && severity === alert!.severity && value === 1
      ),
      `an escalation to ${alert!.severity}: ${JSON.stringify(escalations)}`,
    );
    assert.ok(!escalations.some(([, severity]) => severity === engaged[0]![1]));
  } finally {
    await sensor.close();
    hub.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});
