import assert from "node:assert/strict";
import { type PacketRecord, TCP_FLAGS } from "../capture/packet_record.ts";
import { readPacketFile } from "../capture/packet_source.ts";
import type { Alert } from "./alert.ts";
import type { AlertEvent } from "./alert_lifecycle.ts";
import {
  AnalysisEngine,
  createDetectors,
  MAX_BATCH_PACKETS,
} from "./engine.ts";
import { arpPacket, SECOND_US, T0, tcpPacket } from "./test_packets.ts";

const { SYN, ACK, RST } = TCP_FLAGS;
const SCANNER = "10.0.0.66";
const TARGET = "10.0.0.5";

function tcp(
  atUs: number,
  src: string,
  dst: string,
  srcPort: number,
  dstPort: number,
  flags: number,
): PacketRecord {
  return {
    ...tcpPacket({ atUs, src, dst, srcPort, dstPort, flags }),
    linkType: 1,
    capturedLength: 60,
    wireLength: 60,
    ipLength: 40,
  };
}

/** A SYN scan of `ports` ports, one every `stepUs`, each refused with RST/ACK. */
function refusedScan(ports: number, stepUs: number): PacketRecord[] {
  const packets: PacketRecord[] = [];
  for (let i = 0; i < ports; i++) {
    const atUs = T0 + i * stepUs;
    packets.push(
      tcp(atUs, SCANNER, TARGET, 40000, 1 + i, SYN),
      tcp(atUs + 100, TARGET, SCANNER, 1 + i, 40000, RST | ACK),
    );
  }
  return packets;
}

function replay(packets: PacketRecord[]): {
  events: AlertEvent[];
  engine: AnalysisEngine;
} {
  const events: AlertEvent[] = [];
  const engine = new AnalysisEngine({}, (event) => events.push(event));
  for (const packet of packets) engine.observe(packet);
  engine.finish();
  return { events, engine };
}

Deno.test("AnalysisEngine turns a long scan's many findings into one alert", () => {
  // 2 000 ports over 200 s: the detector reports many times.
  const { events, engine } = replay(refusedScan(2_000, 100_000));
  assert.equal(engine.packets, 4_000);
  const alerts = engine.alerts();
  assert.equal(alerts.length, 1);
  const alert = alerts[0]!;
  assert.equal(alert.id, "port_scan-1");
  assert.equal(alert.kind, "port_scan");
  assert.equal(alert.state, "released");
  assert.equal(alert.attacker, SCANNER);
  assert.equal(alert.victim, TARGET);
  assert.equal(alert.mitre.id, "T1046");
  assert.ok(alert.findings > 1, `${alert.findings} findings`);
  assert.equal(alert.severity, "high");
  assert.ok((alert.evidence.distinctPorts as number) > 1_000);
  const types = events.map((event) => event.type);
  assert.equal(types[0], "engaged");
  assert.equal(types.at(-1), "released");
  assert.equal(types.filter((type) => type === "engaged").length, 1);
  assert.equal(types.filter((type) => type === "released").length, 1);
  for (const event of events) assert.equal(event.alert.id, "port_scan-1");
});

Deno.test("AnalysisEngine releases an idle alert and keeps it one incident when it resumes", () => {
  const first = refusedScan(100, 10_000);
  // The same scanner again 5 min later: released after 2 min idle, reopened
  // within the 10 min suppression window as the same alert.
  const later = refusedScan(100, 10_000).map((packet) => ({
    ...packet,
    timestampUs: packet.timestampUs + 300 * SECOND_US,
    dstAddress: packet.dstAddress === TARGET ? "10.0.0.6" : packet.dstAddress,
    srcAddress: packet.srcAddress === TARGET ? "10.0.0.6" : packet.srcAddress,
  }));
  const { events, engine } = replay([...first, ...later]);
  assert.equal(engine.alerts().length, 1);
  assert.deepEqual(
    events.map((event) => event.type).filter((type) => type !== "updated"),
    ["engaged", "released", "released"],
  );
});

