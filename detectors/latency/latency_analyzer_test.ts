import assert from "node:assert/strict";
import {
  type AppHint,
  type PacketRecord,
  TCP_FLAGS,
} from "../../capture/packet_record.ts";
import { tcpPacket, udpPacket, withAddressKeys } from "../test_packets.ts";
import {
  LatencyAnalyzer,
  type LatencyAnalyzerOptions,
  type LatencyMeasurement,
} from "./latency_analyzer.ts";

const { SYN, ACK, PSH, RST } = TCP_FLAGS;
const T0 = 1_700_000_000_000_000;
const MS = 1_000;
const S = 1_000_000;
const CLIENT = "10.0.0.1";
const SERVER = "10.0.0.53";

interface Ends {
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
}

function dns(
  ends: Ends,
  fields: { atUs: number; id: number; response?: boolean; tcp?: boolean },
): PacketRecord {
  const at = { ...ends, atUs: fields.atUs };
  return {
    ...(fields.tcp ? tcpPacket({ ...at, flags: ACK | PSH }) : udpPacket(at)),
    app: "dns",
    dnsId: fields.id,
    dnsResponse: fields.response ?? false,
    wireLength: 80,
  };
}

function tcp(
  ends: Ends,
  fields: {
    atUs: number;
    flags: number;
    seq?: number;
    ack?: number;
    app?: AppHint;
  },
): PacketRecord {
  return {
    ...tcpPacket({ ...ends, atUs: fields.atUs, flags: fields.flags }),
    tcpSeq: fields.seq ?? 0,
    tcpAck: fields.ack ?? 0,
    app: fields.app ?? "",
    payloadLength: fields.app ? 100 : 0,
    wireLength: 60,
  };
}

function reverse(ends: Ends): Ends {
  return {
    src: ends.dst,
    dst: ends.src,
    srcPort: ends.dstPort,
    dstPort: ends.srcPort,
  };
}

function analyzer(
  options: LatencyAnalyzerOptions = {},
): { latency: LatencyAnalyzer; measured: LatencyMeasurement[] } {
  const measured: LatencyMeasurement[] = [];
  const latency = new LatencyAnalyzer({
    ...options,
    onMeasurement: (m) => measured.push(m),
  });
  return { latency, measured };
}

const QUERY: Ends = { src: CLIENT, dst: SERVER, srcPort: 50_000, dstPort: 53 };
const ANSWER = reverse(QUERY);
const WEB: Ends = {
  src: CLIENT,
  dst: "93.184.216.34",
  srcPort: 40_000,
  dstPort: 80,
};
const WEB_BACK = reverse(WEB);

Deno.test("LatencyAnalyzer pairs a DNS query with its response by client, ports and id", () => {
  const { latency, measured } = analyzer();
  latency.observe(dns(QUERY, { atUs: T0, id: 7 }));
  latency.observe(dns(QUERY, { atUs: T0 + 1 * MS, id: 8 }));
  latency.observe(dns(ANSWER, { atUs: T0 + 30 * MS, id: 8, response: true }));
  // Same id, other client port: not an answer to our query.
  latency.observe(
    dns({ ...ANSWER, dstPort: 50_001 }, {
      atUs: T0 + 35 * MS,
      id: 7,
      response: true,
    }),
  );
  latency.observe(dns(ANSWER, { atUs: T0 + 40 * MS, id: 7, response: true }));
  assert.deepEqual(measured.map((m) => [m.protocol, m.latencyUs]), [[
    "dns",
    29 * MS,
  ], ["dns", 40 * MS]]);
  assert.equal(measured[0]!.client, CLIENT);
  assert.equal(measured[0]!.server, SERVER);
  assert.equal(measured[0]!.serverPort, 53);
  const snapshot = latency.snapshot();
  assert.equal(snapshot.protocols.dns.count, 2);
  assert.equal(snapshot.protocols.dns.minMs, 29);
  assert.equal(snapshot.protocols.dns.maxMs, 40);
  assert.equal(snapshot.protocols.dns.meanMs, 34.5);
  assert.equal(snapshot.protocols.dns.unanswered, 0);
  assert.deepEqual(
    snapshot.servers.map((s) => [s.protocol, s.server, s.count]),
    [["dns", SERVER, 2]],
  );
});

