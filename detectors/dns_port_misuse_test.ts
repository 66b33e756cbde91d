import assert from "node:assert/strict";
import { dnsMessage, udpFrame } from "../capture/frame_builder.ts";
import { decodeFrame, hex, MACS } from "../capture/decode/test_helpers.ts";
import type { PacketRecord } from "../capture/packet_record.ts";
import type { Finding } from "./alert.ts";
import { AlertLifecycle } from "./alert_lifecycle.ts";
import {
  createDnsPortMisuseDetector,
  DNS_PORT_MISUSE_DEFAULTS,
  type DnsPortMisuseOptions,
} from "./dns_port_misuse.ts";
import { SECOND_US, T0 } from "./test_packets.ts";

const CLIENT = "10.78.0.1";
const SERVER = "10.78.0.2";
const CLIENT_PORT = 41_000;
const MIN = DNS_PORT_MISUSE_DEFAULTS.minPackets;

/** One UDP datagram between the client and the server's port 53, decoded from real bytes, at `atUs`. */
function datagram(
  payload: Uint8Array,
  atUs: number,
  toServer = true,
  client = CLIENT,
): PacketRecord {
  const ends = toServer
    ? { ...MACS, src: client, dst: SERVER }
    : { ...MACS, src: SERVER, dst: client };
  const ports = toServer
    ? { srcPort: CLIENT_PORT, dstPort: 53 }
    : { srcPort: 53, dstPort: CLIENT_PORT };
  const { packet } = decodeFrame(udpFrame(ends, ports, payload));
  packet.timestampUs = atUs;
  return packet;
}

/** iodine's raw-mode data header (10 d1 9e, command 0x20 data) and a compressed IP packet. */
const IODINE_RAW_DATA = hex(
  "10d19e2078da6360e06070656008b9fec581c1810a0b0c0d0e0f1011121314151617",
);
/** iodine's raw-mode ping: the 3-byte identifier and command 0x30, shorter than a DNS header. */
const IODINE_RAW_PING = hex("10d19e30");

/** `count` iodine raw datagrams, alternating to and from the server, `stepUs` apart. */
function iodineRaw(count: number, stepUs: number, startUs = T0) {
  return Array.from(
    { length: count },
    (_, i) =>
      datagram(
        i % 5 === 4 ? IODINE_RAW_PING : IODINE_RAW_DATA,
        startUs + i * stepUs,
        i % 2 === 0,
      ),
  );
}

/** A well-formed query (even i) or its answer (odd i) between the pair. */
function dnsExchange(i: number, atUs: number, client = CLIENT): PacketRecord {
  const response = i % 2 === 1;
  return datagram(
    dnsMessage({
      id: i >> 1,
      name: `host${i >> 1}.example.com`,
      qtype: 1,
      response,
      answers: response ? ["192.0.2.1"] : [],
    }),
    atUs,
    !response,
    client,
  );
}

function run(
  packets: PacketRecord[],
  options: DnsPortMisuseOptions = {},
): Finding[] {
  const detector = createDnsPortMisuseDetector(options);
  const findings: Finding[] = [];
  for (const packet of packets) {
    detector.observe(packet, (finding) => findings.push(finding));
  }
  detector.flush?.(
    packets.at(-1)?.timestampUs ?? T0,
    (finding) => findings.push(finding),
  );
  return findings;
}

Deno.test("dns_port_misuse: iodine's raw datagrams decode as malformed DNS or as too short", () => {
  const data = datagram(IODINE_RAW_DATA, T0);
  assert.equal(data.dnsOpcode, 3);
  const ping = datagram(IODINE_RAW_PING, T0);
  assert.equal(ping.dnsId, -1);
  assert.equal(ping.anomaly, "dns_too_short");
});

Deno.test("dns_port_misuse: iodine's raw mode is found at the threshold, naming client and server, T1571", () => {
  assert.deepEqual(run(iodineRaw(MIN - 1, 100_000)), []);
  const findings = run(iodineRaw(MIN, 100_000));
  assert.equal(findings.length, 1);
  const [finding] = findings;
  assert.equal(finding!.kind, "dns_tunnel");
  assert.equal(finding!.attacker, CLIENT);
  assert.equal(finding!.victim, SERVER);
  assert.equal(finding!.key, `${CLIENT}>${SERVER}:53`);
  assert.equal(finding!.mitre?.id, "T1571");
  assert.equal(finding!.timestampUs, T0 + (MIN - 1) * 100_000);
  assert.equal(
    finding!.startUs,
    T0,
    "the incident began with its first datagram",
  );
  assert.equal(finding!.severity, "medium");
  const evidence = finding!.evidence;
  assert.equal(evidence.notDnsDatagrams, MIN);
  assert.equal(evidence.toServer, MIN / 2);
  assert.equal(evidence.toClient, MIN / 2);
  assert.equal(evidence.shorterThanHeader, MIN / 5);
  assert.equal(evidence.unassignedOpcode, MIN - MIN / 5);
  assert.match(
    finding!.summary,
    /^10\.78\.0\.1 and 10\.78\.0\.2 exchanged 20 UDP datagrams on port 53 that are not DNS \(100 % of their port-53 datagrams since the first, \d+ bytes\) in 1\.9 s: a tunnel on the DNS port/,
  );
});

