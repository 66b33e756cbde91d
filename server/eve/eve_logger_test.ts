import assert from "node:assert/strict";
import {
  dnsMessage,
  ipv6Packet,
  udpDatagram,
  udpFrame,
} from "../../capture/frame_builder.ts";
import { LINK_TYPE } from "../../capture/pcap_record.ts";
import {
  concat,
  decodeFrame,
  fragmentFrames,
  hex,
  MACS,
} from "../../capture/decode/test_helpers.ts";
import { readPacketFile } from "../../capture/packet_source.ts";
import type { Finding } from "../../detectors/alert.ts";
import { AlertLifecycle } from "../../detectors/alert_lifecycle.ts";
import { AnalysisEngine } from "../../detectors/engine.ts";
import { type PacketRecord, TCP_FLAGS } from "../../capture/packet_record.ts";
import { tcpPacket, withAddressKeys } from "../../detectors/test_packets.ts";
import { EveLogger } from "./eve_logger.ts";
import { MAX_PENDING_HTTP_TOTAL } from "./http_exchanges.ts";
import { EveLines } from "./eve_sink.ts";
import { eveTimestamp } from "./eve_time.ts";

const S = 1_000_000;
const T0 = 1_700_000_000 * S;

// deno-lint-ignore no-explicit-any
type Line = Record<string, any>;

function flood(atUs: number, severity: Finding["severity"], halfOpen: number) {
  return {
    kind: "syn_flood",
    key: "10.0.0.1",
    timestampUs: atUs,
    severity,
    attacker: "",
    victim: "10.0.0.1",
    domain: "",
    summary: `10.0.0.1 port 80 has ${halfOpen} half-open connections`,
    evidence: { halfOpen },
  } satisfies Finding;
}

function alertRecords(sink: EveLines): Line[] {
  return sink.lines.map((line) => JSON.parse(line) as Line).filter((r) =>
    r.event_type === "alert"
  );
}

Deno.test("EveLogger.alert writes a record when an alert engages, again each time its severity rises, and when it is released", () => {
  const sink = new EveLines();
  const logger = new EveLogger(sink, { types: ["alert"] });
  const lifecycle = new AlertLifecycle({}, (event) => logger.alert(event));
  lifecycle.report(flood(T0, "medium", 128));
  lifecycle.report(flood(T0 + 11 * S, "medium", 200)); // an update, same severity
  lifecycle.report(flood(T0 + 12 * S, "high", 512));
  lifecycle.report(flood(T0 + 13 * S, "critical", 4096));
  lifecycle.report(flood(T0 + 30 * S, "critical", 8192)); // no rise
  lifecycle.releaseAll(T0 + 40 * S);
  const records = alertRecords(sink);
  assert.deepEqual(
    records.map((r) => [
      r.timestamp,
      r.alert.severity,
      r.netmirror.severity,
      r.netmirror.escalated_from ?? "-",
      r.alert.signature,
    ]),
    [
      [
        eveTimestamp(T0),
        2,
        "medium",
        "-",
        "NETMIRROR SYN flood: 10.0.0.1 port 80 has 128 half-open connections",
      ],
      [
        eveTimestamp(T0 + 12 * S),
        1,
        "high",
        "medium",
        "NETMIRROR SYN flood: 10.0.0.1 port 80 has 512 half-open connections",
      ],
      [
        eveTimestamp(T0 + 13 * S),
        1,
        "critical",
        "high",
        "NETMIRROR SYN flood: 10.0.0.1 port 80 has 4096 half-open connections",
      ],
      // Released: the final figures, at the alert's last packet time.
      [
        eveTimestamp(T0 + 30 * S),
        1,
        "critical",
        "-",
        "NETMIRROR SYN flood: 10.0.0.1 port 80 has 8192 half-open connections",
      ],
    ],
  );
  assert.deepEqual(records.map((r) => r.netmirror.evidence.halfOpen), [
    128,
    512,
    4096,
    8192,
  ]);
  assert.deepEqual(records.map((r) => r.netmirror.state), [
    "engaged",
    "updated",
    "updated",
    "released",
  ]);
  assert.equal(
    new Set(records.map((r) => r.netmirror.alert_id)).size,
    1,
    "one alert",
  );
});

Deno.test("EveLogger.alert writes a record when an alert's technique changes, naming the old one", () => {
  const sink = new EveLines();
  const logger = new EveLogger(sink, { types: ["alert"] });
  const lifecycle = new AlertLifecycle({}, (event) => logger.alert(event));
  const volumetric = {
    id: "T1498",
    name: "Network Denial of Service",
    tactic: "Impact",
  };
  lifecycle.report(flood(T0, "medium", 128));
  lifecycle.report({ ...flood(T0 + S, "medium", 150), mitre: volumetric });
  lifecycle.report({ ...flood(T0 + 2 * S, "medium", 160), mitre: volumetric });
  lifecycle.releaseAll(T0 + 40 * S);
  const records = alertRecords(sink);
  assert.deepEqual(
    records.map((r) => [
      r.timestamp,
      r.alert.metadata.mitre_technique_id[0],
      r.netmirror.reclassified_from ?? "-",
      r.netmirror.escalated_from ?? "-",
    ]),
    [
      [eveTimestamp(T0), "T1499.001", "-", "-"],
      [eveTimestamp(T0 + S), "T1498", "T1499.001", "-"],
      [eveTimestamp(T0 + 2 * S), "T1498", "-", "-"], // released
    ],
  );
});

