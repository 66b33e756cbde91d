import assert from "node:assert/strict";
import {
  type AppHint,
  emptyPacketRecord,
  type PacketRecord,
  type TransportKind,
} from "../../capture/packet_record.ts";
import { TrafficStats, type TrafficStatsOptions } from "./traffic_stats.ts";
import { withAddressKeys } from "../test_packets.ts";
import { concatBytes } from "../../capture/concat_bytes.ts";
import { dnsMessage, udpDatagram } from "../../capture/frame_builder.ts";
import {
  decodeFrame,
  fragmentFrames,
} from "../../capture/decode/test_helpers.ts";

const S = 1_000_000;
const T0 = 1_700_000_000 * S;

interface Fields {
  atUs: number;
  src?: string;
  dst?: string;
  bytes?: number;
  transport?: TransportKind;
  srcPort?: number;
  dstPort?: number;
  app?: AppHint;
}

/** One IPv4 packet (TCP to port 443 unless told otherwise). */
function ip(fields: Fields): PacketRecord {
  const src = fields.src ?? "10.0.0.1";
  return withAddressKeys({
    ...emptyPacketRecord(),
    timestampUs: fields.atUs,
    network: src.includes(":") ? "ipv6" : "ipv4",
    srcAddress: src,
    dstAddress: fields.dst ?? "10.0.0.2",
    transport: fields.transport ?? "tcp",
    srcPort: fields.srcPort ?? 40_000,
    dstPort: fields.dstPort ?? 443,
    app: fields.app ?? "",
    wireLength: fields.bytes ?? 100,
  });
}

function arp(atUs: number): PacketRecord {
  return withAddressKeys({
    ...emptyPacketRecord(),
    timestampUs: atUs,
    network: "arp",
    srcAddress: "10.0.0.1",
    dstAddress: "10.0.0.9",
    wireLength: 60,
  });
}

function feed(stats: TrafficStats, packets: PacketRecord[]): void {
  for (const packet of packets) stats.observe(packet);
}

Deno.test("TrafficStats snapshot before any packet is empty and JSON-ready", () => {
  const snapshot = new TrafficStats().snapshot();
  assert.equal(snapshot.firstPacketUs, null);
  assert.deepEqual(snapshot.totals, { packets: 0, bytes: 0 });
  assert.deepEqual(snapshot.timeline, {
    startSecond: null,
    packets: [],
    bitsPerSecond: [],
  });
  assert.equal(snapshot.kpis.topProtocol, null);
  assert.equal(snapshot.kpis.ppsAvg, 0);
  assert.deepEqual(JSON.parse(JSON.stringify(snapshot)), snapshot);
});

Deno.test("TrafficStats counts the protocol mix by packets and bytes, most bytes first", () => {
  const stats = new TrafficStats();
  feed(stats, [
    ip({ atUs: T0, bytes: 1_500 }),
    ip({ atUs: T0, bytes: 1_500 }),
    ip({ atUs: T0, transport: "udp", dstPort: 53, app: "dns", bytes: 80 }),
    ip({ atUs: T0, transport: "udp", dstPort: 53, app: "dns", bytes: 120 }),
    ip({ atUs: T0, dstPort: 8080, app: "http_request", bytes: 600 }),
    arp(T0),
  ]);
  const snapshot = stats.snapshot();
  assert.deepEqual(snapshot.totals, { packets: 6, bytes: 3_860 });
  assert.deepEqual(
    snapshot.protocols.map((p) => [p.name, p.packets, p.bytes]),
    [["HTTPS/TLS", 2, 3_000], ["HTTP", 1, 600], ["DNS", 2, 200], [
      "ARP",
      1,
      60,
    ]],
  );
  assert.equal(snapshot.protocols[0]!.bytesPercent, 77.72);
  assert.equal(snapshot.protocols[0]!.packetsPercent, 33.33);
  assert.deepEqual(snapshot.kpis.topProtocol, {
    name: "HTTPS/TLS",
    bytesPercent: 77.72,
  });
});