Deno.test("dns_port_misuse: a malformed question counts as not DNS; a message cut by the snap length does not", () => {
  // A header with one question whose first label runs past the datagram.
  const overrun = hex("abcd0100000100000000000030616263");
  const malformed = datagram(overrun, T0);
  assert.match(malformed.anomaly, /^dns_/);
  const findings = run(
    Array.from({ length: MIN }, (_, i) => datagram(overrun, T0 + i * 1_000)),
  );
  assert.equal(findings.length, 1);
  assert.equal(findings[0]!.evidence.malformedQuestion, MIN);

  const query = dnsMessage({ id: 1, name: "a.example.com", qtype: 1 });
  const frame = udpFrame(
    { ...MACS, src: CLIENT, dst: SERVER },
    { srcPort: CLIENT_PORT, dstPort: 53 },
    query,
  );
  const cut = Array.from({ length: MIN * 2 }, (_, i) => {
    const { packet } = decodeFrame(frame, { capturedLength: frame.length - 8 });
    packet.timestampUs = T0 + i * 1_000;
    return packet;
  });
  assert.equal(cut[0]!.truncated, true);
  assert.deepEqual(run(cut), []);
});

Deno.test("dns_port_misuse: a resolver's good traffic outweighs a few malformed datagrams (the share)", () => {
  // 30 malformed datagrams among 100 good messages: 23 %, below one half.
  const packets: PacketRecord[] = [];
  for (let i = 0; i < 130; i++) {
    const atUs = T0 + i * 10_000;
    packets.push(
      i % 13 < 3 ? datagram(IODINE_RAW_DATA, atUs) : dnsExchange(i, atUs),
    );
  }
  assert.deepEqual(run(packets), []);
  // The same with the share lowered to a fifth: reported.
  const findings = run(packets, { minShare: 0.2 });
  assert.ok(findings.length >= 1);
  assert.ok((findings[0]!.evidence.dnsMessages as number) > 0);
});

Deno.test("dns_port_misuse: ordinary DNS raises nothing and keeps no state", () => {
  const detector = createDnsPortMisuseDetector();
  const findings: Finding[] = [];
  for (let i = 0; i < 2_000; i++) {
    detector.observe(
      dnsExchange(i, T0 + i * 1_000, `10.0.${i % 200}.1`),
      (f) => findings.push(f),
    );
  }
  assert.deepEqual(findings, []);
  assert.equal(detector.tables().pairs!.size, 0);
});

Deno.test("dns_port_misuse: the window bounds the count; slower misuse is not reported", () => {
  // 20 datagrams 4 s apart: 15 in any 60 s window.
  assert.deepEqual(run(iodineRaw(MIN, 4 * SECOND_US)), []);
  assert.equal(run(iodineRaw(MIN, 2 * SECOND_US)).length, 1);
});

Deno.test("dns_port_misuse: a long tunnel repeats its finding as it grows, ends with its totals, and makes one alert", () => {
  const packets = iodineRaw(5_000, 20_000);
  const findings = run(packets);
  assert.ok(findings.length > 3, `${findings.length} findings`);
  const last = findings.at(-1)!;
  assert.equal(last.evidence.notDnsDatagrams, 5_000);
  assert.equal(last.severity, "high");
  assert.equal(last.timestampUs, packets.at(-1)!.timestampUs);
  const lifecycle = new AlertLifecycle();
  for (const finding of findings) lifecycle.report(finding);
  assert.equal(lifecycle.alerts().length, 1);
});