Deno.test("LatencyAnalyzer measures a retransmitted DNS query from the first query, like tshark dns.time", () => {
  const { latency, measured } = analyzer();
  latency.observe(dns(QUERY, { atUs: T0, id: 7 }));
  latency.observe(dns(QUERY, { atUs: T0 + 1 * S, id: 7 })); // retransmission
  latency.observe(
    dns(ANSWER, { atUs: T0 + 1_500 * MS, id: 7, response: true }),
  );
  latency.observe(
    dns(ANSWER, { atUs: T0 + 1_600 * MS, id: 7, response: true }),
  ); // duplicate: no time
  // Retransmitted at 3 s, answered at 7 s: still from the first query.
  latency.observe(dns(QUERY, { atUs: T0 + 10 * S, id: 9 }));
  latency.observe(dns(QUERY, { atUs: T0 + 13 * S, id: 9 }));
  latency.observe(dns(ANSWER, { atUs: T0 + 17 * S, id: 9, response: true }));
  assert.deepEqual(measured.map((m) => m.latencyUs), [1_500 * MS, 7 * S]);
  assert.equal(latency.snapshot().protocols.dns.unanswered, 0);
});

Deno.test("LatencyAnalyzer starts a new DNS transaction for a repeat 5 s or more after the first query", () => {
  const { latency, measured } = analyzer();
  latency.observe(dns(QUERY, { atUs: T0, id: 7 }));
  latency.observe(dns(QUERY, { atUs: T0 + 4 * S, id: 7 }));
  latency.observe(dns(QUERY, { atUs: T0 + 6 * S, id: 7 })); // ≥ 5 s after the first: new
  latency.observe(
    dns(ANSWER, { atUs: T0 + 6_100 * MS, id: 7, response: true }),
  );
  assert.deepEqual(measured.map((m) => m.latencyUs), [100 * MS]);
  assert.equal(latency.snapshot().protocols.dns.unanswered, 1);
});

Deno.test("LatencyAnalyzer counts a DNS query unanswered 5 s after its last transmission", () => {
  const { latency, measured } = analyzer();
  latency.observe(dns(QUERY, { atUs: T0, id: 1 }));
  latency.observe(dns(QUERY, { atUs: T0 + 1 * S, id: 2 }));
  latency.observe(
    dns({ ...QUERY, srcPort: 50_002 }, { atUs: T0 + 4_900 * MS, id: 1 }),
  );
  assert.equal(latency.snapshot().protocols.dns.unanswered, 0);
  latency.observe(dns(QUERY, { atUs: T0 + 5 * S, id: 3 })); // query 1 expires here
  assert.equal(latency.snapshot().protocols.dns.unanswered, 1);
  assert.equal(latency.tables().latency_pending_dns!.size, 3);
  // An answer after the timeout is not measured.
  latency.observe(
    dns(ANSWER, { atUs: T0 + 5_500 * MS, id: 1, response: true }),
  );
  latency.observe(dns(QUERY, { atUs: T0 + 20 * S, id: 4 }));
  const dnsStats = latency.snapshot().protocols.dns;
  assert.equal(dnsStats.unanswered, 4);
  assert.equal(dnsStats.count, 0);
  assert.equal(dnsStats.p50Ms, null);
  assert.equal(measured.length, 0);
});

Deno.test("LatencyAnalyzer ignores multicast DNS queries and NetBIOS", () => {
  const { latency } = analyzer();
  latency.observe(
    dns({ src: CLIENT, dst: "224.0.0.251", srcPort: 5353, dstPort: 5353 }, {
      atUs: T0,
      id: 0,
    }),
  );
  latency.observe(
    dns({ src: "fe80::1", dst: "ff02::1:3", srcPort: 50_000, dstPort: 5355 }, {
      atUs: T0,
      id: 1,
    }),
  );
  latency.observe(
    dns({ src: CLIENT, dst: "10.0.0.255", srcPort: 137, dstPort: 137 }, {
      atUs: T0,
      id: 2,
    }),
  );
  latency.observe(dns(QUERY, { atUs: T0 + 60 * S, id: 3 }));
  assert.equal(latency.snapshot().protocols.dns.unanswered, 0);
});

Deno.test("LatencyAnalyzer pairs DNS over TCP and over IPv6", () => {
  const { latency, measured } = analyzer();
  const v6: Ends = {
    src: "2001:db8::1",
    dst: "2001:db8::53",
    srcPort: 41_000,
    dstPort: 53,
  };
  latency.observe(dns(v6, { atUs: T0, id: 5, tcp: true }));
  latency.observe(
    dns(reverse(v6), { atUs: T0 + 12 * MS, id: 5, response: true, tcp: true }),
  );
  assert.deepEqual(measured.map((m) => [m.server, m.latencyUs]), [[
    "2001:db8::53",
    12 * MS,
  ]]);
});

