import assert from "node:assert/strict";
import { formatTrafficLines } from "./format_traffic.ts";
import { TrafficStats } from "../../detectors/stats/traffic_stats.ts";
import { LatencyAnalyzer } from "../../detectors/latency/latency_analyzer.ts";
import type { ProtocolShare } from "../../detectors/stats/traffic_stats.ts";

const EMPTY_LATENCY = new LatencyAnalyzer().snapshot();

/** A snapshot with `protocols` and one talker and pair, as read's summary gets it. */
function snapshotWith(protocols: ProtocolShare[]) {
  const snapshot = new TrafficStats().snapshot();
  snapshot.totals = { packets: 3, bytes: 300 };
  snapshot.protocols = protocols;
  snapshot.talkers.session = [{
    address: "10.0.0.1",
    bytes: 3072,
    packets: 3,
    sentBytes: 1024,
    receivedBytes: 2048,
  }];
  snapshot.conversations.session = [{
    hostA: "10.0.0.1",
    hostB: "10.0.0.2",
    bytes: 3072,
    packets: 3,
    mainProtocol: "DNS",
  }];
  return snapshot;
}

function share(name: ProtocolShare["name"], bytesPercent: number) {
  return {
    name,
    packets: 1,
    dataPackets: 1,
    bytes: 1,
    packetsPercent: bytesPercent,
    bytesPercent,
  };
}

Deno.test("formatTrafficLines prints nothing before any packet", () => {
  assert.deepEqual(
    formatTrafficLines(new TrafficStats().snapshot(), EMPTY_LATENCY),
    [],
  );
});

Deno.test("formatTrafficLines names six services, a tiny share as <0.1 %, and how many more there are", () => {
  const names = [
    "DNS",
    "HTTP",
    "HTTPS/TLS",
    "SSH",
    "NTP",
    "ICMP",
    "ARP",
  ] as const;
  const lines = formatTrafficLines(
    snapshotWith(names.map((name, i) => share(name, i === 0 ? 99.95 : 0.01))),
    EMPTY_LATENCY,
  );
  assert.equal(
    lines[0],
    "services:    DNS 100.0 %, HTTP <0.1 %, HTTPS/TLS <0.1 %, SSH <0.1 %, NTP <0.1 %, ICMP <0.1 % of bytes (1 more)",
  );
  assert.deepEqual(lines.slice(1), [
    "top talkers: by bytes sent + received",
    "  10.0.0.1     3.0 KiB          3 packets  sent 1.0 KiB",
    "top conversations: by bytes, both ways",
    "  10.0.0.1 ↔ 10.0.0.2     3.0 KiB          3 packets  DNS",
  ]);
});

Deno.test("formatTrafficLines gives a latency line per exchange type with answers or requests left unanswered", () => {
  const latency = new LatencyAnalyzer().snapshot();
  Object.assign(latency.protocols.dns, {
    totalCount: 2,
    unanswered: 1,
    count: 2,
    p50Ms: 10.5,
    p95Ms: 120.25,
    maxMs: 120.3,
  });
  Object.assign(latency.protocols.tcp_handshake, { unanswered: 4 });
  const lines = formatTrafficLines(snapshotWith([share("DNS", 100)]), latency);
  assert.deepEqual(lines.slice(-2), [
    "latency:     dns           2 answered, 1 unanswered: median 10.500 ms, p95 120 ms, max 120 ms",
    "             tcp_handshake 0 answered, 4 unanswered",
  ]);
});

Deno.test("formatTrafficLines cuts a long server name instead of widening every line", () => {
  const snapshot = snapshotWith([share("HTTPS/TLS", 100)]);
  const name = (text: string, tlsHellos: number) => ({
    name: text,
    tlsHellos,
    httpRequests: 0,
    clients: 1,
    firstUs: 0,
    lastUs: 0,
  });
  snapshot.serverNames = [
    name("www.example.org", 3),
    name(`${"a".repeat(250)}.example`, 1),
  ];
  const lines = formatTrafficLines(snapshot, EMPTY_LATENCY);
  const start = lines.findIndex((line) => line.startsWith("server names"));
  const [short, long] = lines.slice(start + 1, start + 3);
  assert.match(short!, /^ {2}www\.example\.org {45} {2}3 TLS, 1 client/);
  assert.match(long!, /^ {2}a{59}… {2}1 TLS, 1 client/);
});