Deno.test("TrafficStats timeline has one bucket per packet-time second and rolls over after 300 s", () => {
  const stats = new TrafficStats();
  feed(stats, [
    ip({ atUs: T0 + 100, bytes: 100 }),
    ip({ atUs: T0 + S - 1, bytes: 100 }),
    ip({ atUs: T0 + S, bytes: 1_000 }),
    ip({ atUs: T0 + 3 * S + 5, bytes: 10 }),
  ]);
  let timeline = stats.snapshot().timeline;
  assert.equal(timeline.startSecond, T0 / S);
  assert.deepEqual(timeline.packets, [2, 1, 0, 1]);
  assert.deepEqual(timeline.bitsPerSecond, [1_600, 8_000, 0, 80]);

  stats.observe(ip({ atUs: T0 + 302 * S, bytes: 50 }));
  timeline = stats.snapshot().timeline;
  assert.equal(timeline.packets.length, 300);
  assert.equal(timeline.startSecond, T0 / S + 3); // seconds 3 … 302
  assert.equal(timeline.packets[0], 1);
  assert.equal(timeline.packets.at(-1), 1);
  assert.equal(timeline.packets.reduce((a, b) => a + b, 0), 2);
  // A packet older than the timeline still counts in the totals.
  stats.observe(ip({ atUs: T0, bytes: 1 }));
  assert.equal(stats.snapshot().timeline.packets.reduce((a, b) => a + b, 0), 2);
  assert.equal(stats.snapshot().totals.packets, 6);
});

Deno.test("TrafficStats KPIs average pps and bits/s over the last 5 s, with latency and alert getters", () => {
  let alerts = 3;
  const stats = new TrafficStats({
    meanLatencyMs: () => 42.5,
    alertCount: () => alerts,
  });
  stats.observe(ip({ atUs: T0, bytes: 1_000 }));
  let kpis = stats.snapshot().kpis;
  assert.equal(kpis.averagedSeconds, 1); // only one second seen so far
  assert.equal(kpis.ppsAvg, 1);
  assert.equal(kpis.bitsPerSecondAvg, 8_000);
  assert.equal(kpis.meanLatencyMs, 42.5);
  assert.equal(kpis.alertCount, 3);
  for (let second = 1; second < 10; second++) {
    for (let i = 0; i < second; i++) {
      stats.observe(ip({ atUs: T0 + second * S, bytes: 125 }));
    }
  }
  alerts = 4;
  kpis = stats.snapshot().kpis;
  assert.equal(kpis.averagedSeconds, 5); // seconds 5 … 9: 35 packets
  assert.equal(kpis.ppsAvg, 7);
  assert.equal(kpis.bitsPerSecondAvg, 7_000);
  assert.equal(kpis.alertCount, 4);
  assert.equal(new TrafficStats().snapshot().kpis.meanLatencyMs, null);
});

Deno.test("TrafficStats ranks top talkers by bytes sent + received, with packets", () => {
  const stats = new TrafficStats({ topCount: 3 });
  feed(stats, [
    ip({ atUs: T0, src: "10.0.0.1", dst: "10.0.0.2", bytes: 1_000 }),
    ip({ atUs: T0, src: "10.0.0.2", dst: "10.0.0.1", bytes: 500 }),
    ip({ atUs: T0, src: "10.0.0.3", dst: "10.0.0.4", bytes: 700 }),
    ip({ atUs: T0, src: "10.0.0.5", dst: "10.0.0.1", bytes: 10 }),
    ip({ atUs: T0, src: "2001:db8::1", dst: "2001:db8::2", bytes: 5 }),
    arp(T0),
  ]);
  const { talkers } = stats.snapshot();
  const expected = [
    {
      address: "10.0.0.1",
      bytes: 1_510,
      packets: 3,
      sentBytes: 1_000,
      receivedBytes: 510,
    },
    {
      address: "10.0.0.2",
      bytes: 1_500,
      packets: 2,
      sentBytes: 500,
      receivedBytes: 1_000,
    },
    {
      address: "10.0.0.3",
      bytes: 700,
      packets: 1,
      sentBytes: 700,
      receivedBytes: 0,
    },
  ];
  assert.deepEqual(talkers.session, expected);
  assert.deepEqual(talkers.window, expected);
  assert.equal(talkers.windowUs, 30 * S);
});