Deno.test("AnalysisEngine gives identical alerts and stats on replay", () => {
  const packets = [
    ...refusedScan(500, 5_000),
    ...Array.from(
      { length: 300 },
      (_, i) =>
        tcp(
          T0 + i * 1_000,
          `172.16.${i >> 8}.${i & 255}`,
          TARGET,
          1024,
          80,
          SYN,
        ),
    ),
  ].sort((a, b) => a.timestampUs - b.timestampUs);
  const a = replay(packets);
  const b = replay(packets);
  assert.deepEqual(a.events, b.events);
  assert.deepEqual(a.engine.alerts(), b.engine.alerts());
  assert.deepEqual(a.engine.stats.snapshot(), b.engine.stats.snapshot());
  assert.deepEqual(a.engine.latency.snapshot(), b.engine.latency.snapshot());
  assert.deepEqual(
    a.engine.alerts().map((alert) => alert.kind).sort(),
    ["port_scan", "syn_flood"],
  );
});

Deno.test("AnalysisEngine reports every bounded table by owner", () => {
  const { engine } = replay(refusedScan(20, 1_000));
  const tables = engine.tables();
  for (const detector of createDetectors()) {
    assert.ok(
      Object.keys(tables).some((name) => name.startsWith(`${detector.name}.`)),
      detector.name,
    );
  }
  assert.ok("alerts.active_alerts" in tables);
  for (const [name, table] of Object.entries(tables)) {
    assert.ok(table.size <= table.capacity, name);
  }
});

Deno.test("AnalysisEngine passes homeNet to data exfiltration", () => {
  const upload = (homeNet: string[] | undefined) => {
    const engine = new AnalysisEngine({
      ...(homeNet ? { homeNet } : {}),
      dataExfil: { exfilMinBytes: 100_000 },
    });
    for (let i = 0; i < 100; i++) {
      const packet = tcp(
        T0 + i * 1_000,
        "198.51.100.7",
        "203.0.113.9",
        40000,
        443,
        ACK,
      );
      packet.ipLength = 1_500;
      packet.wireLength = 1_514;
      engine.observe(packet);
    }
    engine.finish();
    return engine.alerts().map((alert) => alert.kind);
  };
  assert.deepEqual(upload(undefined), []);
  assert.deepEqual(upload(["198.51.100.0/24"]), ["data_exfil"]);
});

Deno.test("AnalysisEngine fills the KPIs' mean latency and alert count itself", async () => {
  const engine = new AnalysisEngine();
  await readPacketFile(
    new URL(
      "../../shared/pcaps/attacks/portscan_nmap-sS_1000ports_scanme__synscan.pcapng",
      import.meta.url,
    ).pathname,
    (packet) => engine.observe(packet),
  );
  const { kpis } = engine.stats.snapshot();
  assert.ok(engine.alertCount >= 1);
  assert.equal(kpis.alertCount, engine.alertCount);
  assert.equal(kpis.alertCount, engine.alerts().length);
  assert.equal(kpis.meanLatencyMs, engine.latency.meanLatencyMs());
  assert.notEqual(kpis.meanLatencyMs, null);
});

/** Every lifecycle event, and each packet's number once its own events are out, from `packets` in batches of `batchPackets` (0: `observe`, one at a time). */
function eventLog(
  packets: PacketRecord[],
  batchPackets: number,
): (AlertEvent | number)[] {
  const log: (AlertEvent | number)[] = [];
  const engine = new AnalysisEngine({}, (event) => log.push(event));
  if (batchPackets === 0) {
    packets.forEach((packet, i) => {
      engine.observe(packet);
      log.push(i);
    });
  } else {
    for (let start = 0; start < packets.length; start += batchPackets) {
      const batch = packets.slice(start, start + batchPackets);
      engine.observeBatch(batch, batch.length, (packet, index) => {
        assert.equal(packet, batch[index]);
        log.push(start + index);
      });
    }
  }
  engine.finish();
  return log;
}

Deno.test("AnalysisEngine.observeBatch reports findings of several detectors in packet order, as one at a time does", () => {
  // A spoofed SYN flood crosses its threshold at packet 127; a refused port
  // scan then crosses its own. Port scanning is the first detector, so a
  // batch collects its finding first: the engine must put it back after
  // the flood's.
  const flood = Array.from(
    { length: 128 },
    (_, i) =>
      tcp(
        T0 + i * 10,
        `11.0.${i >> 8}.${i & 255}`,
        TARGET,
        1024 + i,
        80,
        SYN,
      ),
  );
  const scan = refusedScan(40, 10).map((packet) => ({
    ...packet,
    timestampUs: packet.timestampUs + 2_000,
  }));
  const packets = [...flood, ...scan];
  const oneAtATime = eventLog(packets, 0);
  const engaged = oneAtATime.filter((entry) =>
    typeof entry !== "number" && entry.type === "engaged"
  ).map((entry) => (entry as AlertEvent).alert.kind);
  assert.deepEqual(engaged, ["syn_flood", "port_scan"]);
  for (const batchPackets of [1, 7, 256, packets.length]) {
    assert.deepEqual(
      eventLog(packets, batchPackets),
      oneAtATime,
      `batches of ${batchPackets}`,
    );
  }
});