Deno.test("LatencyAnalyzer measures the TCP handshake from the first SYN to the SYN/ACK that acknowledges it", () => {
  const { latency, measured } = analyzer();
  latency.observe(tcp(WEB, { atUs: T0, flags: SYN, seq: 100 }));
  latency.observe(tcp(WEB, { atUs: T0 + 1 * S, flags: SYN, seq: 100 })); // retransmitted SYN
  latency.observe(
    tcp(WEB_BACK, {
      atUs: T0 + 1_030 * MS,
      flags: SYN | ACK,
      seq: 500,
      ack: 101,
    }),
  );
  latency.observe(
    tcp(WEB_BACK, {
      atUs: T0 + 1_040 * MS,
      flags: SYN | ACK,
      seq: 500,
      ack: 101,
    }),
  ); // duplicate
  latency.observe(
    tcp(WEB, { atUs: T0 + 1_050 * MS, flags: ACK, seq: 101, ack: 501 }),
  );
  assert.deepEqual(measured.map((m) => [m.protocol, m.latencyUs]), [[
    "tcp_handshake",
    1_030 * MS,
  ]]);
  const stats = latency.snapshot().protocols.tcp_handshake;
  assert.equal(stats.count, 1);
  assert.equal(stats.minMs, 1_030);
  assert.equal(stats.p50Ms, 1_030);
});

Deno.test("LatencyAnalyzer handles sequence wrap-around, mismatched acks and RST", () => {
  const { latency, measured } = analyzer();
  latency.observe(tcp(WEB, { atUs: T0, flags: SYN, seq: 0xffff_ffff }));
  latency.observe(
    tcp(WEB_BACK, { atUs: T0 + 5 * MS, flags: SYN | ACK, seq: 1, ack: 7 }),
  ); // wrong ack
  latency.observe(
    tcp(WEB_BACK, {
      atUs: T0 + 6 * MS,
      flags: SYN | ACK | RST,
      seq: 1,
      ack: 0,
    }),
  ); // not a SYN/ACK
  latency.observe(
    tcp(WEB_BACK, { atUs: T0 + 10 * MS, flags: SYN | ACK, seq: 1, ack: 0 }),
  );
  assert.deepEqual(measured.map((m) => m.latencyUs), [10 * MS]);
});

Deno.test("LatencyAnalyzer restarts the handshake clock for a SYN with a new ISN and counts unanswered SYNs", () => {
  const { latency, measured } = analyzer();
  latency.observe(tcp(WEB, { atUs: T0, flags: SYN, seq: 100 }));
  latency.observe(tcp(WEB, { atUs: T0 + 3 * S, flags: SYN, seq: 900 }));
  latency.observe(
    tcp(WEB_BACK, { atUs: T0 + 3_020 * MS, flags: SYN | ACK, ack: 901 }),
  );
  assert.deepEqual(measured.map((m) => m.latencyUs), [20 * MS]);
  latency.observe(
    tcp({ ...WEB, srcPort: 40_001 }, { atUs: T0 + 4 * S, flags: SYN, seq: 5 }),
  );
  latency.observe(
    tcp({ ...WEB, srcPort: 40_001 }, { atUs: T0 + 10 * S, flags: SYN, seq: 5 }),
  );
  latency.observe(tcp(WEB, { atUs: T0 + 19_999 * MS, flags: ACK }));
  assert.equal(latency.snapshot().protocols.tcp_handshake.unanswered, 1);
  latency.observe(tcp(WEB, { atUs: T0 + 20 * S, flags: ACK }));
  assert.equal(latency.snapshot().protocols.tcp_handshake.unanswered, 2);
});

Deno.test("LatencyAnalyzer measures HTTP time to first response byte, pairing like tshark http.time", () => {
  const { latency, measured } = analyzer();
  const request = { flags: ACK | PSH, app: "http_request" as const };
  const response = { flags: ACK | PSH, app: "http_response" as const };
  latency.observe(tcp(WEB, { atUs: T0, seq: 1, ...request }));
  latency.observe(tcp(WEB, { atUs: T0 + 300 * MS, seq: 1, ...request })); // TCP retransmission
  latency.observe(tcp(WEB_BACK, { atUs: T0 + 400 * MS, ...response }));
  latency.observe(tcp(WEB_BACK, { atUs: T0 + 410 * MS, flags: ACK })); // body segment
  // Keep-alive: the next request on the connection.
  latency.observe(tcp(WEB, { atUs: T0 + 1 * S, seq: 28, ...request }));
  latency.observe(tcp(WEB_BACK, { atUs: T0 + 1_050 * MS, ...response }));
  // Pipelined: tshark pairs the response with the latest request only.
  latency.observe(tcp(WEB, { atUs: T0 + 2 * S, seq: 55, ...request }));
  latency.observe(tcp(WEB, { atUs: T0 + 2_010 * MS, seq: 82, ...request }));
  latency.observe(tcp(WEB_BACK, { atUs: T0 + 2_130 * MS, ...response }));
  latency.observe(tcp(WEB_BACK, { atUs: T0 + 2_200 * MS, ...response }));
  assert.deepEqual(measured.map((m) => [m.protocol, m.latencyUs]), [
    ["http", 400 * MS],
    ["http", 50 * MS],
    ["http", 120 * MS],
  ]);
  const snapshot = latency.snapshot();
  assert.equal(snapshot.protocols.http.count, 3);
  assert.equal(snapshot.protocols.http.unanswered, 1); // the superseded pipelined request
});