Deno.test("TrafficStats ranks conversations as unordered host pairs with their main protocol", () => {
  const stats = new TrafficStats();
  feed(stats, [
    ip({ atUs: T0, src: "10.0.0.9", dst: "10.0.0.1", bytes: 1_000 }),
    ip({ atUs: T0, src: "10.0.0.1", dst: "10.0.0.9", bytes: 2_000 }),
    ip({
      atUs: T0,
      src: "10.0.0.1",
      dst: "10.0.0.9",
      transport: "udp",
      dstPort: 53,
      app: "dns",
      bytes: 100,
    }),
    ip({
      atUs: T0,
      src: "10.0.0.1",
      dst: "10.0.0.7",
      transport: "udp",
      dstPort: 53,
      app: "dns",
      bytes: 80,
    }),
  ]);
  const { conversations } = stats.snapshot();
  assert.deepEqual(conversations.session, [
    {
      hostA: "10.0.0.1",
      hostB: "10.0.0.9",
      bytes: 3_100,
      packets: 3,
      mainProtocol: "HTTPS/TLS",
    },
    {
      hostA: "10.0.0.1",
      hostB: "10.0.0.7",
      bytes: 80,
      packets: 1,
      mainProtocol: "DNS",
    },
  ]);
  assert.deepEqual(conversations.window, conversations.session);
});

Deno.test("TrafficStats sliding 30 s window drops old traffic while the session keeps it", () => {
  const stats = new TrafficStats();
  stats.observe(
    ip({ atUs: T0, src: "10.0.0.1", dst: "10.0.0.2", bytes: 5_000 }),
  );
  stats.observe(
    ip({ atUs: T0 + 20 * S, src: "10.0.0.3", dst: "10.0.0.4", bytes: 100 }),
  );
  let snapshot = stats.snapshot();
  assert.deepEqual(snapshot.talkers.window.map((h) => h.address), [
    "10.0.0.1",
    "10.0.0.2",
    "10.0.0.3",
    "10.0.0.4",
  ]);
  // At 29.x s the first second is still inside the window (seconds 0 … 29).
  stats.observe(
    ip({
      atUs: T0 + 29 * S + 999_999,
      src: "10.0.0.3",
      dst: "10.0.0.4",
      bytes: 100,
    }),
  );
  assert.equal(stats.snapshot().talkers.window[0]!.address, "10.0.0.1");
  // At 30 s it has left; 10.0.0.3/4 remain with both packets.
  stats.observe(
    ip({ atUs: T0 + 30 * S, src: "10.0.0.5", dst: "10.0.0.6", bytes: 50 }),
  );
  snapshot = stats.snapshot();
  assert.deepEqual(
    snapshot.talkers.window.map((h) => [h.address, h.bytes, h.packets]),
    [["10.0.0.3", 200, 2], ["10.0.0.4", 200, 2], ["10.0.0.5", 50, 1], [
      "10.0.0.6",
      50,
      1,
    ]],
  );
  assert.deepEqual(
    snapshot.conversations.window.map((c) => [c.hostA, c.hostB, c.bytes]),
    [["10.0.0.3", "10.0.0.4", 200], ["10.0.0.5", "10.0.0.6", 50]],
  );
  assert.equal(snapshot.talkers.session[0]!.address, "10.0.0.1");
  assert.equal(snapshot.conversations.session[0]!.bytes, 5_000);
  // Entries idle for the window stay for the session view.
  assert.equal(stats.tables().stats_hosts!.size, 6);
  assert.equal(stats.tables().stats_conversations!.size, 3);
});

Deno.test("TrafficStats session entries expire after sessionIdleUs", () => {
  const stats = new TrafficStats({ sessionIdleUs: 60 * S });
  stats.observe(ip({ atUs: T0, src: "10.0.0.1", dst: "10.0.0.2" }));
  stats.observe(ip({ atUs: T0 + 59 * S, src: "10.0.0.3", dst: "10.0.0.4" }));
  assert.equal(stats.tables().stats_hosts!.size, 4);
  stats.observe(ip({ atUs: T0 + 60 * S, src: "10.0.0.3", dst: "10.0.0.4" }));
  assert.equal(stats.tables().stats_hosts!.size, 2);
  assert.equal(stats.tables().stats_conversations!.size, 1);
});