Deno.test("AnalysisEngine.observeBatch ticks the lifecycle inside a batch where one packet at a time would", () => {
  // Two scans 5 min apart in one batch: the alert is released in between
  // (2 min idle) and reopened as the same incident, as one at a time.
  const first = refusedScan(100, 10_000);
  const later = refusedScan(100, 10_000).map((packet) => ({
    ...packet,
    timestampUs: packet.timestampUs + 300 * SECOND_US,
  }));
  const packets = [...first, ...later];
  const oneAtATime = eventLog(packets, 0);
  assert.deepEqual(
    oneAtATime.filter((entry) => typeof entry !== "number").map((entry) =>
      (entry as AlertEvent).type
    ).filter((type) => type !== "updated"),
    ["engaged", "released", "released"],
  );
  assert.deepEqual(eventLog(packets, packets.length), oneAtATime);
  assert.deepEqual(eventLog(packets, 33), oneAtATime);
});

Deno.test("AnalysisEngine.observeBatch takes at most MAX_BATCH_PACKETS", () => {
  const engine = new AnalysisEngine();
  const packets = refusedScan(MAX_BATCH_PACKETS, 1_000);
  assert.throws(
    () => engine.observeBatch(packets, MAX_BATCH_PACKETS + 1),
    RangeError,
  );
  engine.observeBatch(packets, MAX_BATCH_PACKETS);
  assert.equal(engine.packets, MAX_BATCH_PACKETS);
});

Deno.test("AnalysisEngine.observeBatch drops what a batch whose alert callback threw left behind", () => {
  const events: AlertEvent[] = [];
  let failing = true;
  const engine = new AnalysisEngine({}, (event) => {
    if (failing) throw new Error("subscriber failed");
    events.push(event);
  });
  // A spoofed flood: findings at its 128th SYN (engaged: the callback
  // throws) and again at its 256th (never reported).
  const flood = Array.from(
    { length: 300 },
    (_, i) =>
      tcp(T0 + i * 10, `11.0.${i >> 8}.${i & 255}`, TARGET, 1024 + i, 80, SYN),
  );
  assert.throws(
    () => engine.observeBatch(flood, flood.length),
    /subscriber failed/,
  );
  failing = false;
  // Ordinary packets next: nothing of the flood may surface with them.
  const quiet = Array.from(
    { length: 300 },
    (_, i) => tcp(T0 + 4_000 + i, SCANNER, TARGET, 40000, 443, ACK),
  );
  engine.observeBatch(quiet, quiet.length);
  assert.deepEqual(events, []);
  // The flood's alert holds the one finding it engaged with.
  assert.deepEqual(
    engine.alerts().map((alert) => [alert.kind, alert.findings]),
    [["syn_flood", 1]],
  );
});

Deno.test("AnalysisEngine.finish makes each incident's last finding: alerts end with the capture's totals", () => {
  // 300 refused ports in 3 s and, in its last 0.3 s, 300 spoofed SYNs:
  // both detectors report at their thresholds and when the counts double
  // (…, 240 ports; 256 half-open), and the probes after that go unreported
  // until the end.
  const scan = refusedScan(300, 10_000);
  const flood = Array.from(
    { length: 300 },
    (_, i) =>
      // Port 8080: one the scan (ports 1–300) leaves alone.
      tcp(
        T0 + 2_690_000 + i * 1_000,
        `172.16.${i >> 8}.${i & 255}`,
        TARGET,
        1024,
        8080,
        SYN,
      ),
  );
  const packets = [...scan, ...flood].sort((a, b) =>
    a.timestampUs - b.timestampUs
  );
  const events: AlertEvent[] = [];
  const engine = new AnalysisEngine({}, (event) => events.push(event));
  for (const packet of packets) engine.observe(packet);
  const probedPorts = new Set(
    scan.filter((p) => p.tcpFlags === SYN).map((p) => p.dstPort),
  ).size;
  const floodSyns = flood.length;
  const figures = (alerts: Alert[]) =>
    alerts.map((alert) =>
      alert.kind === "port_scan"
        ? ["port_scan", alert.evidence.distinctPorts, alert.evidence.probes]
        : ["syn_flood", alert.evidence.halfOpen, alert.evidence.floodSyns]
    ).sort();
  // Before the end the alerts hold the figures of the last repeats.
  const before = figures(engine.activeAlerts());
  assert.notDeepEqual(before[0], ["port_scan", probedPorts, probedPorts]);
  assert.notEqual(before[1]![1], floodSyns);
  engine.finish();
  const after = figures(engine.alerts());
  assert.deepEqual(after[0], ["port_scan", probedPorts, probedPorts]);
  assert.equal(after[1]![1], floodSyns, "half-open = every SYN of the flood");
  assert.ok((after[1]![2] as number) > (before[1]![2] as number));
  for (const alert of engine.alerts()) assert.equal(alert.state, "released");
  // Each final finding is stamped with its incident's last packet.
  const scanAlert = engine.alerts().find((a) => a.kind === "port_scan")!;
  assert.equal(scanAlert.lastSeenUs, scan.at(-2)!.timestampUs);
  // Finishing again changes nothing.
  const count = events.length;
  engine.finish();
  assert.equal(events.length, count);
});