Deno.test("dns_port_misuse: an idle pair reports its last figures when it expires", () => {
  const detector = createDnsPortMisuseDetector();
  const findings: Finding[] = [];
  const report = (f: Finding) => findings.push(f);
  for (const packet of iodineRaw(MIN + 5, 10_000)) {
    detector.observe(packet, report);
  }
  assert.equal(findings.length, 1);
  assert.equal(findings[0]!.evidence.notDnsDatagrams, MIN);
  // Another pair's datagram two windows later expires the first.
  detector.observe(
    datagram(IODINE_RAW_DATA, T0 + 130 * SECOND_US, true, "10.78.0.9"),
    report,
  );
  assert.equal(findings.length, 2);
  assert.equal(findings[1]!.evidence.notDnsDatagrams, MIN + 5);
  assert.equal(detector.tables().pairs!.size, 1);
});

Deno.test("dns_port_misuse: junk from 50 000 spoofed clients keeps the table bounded and a tunnel's pair in it", () => {
  const detector = createDnsPortMisuseDetector();
  const findings: Finding[] = [];
  const report = (f: Finding) => findings.push(f);
  const tunnel = iodineRaw(2_000, 500);
  let next = 0;
  for (let i = 0; i < 50_000; i++) {
    const atUs = T0 + i * 10;
    const spoofed = `11.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    detector.observe(datagram(IODINE_RAW_PING, atUs, true, spoofed), report);
    if (i % 25 === 0 && next < tunnel.length) {
      const packet = tunnel[next++]!;
      packet.timestampUs = atUs;
      detector.observe(packet, report);
    }
  }
  const pairs = detector.tables().pairs!;
  assert.ok(pairs.size <= DNS_PORT_MISUSE_DEFAULTS.maxPairs);
  assert.ok(findings.some((f) => f.attacker === CLIENT));
  assert.ok(findings.every((f) => f.attacker === CLIENT));
});

Deno.test("dns_port_misuse: invalid options are rejected", () => {
  assert.throws(
    () => createDnsPortMisuseDetector({ minPackets: 0 }),
    /minPackets must be positive/,
  );
  assert.throws(
    () => createDnsPortMisuseDetector({ minShare: 1.5 }),
    /minShare must be within/,
  );
});

Deno.test("dns_port_misuse: answers sent to port 53 from another port and queries carrying data past 512 bytes are no DNS a client and server exchange; queries from port 53 to high ports (nmap -sU -g 53) are left to the port scan detector", () => {
  // A tunnel dressed as DNS straight to its server: its messages upstream
  // have the response bit set.
  const upstream = Array.from({ length: MIN }, (_, i) =>
    datagram(
      dnsMessage({
        id: i,
        name: `d${i}.t.example.com`,
        qtype: 10,
        response: true,
        answers: ["192.0.2.1"],
      }),
      T0 + i * 100_000,
    ));
  const wrongWay = run(upstream);
  assert.equal(wrongWay.length, 1);
  assert.equal(wrongWay[0]!.evidence.wrongWay, MIN);
  // A constant good question with 900 bytes after it (an EDNS option).
  const padded = Array.from({ length: MIN }, (_, i) => {
    const query = dnsMessage({ id: i, name: "www.example.com", qtype: 1 });
    const message = new Uint8Array(query.length + 900);
    message.set(query);
    return datagram(message, T0 + i * 100_000);
  });
  const oversized = run(padded);
  assert.equal(oversized.length, 1);
  assert.equal(oversized[0]!.evidence.oversizedQuery, MIN);
  // Queries from port 53 to the ports of a scanned host (nmap's DNS
  // payloads).
  const scan = Array.from({ length: 2 * MIN }, (_, i) => {
    const packet = datagram(
      dnsMessage({ id: i, name: `host${i}.example.com`, qtype: 1 }),
      T0 + i * 1_000,
      false,
    );
    packet.dstPort = 1_000 + i;
    return packet;
  });
  assert.deepEqual(run(scan), []);
  // A resolver with a fixed query port 53 forwarding to Unbound on 5335:
  // the answers to port 53 answer its queries.
  const forwarded = Array.from({ length: 2 * MIN }, (_, i) => {
    const packet = dnsExchange(i, T0 + i * 1_000);
    if (packet.dnsResponse) {
      packet.srcPort = 5335;
      packet.dstPort = 53;
    } else {
      packet.srcPort = 53;
      packet.dstPort = 5335;
    }
    return packet;
  });
  assert.deepEqual(run(forwarded), []);
  // A resolver asking from port 53 gets its answers on port 53.
  const portToPort = Array.from({ length: 2 * MIN }, (_, i) => {
    const packet = dnsExchange(i, T0 + i * 1_000);
    packet.srcPort = 53;
    packet.dstPort = 53;
    return packet;
  });
  assert.deepEqual(run(portToPort), []);
});