Deno.test("TrafficStats tables stay within capacity under 1M distinct hosts", () => {
  const options: TrafficStatsOptions = {
    maxHosts: 100_000,
    maxConversations: 100_000,
  };
  const stats = new TrafficStats(options);
  const packet = ip({ atUs: T0, dst: "192.168.1.1", bytes: 64 });
  for (let i = 0; i < 1_000_000; i++) {
    packet.timestampUs = T0 + i * 100; // 100 s of packet time, 10 000 hosts/s
    packet.srcAddress = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    withAddressKeys(packet);
    stats.observe(packet);
  }
  const snapshot = stats.snapshot();
  const tables = stats.tables();
  assert.deepEqual(Object.keys(tables), [
    "stats_hosts",
    "stats_conversations",
    "stats_fragments",
    "stats_server_names",
  ]);
  assert.equal(tables.stats_hosts!.size, 100_000);
  assert.equal(tables.stats_conversations!.size, 100_000);
  // 1M one-packet sources + 1 destination into 100 000 slots: once full,
  // the newcomers are turned away at the door instead of evicting, and so
  // are their conversations.
  const hosts = tables.stats_hosts!;
  const conversations = tables.stats_conversations!;
  assert.ok(hosts.rejected! > 800_000, `${hosts.rejected} rejected`);
  assert.equal(hosts.evictions + hosts.rejected!, 900_001);
  assert.equal(conversations.evictions + conversations.rejected!, 900_000);
  assert.equal(snapshot.totals.packets, 1_000_000);
  // The destination is refreshed by every packet and never evicted.
  assert.equal(snapshot.talkers.session[0]!.address, "192.168.1.1");
  assert.equal(snapshot.talkers.window[0]!.address, "192.168.1.1");
});

Deno.test("TrafficStats rejects a window that is not whole seconds", () => {
  assert.throws(
    () => new TrafficStats({ talkerWindowUs: 1_500_000 }),
    RangeError,
  );
  assert.throws(() => new TrafficStats({ kpiSeconds: 0 }), RangeError);
});

Deno.test("TrafficStats does not count into a conversation entry that was evicted", () => {
  const stats = new TrafficStats({
    maxConversations: 1,
  });
  stats.observe(ip({ atUs: T0, src: "10.0.0.1", dst: "10.0.0.2", bytes: 100 }));
  stats.observe(ip({ atUs: T0, src: "10.0.0.3", dst: "10.0.0.4", bytes: 10 })); // turned away: first sighting
  stats.observe(ip({ atUs: T0, src: "10.0.0.3", dst: "10.0.0.4", bytes: 10 })); // seen more often: evicts 1-2
  stats.observe(ip({ atUs: T0, src: "10.0.0.1", dst: "10.0.0.2", bytes: 7 })); // cached, but dead; as often as 3-4: turned away
  stats.observe(ip({ atUs: T0, src: "10.0.0.1", dst: "10.0.0.2", bytes: 5 })); // seen more often: evicts 3-4
  const { conversations } = stats.snapshot();
  assert.deepEqual(
    conversations.session.map((c) => [c.hostA, c.hostB, c.bytes]),
    [["10.0.0.1", "10.0.0.2", 5]],
  );
  assert.deepEqual(
    conversations.window.map((c) => [c.hostA, c.hostB, c.bytes]),
    [["10.0.0.1", "10.0.0.2", 5]],
  );
  assert.equal(stats.tables().stats_conversations!.evictions, 2);
  assert.equal(stats.tables().stats_conversations!.rejected, 2);
});

Deno.test("TrafficStats does not count into an evicted conversation entry reused for another pair", () => {
  const stats = new TrafficStats({
    maxConversations: 1,
  });
  const send = (src: string, dst: string, bytes: number) =>
    stats.observe(ip({ atUs: T0, src, dst, bytes }));
  send("10.0.0.1", "10.0.0.2", 100); // host 1 caches the 1-2 entries
  send("10.0.0.3", "10.0.0.4", 10); // turned away: first sighting
  send("10.0.0.3", "10.0.0.4", 10); // evicts 1-2, whose entries become spares
  for (let i = 0; i < 3; i++) send("10.0.0.5", "10.0.0.6", 20); // the third evicts 3-4 and reuses 1-2's entries
  send("10.0.0.1", "10.0.0.2", 7); // host 1's cache points at a live entry, but of 5-6
  const { conversations } = stats.snapshot();
  const rows = (list: typeof conversations.session) =>
    list.map((c) => [c.hostA, c.hostB, c.bytes]);
  assert.deepEqual(rows(conversations.session), [["10.0.0.5", "10.0.0.6", 20]]);
  assert.deepEqual(rows(conversations.window), [["10.0.0.5", "10.0.0.6", 20]]);
  assert.equal(stats.tables().stats_conversations!.evictions, 2);
});