/** Replays a shared capture through an engine; `count` sees every packet too. */
async function replayFile(
  file: string,
  count: (packet: PacketRecord) => void,
): Promise<Alert[]> {
  const engine = new AnalysisEngine();
  await readPacketFile(
    new URL(`../../shared/pcaps/attacks/${file}`, import.meta.url).pathname,
    (packet) => {
      engine.observe(packet);
      count(packet);
    },
  );
  engine.finish();
  return engine.alerts();
}

Deno.test("AnalysisEngine.finish: a real ICMP flood's alert counts every echo request of the capture", async () => {
  const requests = new Map<string, number>();
  const alerts = await replayFile(
    "icmpflood_scapy_60pps_lan__icmp.pcapng",
    (packet) => {
      if (packet.transport === "icmp" && packet.icmpType === 8) {
        requests.set(
          packet.dstAddress,
          (requests.get(packet.dstAddress) ?? 0) + 1,
        );
      }
    },
  );
  assert.equal(alerts.length, 1);
  const alert = alerts[0]!;
  assert.equal(alert.kind, "icmp_flood");
  assert.equal(alert.evidence.requests, requests.get(alert.victim));
  assert.match(
    alert.summary,
    new RegExp(`received ${requests.get(alert.victim)} echo requests`),
  );
});

Deno.test("AnalysisEngine.finish: a real one-way masscan's alert counts every port it probed", async () => {
  const ports = new Map<string, Set<number>>();
  const alerts = await replayFile(
    "portscan_masscan_tcp0-1000_oneway__tcp_0_1000_20190821.pcap",
    (packet) => {
      if (packet.transport !== "tcp" || packet.tcpFlags !== SYN) return;
      const pair = `${packet.srcAddress}>${packet.dstAddress}`;
      const seen = ports.get(pair) ?? new Set<number>();
      seen.add(packet.dstPort);
      ports.set(pair, seen);
    },
  );
  assert.equal(alerts.length, 1);
  const alert = alerts[0]!;
  const probed = ports.get(`${alert.attacker}>${alert.victim}`)!.size;
  assert.equal(alert.evidence.distinctPorts, probed);
  assert.match(alert.summary, new RegExp(`probed ${probed} ports of`));
});

Deno.test("AnalysisEngine.idle makes the findings that waited for time to pass: an ARP scan on a link gone quiet", () => {
  const events: AlertEvent[] = [];
  const engine = new AnalysisEngine({}, (event) => events.push(event));
  for (let i = 1; i <= 60; i++) {
    engine.observe(arpPacket({
      atUs: T0 + i * 1_000,
      operation: 1,
      senderMac: "00:0c:29:20:a8:7f",
      senderIp: SCANNER,
      targetIp: `10.0.0.${100 + i}`,
    }));
  }
  // Its requests wait for traffic to their targets that never comes.
  assert.equal(events.length, 0);
  engine.idle(T0 + 500_000);
  assert.equal(events.length, 0, "still waiting after 0.5 s");
  engine.idle(T0 + 2 * SECOND_US);
  assert.deepEqual(
    events.map((event) => [event.type, event.alert.kind]),
    [["engaged", "arp_scan"]],
  );
});