Deno.test("EveLogger.alert: the last alert record of a real spoofed SYN flood has the alert's final severity", async () => {
  const sink = new EveLines();
  const logger = new EveLogger(sink, { types: ["alert"] });
  const engine = new AnalysisEngine({}, (event) => logger.alert(event));
  await readPacketFile(
    new URL(
      "../../../shared/pcaps/attacks/synflood_spoofed_37k_sources__pkt.TCP.synflood.spoofed.pcap",
      import.meta.url,
    ).pathname,
    (packet) => engine.observe(packet),
  );
  engine.finish();
  const [alert] = engine.alerts();
  const records = alertRecords(sink);
  assert.ok(records.length > 1, "an engaged record, then escalations");
  assert.equal(records[0]!.netmirror.severity, "medium");
  assert.equal(records.at(-1)!.netmirror.severity, alert!.severity);
  assert.notEqual(alert!.severity, records[0]!.netmirror.severity);
});

Deno.test("EveLogger writes a dns record for a DNS message, none for another protocol's datagrams on port 53", () => {
  const sink = new EveLines();
  const logger = new EveLogger(sink, { types: ["dns"] });
  const ends = { ...MACS, src: "10.0.0.1", dst: "10.0.0.53" };
  const datagrams = [
    dnsMessage({ id: 7, name: "example.com", qtype: 1 }),
    // iodine's raw mode: its header reads as DNS opcode 3.
    hex("10d19e2078da6360e06070656008b9fec581c1810a0b0c0d"),
  ];
  for (const [i, payload] of datagrams.entries()) {
    const { packet } = decodeFrame(
      udpFrame(ends, { srcPort: 40000, dstPort: 53 }, payload),
    );
    packet.timestampUs = T0 + i * S;
    logger.observe(packet);
  }
  const dns = sink.lines.map((line) => JSON.parse(line) as Line);
  assert.deepEqual(dns.map((r) => [r.event_type, r.dns.rrname]), [
    ["dns", "example.com"],
  ]);
});

Deno.test("EveLogger adds a fragmented datagram's later fragments to its first one's flow: their bytes, the datagram one packet", () => {
  const sink = new EveLines();
  const logger = new EveLogger(sink, { types: ["flow"] });
  const client = { ...MACS, src: "10.0.0.1", dst: "10.0.0.53" };
  const server = { src: client.dst, dst: client.src };
  const query = udpFrame(
    client,
    { srcPort: 40000, dstPort: 53 },
    new Uint8Array(40),
  );
  // The answer: 3 000 bytes in three IP fragments; then another datagram's
  // later fragments alone, whose first one was not seen: in no flow.
  const answer = udpDatagram(
    { ...server, srcPort: 53, dstPort: 40000 },
    new Uint8Array(3000),
  );
  const fragments = fragmentFrames(17, answer, 1480, server, 1);
  const orphans = fragmentFrames(17, answer, 1480, server, 2).slice(1);
  const packets = [query, ...fragments, ...orphans].map((frame, i) =>
    decodeFrame(frame, { timestampUs: T0 + i * 1_000 }).packet
  );
  for (const packet of packets) logger.observe(packet);
  logger.finish();
  const flows = sink.lines.map((line) => JSON.parse(line) as Line);
  const answerBytes = packets.slice(1, 4).reduce((n, p) => n + p.wireLength, 0);
  assert.deepEqual(
    flows.map((r) => [
      r.src_port,
      r.dest_port,
      r.flow.pkts_toserver,
      r.flow.pkts_toclient,
      r.flow.bytes_toclient,
    ]),
    [[40000, 53, 1, 1, answerBytes]],
  );
});

Deno.test("EveLogger adds an IPv6 datagram's later fragment to its flow when headers follow the Fragment header", () => {
  // The first fragment: Fragment (next: destination options), destination
  // options (next: UDP), UDP; the later one names destination options.
  const sink = new EveLines();
  const logger = new EveLogger(sink, { types: ["flow"] });
  const src = "2001:db8::53";
  const dst = "2001:db8::1";
  const udp = udpDatagram(
    { src, dst, srcPort: 53, dstPort: 40000 },
    new Uint8Array(64),
  );
  const frames = [
    concat(hex("3c 00 0001 00abcdef"), hex("11 00 0104 00000000"), udp),
    concat(hex("3c 00 0058 00abcdef"), new Uint8Array(40)),
  ].map((payload) => ipv6Packet({ src, dst, nextHeader: 44 }, payload));
  const packets = frames.map((frame, i) =>
    decodeFrame(frame, {
      linkType: LINK_TYPE.IPV6,
      timestampUs: T0 + i * 1_000,
    }).packet
  );
  for (const packet of packets) logger.observe(packet);
  logger.finish();
  const flows = sink.lines.map((line) => JSON.parse(line) as Line);
  assert.deepEqual(
    flows.map((r) => [r.proto, r.flow.pkts_toserver, r.flow.bytes_toserver]),
    [["UDP", 1, packets[0]!.wireLength + packets[1]!.wireLength]],
  );
});