Deno.test("TrafficStats keeps real talkers in a full table while one-packet sources flood", () => {
  const stats = new TrafficStats({ maxHosts: 100 });
  // 50 hosts talk every second for 10 s while 20 000 one-packet sources
  // (2 000 a second) flood the same server.
  for (let second = 0; second < 10; second++) {
    const atUs = T0 + second * 1_000_000;
    for (let i = 0; i < 50; i++) {
      stats.observe(
        ip({ atUs, src: `10.0.1.${i}`, dst: "10.0.0.1", bytes: 1000 }),
      );
    }
    for (let i = 0; i < 2_000; i++) {
      const n = second * 2_000 + i;
      stats.observe(ip({
        atUs: atUs + 1 + i,
        src: `172.16.${n >> 8}.${n & 255}`,
        dst: "10.0.0.1",
        bytes: 60,
      }));
    }
  }
  const talkers = stats.snapshot().talkers.session.map((t) => t.address);
  assert.equal(talkers[0], "10.0.0.1");
  assert.ok(
    talkers.slice(1).every((address) => address.startsWith("10.0.1.")),
    talkers.join(" "),
  );
  assert.ok(stats.tables().stats_hosts!.rejected! > 15_000);
});

Deno.test("TrafficStats does not churn a full table for a crowd of equal sources", () => {
  const stats = new TrafficStats({ maxHosts: 100 });
  // 1 000 sources take turns, 10 packets each: every one is seen again
  // (past the doorkeeper), but none more often than the hosts held.
  for (let round = 0; round < 10; round++) {
    for (let i = 0; i < 1_000; i++) {
      stats.observe(ip({
        atUs: T0 + round * 1_000 + i,
        src: `172.16.${i >> 8}.${i & 255}`,
        dst: "10.0.0.1",
      }));
    }
  }
  const hosts = stats.tables().stats_hosts!;
  assert.ok(hosts.evictions < 1_000, `${hosts.evictions} evictions`);
  assert.ok(hosts.rejected! > 8_000, `${hosts.rejected} rejected`);
});

Deno.test("TrafficStats keeps a busy host that went quiet against a newcomer seen less often", () => {
  const stats = new TrafficStats({ maxHosts: 3 });
  // Second 0: 10.0.0.7 sends 40 packets to the server (hits after its first).
  for (let i = 0; i < 40; i++) {
    stats.observe(ip({ atUs: T0 + i, src: "10.0.0.7", dst: "10.0.0.1" }));
  }
  // Second 1: a third host fills the table, and 10.0.0.7 becomes the least
  // recently used entry: the next to go.
  stats.observe(ip({ atUs: T0 + S, src: "10.0.0.8", dst: "10.0.0.1" }));
  // Seconds 2-3: a newcomer sends 20 packets, fewer than 10.0.0.7 did.
  for (let i = 0; i < 20; i++) {
    stats.observe(
      ip({ atUs: T0 + 2 * S + i * 50_000, src: "10.0.0.9", dst: "10.0.0.1" }),
    );
  }
  const talkers = stats.snapshot().talkers.session.map((t) => t.address);
  assert.ok(talkers.includes("10.0.0.7"), talkers.join(" "));
  assert.ok(!talkers.includes("10.0.0.9"), talkers.join(" "));
  assert.deepEqual(stats.tables().stats_hosts!.rejected, 20);
});