Deno.test("LatencyAnalyzer measures TLS ClientHello to ServerHello", () => {
  const { latency, measured } = analyzer();
  const tls: Ends = { ...WEB, dstPort: 443 };
  latency.observe(
    tcp(tls, { atUs: T0, flags: ACK | PSH, seq: 1, app: "tls_client_hello" }),
  );
  latency.observe(
    tcp(reverse(tls), {
      atUs: T0 + 80 * MS,
      flags: ACK,
      app: "tls_server_hello",
    }),
  );
  latency.observe(
    tcp(reverse(tls), { atUs: T0 + 81 * MS, flags: ACK, app: "tls" }),
  );
  assert.deepEqual(
    measured.map((m) => [m.protocol, m.serverPort, m.latencyUs]),
    [["tls", 443, 80 * MS]],
  );
  assert.equal(latency.snapshot().protocols.tls.meanMs, 80);
});

Deno.test("LatencyAnalyzer statistics slide: measurements older than the window drop out", () => {
  const { latency } = analyzer({
    windowUs: 60 * S,
    protocolSlices: 6,
    serverSlices: 2,
  });
  for (let i = 0; i < 10; i++) {
    const atUs = T0 + i * S;
    latency.observe(dns({ ...QUERY, srcPort: 50_000 + i }, { atUs, id: i }));
    latency.observe(
      dns({ ...ANSWER, dstPort: 50_000 + i }, {
        atUs: atUs + 10 * MS,
        id: i,
        response: true,
      }),
    );
  }
  assert.equal(latency.snapshot().protocols.dns.count, 10);
  latency.observe(dns(QUERY, { atUs: T0 + 80 * S, id: 99 }));
  latency.observe(
    dns(ANSWER, { atUs: T0 + 80 * S + 50 * MS, id: 99, response: true }),
  );
  let snapshot = latency.snapshot();
  assert.equal(snapshot.protocols.dns.count, 1);
  assert.equal(snapshot.protocols.dns.totalCount, 11);
  assert.equal(snapshot.protocols.dns.p50Ms, 50);
  assert.equal(snapshot.servers[0]!.count, 1);
  assert.equal(latency.meanLatencyMs(), 50);
  // Long after: the window is empty and the server entry expires.
  latency.observe(tcp(WEB, { atUs: T0 + 500 * S, flags: ACK }));
  snapshot = latency.snapshot();
  assert.equal(snapshot.protocols.dns.count, 0);
  assert.equal(snapshot.protocols.dns.meanMs, null);
  assert.deepEqual(snapshot.servers, []);
  assert.equal(latency.tables().latency_servers!.size, 0);
  assert.equal(latency.meanLatencyMs(), null);
});

Deno.test("LatencyAnalyzer percentiles follow the sketch within 1 %", () => {
  const { latency } = analyzer();
  const values: number[] = [];
  for (let i = 0; i < 1_000; i++) {
    const latencyUs = 1_000 + ((i * 7_919) % 1_000) * 97; // 1 ms … ~98 ms, spread
    values.push(latencyUs);
    const atUs = T0 + i * 10 * MS;
    latency.observe(dns({ ...QUERY, srcPort: 1_024 + i }, { atUs, id: i }));
    latency.observe(
      dns({ ...ANSWER, dstPort: 1_024 + i }, {
        atUs: atUs + latencyUs,
        id: i,
        response: true,
      }),
    );
  }
  values.sort((a, b) => a - b);
  const stats = latency.snapshot().protocols.dns;
  for (
    const [q, got] of [[0.5, stats.p50Ms], [0.95, stats.p95Ms], [
      0.99,
      stats.p99Ms,
    ]] as const
  ) {
    const exactMs = values[Math.floor(q * (values.length - 1))]! / 1000;
    assert.ok(
      Math.abs(got! - exactMs) / exactMs <= 0.0101,
      `p${q}: ${got} vs ${exactMs}`,
    );
  }
  assert.equal(stats.minMs, values[0]! / 1000);
  assert.equal(stats.maxMs, values.at(-1)! / 1000);
});