Deno.test("EveLogger writes a record when a released alert reopens (its incident came back), marked reopened", () => {
  const sink = new EveLines();
  const logger = new EveLogger(sink, { types: ["alert"] });
  const lifecycle = new AlertLifecycle(
    { releaseAfterUs: 10 * S, suppressionUs: 600 * S },
    (event) => logger.alert(event),
  );
  lifecycle.report(flood(T0, "medium", 128));
  lifecycle.advance(T0 + 20 * S); // idle: released
  lifecycle.report(flood(T0 + 120 * S, "medium", 130)); // back: reopened
  lifecycle.releaseAll(T0 + 200 * S);
  assert.deepEqual(
    alertRecords(sink).map((r) => [
      r.timestamp,
      r.netmirror.state,
      r.netmirror.reopened ?? false,
    ]),
    [
      [eveTimestamp(T0), "engaged", false],
      [eveTimestamp(T0), "released", false],
      [eveTimestamp(T0 + 120 * S), "updated", true],
      [eveTimestamp(T0 + 120 * S), "released", false],
    ],
  );
});

/** An HTTP request (or, with `status`, a response's first segment) from `src`:`srcPort` to `dst`:`dstPort`. */
function httpSegment(
  atUs: number,
  src: string,
  srcPort: number,
  dst: string,
  dstPort: number,
  seq: number,
  status = -1,
): PacketRecord {
  const flags = TCP_FLAGS.ACK | TCP_FLAGS.PSH;
  return {
    ...withAddressKeys(tcpPacket({ atUs, src, dst, srcPort, dstPort, flags })),
    tcpSeq: seq,
    app: status < 0 ? "http_request" : "http_response",
    httpMethod: status < 0 ? "GET" : "",
    httpUri: status < 0 ? `/${seq}` : "",
    httpHost: status < 0 ? "example.com" : "",
    httpUserAgent: status < 0 ? "curl/8.5.0" : "",
    httpStatus: status,
  };
}

Deno.test("EveLogger writes an http record when its response starts, with the status; one never answered when its flow ends", () => {
  const sink = new EveLines();
  const logger = new EveLogger(sink, { types: ["http", "flow"] });
  logger.observe(httpSegment(T0, "10.0.0.1", 40000, "10.0.0.2", 80, 1));
  assert.equal(sink.lines.length, 0);
  logger.observe(
    httpSegment(T0 + 1000, "10.0.0.2", 80, "10.0.0.1", 40000, 7, 404),
  );
  logger.observe(httpSegment(T0 + 2000, "10.0.0.1", 40000, "10.0.0.2", 80, 2));
  // The connection reset: its waiting request goes before its flow record.
  logger.observe(withAddressKeys(tcpPacket({
    atUs: T0 + 3000,
    src: "10.0.0.2",
    srcPort: 80,
    dst: "10.0.0.1",
    dstPort: 40000,
    flags: TCP_FLAGS.RST,
  })));
  const records = sink.lines.map((line) => JSON.parse(line) as Line);
  assert.deepEqual(
    records.map((r) => [r.event_type, r.http?.url, r.http?.status]),
    [["http", "/1", 404], ["http", "/2", undefined], [
      "flow",
      undefined,
      undefined,
    ]],
  );
  const first = records[0]!;
  assert.equal(
    first.timestamp,
    eveTimestamp(T0),
    "stamped with the request's time",
  );
  assert.deepEqual(first.http, {
    hostname: "example.com",
    url: "/1",
    "http_user_agent": "curl/8.5.0",
    "http_method": "GET",
    status: 404,
  });
});

Deno.test("EveLogger keeps at most MAX_PENDING_HTTP_TOTAL requests waiting over all flows; beyond, a request is written at once", () => {
  const sink = new EveLines();
  const logger = new EveLogger(sink, { types: ["http"] });
  for (let i = 0; i <= MAX_PENDING_HTTP_TOTAL; i++) {
    logger.observe(
      httpSegment(T0 + i, "10.0.0.1", 1024 + i, "10.0.0.2", 80, 1),
    );
  }
  assert.equal(sink.lines.length, 1, "the one beyond the bound");
  logger.finish();
  assert.equal(sink.lines.length, MAX_PENDING_HTTP_TOTAL + 1);
});