Deno.test("TrafficStats counts a conversation only while both its hosts are in the host table", () => {
  const stats = new TrafficStats({ maxHosts: 2 });
  stats.observe(ip({ atUs: T0, src: "10.0.0.1", dst: "10.0.0.2", bytes: 100 }));
  // The host table is full: 10.0.0.3 is turned away (a first sighting), and
  // so is its conversation, although the conversation table has room.
  stats.observe(
    ip({ atUs: T0 + 1, src: "10.0.0.3", dst: "10.0.0.1", bytes: 50 }),
  );
  const snapshot = stats.snapshot();
  assert.deepEqual(
    snapshot.conversations.session.map((c) => [c.hostA, c.hostB, c.bytes]),
    [["10.0.0.1", "10.0.0.2", 100]],
  );
  const conversations = stats.tables().stats_conversations!;
  assert.equal(conversations.size, 1);
  assert.equal(conversations.rejected, 1);
  assert.equal(stats.tables().stats_hosts!.rejected, 1);
  assert.equal(snapshot.totals.bytes, 150);
});

Deno.test("TrafficStats counts packets from before its first packet's second (merged captures) in the window", () => {
  // Entries count seconds from the first packet's; earlier ones go negative.
  const stats = new TrafficStats();
  stats.observe(
    ip({ atUs: T0 + 10 * S, src: "10.0.0.1", dst: "10.0.0.2", bytes: 100 }),
  );
  stats.observe(
    ip({ atUs: T0 + 2 * S, src: "10.0.0.1", dst: "10.0.0.2", bytes: 10 }),
  );
  stats.observe(
    ip({ atUs: T0 + 2 * S, src: "10.0.0.3", dst: "10.0.0.4", bytes: 1 }),
  );
  let snapshot = stats.snapshot();
  assert.deepEqual(
    snapshot.talkers.window.map((h) => [h.address, h.bytes, h.packets]),
    [["10.0.0.1", 110, 2], ["10.0.0.2", 110, 2], ["10.0.0.3", 1, 1], [
      "10.0.0.4",
      1,
      1,
    ]],
  );
  // The window (30 s ending at the latest second, 10) ends for second 2 at 32.
  stats.observe(
    ip({ atUs: T0 + 32 * S, src: "10.0.0.5", dst: "10.0.0.6", bytes: 5 }),
  );
  snapshot = stats.snapshot();
  assert.deepEqual(
    snapshot.talkers.window.map((h) => [h.address, h.bytes]),
    [["10.0.0.1", 100], ["10.0.0.2", 100], ["10.0.0.5", 5], ["10.0.0.6", 5]],
  );
  assert.deepEqual(
    snapshot.conversations.session.map((c) => [c.hostA, c.bytes]),
    [["10.0.0.1", 110], ["10.0.0.5", 5], ["10.0.0.3", 1]],
  );
});

Deno.test("TrafficStats counts a fragmented datagram's later fragments under its first one's service, or else under their IP protocol's", () => {
  // A 3 000-byte DNS response in three IP fragments.
  const resolver = "10.0.0.53";
  const client = "10.0.0.1";
  const response = concatBytes([
    dnsMessage({ id: 9, name: "example.com", qtype: 16, response: true }),
    new Uint8Array(3000),
  ]);
  const datagram = udpDatagram(
    { src: resolver, dst: client, srcPort: 53, dstPort: 40000 },
    response,
  );
  const decoded = (frames: Uint8Array[]) =>
    frames.map((frame) => decodeFrame(frame, { timestampUs: T0 }).packet);
  const ends = { src: resolver, dst: client };
  const whole = decoded(fragmentFrames(17, datagram, 1480, ends, 1));
  const stats = new TrafficStats();
  feed(stats, whole);
  const bytes = whole.reduce((sum, p) => sum + p.wireLength, 0);
  assert.deepEqual(
    stats.snapshot().protocols.map((p) => [p.name, p.packets, p.bytes]),
    [["DNS", 3, bytes]],
  );
  assert.equal(stats.snapshot().conversations.session[0]?.mainProtocol, "DNS");
  // Another datagram's later fragments, its first one unseen.
  const orphans = decoded(fragmentFrames(17, datagram, 1480, ends, 2)).slice(1);
  feed(stats, orphans);
  assert.deepEqual(
    stats.snapshot().protocols.map((p) => [p.name, p.packets]),
    [["DNS", 3], ["Other UDP", 2]],
  );
});