Deno.test("LatencyAnalyzer lists the busiest servers first, capped at topServers", () => {
  const { latency } = analyzer({ topServers: 2 });
  const servers = ["10.0.0.1", "10.0.0.2", "10.0.0.3"];
  let id = 0;
  servers.forEach((server, index) => {
    for (let i = 0; i <= index; i++) {
      const ends: Ends = {
        src: "192.168.1.5",
        dst: server,
        srcPort: 30_000 + id,
        dstPort: 53,
      };
      latency.observe(dns(ends, { atUs: T0 + id * MS, id }));
      latency.observe(
        dns(reverse(ends), { atUs: T0 + id * MS + 500, id, response: true }),
      );
      id++;
    }
  });
  assert.deepEqual(
    latency.snapshot().servers.map((s) => [s.server, s.count]),
    [["10.0.0.3", 3], ["10.0.0.2", 2]],
  );
});

Deno.test("LatencyAnalyzer pending tables stay bounded under 1M distinct unanswered requests", () => {
  const { latency } = analyzer({ maxPending: 100_000 });
  const packet = dns(QUERY, { atUs: T0, id: 0 });
  const syn = tcp(WEB, { atUs: T0, flags: SYN });
  for (let i = 0; i < 1_000_000; i++) {
    packet.timestampUs = T0 + i; // 1 µs apart: nothing times out
    packet.srcAddress = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    withAddressKeys(packet);
    packet.dnsId = i & 0xffff;
    latency.observe(packet);
    if (i % 4 === 0) {
      syn.timestampUs = packet.timestampUs;
      syn.srcAddress = packet.srcAddress;
      withAddressKeys(syn);
      latency.observe(syn);
    }
  }
  const { latency_pending_dns: dnsTable, latency_pending_tcp: tcpTable } =
    latency.tables();
  // Once full, a table takes a hash-selected eighth of new requests (each
  // evicting the oldest) and rejects the rest.
  assert.equal(dnsTable!.size, 100_000);
  assert.equal(dnsTable!.evictions + dnsTable!.rejected!, 900_000);
  assert.ok(
    Math.abs(dnsTable!.evictions - 900_000 / 8) < 900_000 / 80,
    `${dnsTable!.evictions} evictions`,
  );
  assert.equal(tcpTable!.size, 100_000);
  assert.equal(tcpTable!.evictions + tcpTable!.rejected!, 150_000);
  assert.ok(
    Math.abs(tcpTable!.evictions - 150_000 / 8) < 150_000 / 80,
    `${tcpTable!.evictions} evictions`,
  );
});

Deno.test("LatencyAnalyzer measures a sample of handshakes slower than a flood's turnover of its full table", () => {
  // 2000 SYNs 10 µs apart, each answered 200 SYNs later (2001 µs), into a
  // table of 64: evicting the oldest for every SYN would drop each one
  // before its SYN/ACK; taking an eighth of them keeps each for ~512.
  const { latency, measured } = analyzer({ maxPending: 64 });
  const syns = 2_000;
  const lag = 200;
  const synOf = (i: number) =>
    tcp({ ...WEB, srcPort: 10_000 + i }, {
      atUs: T0 + i * 10,
      flags: SYN,
      seq: i + 1,
    });
  for (let i = 0; i < syns + lag; i++) {
    if (i < syns) latency.observe(synOf(i));
    const answered = i - lag;
    if (answered >= 0) {
      latency.observe(
        tcp(reverse({ ...WEB, srcPort: 10_000 + answered }), {
          atUs: T0 + i * 10 + 1,
          flags: SYN | ACK,
          ack: answered + 2,
        }),
      );
    }
  }
  const table = latency.tables().latency_pending_tcp!;
  assert.ok(measured.length > 150, `${measured.length} measured`);
  assert.ok(table.rejected! > 1_000, `${table.rejected} rejected`);
  assert.deepEqual(new Set(measured.map((m) => m.latencyUs)), new Set([2001]));
  // Every SYN was measured, evicted, rejected or is still pending.
  assert.equal(
    measured.length + table.evictions + table.rejected! + table.size,
    syns,
  );
});

Deno.test("LatencyAnalyzer rejects non-positive windows and timeouts", () => {
  assert.throws(() => new LatencyAnalyzer({ windowUs: 0 }), RangeError);
  assert.throws(() => new LatencyAnalyzer({ dnsTimeoutUs: -1 }), RangeError);
  assert.throws(() => new LatencyAnalyzer({ protocolSlices: 0 }), RangeError);
});
