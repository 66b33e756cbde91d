import assert from "node:assert/strict";
import { tcpSegment, udpFrame } from "../capture/frame_builder.ts";
import {
  decodeFrame,
  firstFragmentFrame,
  MACS,
} from "../capture/decode/test_helpers.ts";
import {
  TCP_FLAGS_FRAGMENTED,
  TCP_HEADER_FRAGMENTED,
} from "../capture/decode/tcp.ts";
import {
  IKE_V1_MAIN_MODE_REQUEST,
  IKE_V1_MAIN_MODE_RESPONSE,
  IKE_V2_SA_INIT_REQUEST,
  IKE_V2_SA_INIT_RESPONSE,
  KERBEROS_AS_REP,
  KERBEROS_AS_REQ,
  KERBEROS_ERROR,
  NBNS_NBSTAT_QUERY,
  NBNS_NBSTAT_RESPONSE,
  NMAP_HIGH_PORT_PAYLOADS,
  NTP_BROADCAST,
  NTP_CLIENT_REQUEST,
  NTP_KISS_OF_DEATH,
  NTP_MONLIST_REQUEST,
  NTP_MONLIST_RESPONSE,
  NTP_READVAR_REQUEST,
  NTP_READVAR_RESPONSE,
  NTP_SERVER_REPLY,
  RPC_CALL,
  RPC_PORTMAP_REPLY,
  SNMP_V2C_GET_REQUEST,
  SNMP_V2C_GET_RESPONSE,
  SNMP_V3_ENCRYPTED_RESPONSE,
  SNMP_V3_REPORT,
} from "../capture/decode/test_service_payloads.ts";
import {
  emptyPacketRecord,
  type PacketRecord,
  TCP_FLAGS,
} from "../capture/packet_record.ts";
import { readPacketFile } from "../capture/packet_source.ts";
import type { Alert, Finding } from "./alert.ts";
import { AnalysisEngine } from "./engine.ts";
import {
  createPortScanDetector,
  PORT_SCAN_DEFAULTS,
  type PortScanOptions,
} from "./port_scan.ts";
import {
  byTime,
  crowdHost,
  findingsInCrowd,
  findingsOf,
  SECOND_US,
  tableAfterNewcomer,
  tcpPacket,
  times,
  udpPacket,
  type UdpPacketFields,
  withAddressKeys,
} from "./test_packets.ts";

const { SYN, ACK, RST, FIN, PSH, URG, ECE, CWR } = TCP_FLAGS;
const SCANNER = "10.0.0.66";
const TARGET = "10.0.0.5";

type UdpFields = Partial<UdpPacketFields> & { atUs: number; dstPort: number };
type TcpFields = UdpFields & { flags: number };

/** One TCP segment from the scanner to the target unless told otherwise (see {@linkcode tcpPacket}). */
function tcp(fields: TcpFields): PacketRecord {
  return tcpPacket({ src: SCANNER, dst: TARGET, srcPort: 40000, ...fields });
}

/** The target's SYN/ACK from `port` to the scanner's probe (source port 40000). */
function synAck(port: number, atUs: number): PacketRecord {
  return tcp({
    src: TARGET,
    dst: SCANNER,
    srcPort: port,
    dstPort: 40000,
    flags: SYN | ACK,
    atUs,
  });
}

/** The target's RST/ACK from closed `port` to the scanner's probe (source port 40000). */
function refusal(port: number, atUs: number): PacketRecord {
  return tcp({
    src: TARGET,
    dst: SCANNER,
    srcPort: port,
    dstPort: 40000,
    flags: RST | ACK,
    atUs,
  });
}

/** `packet` with sequence number `seq` (and acknowledgment number `ack`). */
function numbered(packet: PacketRecord, seq: number, ack = 0): PacketRecord {
  return { ...packet, tcpSeq: seq, tcpAck: ack };
}

/** One UDP datagram from the scanner to the target unless told otherwise (see {@linkcode udpPacket}). */
function udp(fields: UdpFields): PacketRecord {
  return udpPacket({ src: SCANNER, dst: TARGET, srcPort: 40000, ...fields });
}

/** ICMP port unreachable from `from` to `to`, quoting a UDP datagram to `quotedDst`:`quotedPort`. */
function portUnreachable(
  from: string,
  to: string,
  quotedDst: string,
  quotedPort: number,
  atUs: number,
): PacketRecord {
  return {
    ...emptyPacketRecord(),
    timestampUs: atUs,
    network: "ipv4",
    srcAddress: from,
    dstAddress: to,
    ipProtocol: 1,
    transport: "icmp",
    icmpType: 3,
    icmpCode: 3,
    quotedProtocol: 17,
    quotedDstAddress: quotedDst,
    quotedDstPort: quotedPort,
  };
}

/** SYNs from SCANNER to `count` ports of TARGET (1, 2, …), `intervalUs` apart. */
function synScan(
  count: number,
  options: { startUs?: number; intervalUs?: number; dst?: string } = {},
): PacketRecord[] {
  const { startUs = 0, intervalUs = 1000, dst = TARGET } = options;
  return Array.from(
    { length: count },
    (_, i) =>
      tcp({ dst, dstPort: i + 1, flags: SYN, atUs: startUs + i * intervalUs }),
  );
}

function run(
  packets: PacketRecord[],
  options: PortScanOptions = {},
): Finding[] {
  return findingsOf(createPortScanDetector(options), packets);
}

/** {@linkcode run}, then the findings of the input's end (`flush`): the scan's final figures. */
function runToTheEnd(packets: PacketRecord[]): Finding[] {
  const detector = createPortScanDetector();
  const findings = findingsOf(detector, packets);
  detector.flush!(
    packets.at(-1)!.timestampUs,
    (finding) => findings.push(finding),
  );
  return findings;
}

Deno.test("port_scan: one port below the failed threshold raises nothing, at it one finding", () => {
  const threshold = PORT_SCAN_DEFAULTS.failedPortThreshold;
  assert.deepEqual(run(synScan(threshold - 1)), []);
  const findings = run(synScan(threshold));
  assert.equal(findings.length, 1);
  const [finding] = findings;
  assert.equal(finding?.kind, "port_scan");
  assert.equal(finding?.key, SCANNER);
  assert.equal(finding?.attacker, SCANNER);
  assert.equal(finding?.victim, TARGET);
  assert.equal(finding?.severity, "low");
  assert.equal(finding?.timestampUs, (threshold - 1) * 1000);
  assert.equal(finding?.evidence.scanType, "vertical");
  assert.equal(finding?.evidence.distinctPorts, threshold);
  assert.equal(finding?.evidence.distinctHosts, 1);
  assert.equal(finding?.evidence.failedProbes, threshold);
  assert.deepEqual(finding?.evidence.probeKinds, ["syn"]);
  assert.deepEqual(
    finding?.evidence.samplePorts,
    Array.from({ length: threshold }, (_, i) => i + 1),
  );
  assert.deepEqual(finding?.evidence.sampleHosts, [TARGET]);
  assert.equal(finding?.evidence.windowSeconds, 300);
});

Deno.test("port_scan: answered probes are not failures; 100 answered ports still are a scan", () => {
  const answered = (count: number) =>
    synScan(count).flatMap((syn) => [
      syn,
      synAck(syn.dstPort, syn.timestampUs + 100),
    ]);
  assert.deepEqual(run(answered(99)), []);
  const findings = run(answered(100));
  assert.equal(findings.length, 1);
  assert.equal(findings[0]?.evidence.answeredProbes, 99);
  assert.equal(findings[0]?.evidence.failedProbes, 1); // the 100th, not answered yet
  assert.equal(findings[0]?.severity, "medium");
});

Deno.test("port_scan: most probes answered keeps the failed threshold from applying", () => {
  // 20 answered ports, then 15 refused ones: never more than half failed.
  const packets: PacketRecord[] = [];
  for (let i = 0; i < 35; i++) {
    const atUs = i * 10_000;
    packets.push(tcp({ dstPort: 1000 + i, flags: SYN, atUs }));
    packets.push(tcp({
      src: TARGET,
      dst: SCANNER,
      srcPort: 1000 + i,
      dstPort: 40000,
      flags: i < 20 ? SYN | ACK : RST | ACK,
      atUs: atUs + 500,
    }));
  }
  assert.deepEqual(run(packets), []);
});

Deno.test("port_scan: RST/ACK answers count as refused, and a connect scan is named", () => {
  const packets: PacketRecord[] = [];
  for (let i = 0; i < 20; i++) {
    const atUs = i * 10_000;
    const port = 20 + i;
    packets.push(tcp({ dstPort: port, flags: SYN, atUs }));
    if (i === 0) {
      // An open port: handshake completed, then torn down by the scanner.
      packets.push(
        synAck(port, atUs + 100),
        tcp({ dstPort: port, flags: ACK, atUs: atUs + 200 }),
        tcp({ dstPort: port, flags: RST | ACK, atUs: atUs + 300 }),
      );
    } else {
      packets.push(refusal(port, atUs + 100));
    }
  }
  const findings = run(packets);
  assert.equal(findings.length, 1);
  const evidence = findings[0]?.evidence;
  assert.equal(evidence?.failedProbes, 15);
  assert.equal(evidence?.refusedProbes, 14); // the 15th is not answered yet
  assert.equal(evidence?.answeredProbes, 1);
  assert.deepEqual(evidence?.probeKinds, ["syn", "connect"]);
});

Deno.test("port_scan: FIN, NULL and XMAS probes are probes; ECE/CWR SYNs too", () => {
  const stealth = [FIN, 0, FIN | PSH | URG, SYN | ECE | CWR];
  const packets = Array.from(
    { length: 16 },
    (_, i) => tcp({ dstPort: 100 + i, flags: stealth[i % 4]!, atUs: i * 1000 }),
  );
  const findings = run(packets);
  assert.equal(findings.length, 1);
  assert.deepEqual(findings[0]?.evidence.probeKinds, [
    "syn",
    "fin",
    "null",
    "xmas",
  ]);
});

/**
 * An ACK scan (nmap -sA) of `ports` ports: each bare ACK (acknowledgment
 * number 1000 + i, `flags` ACK or FIN/ACK) answered 100 µs later by the
 * target's bare RST carrying that number as its sequence number (RFC 9293),
 * or by a reset with `resetSeq(i)` instead. The ACKs have no TCP options
 * (40 IP bytes, as nmap's) unless `ipLength` says otherwise.
 */
function ackScan(
  ports: number,
  options: {
    flags?: number;
    probes?: boolean;
    resetSeq?: (i: number) => number;
    ipLength?: number;
  } = {},
): PacketRecord[] {
  const packets: PacketRecord[] = [];
  for (let i = 0; i < ports; i++) {
    const atUs = i * 10_000;
    const ack = 1000 + i;
    if (options.probes ?? true) {
      packets.push({
        ...tcp({ dstPort: 100 + i, flags: options.flags ?? ACK, atUs }),
        tcpAck: ack,
        ipLength: options.ipLength ?? 40,
      });
    }
    packets.push({
      ...tcp({
        src: TARGET,
        dst: SCANNER,
        srcPort: 100 + i,
        dstPort: 40000,
        flags: RST,
        atUs: atUs + 100,
      }),
      tcpSeq: options.resetSeq?.(i) ?? ack,
    });
  }
  return packets;
}

Deno.test("port_scan: an ACK scan (bare ACKs answered by bare RSTs) is found and named, with TCP or IP options too", () => {
  for (
    const [flags, ipLength] of [
      [ACK, 40],
      [FIN | ACK, 40],
      [ACK, 52],
      [ACK, 44],
    ] as const
  ) {
    const findings = run(ackScan(20, { flags, ipLength }));
    assert.equal(findings.length, 1, `flags ${flags}`);
    const finding = findings[0]!;
    assert.equal(finding.attacker, SCANNER);
    assert.equal(finding.victim, TARGET);
    assert.equal(finding.timestampUs, 14 * 10_000 + 100); // the 15th reset
    assert.deepEqual(finding.evidence.probeKinds, ["ack"]);
    assert.equal(finding.evidence.failedProbes, 15);
    // The 15th probe is counted (as failed) before its reset marks it refused.
    assert.equal(finding.evidence.refusedProbes, 14);
  }
});

Deno.test("port_scan: resets nobody here asked for are no ACK scan (backscatter, wrong sequence numbers, data segments)", () => {
  // Backscatter: hosts resetting ACKs that someone spoofed in our name.
  assert.deepEqual(run(ackScan(100, { probes: false })), []);
  // Resets whose sequence number is not the ACK's acknowledgment number.
  assert.deepEqual(run(ackScan(100, { resetSeq: (i) => 5000 + i })), []);
  // A service's keepalives (port 6379) to a client's ephemeral ports, reset
  // by the client that rebooted meanwhile: no probes.
  const keepalives = ackScan(100).map((packet) =>
    packet.tcpFlags === ACK
      ? { ...packet, srcPort: 6379, dstPort: 40000 + packet.dstPort }
      : { ...packet, srcPort: 40000 + packet.srcPort, dstPort: 6379 }
  );
  assert.deepEqual(run(keepalives), []);
  // Segments carrying data or PSH are never probes.
  const withData = ackScan(100).map((packet) =>
    packet.tcpFlags === ACK ? { ...packet, payloadLength: 10 } : packet
  );
  assert.deepEqual(run(withData), []);
  const pushed = ackScan(100, { flags: ACK | PSH });
  assert.deepEqual(run(pushed), []);
});

const SCANNER6 = "fd00:77::1";
const TARGET6 = "fd00:77::2";

/**
 * One of nmap's ACK probes as it leaves nmap (-sA; FIN/ACK for -sM): window
 * 1024, no options (a 40-byte IPv4 or 60-byte IPv6 packet), no payload, the
 * same acknowledgment number in every probe of a scan. `fields` may change
 * any of it.
 */
function nmapAck(
  fields: TcpFields,
  shape: Partial<PacketRecord> = {},
): PacketRecord {
  const packet = tcp(fields);
  return {
    ...packet,
    tcpAck: 2533834863,
    tcpWindow: 1024,
    ipLength: packet.network === "ipv4" ? 40 : 60,
    ...shape,
  };
}

/** A one-way ACK scan of `ports` ports from `src` to `dst`: probes only, 10 ms apart. */
function oneWayAckScan(
  ports: number,
  shape: Partial<PacketRecord> = {},
  flags: number = ACK,
  src = SCANNER,
  dst = TARGET,
): PacketRecord[] {
  return Array.from(
    { length: ports },
    (_, i) =>
      nmapAck({
        src,
        dst,
        srcPort: 41545,
        dstPort: 100 + i,
        flags,
        atUs: i * 10_000,
      }, shape),
  );
}

Deno.test("port_scan: nmap's ACK probes with no answer (a filtered host, a one-way tap) are a scan, over IPv4 and IPv6", () => {
  const threshold = PORT_SCAN_DEFAULTS.failedPortThreshold;
  for (const [src, dst] of [[SCANNER, TARGET], [SCANNER6, TARGET6]]) {
    for (const flags of [ACK, FIN | ACK]) {
      const what = `${src} flags ${flags}`;
      assert.deepEqual(
        run(oneWayAckScan(threshold - 1, {}, flags, src, dst)),
        [],
        what,
      );
      const findings = run(oneWayAckScan(threshold, {}, flags, src, dst));
      assert.equal(findings.length, 1, what);
      const finding = findings[0]!;
      assert.equal(finding.attacker, src);
      assert.equal(finding.victim, dst);
      assert.equal(finding.timestampUs, (threshold - 1) * 10_000);
      assert.deepEqual(finding.evidence.probeKinds, ["ack"]);
      assert.equal(finding.evidence.failedProbes, threshold);
      assert.equal(finding.evidence.refusedProbes, 0);
    }
  }
});

Deno.test("port_scan: bare ACKs unlike nmap's probes, unanswered, are no scan (other windows, options, payload, a service to its client)", () => {
  const ports = 100;
  // Another window: an ordinary stack's, or another tool's (hping3 -A: 64).
  assert.deepEqual(run(oneWayAckScan(ports, { tcpWindow: 29200 })), []);
  assert.deepEqual(run(oneWayAckScan(ports, { tcpWindow: 64 })), []);
  // TCP timestamps (12 bytes of options), as Linux and macOS send them.
  assert.deepEqual(run(oneWayAckScan(ports, { ipLength: 52 })), []);
  // Data: part of a connection.
  assert.deepEqual(
    run(oneWayAckScan(ports, { payloadLength: 100, ipLength: 140 })),
    [],
  );
  // PSH: never a probe.
  assert.deepEqual(run(oneWayAckScan(ports, {}, ACK | PSH)), []);
  // A service on port 80 acknowledging many connections of one client.
  const server = Array.from(
    { length: ports },
    (_, i) =>
      nmapAck({
        src: TARGET,
        dst: SCANNER,
        srcPort: 80,
        dstPort: 40000 + i,
        flags: ACK,
        atUs: i * 10_000,
      }),
  );
  assert.deepEqual(run(server), []);
});

Deno.test("port_scan: nmap's ACK probes answered by resets count once, refused, as before", () => {
  const threshold = PORT_SCAN_DEFAULTS.failedPortThreshold;
  const packets: PacketRecord[] = [];
  for (const probe of oneWayAckScan(threshold)) {
    packets.push(probe, {
      ...tcp({
        src: TARGET,
        dst: SCANNER,
        srcPort: probe.dstPort,
        dstPort: probe.srcPort,
        flags: RST,
        atUs: probe.timestampUs + 100,
      }),
      tcpSeq: probe.tcpAck,
    });
  }
  const findings = run(packets);
  assert.equal(findings.length, 1);
  const finding = findings[0]!;
  // Found at the 15th probe itself now, no longer at its reset.
  assert.equal(finding.timestampUs, (threshold - 1) * 10_000);
  assert.deepEqual(finding.evidence.probeKinds, ["ack"]);
  assert.equal(finding.evidence.probes, threshold);
  assert.equal(finding.evidence.failedProbes, threshold);
  assert.equal(finding.evidence.refusedProbes, threshold - 1);
});

Deno.test("port_scan: a SYN/ACK outweighs the reset of nmap's earlier ACK ping to the same port (the port is open)", () => {
  // nmap's host discovery sends an ACK to port 80, which is reset whether
  // the port is open or not; its SYN probe of port 80 is then answered.
  const ping = nmapAck({ srcPort: 37359, dstPort: 80, flags: ACK, atUs: 0 });
  const packets: PacketRecord[] = [ping, {
    ...tcp({
      src: TARGET,
      dst: SCANNER,
      srcPort: 80,
      dstPort: 37359,
      flags: RST,
      atUs: 100,
    }),
    tcpSeq: ping.tcpAck,
  }];
  for (let port = 71; port <= 90; port++) {
    const atUs = 10_000 + port * 1_000;
    packets.push(tcp({ dstPort: port, flags: SYN, atUs }));
    packets.push(
      port === 80 ? synAck(80, atUs + 100) : refusal(port, atUs + 100),
    );
  }
  const last = runToTheEnd(packets).at(-1)!;
  assert.equal(last.evidence.probes, 20);
  assert.equal(last.evidence.answeredProbes, 1);
  assert.equal(last.evidence.refusedProbes, 19);
  assert.equal(last.evidence.failedProbes, 19);
});

Deno.test("port_scan: a client's kernel resetting SYN/ACKs it never asked for makes no scanner of the server", () => {
  // hping3 -S from one source: the victim answers every SYN with a SYN/ACK,
  // which the sender's kernel resets with a bare RST from a new port each time.
  const packets: PacketRecord[] = [];
  for (let i = 0; i < 100; i++) {
    const atUs = i * 1_000;
    packets.push(
      tcp({ srcPort: 2000 + i, dstPort: 80, flags: SYN, atUs }),
      {
        ...tcp({
          src: TARGET,
          dst: SCANNER,
          srcPort: 80,
          dstPort: 2000 + i,
          flags: SYN | ACK,
          atUs: atUs + 50,
        }),
        tcpAck: 7000 + i,
      },
      {
        ...tcp({ srcPort: 2000 + i, dstPort: 80, flags: RST, atUs: atUs + 60 }),
        tcpSeq: 7000 + i,
      },
    );
  }
  assert.deepEqual(run(packets), []);
});

Deno.test("port_scan: a UDP scan answered by ICMP port unreachable", () => {
  const packets: PacketRecord[] = [];
  for (let i = 0; i < 15; i++) {
    const atUs = i * SECOND_US;
    packets.push(udp({ dstPort: 100 + i, atUs }));
    packets.push(portUnreachable(TARGET, SCANNER, TARGET, 100 + i, atUs + 50));
  }
  const findings = run(packets);
  assert.equal(findings.length, 1);
  assert.equal(findings[0]?.victim, TARGET);
  assert.equal(findings[0]?.evidence.refusedProbes, 14);
  assert.deepEqual(findings[0]?.evidence.probeKinds, ["udp"]);
});

Deno.test("port_scan: a UDP scan goes on being counted after the target answers one probe from an ephemeral port", () => {
  // nmap -sU: the TFTP probe (udp/69) is answered from port 42199 to the
  // scanner's source port, whose kernel refuses that reply; the scanner's
  // next probes from the same source port are probes, not answers to it.
  const packets: PacketRecord[] = [];
  const probe = (port: number, atUs: number) => {
    packets.push(udp({ dstPort: port, atUs }));
    packets.push(portUnreachable(TARGET, SCANNER, TARGET, port, atUs + 50));
  };
  for (let i = 0; i < 5; i++) probe(100 + i, i * 10_000);
  packets.push(udp({ dstPort: 69, atUs: 60_000 }));
  packets.push(udp({
    src: TARGET,
    dst: SCANNER,
    srcPort: 42199,
    dstPort: 40000,
    atUs: 60_100,
  }));
  packets.push(portUnreachable(SCANNER, TARGET, SCANNER, 40000, 60_150));
  for (let i = 0; i < 30; i++) probe(105 + i, 70_000 + i * 10_000);
  const last = runToTheEnd(packets).filter((f) => f.attacker === SCANNER)
    .at(-1)!;
  assert.equal(last.evidence.distinctPorts, 36);
  assert.equal(last.evidence.refusedProbes, 35);
});

Deno.test("port_scan: a scan's final finding is at its last probe, not at a later query that was answered (an exchange)", () => {
  const scan = synScan(20);
  const ntp = udp({ dstPort: 123, atUs: 20 * SECOND_US });
  const answer = udp({
    src: TARGET,
    dst: SCANNER,
    srcPort: 123,
    dstPort: 40000,
    atUs: 20 * SECOND_US + 45_000,
  });
  const last = runToTheEnd([...scan, ntp, answer]).at(-1)!;
  assert.equal(last.timestampUs, scan.at(-1)!.timestampUs);
  assert.equal(last.evidence.distinctPorts, 20);
});

/** A DNS message with `payloadLength` bytes of UDP payload (see {@linkcode udp}). */
function dns(
  fields: UdpFields,
  response: boolean,
  payloadLength = 60,
): PacketRecord {
  return {
    ...udp(fields),
    payloadLength,
    app: "dns",
    dnsResponse: response,
  };
}

Deno.test("port_scan: DNS clients and the resolver answering them are not scans", () => {
  const resolver = "10.0.0.53";
  const packets: PacketRecord[] = [];
  for (let i = 0; i < 500; i++) {
    const atUs = i * 10_000;
    // A client using a new source port per query, answered by the resolver.
    packets.push(
      dns({ dst: resolver, srcPort: 20000 + i, dstPort: 53, atUs }, false),
      dns({
        src: resolver,
        dst: SCANNER,
        srcPort: 53,
        dstPort: 20000 + i,
        atUs: atUs + 500,
      }, true),
    );
    // Answers whose queries the sensor never saw (one-way capture), and
    // answers cut by the snap length before their DNS header.
    packets.push(
      dns({
        src: resolver,
        dst: "10.0.0.9",
        srcPort: 53,
        dstPort: 30000 + i,
        atUs: atUs + 600,
      }, true),
      {
        ...udp({
          src: resolver,
          dst: "10.0.0.10",
          srcPort: 53,
          dstPort: 30000 + i,
          atUs: atUs + 700,
        }),
        payloadLength: 60,
        truncated: true,
      },
    );
  }
  assert.deepEqual(run(packets), []);
});

Deno.test("port_scan: a UDP scan of high ports from source port 53 (nmap -sU -g 53) is found from its empty datagrams and DNS queries", () => {
  // nmap -sU -g 53 sends empty datagrams to most ports and, to some, a DNS
  // query: from port 53 neither is a resolver's answer. Seen one way.
  const probes = (make: (port: number, atUs: number) => PacketRecord) =>
    Array.from({ length: 15 }, (_, i) => make(1025 + i, i * 1000));
  const shapes: [string, (port: number, atUs: number) => PacketRecord][] = [
    ["empty", (dstPort, atUs) => udp({ srcPort: 53, dstPort, atUs })],
    [
      "DNS queries",
      (dstPort, atUs) => dns({ srcPort: 53, dstPort, atUs }, false),
    ],
    [
      "too short for DNS",
      (dstPort, atUs) => ({
        ...udp({ srcPort: 53, dstPort, atUs }),
        payloadLength: 4,
      }),
    ],
    [
      "empty, from port 88",
      (dstPort, atUs) => udp({ srcPort: 88, dstPort, atUs }),
    ],
  ];
  for (const [shape, make] of shapes) {
    const findings = run(probes(make));
    assert.equal(findings.length, 1, shape);
    assert.equal(findings[0]?.attacker, SCANNER, shape);
    assert.equal(findings[0]?.victim, TARGET, shape);
    assert.equal(findings[0]?.evidence.distinctPorts, 15, shape);
    assert.deepEqual(findings[0]?.evidence.probeKinds, ["udp"], shape);
    // One port fewer: below the threshold.
    assert.deepEqual(run(probes(make).slice(1)), [], shape);
  }
  // The same ports, as DNS answers from port 53 or data from a low port
  // of a UDP service whose replies are not told apart (CLDAP's 389,
  // QUIC's 443, an RPC daemon's 700: a service's replies): nothing.
  assert.deepEqual(
    run(probes((dstPort, atUs) => dns({ srcPort: 53, dstPort, atUs }, true))),
    [],
  );
  for (const srcPort of [389, 443, 700]) {
    assert.deepEqual(
      run(
        probes((dstPort, atUs) => ({
          ...udp({ srcPort, dstPort, atUs }),
          payloadLength: 48,
        })),
      ),
      [],
      String(srcPort),
    );
  }
});

/** The decoded datagram from `src`:`srcPort` to `dst`:`dstPort` (SCANNER to TARGET unless told) carrying `payload`, at `atUs`. */
function decodedUdp(
  fields: UdpFields & { srcPort: number },
  payload: Uint8Array,
): PacketRecord {
  const { src = SCANNER, dst = TARGET, srcPort, dstPort, atUs } = fields;
  const frame = udpFrame({ ...MACS, src, dst }, { srcPort, dstPort }, payload);
  return decodeFrame(frame, { timestampUs: atUs }).packet;
}

/** Each payload nmap sends to a port above 1023, with the first such port it goes to (37 ports). */
const NMAP_HIGH_PORT_PROBES: readonly (readonly [number, Uint8Array])[] = [
  ...new Map(
    NMAP_HIGH_PORT_PAYLOADS.map(([ports, payload]) => {
      const high = ports.split(",").map((range) => Number(range.split("-")[0]))
        .find((port) => port >= 1024)!;
      return [high, payload] as const;
    }),
  ),
];

/** nmap -sU -g `srcPort`: its payloads for the first `count` of {@linkcode NMAP_HIGH_PORT_PROBES}' ports, from `src` to `dst`, 1 ms apart, decoded. */
function nmapHighPortScan(
  srcPort: number,
  count: number,
  src = SCANNER,
  dst = TARGET,
): PacketRecord[] {
  return NMAP_HIGH_PORT_PROBES.slice(0, count).map(([dstPort, payload], i) =>
    decodedUdp({ src, dst, srcPort, dstPort, atUs: i * 1000 }, payload)
  );
}

Deno.test("port_scan: a UDP scan of high ports from source port 123 with nmap's payloads (nmap -sU -g 123) is found, over IPv4 and IPv6", () => {
  // Data from the NTP port, as an NTP server's replies are, but none of it
  // one. Seen one way.
  assert.ok(NMAP_HIGH_PORT_PROBES.length >= 30);
  for (const [src, dst] of [[SCANNER, TARGET], [SCANNER6, TARGET6]]) {
    const findings = run(nmapHighPortScan(123, 15, src, dst));
    assert.equal(findings.length, 1, src);
    assert.equal(findings[0]?.attacker, src);
    assert.equal(findings[0]?.victim, dst);
    assert.equal(findings[0]?.evidence.distinctPorts, 15);
    assert.deepEqual(findings[0]?.evidence.probeKinds, ["udp"]);
    // One port fewer: below the threshold.
    assert.deepEqual(run(nmapHighPortScan(123, 14, src, dst)), [], src);
  }
  // Every one of nmap's high ports: the scan's findings (a second one when
  // its probes have doubled) end naming all of them.
  const all = runToTheEnd(nmapHighPortScan(123, NMAP_HIGH_PORT_PROBES.length));
  assert.ok(all.every((f) => f.attacker === SCANNER && f.victim === TARGET));
  assert.equal(
    all.at(-1)?.evidence.distinctPorts,
    NMAP_HIGH_PORT_PROBES.length,
  );
});

Deno.test("port_scan: NTP server replies and NTP amplification answers from port 123 stay replies, seen one way", () => {
  const server = "192.0.2.123";
  // Responses at 100 ports of one host, from one server or reflector: an
  // NTP client's queries answered, or answers to requests made in the
  // victim's name (monlist, readvar: amplification), whose requests the
  // sensor did not see.
  const answers = [
    NTP_SERVER_REPLY,
    NTP_BROADCAST,
    NTP_KISS_OF_DEATH,
    NTP_MONLIST_RESPONSE,
    NTP_READVAR_RESPONSE,
  ];
  for (const payload of answers) {
    const packets = times(100, (i) =>
      decodedUdp({
        src: server,
        dst: TARGET,
        srcPort: 123,
        dstPort: 20000 + i,
        atUs: i * 1000,
      }, payload));
    assert.deepEqual(run(packets), []);
  }
  // The same reflection over IPv6, and replies the snap length cut before
  // their first byte after the UDP header: the reply cannot be told, and is
  // taken for one.
  const reflected = times(100, (i) =>
    decodedUdp({
      src: "2001:db8::123",
      dst: TARGET6,
      srcPort: 123,
      dstPort: 20000 + i,
      atUs: i * 1000,
    }, NTP_MONLIST_RESPONSE));
  assert.deepEqual(run(reflected), []);
  const cut = times(100, (i) => {
    const frame = udpFrame(
      { ...MACS, src: server, dst: TARGET },
      { srcPort: 123, dstPort: 20000 + i },
      NTP_SERVER_REPLY,
    );
    return decodeFrame(frame, { capturedLength: 42, timestampUs: i * 1000 })
      .packet;
  });
  assert.ok(cut.every((p) => p.truncated && p.payloadLength === 48));
  assert.deepEqual(run(cut), []);
  // NTP requests from port 123 to those ports (ntpdc's monlist, ntpq's
  // readvar, a client's query): a scan.
  for (
    const payload of [
      NTP_MONLIST_REQUEST,
      NTP_READVAR_REQUEST,
      NTP_CLIENT_REQUEST,
    ]
  ) {
    const packets = times(
      15,
      (i) =>
        decodedUdp(
          { srcPort: 123, dstPort: 20000 + i, atUs: i * 1000 },
          payload,
        ),
    );
    assert.equal(run(packets).length, 1);
    assert.deepEqual(run(packets.slice(1)), []);
  }
});

Deno.test("port_scan: a UDP scan of high ports from port 88, 111, 137, 161, 500, 67 or 547 with data is found; those services' replies to high ports are not", () => {
  const rules: [string, number, Uint8Array[]][] = [
    ["Kerberos", 88, [KERBEROS_AS_REP, KERBEROS_ERROR]],
    ["IKE", 500, [IKE_V2_SA_INIT_RESPONSE, IKE_V1_MAIN_MODE_RESPONSE]],
    ["portmapper", 111, [RPC_PORTMAP_REPLY]],
    ["NetBIOS name service", 137, [NBNS_NBSTAT_RESPONSE]],
    [
      "SNMP",
      161,
      [SNMP_V2C_GET_RESPONSE, SNMP_V3_REPORT, SNMP_V3_ENCRYPTED_RESPONSE],
    ],
    // DHCP servers answer only clients' ports (68, 546): from 67 and 547
    // to a high port nothing is a reply.
    ["DHCP", 67, []],
    ["DHCPv6", 547, []],
  ];
  for (const [service, srcPort, replies] of rules) {
    // nmap's payloads, and the service's own requests where it has any.
    const findings = run(nmapHighPortScan(srcPort, 15));
    assert.equal(findings.length, 1, service);
    assert.equal(findings[0]?.attacker, SCANNER, service);
    assert.equal(findings[0]?.victim, TARGET, service);
    assert.equal(findings[0]?.evidence.distinctPorts, 15, service);
    assert.deepEqual(run(nmapHighPortScan(srcPort, 14)), [], service);
    for (const reply of replies) {
      const packets = times(100, (i) =>
        decodedUdp({
          src: "192.0.2.1",
          dst: TARGET,
          srcPort,
          dstPort: 20000 + i,
          atUs: i * 1000,
        }, reply));
      assert.deepEqual(run(packets), [], service);
    }
  }
  // Requests from the same ports: an AS-REQ, an NBNS query, an SNMP get,
  // IKE's first messages.
  const requests: [number, Uint8Array][] = [
    [88, KERBEROS_AS_REQ],
    [137, NBNS_NBSTAT_QUERY],
    [161, SNMP_V2C_GET_REQUEST],
    [500, IKE_V2_SA_INIT_REQUEST],
    [500, IKE_V1_MAIN_MODE_REQUEST],
    [111, RPC_CALL],
  ];
  for (const [srcPort, request] of requests) {
    const packets = times(
      15,
      (i) =>
        decodedUdp({ srcPort, dstPort: 20000 + i, atUs: i * 1000 }, request),
    );
    assert.equal(run(packets).length, 1, String(srcPort));
    assert.deepEqual(run(packets.slice(1)), [], String(srcPort));
  }
});

Deno.test("port_scan: a UDP scan of high ports from a port below 512 where no UDP service answers (nmap -sU -g 20, -g 80) is found; from a service's port it is not", () => {
  for (const srcPort of [20, 25, 80]) {
    const findings = run(nmapHighPortScan(srcPort, 15));
    assert.equal(findings.length, 1, String(srcPort));
    assert.equal(findings[0]?.attacker, SCANNER, String(srcPort));
    assert.equal(findings[0]?.victim, TARGET, String(srcPort));
    assert.equal(findings[0]?.evidence.distinctPorts, 15, String(srcPort));
    assert.deepEqual(run(nmapHighPortScan(srcPort, 14)), [], String(srcPort));
  }
  // The same datagrams from ports of services that answer from their port,
  // whose replies are not told apart: taken for replies, as an RPC
  // server's from a reserved port (512–1023) are.
  for (const srcPort of [7, 135, 192, 389, 443, 512, 700, 1023]) {
    assert.deepEqual(run(nmapHighPortScan(srcPort, 15)), [], String(srcPort));
  }
});

Deno.test("port_scan: a UDP service above 1024 answering many client ports is not a scan", () => {
  const server = "10.0.0.70";
  const packets: PacketRecord[] = [];
  for (let i = 0; i < 200; i++) {
    const atUs = i * 10_000;
    packets.push(
      udp({ dst: server, srcPort: 30000 + i, dstPort: 4500, atUs }),
      udp({
        src: server,
        dst: SCANNER,
        srcPort: 4500,
        dstPort: 30000 + i,
        atUs: atUs + 300,
      }),
    );
  }
  assert.deepEqual(run(packets), []);
});

Deno.test("port_scan: a DHCP or DHCPv6 server answering many clients is not a scan of their udp/68 or udp/546", () => {
  // dnsmasq handing out 40 leases: an offer and an ack to each new address.
  const server = "10.0.0.70";
  const packets: PacketRecord[] = [];
  for (let i = 0; i < 40; i++) {
    const atUs = i * 10_000;
    const client = `10.0.1.${100 + i}`;
    for (const step of [0, 1]) {
      packets.push(
        udp({
          src: server,
          dst: client,
          srcPort: 67,
          dstPort: 68,
          atUs: atUs + step * 500,
        }),
        udp({
          src: "fe80::1",
          dst: `fe80::${(100 + i).toString(16)}`,
          srcPort: 547,
          dstPort: 546,
          atUs: atUs + step * 500 + 100,
        }),
      );
    }
  }
  assert.deepEqual(run(packets), []);
  // The same datagrams to another port are a horizontal UDP scan.
  assert.ok(
    run(packets.map((p) => ({ ...p, dstPort: p.dstPort + 1 }))).length > 0,
  );
});

Deno.test("port_scan: SYNs in fragments too short for the TCP header (nmap -f, --mtu 16) are a fragmented scan, not a NULL scan", () => {
  // Each probe's first fragment: 8 bytes of TCP header (ports and
  // sequence number; the flags in a second fragment), or 16 (the flags
  // and window too, the rest of the header in a second fragment).
  for (const bytes of [8, 16]) {
    const packets = times(20, (i) => {
      const segment = tcpSegment({
        src: SCANNER,
        dst: TARGET,
        srcPort: 40_000,
        dstPort: 1 + i,
        flags: TCP_FLAGS.SYN,
      });
      const frame = firstFragmentFrame(6, segment, bytes, {
        src: SCANNER,
        dst: TARGET,
      });
      const { packet } = decodeFrame(frame);
      packet.timestampUs = i * 1_000;
      return packet;
    });
    assert.equal(
      packets[0]!.anomaly,
      bytes === 16 ? TCP_HEADER_FRAGMENTED : TCP_FLAGS_FRAGMENTED,
    );
    assert.equal(packets[0]!.tcpFlags, bytes === 16 ? TCP_FLAGS.SYN : 0);
    const findings = run(packets);
    assert.equal(findings.length, 1, String(bytes));
    assert.match(findings[0]!.summary, /: fragmented port scan$/);
  }
});

Deno.test("port_scan: ICMP fragmentation needed (path MTU discovery) refuses no probe; host unreachable does", () => {
  // A QUIC client's first datagrams to 40 servers of one /24, each too big
  // for a link on the way: a router answers "fragmentation needed" (code
  // 4), the client sends smaller ones, and each server answers.
  const router = "192.0.2.254";
  const exchanges = (code: number) =>
    Array.from({ length: 40 }, (_, i) => {
      const server = `203.0.113.${1 + i}`;
      const atUs = i * 10_000;
      return [
        udp({ dst: server, dstPort: 443, atUs }),
        {
          ...portUnreachable(router, SCANNER, server, 443, atUs + 100),
          icmpCode: code,
        },
        udp({ dst: server, dstPort: 443, atUs: atUs + 200 }),
        udp({
          src: server,
          dst: SCANNER,
          srcPort: 443,
          dstPort: 40000,
          atUs: atUs + 300,
        }),
      ];
    }).flat();
  assert.deepEqual(run(exchanges(4)), []);
  // The same with "host unreachable" (code 1): refused probes, a scan.
  assert.equal(run(exchanges(1)).length, 1);
});

Deno.test("port_scan: multicast, broadcast and traceroute ports are not probed ports", () => {
  const packets: PacketRecord[] = [];
  for (let i = 0; i < 60; i++) {
    const atUs = i * 10_000;
    packets.push(udp({ dst: "239.255.255.250", dstPort: 1000 + i, atUs }));
    packets.push(udp({ dst: "255.255.255.255", dstPort: 2000 + i, atUs }));
    packets.push(udp({ dst: "ff02::fb", dstPort: 3000 + i, atUs }));
    packets.push(udp({ dstPort: 33434 + i, atUs })); // traceroute
  }
  assert.deepEqual(run(packets), []);
});

Deno.test("port_scan: many connections to one service are not a scan (FTP brute force)", () => {
  const server = "10.121.70.151";
  const packets: PacketRecord[] = [];
  for (let i = 0; i < 1400; i++) {
    const atUs = i * 30_000;
    const srcPort = 30000 + i;
    packets.push(
      tcp({ dst: server, srcPort, dstPort: 21, flags: SYN, atUs }),
      tcp({
        src: server,
        dst: SCANNER,
        srcPort: 21,
        dstPort: srcPort,
        flags: SYN | ACK,
        atUs: atUs + 100,
      }),
      tcp({ dst: server, srcPort, dstPort: 21, flags: ACK, atUs: atUs + 200 }),
      tcp({
        dst: server,
        srcPort,
        dstPort: 21,
        flags: FIN | ACK,
        atUs: atUs + 20_000,
      }),
    );
  }
  assert.deepEqual(run(packets), []);
});

Deno.test("port_scan: a browser reaching many hosts on 443 is not a scan", () => {
  const packets: PacketRecord[] = [];
  for (let i = 0; i < 300; i++) {
    const host = `93.184.${i >> 4}.${i % 16}`; // many in the same /24s
    const atUs = i * 50_000;
    packets.push(
      tcp({ dst: host, srcPort: 50000 + i, dstPort: 443, flags: SYN, atUs }),
      tcp({
        src: host,
        dst: SCANNER,
        srcPort: 443,
        dstPort: 50000 + i,
        flags: SYN | ACK,
        atUs: atUs + 30_000,
      }),
    );
  }
  assert.deepEqual(run(packets), []);
});

Deno.test("port_scan: horizontal sweep of one subnet: 24 hosts nothing, 25 a finding (SYNs, or nmap's ACK probes unanswered)", () => {
  const probes = [
    { flags: SYN, probe: tcp, kinds: ["syn"] },
    {
      flags: ACK,
      probe: (fields: TcpFields) => nmapAck(fields),
      kinds: ["ack"],
    },
  ];
  for (const { flags, probe, kinds } of probes) {
    const sweep = (count: number) =>
      Array.from(
        { length: count },
        (_, i) =>
          probe({
            dst: `10.1.2.${i + 1}`,
            dstPort: 80,
            flags,
            atUs: i * 1000,
          }),
      );
    assert.deepEqual(run(sweep(24)), [], kinds[0]);
    const findings = run(sweep(25));
    assert.equal(findings.length, 1, kinds[0]);
    assert.equal(findings[0]?.attacker, SCANNER);
    assert.equal(findings[0]?.victim, "");
    assert.equal(findings[0]?.evidence.scanType, "horizontal");
    assert.equal(findings[0]?.evidence.topPort, 80);
    assert.equal(findings[0]?.evidence.topPortHosts, 25);
    assert.equal(findings[0]?.evidence.distinctHosts, 25);
    assert.deepEqual(findings[0]?.evidence.probeKinds, kinds);
  }
});

Deno.test("port_scan: a sweep of hosts that answer is found when the scanner resets each handshake half-open (nmap -sS, masscan), not when clients connect", () => {
  /** 30 hosts of 10.1.2.0/24 on port 22, one every `spacingUs` (10 ms unless told), each answering `answerUs` after the SYN (100 µs unless told); `after` is what the prober sends once answered (its SYN's sequence number is 1000 + host). */
  const sweep = (
    after: (host: string, ack: number, atUs: number) => PacketRecord[],
    answerUs = 100,
    spacingUs = 10_000,
  ) =>
    Array.from({ length: 30 }, (_, i) => {
      const host = `10.1.2.${i + 1}`;
      const atUs = i * spacingUs;
      const ack = 1001 + i;
      return [
        numbered(tcp({ dst: host, dstPort: 22, flags: SYN, atUs }), ack - 1),
        numbered(
          tcp({
            src: host,
            dst: SCANNER,
            srcPort: 22,
            dstPort: 40000,
            flags: SYN | ACK,
            atUs: atUs + answerUs,
          }),
          7,
          ack,
        ),
        ...after(host, ack, atUs + answerUs + 100),
      ];
    }).flat().sort((a, b) => a.timestampUs - b.timestampUs);
  const reset = (
    host: string,
    seq: number,
    atUs: number,
    flags: number = RST,
  ) => numbered(tcp({ dst: host, dstPort: 22, flags, atUs }), seq);

  // Half-open: a bare RST with the sequence number the SYN/ACK acknowledged.
  const halfOpen = sweep((host, ack, atUs) => [reset(host, ack, atUs)]);
  const findings = run(halfOpen);
  assert.equal(findings.length, 1);
  assert.equal(findings[0]?.evidence.scanType, "horizontal");
  assert.equal(findings[0]?.evidence.topPort, 22);
  assert.equal(findings[0]?.evidence.topPortHosts, 25);
  // At the 25th host's SYN, not answered yet (failed until it is).
  assert.equal(findings[0]?.evidence.halfOpenProbes, 24);
  // nmap's SYNs from one source port (the tests' 40000).
  assert.deepEqual(findings[0]?.evidence.sampleSourcePorts, [40000]);
  assert.equal(findings[0]?.victim, "");
  assert.match(
    findings[0]!.summary,
    /25 failed, 24 of them answered and reset half-open/,
  );
  const last = runToTheEnd(halfOpen).at(-1)!;
  assert.equal(last.evidence.failedProbes, 30);
  assert.equal(last.evidence.halfOpenProbes, 30);
  assert.equal(last.evidence.answeredProbes, 0);
  assert.equal(last.evidence.refusedProbes, 0);

  // Clients that connected: they acknowledge, then close or reset later
  // (a reset's sequence number is past what they sent), or reset with ACK.
  const connected = [
    sweep((host, ack, atUs) => [
      numbered(tcp({ dst: host, dstPort: 22, flags: ACK, atUs }), ack),
      numbered(
        tcp({ dst: host, dstPort: 22, flags: FIN | ACK, atUs: atUs + 1 }),
        ack,
      ),
    ]),
    sweep((host, ack, atUs) => [
      numbered(tcp({ dst: host, dstPort: 22, flags: ACK, atUs }), ack),
      reset(host, ack + 21, atUs + 1),
    ]),
    sweep((host, ack, atUs) => [reset(host, ack, atUs, RST | ACK)]),
    // Nor a reset of another sequence number (a spoofed one, say).
    sweep((host, ack, atUs) => [reset(host, ack + 1, atUs)]),
    // Nor a client's kernel resetting SYN/ACKs that came 1.5 s late, after
    // its connect had timed out.
    sweep((host, ack, atUs) => [reset(host, ack, atUs)], 1_500_000, 2_000_000),
  ];
  for (const packets of connected) assert.deepEqual(run(packets), []);
});

/** A packet of IP protocol `protocol` (no TCP, UDP or ICMP) from `src` to `dst`, IPv6 when they are. */
function ipProtocolPacket(
  src: string,
  dst: string,
  protocol: number,
  atUs: number,
): PacketRecord {
  return {
    ...emptyPacketRecord(),
    timestampUs: atUs,
    network: src.includes(":") ? "ipv6" : "ipv4",
    srcAddress: src,
    dstAddress: dst,
    ipProtocol: protocol,
    transport: "other",
  };
}

/** The refusal of an IP protocol probe by `from`: ICMP protocol unreachable (IPv4) or ICMPv6 parameter problem, unrecognized next header. */
function protocolRefusal(
  from: string,
  to: string,
  protocol: number,
  atUs: number,
): PacketRecord {
  const six = from.includes(":");
  return {
    ...emptyPacketRecord(),
    timestampUs: atUs,
    network: six ? "ipv6" : "ipv4",
    srcAddress: from,
    dstAddress: to,
    ipProtocol: six ? 58 : 1,
    transport: six ? "icmpv6" : "icmp",
    icmpType: six ? 4 : 3,
    icmpCode: six ? 1 : 2,
    quotedProtocol: protocol,
    quotedDstAddress: from,
  };
}

Deno.test("port_scan: an IP protocol scan (nmap -sO) is one, over IPv4 and IPv6; its refusals count, and protocols that answer are none", () => {
  const protocols = Array.from({ length: 256 }, (_, p) => p)
    .filter((p) => ![1, 6, 17, 58].includes(p));
  for (
    const [scanner, target] of [[SCANNER, TARGET], ["fd00::66", "fd00::5"]]
  ) {
    // 15 protocols refused (a kernel rate-limits its ICMP errors), the rest
    // unanswered: the failed threshold is crossed at the 15th refusal.
    const refused: PacketRecord[] = [];
    for (const [i, p] of protocols.slice(0, 15).entries()) {
      refused.push(
        ipProtocolPacket(scanner!, target!, p, i * 1000),
        protocolRefusal(target!, scanner!, p, i * 1000 + 100),
      );
    }
    const findings = run(refused);
    assert.equal(findings.length, 1, scanner);
    assert.equal(findings[0]?.victim, target);
    assert.equal(findings[0]?.evidence.refusedProbes, 14, scanner); // the 15th is not refused yet
    assert.deepEqual(findings[0]?.evidence.probeKinds, ["ip-protocol"]);
    assert.match(
      findings[0]!.summary,
      /probed 15 ports or IP protocols of .* \(15 probes to 15 distinct ports or IP protocols on 1 host, 15 failed\).*ip-protocol port scan$/,
    );
    // Unanswered, all of them: at the port threshold (100).
    const sweep = protocols.map((p, i) =>
      ipProtocolPacket(scanner!, target!, p, i * 1000)
    );
    assert.equal(runToTheEnd(sweep).at(-1)?.evidence.distinctPorts, 252);
  }
  // GRE, ESP and OSPF between two routers, answered both ways, and OSPF
  // and VRRP to their multicast groups: no probes.
  const routers: PacketRecord[] = [];
  for (let i = 0; i < 30; i++) {
    const peer = `10.1.2.${i + 1}`;
    for (const protocol of [47, 50, 89]) {
      routers.push(
        ipProtocolPacket(SCANNER, peer, protocol, i * 1000),
        ipProtocolPacket(peer, SCANNER, protocol, i * 1000 + 10),
      );
    }
    routers.push(
      ipProtocolPacket(SCANNER, "224.0.0.5", 89, i * 1000 + 20),
      ipProtocolPacket(SCANNER, "224.0.0.18", 112, i * 1000 + 30),
    );
  }
  assert.deepEqual(run(routers), []);
});

Deno.test("port_scan: unicast answers to discovery queries sent to a group (SSDP, LLMNR, mDNS one-shot) are no UDP scan of the asker", () => {
  const ASKER = "10.0.0.10";
  const DEVICE = "10.0.0.20";
  /** 17 queries from a new port each, 10 s apart, to `group`:`port`, each answered three times by unicast from `port` `delayUs` later. */
  const discovery = (
    group: string,
    port: number,
    delayUs: number,
    ask = true,
  ) =>
    Array.from({ length: 17 }, (_, i) => {
      const atUs = i * 10 * SECOND_US;
      const askerPort = 50000 + i;
      return [
        ...(ask
          ? [
            udp({
              src: ASKER,
              dst: group,
              srcPort: askerPort,
              dstPort: port,
              atUs,
            }),
          ]
          : []),
        ...[1, 2, 3].map((n) =>
          udp({
            src: DEVICE,
            dst: ASKER,
            srcPort: port,
            dstPort: askerPort,
            atUs: atUs + delayUs + n,
          })
        ),
      ];
    }).flat();
  for (
    const [group, port] of [
      ["239.255.255.250", 1900],
      ["224.0.0.252", 5355],
      ["224.0.0.251", 5353],
    ] as const
  ) {
    assert.deepEqual(run(discovery(group, port, 3 * SECOND_US)), [], group);
    // Without the query, or answered too late, they are datagrams to new
    // ports of the asker: a UDP scan.
    for (
      const packets of [
        discovery(group, port, 3 * SECOND_US, false),
        discovery(group, port, 11 * SECOND_US),
      ]
    ) {
      const findings = run(packets);
      assert.ok(findings.length > 0, group);
      assert.equal(findings[0]?.attacker, DEVICE);
      assert.equal(findings[0]?.victim, ASKER);
    }
  }
  // mDNS chatter (from 5353 to the group's 5353) is no query: a sweep of
  // udp/5353 from port 5353 over the chattering hosts is a scan.
  const chatter = times(30, (i) =>
    udp({
      src: `10.0.3.${i + 1}`,
      dst: "224.0.0.251",
      srcPort: 5353,
      dstPort: 5353,
      atUs: i * 1_000,
    }));
  const sweep = times(30, (i) =>
    udp({
      dst: `10.0.3.${i + 1}`,
      srcPort: 5353,
      dstPort: 5353,
      atUs: SECOND_US + i * 1_000,
    }));
  assert.equal(run([...chatter, ...sweep])[0]?.evidence.topPortHosts, 25);
});

Deno.test("port_scan: a cut-off client failing to scattered hosts is not a scan until 256 hosts", () => {
  // One host per /24, all unanswered (e.g. the gateway is ARP-spoofed).
  const scattered = (count: number) =>
    Array.from({ length: count }, (_, i) =>
      tcp({
        dst: `${20 + (i >> 8)}.${i & 255}.7.9`,
        srcPort: 50000 + i,
        dstPort: 443,
        flags: SYN,
        atUs: i * 100_000,
      }));
  assert.deepEqual(run(scattered(255)), []);
  const findings = run(scattered(256));
  assert.equal(findings.length, 1);
  assert.equal(findings[0]?.victim, "");
  assert.equal(findings[0]?.severity, "medium");
});

Deno.test("port_scan: a horizontal IPv6 sweep counts hosts of one /64", () => {
  const packets = Array.from(
    { length: 25 },
    (_, i) =>
      tcp({
        dst: `2001:db8:0:1::${(i + 1).toString(16)}`,
        dstPort: 22,
        flags: SYN,
        atUs: i * 1000,
      }),
  );
  const findings = run(packets);
  assert.equal(findings.length, 1);
  assert.equal(findings[0]?.evidence.topPortHosts, 25);
});

Deno.test("port_scan: a slow scan within the window is found, one spread past it is not", () => {
  // 15 ports, one every 20 s: 280 s < 5 min.
  const slow = run(synScan(15, { intervalUs: 20 * SECOND_US }));
  assert.equal(slow.length, 1);
  assert.equal(slow[0]?.timestampUs, 280 * SECOND_US);
  // One every 25 s: the first probe expires before the 15th arrives.
  assert.deepEqual(run(synScan(15, { intervalUs: 25 * SECOND_US })), []);
  assert.equal(
    run(synScan(15, { intervalUs: 25 * SECOND_US }), {
      windowUs: 400 * SECOND_US,
    }).length,
    1,
  );
});

Deno.test("port_scan: a slow scan is found on a network with thousands of new clients a second", () => {
  // One probe every 10 s to a new port of TARGET, and 2 000 new one-SYN
  // clients a second (20 000 between two probes, more than the 16 384 new
  // sources held): without admission the scanner's held probes were
  // evicted before its third, and it never joined the tables.
  const detector = createPortScanDetector();
  const scan = Array.from(
    { length: 20 },
    (_, i) =>
      tcp({ dstPort: i + 1, flags: SYN, atUs: (i + 1) * 10 * SECOND_US }),
  );
  const findings = findingsInCrowd(
    detector,
    scan,
    tcp({ dst: "192.0.2.80", dstPort: 443, flags: SYN, atUs: 0 }),
    20_000,
    10 * SECOND_US,
    (packet, n) => packet.srcAddress = crowdHost(n),
  );
  // The table was full when the scan began: its first probe is turned away
  // at the door, so the 15 failed ports fall on its 16th probe (then the
  // finding repeats every report interval while the scan grows).
  assert.deepEqual(
    findings.map((f) => [f.attacker, f.victim, f.timestampUs]),
    [16, 17, 18, 19, 20].map((
      probe,
    ) => [SCANNER, TARGET, probe * 10 * SECOND_US]),
  );
  assert.ok(detector.tables().new_sources!.rejected! > 350_000);
});

Deno.test("port_scan: findings repeat when probes double or after the report interval", () => {
  // 1000 ports in 1 s: 15, 30, 60, 120, 240, 480, 960.
  const fast = run(synScan(1000));
  assert.deepEqual(
    fast.map((f) => f.evidence.probes),
    [15, 30, 60, 120, 240, 480, 960],
  );
  assert.deepEqual(fast.map((f) => f.severity), [
    "low",
    "low",
    "low",
    "medium",
    "medium",
    "medium",
    "medium",
  ]);
  // 40 ports, one a second: 15, 30, and 25 (+10 s after 15) / 35 (+10 s after 25)…
  const slow = run(synScan(40, { intervalUs: SECOND_US }));
  assert.deepEqual(slow.map((f) => f.evidence.probes), [15, 25, 35]);
  assert.ok(slow.every((f) => f.key === SCANNER && f.victim === TARGET));
});

Deno.test("port_scan: a scan past 1000 probes is high severity", () => {
  const last = run(synScan(2000)).at(-1);
  assert.equal(last?.evidence.probes, 1920);
  assert.equal(last?.severity, "high");
});

Deno.test("port_scan: the same packets give the same findings", () => {
  const packets = [
    ...synScan(300),
    ...Array.from(
      { length: 300 },
      (_, i) =>
        tcp({
          src: "10.9.9.9",
          dst: `10.2.${i >> 8}.${i & 255}`,
          dstPort: 445,
          flags: SYN,
          atUs: 400_000 + i * 100,
        }),
    ),
  ].sort((a, b) => a.timestampUs - b.timestampUs);
  const first = run(packets);
  assert.ok(first.length > 0);
  assert.deepEqual(run(packets), first);
});

Deno.test("port_scan: probes past maxProbesPerSource are counted, not remembered", () => {
  const detector = createPortScanDetector({ maxProbesPerSource: 100 });
  const findings: Finding[] = [];
  for (const packet of synScan(1000)) {
    detector.observe(packet, (finding) => findings.push(finding));
  }
  assert.equal(detector.tables().probes?.size, 100);
  const last = findings.at(-1);
  assert.equal(last?.evidence.distinctPorts, 100);
  assert.equal(last?.evidence.uncountedProbes, 860);
  assert.equal(last?.evidence.probes, 960);
});

Deno.test("port_scan: state expires with packet time", () => {
  const detector = createPortScanDetector();
  const ignore = () => {};
  for (const packet of synScan(10)) detector.observe(packet, ignore);
  assert.equal(detector.tables().probes?.size, 10);
  assert.equal(detector.tables().sources?.size, 1);
  detector.observe(
    tcp({ src: "10.7.7.7", dstPort: 80, flags: SYN, atUs: 301 * SECOND_US }),
    ignore,
  );
  // The scanner expired; a source with one or two probes so far is held
  // apart, in new_sources only.
  assert.equal(detector.tables().probes?.size, 0);
  assert.equal(detector.tables().sources?.size, 0);
  assert.equal(detector.tables().new_sources?.size, 1);
  assert.equal(detector.tables().host_counters?.size, 0);
  assert.equal(detector.tables().port_counters?.size, 0);
  assert.equal(detector.tables().subnet_counters?.size, 0);
});

Deno.test("port_scan: a source's first two distinct probes wait in new_sources; the third moves all three into the tables", () => {
  const detector = createPortScanDetector();
  const ignore = () => {};
  const tables = () => detector.tables();
  detector.observe(tcp({ dstPort: 80, flags: SYN, atUs: 0 }), ignore);
  detector.observe(tcp({ dstPort: 80, flags: SYN, atUs: 1 }), ignore); // a repeat
  detector.observe(udp({ dst: "10.0.0.53", dstPort: 53, atUs: 2 }), ignore);
  detector.observe(tcp({ dstPort: 80, flags: SYN, atUs: 3 }), ignore); // a repeat of the first
  assert.equal(tables().new_sources?.size, 1);
  assert.equal(tables().sources?.size, 0);
  assert.equal(tables().probes?.size, 0);
  detector.observe(tcp({ dstPort: 443, flags: SYN, atUs: 4 }), ignore);
  assert.equal(tables().new_sources?.size, 0);
  assert.equal(tables().sources?.size, 1);
  assert.equal(tables().probes?.size, 3);
  assert.equal(tables().host_counters?.size, 2);
  assert.equal(tables().port_counters?.size, 3);
});

Deno.test("port_scan: answers to either held probe count once the source joins the tables", () => {
  const options = { failedPortThreshold: 3 };
  // Three SYNs, none answered: three failures reach the threshold.
  assert.equal(run(synScan(3), options).length, 1);
  // The second held probe answered before the third: two failures of three.
  const [first, second, third, fourth] = synScan(4);
  assert.deepEqual(
    run([first!, second!, synAck(2, 1500), third!], options),
    [],
  );
  // A fourth failure crosses it again.
  const findings = run(
    [first!, second!, synAck(2, 1500), third!, fourth!],
    options,
  );
  assert.equal(findings.length, 1);
  assert.equal(findings[0]?.evidence.failedProbes, 3);
  assert.equal(findings[0]?.evidence.distinctPorts, 4);
  // The same with the first held probe answered.
  assert.deepEqual(run([first!, synAck(1, 800), second!, third!], options), []);
});

Deno.test("port_scan: thresholds of 2 and 1 hold fewer probes apart, and still fire at the threshold", () => {
  for (const threshold of [1, 2]) {
    const options = { failedPortThreshold: threshold };
    assert.deepEqual(run(synScan(threshold - 1), options), []);
    const findings = run(synScan(threshold), options);
    assert.equal(findings.length, 1, `threshold ${threshold}`);
    assert.equal(findings[0]?.evidence.failedProbes, threshold);
  }
});

Deno.test("port_scan: tables stay within capacity under 1M spoofed sources", () => {
  const options = { maxSources: 1_000, maxNewSources: 500, maxProbes: 2_000 };
  const detector = createPortScanDetector(options);
  const findings: Finding[] = [];
  const packet = tcp({ dstPort: 80, flags: SYN, atUs: 0 });
  for (let i = 0; i < 1_000_000; i++) {
    packet.srcAddress = `${(i >>> 16) + 1}.${(i >>> 8) & 255}.${i & 255}.1`;
    withAddressKeys(packet);
    packet.dstPort = 1 + (i % 1000);
    packet.timestampUs = i * 10;
    detector.observe(packet, (finding) => findings.push(finding));
  }
  const tables = detector.tables();
  // One SYN per source: each stays a new source; once the table is full,
  // newcomers are turned away at the door (all but the few that the
  // admission's sketches take for seen before, which evict the oldest).
  const held = tables.new_sources!;
  assert.equal(held.size, 500);
  assert.equal(held.capacity, 500);
  assert.equal(held.evictions + held.rejected!, 999_500);
  assert.ok(held.rejected! > 990_000, `${held.rejected} rejected`);
  assert.deepEqual(tables.sources, { size: 0, capacity: 1_000, evictions: 0 });
  for (
    const name of [
      "probes",
      "host_counters",
      "port_counters",
      "subnet_counters",
    ]
  ) {
    const table = tables[name]!;
    assert.ok(table.size <= options.maxProbes, `${name} ${table.size}`);
    assert.equal(table.capacity, options.maxProbes);
  }
  assert.deepEqual(findings, []);
});

Deno.test("port_scan: past maxProbes the oldest probe makes room, so counters never leave while a probe counts in them", () => {
  // Scanners sweeping more hosts than the probe table holds: each new probe
  // replaces the oldest, and its entries (recycled) must take no counter
  // away from a probe still remembered.
  const options = {
    maxProbes: 300,
    failedSubnetHostThreshold: 5,
    failedHostThreshold: 20,
  };
  const detector = createPortScanDetector(options);
  const findings: Finding[] = [];
  for (let i = 0; i < 20_000; i++) {
    const scanner = `10.7.0.${1 + (i % 5)}`;
    const packet = tcp({
      src: scanner,
      dst: `10.${1 + (i % 3)}.${(i >> 8) & 255}.${i & 255}`,
      dstPort: i % 7 === 0 ? 22 : 445,
      flags: SYN,
      atUs: i * 1_000,
    });
    detector.observe(packet, (finding) => findings.push(finding));
  }
  const tables = detector.tables();
  assert.equal(tables.probes!.size, options.maxProbes);
  assert.ok(tables.probes!.evictions > 19_000, `${tables.probes!.evictions}`);
  for (const name of ["host_counters", "port_counters", "subnet_counters"]) {
    assert.equal(tables[name]!.evictions, 0, name);
    assert.ok(tables[name]!.size <= options.maxProbes, name);
  }
  // Every scanner's latest finding counts only what is remembered, and
  // never less than nothing.
  const latest = new Map(
    findings.map((finding) => [finding.attacker, finding]),
  );
  assert.equal(latest.size, 5);
  for (const finding of latest.values()) {
    const probes = finding.evidence.probes as number;
    assert.ok(probes > 0 && probes <= options.maxProbes, `${probes}`);
  }
});

Deno.test("port_scan: a held source that repeated its probe often is kept against a newcomer seen less often", () => {
  // Repeats of a held probe count as sightings of the source, as hits do in
  // every admitted table: a spoofed flood's returning sources then do not
  // churn the busy ones out.
  const stats = tableAfterNewcomer(
    createPortScanDetector({ maxNewSources: 2 }),
    "new_sources",
    times(40, (i) => tcp({ dstPort: 80, flags: SYN, atUs: i * 1_000 })),
    [tcp({ src: "10.0.0.67", dstPort: 80, flags: SYN, atUs: SECOND_US })],
    times(20, (i) =>
      tcp({
        src: "10.0.0.68",
        dstPort: 80,
        flags: SYN,
        atUs: 2 * SECOND_US + i * 1_000,
      })),
  );
  assert.deepEqual([stats.evictions, stats.rejected], [0, 20]);
});

Deno.test("port_scan: invalid options are rejected", () => {
  assert.throws(() => createPortScanDetector({ windowUs: 0 }), RangeError);
  assert.throws(
    () => createPortScanDetector({ failedPortThreshold: -1 }),
    RangeError,
  );
  assert.throws(
    () => createPortScanDetector({ minFailedRatio: 2 }),
    RangeError,
  );
  assert.throws(() => createPortScanDetector({ maxSources: 0 }), RangeError);
});

Deno.test("port_scan: non-IP and non-probe packets are ignored", () => {
  const detector = createPortScanDetector();
  const findings: Finding[] = [];
  const arp = { ...emptyPacketRecord(), network: "arp" as const };
  detector.observe(arp, (finding) => findings.push(finding));
  for (let i = 0; i < 100; i++) {
    detector.observe(
      tcp({ dstPort: i + 1, flags: ACK | PSH, atUs: i }),
      (finding) => findings.push(finding),
    );
  }
  assert.deepEqual(findings, []);
  assert.equal(detector.tables().sources?.size, 0);
  assert.equal(detector.name, "port_scan");
});

/** The parts of a summary: "<src> probed [at least ]N ports of H (P probes to D distinct ports on K hosts, …". */
const SUMMARY_REGEXP =
  / probed (?:at least )?(\d+) ports? of (\S+) \((\d+) probes? to (\d+) distinct ports? on (\d+) hosts?, /;

/** The parts of a scan of several hosts' summary: "<src> probed [at least ]N ports on K hosts (H1, H2…". */
const SEVERAL_HOSTS_SUMMARY_REGEXP =
  / probed (?:at least )?(\d+) ports? on (?:at least )?(\d+) hosts \(([^,;]+)[,;]/;

/** Asserts that the finding's victim, its summary's host and its evidence's top host are one host, with the same port count. */
function assertOneStory(
  finding: Pick<Finding, "summary" | "victim" | "evidence">,
): void {
  if (finding.evidence.severalHosts === true) {
    // "<src> probed N ports on K hosts (H1, H2…; P probes, …": the
    // first host scanned first.
    const many = SEVERAL_HOSTS_SUMMARY_REGEXP.exec(finding.summary);
    assert.ok(many, finding.summary);
    const [, ports, hosts, first] = many;
    assert.equal(Number(ports), finding.evidence.distinctPorts);
    assert.equal(Number(hosts), finding.evidence.distinctHosts);
    assert.equal(first, finding.evidence.topHost, finding.summary);
    assert.ok(
      finding.victim === "" || finding.victim === first,
      finding.summary,
    );
    return;
  }
  const parts = SUMMARY_REGEXP.exec(finding.summary);
  assert.ok(parts, finding.summary);
  const [, ports, host, , distinctPorts, hosts] = parts;
  assert.equal(host, finding.victim, finding.summary);
  assert.equal(finding.evidence.topHost, finding.victim, finding.summary);
  assert.equal(Number(ports), finding.evidence.topHostPorts, finding.summary);
  assert.equal(
    Number(distinctPorts),
    finding.evidence.distinctPorts,
    finding.summary,
  );
  assert.equal(Number(hosts), finding.evidence.distinctHosts, finding.summary);
}

Deno.test("port_scan: the victim, the summary's host and the evidence's top host agree, and the victim stays the first host scanned", () => {
  const hosts = ["10.0.0.5", "10.0.0.7"];
  // Ports 1–100 of .5 alone: it crosses with its 15th; then ports 1–300
  // of .7 alone, which comes to match it, then overtakes it.
  const packets = [
    ...synScan(100, { dst: hosts[0]! }),
    ...synScan(300, { dst: hosts[1]!, startUs: 100_000 }),
  ];
  // Findings at 15 probes (.5's 15th port), then at 30, 60, 120 and 240.
  const findings = run(packets);
  assert.equal(findings.length, 5);
  for (const finding of findings) {
    assert.equal(finding.victim, hosts[0]);
    assertOneStory(finding);
  }
  // "N ports of H" counts H's ports alone; the totals come after.
  assert.equal(
    findings[0]?.summary,
    `${SCANNER} probed 15 ports of 10.0.0.5 (15 probes to 15 distinct ports on 1 host, 15 failed) within 5 min: syn port scan`,
  );
  assert.equal(
    findings[3]?.summary,
    `${SCANNER} probed 100 ports of 10.0.0.5 (120 probes to 100 distinct ports on 2 hosts, 120 failed) within 5 min: syn port scan`,
  );
  // .7's 140 ports to .5's 100: neither has most of the probes, and the
  // summary says so, though the alert keeps its victim.
  assert.equal(
    findings[4]?.summary,
    `${SCANNER} probed 140 ports on 2 hosts (10.0.0.5, 10.0.0.7; 240 probes, 240 failed) within 5 min: syn port scan`,
  );
  assert.equal(findings[4]?.evidence.severalHosts, true);
  assert.equal(findings[3]?.evidence.severalHosts, false);
});

Deno.test("port_scan: a scan of several hosts, none with most of its probes, is told as one of all of them, and its alert names no victim", () => {
  const hosts = ["10.0.0.5", "10.0.0.6", "10.0.0.7"];
  // Ports 1–100 of each host in turn (.5:1 .6:1 .7:1 .5:2 …): .5 crosses
  // first, with 15 failed ports to 14 of each other; then 200 more ports
  // of .7 alone, which overtakes them.
  const packets = times(300, (i) =>
    tcp({
      dst: hosts[i % 3]!,
      dstPort: Math.floor(i / 3) + 1,
      flags: SYN,
      atUs: i * 1000,
    }));
  packets.push(...synScan(200, { dst: hosts[2]!, startUs: 300_000 }));
  // Findings at 43 probes (.5's 15th port), then at 86, 172 and 344.
  const findings = run(packets);
  assert.equal(findings.length, 4);
  for (const finding of findings) {
    assert.equal(finding.victim, "");
    assert.equal(finding.evidence.severalHosts, true);
    // The first host scanned stays the evidence's top host.
    assert.equal(finding.evidence.topHost, hosts[0]);
    assertOneStory(finding);
  }
  assert.equal(
    findings[0]?.summary,
    `${SCANNER} probed 15 ports on 3 hosts (10.0.0.5, 10.0.0.6, 10.0.0.7; 43 probes, 43 failed) within 5 min: syn port scan`,
  );
  assert.equal(findings[0]?.evidence.topHostPorts, 15);
  // .7 now has 144 ports of 344 probes: still no host with most.
  assert.equal(
    findings.at(-1)?.summary,
    `${SCANNER} probed 144 ports on 3 hosts (10.0.0.5, 10.0.0.6, 10.0.0.7; 344 probes, 344 failed) within 5 min: syn port scan`,
  );
  assert.deepEqual(findings.at(-1)?.evidence.sampleHosts, hosts);

  // A scan of one host with a few failed probes elsewhere (the scanner's
  // own connections) still names its victim.
  const one = run([
    ...synScan(5, { dst: hosts[1]! }),
    ...synScan(15, { dst: hosts[0]!, startUs: 10_000 }),
  ]);
  assert.equal(one.length, 1);
  assert.equal(one[0]?.victim, hosts[0]);
  assert.equal(one[0]?.evidence.severalHosts, false);

  // Eight hosts: the summary names four, and how many more.
  const eight = Array.from({ length: 8 }, (_, i) => `10.0.1.${i + 1}`);
  const wide = run(times(8 * 15, (i) =>
    tcp({
      dst: eight[i % 8]!,
      dstPort: Math.floor(i / 8) + 1,
      flags: SYN,
      atUs: i * 1000,
    })));
  assert.match(
    wide[0]!.summary,
    / probed 15 ports on 8 hosts \(10\.0\.1\.1, 10\.0\.1\.2, 10\.0\.1\.3, 10\.0\.1\.4 and 4 more; 113 probes, 113 failed\)/,
  );
  assert.equal(wide[0]!.victim, "");
});

Deno.test("port_scan: the open ports a scan found are listed, at most 32, with the scanned hosts' answers only", () => {
  const packets: PacketRecord[] = [];
  // The scanner's own connection elsewhere, answered: no open port of the scan.
  packets.push(
    tcp({ dst: "10.0.0.9", dstPort: 443, flags: SYN, atUs: 0 }),
    tcp({
      src: "10.0.0.9",
      dst: SCANNER,
      srcPort: 443,
      dstPort: 40000,
      flags: SYN | ACK,
      atUs: 10,
    }),
  );
  // Ports 1–200 of the target, the odd ones open (100 of them), in
  // descending order so that the list's order is not the probes'.
  for (let port = 200; port >= 1; port--) {
    const atUs = 1000 + (200 - port) * 1000;
    packets.push(tcp({ dstPort: port, flags: SYN, atUs }));
    if (port % 2 === 1) packets.push(synAck(port, atUs + 100));
  }
  const findings = runToTheEnd(packets);
  const last = findings.at(-1)!;
  assert.equal(last.victim, TARGET);
  assert.equal(last.evidence.answeredProbes, 101);
  assert.deepEqual(
    last.evidence.openPorts,
    Array.from({ length: 32 }, (_, i) => 2 * i + 1),
  );
  assert.equal(last.evidence.openPortCount, 100);
  assert.deepEqual(
    last.evidence.openServices,
    Array.from({ length: 32 }, (_, i) => `${TARGET}:${2 * i + 1}`),
  );
  assert.equal(last.evidence.openServiceCount, 100);
  assert.match(
    last.summary,
    /: syn port scan; open: 1, 3, 5, 7, 9, 11, 13, 15 and 92 more$/,
  );
  // Each finding lists what was open by then.
  for (const finding of findings) {
    const count = finding.evidence.openPortCount as number;
    assert.equal(
      (finding.evidence.openPorts as number[]).length,
      Math.min(count, 32),
    );
  }
});

Deno.test("port_scan: a UDP port that answers a scan is listed open, a client's answered query is not", () => {
  const RESOLVER = "10.0.0.53";
  const packets: PacketRecord[] = [
    // The scanner's own DNS query, answered.
    udp({ dst: RESOLVER, srcPort: 5000, dstPort: 53, atUs: 0 }),
    {
      ...udp({
        src: RESOLVER,
        dst: SCANNER,
        srcPort: 53,
        dstPort: 5000,
        atUs: 10,
      }),
      payloadLength: 40,
      app: "dns",
      dnsResponse: true,
    },
  ];
  for (let i = 0; i < 30; i++) {
    const port = 2000 + i;
    packets.push(udp({ dstPort: port, atUs: 1000 + i * 1000 }));
    // The fifth probe's port answers; the others stay silent.
    if (i === 4) {
      packets.push(
        {
          ...udp({
            src: TARGET,
            dst: SCANNER,
            srcPort: port,
            dstPort: 40000,
            atUs: 1000 + i * 1000 + 100,
          }),
          payloadLength: 20,
        },
      );
    }
  }
  const last = runToTheEnd(packets).at(-1)!;
  assert.equal(last.victim, TARGET);
  assert.deepEqual(last.evidence.openPorts, [2004]);
  assert.deepEqual(last.evidence.openServices, [`${TARGET}:2004/udp`]);
  assert.match(last.summary, /: udp port scan; open: 2004\/udp$/);
});

Deno.test("port_scan: a horizontal scan is told as one port on many hosts, with no victim", () => {
  const findings = run(
    times(
      25,
      (i) =>
        tcp({
          dst: `10.0.3.${i + 1}`,
          dstPort: 445,
          flags: SYN,
          atUs: i * 1000,
        }),
    ),
  );
  assert.equal(findings.length, 1);
  assert.equal(findings[0]?.victim, "");
  assert.equal(findings[0]?.evidence.topHost, "");
  assert.equal(findings[0]?.evidence.scanType, "horizontal");
  assert.equal(
    findings[0]?.summary,
    `${SCANNER} probed tcp/445 on 25 hosts (25 probes to 1 distinct port on 25 hosts, 25 failed) within 5 min: syn port scan`,
  );
});

Deno.test("port_scan: answered DNS and NTP queries are no probes: they count nowhere, name no UDP scan and make no finding", () => {
  const resolvers = ["10.1.104.1", "146.229.1.200", "146.229.56.2"];
  /** A query from the scanner's `srcPort` and its answer 20 ms later. */
  const exchange = (
    dst: string,
    dstPort: number,
    srcPort: number,
    atUs: number,
  ) => [
    udp({ dst, srcPort, dstPort, atUs }),
    udp({
      src: dst,
      dst: SCANNER,
      srcPort: dstPort,
      dstPort: srcPort,
      atUs: atUs + 20_000,
    }),
  ];
  const packets: PacketRecord[] = [];
  // Before the scan: names resolved by three resolvers (two queries held
  // apart in new_sources, the third joins the tables with them).
  resolvers.forEach((resolver, i) =>
    packets.push(...exchange(resolver, 53, 50_000 + i, i * 1000))
  );
  // 20 ports one a second, a pause, 20 more. In the pause, queries to the
  // resolvers and an NTP server, 10 s after the last finding: a finding
  // would be due if they were probes.
  packets.push(...synScan(20, { startUs: SECOND_US, intervalUs: SECOND_US }));
  resolvers.forEach((resolver, i) =>
    packets.push(...exchange(resolver, 53, 51_000 + i, 30 * SECOND_US + i))
  );
  packets.push(...exchange("172.98.77.203", 123, 52_000, 31 * SECOND_US));
  packets.push(
    ...times(
      20,
      (i) => tcp({ dstPort: 21 + i, flags: SYN, atUs: (40 + i) * SECOND_US }),
    ),
  );
  const findings = run(byTime(packets));
  // At the 15th port, then 10 s later or more with the scan going on:
  // nothing while it pauses.
  assert.deepEqual(findings.map((f) => f.evidence.probes), [15, 21, 31]);
  for (const finding of findings) {
    assert.equal(finding.evidence.distinctHosts, 1);
    assert.deepEqual(finding.evidence.sampleHosts, [TARGET]);
    assert.deepEqual(finding.evidence.probeKinds, ["syn"]);
    assert.ok(finding.summary.endsWith(": syn port scan"), finding.summary);
    assertOneStory(finding);
  }
  assert.ok(!(findings.at(-1)?.evidence.samplePorts as number[]).includes(123));
});

Deno.test("port_scan: one unanswered DNS query (a one-way capture) does not make a SYN scan a UDP scan; a sweep of udp/53 is one", () => {
  const findings = run([
    udp({ srcPort: 53913, dstPort: 53, atUs: 0 }),
    ...synScan(100, { startUs: 1000 }),
  ]);
  assert.deepEqual(findings.map((f) => f.evidence.probes), [15, 30, 60]);
  assert.deepEqual(findings.at(-1)?.evidence.probeKinds, ["syn"]);
  // Unanswered, it may have been a probe: it counts as a port of the host.
  assert.equal(findings.at(-1)?.evidence.topHostPorts, 60);
  assert.equal(findings.at(-1)?.evidence.distinctPorts, 60);
  const sweep = run(
    times(
      25,
      (i) => udp({ dst: `10.0.3.${i + 1}`, dstPort: 53, atUs: i * 1000 }),
    ),
  );
  assert.equal(sweep.length, 1);
  assert.deepEqual(sweep[0]?.evidence.probeKinds, ["udp"]);
  assert.match(sweep[0]?.summary ?? "", / probed udp\/53 on 25 hosts /);
});

Deno.test("port_scan: past maxProbesPerSource the counts of ports and hosts say 'at least'", () => {
  const findings = run(synScan(1000), { maxProbesPerSource: 100 });
  const last = findings.at(-1);
  assert.equal(
    last?.summary,
    `${SCANNER} probed at least 100 ports of ${TARGET} (960 probes, the first 100 counted: at least 100 distinct ports on at least 1 host, 100 failed) within 5 min: syn port scan`,
  );
  assert.equal(last?.evidence.countsAreLowerBounds, true);
  assert.equal(last?.evidence.topHostPorts, 100);
  const uncapped = findings.filter((f) => f.evidence.uncountedProbes === 0);
  assert.ok(uncapped.length > 0);
  for (const finding of uncapped) {
    assert.ok(!finding.summary.includes("at least"), finding.summary);
    assert.equal(finding.evidence.countsAreLowerBounds, false);
  }
});

Deno.test("port_scan: the connect scan of three hosts (real capture) tells one story: 1000 ports of each of 3 hosts, no victim, their open ports", async () => {
  // tshark: 10.0.2.15 connects to the same 1000 ports of .2, .3 and .4
  // (about 1092 SYNs each), and each answers on the same 10 ports; it also
  // queries three resolvers and an NTP server, which answer.
  const file = new URL(
    "../../shared/pcaps/attacks/portscan_tcp-connect-sT_3hosts_plus_arpsweep__tcpconnect.pcap",
    import.meta.url,
  ).pathname;
  const events: Alert[] = [];
  const engine = new AnalysisEngine({}, (event) => {
    if (event.alert.kind === "port_scan") events.push(event.alert);
  });
  await readPacketFile(file, (packet) => engine.observe(packet));
  engine.finish();
  assert.ok(events.length > 2);
  // Its probes go to the three hosts in turn: none is the victim.
  for (const alert of events) {
    assert.equal(alert.victim, "");
    assert.equal(alert.evidence.severalHosts, true);
    assertOneStory(alert);
  }
  const last = events.at(-1)!;
  assert.equal(last.evidence.topHostPorts, 1000);
  assert.equal(last.evidence.distinctPorts, 1000);
  assert.equal(last.evidence.distinctHosts, 3);
  assert.equal(last.evidence.probes, 3000);
  assert.deepEqual(last.evidence.probeKinds, ["syn", "connect"]);
  assert.deepEqual(
    [...(last.evidence.sampleHosts as string[])].sort(),
    ["10.0.2.2", "10.0.2.3", "10.0.2.4"],
  );
  const open = [80, 135, 445, 1801, 2103, 2105, 2107, 2869, 5357, 16992];
  assert.deepEqual(last.evidence.openPorts, open);
  assert.equal(last.evidence.openPortCount, 10);
  assert.deepEqual(
    last.evidence.openServices,
    open.flatMap((port) =>
      ["10.0.2.2", "10.0.2.3", "10.0.2.4"].map((host) => `${host}:${port}`)
    ),
  );
  assert.equal(last.evidence.answeredProbes, 30);
  // The first host scanned, then the others in the order first probed.
  const listed = /\(([^;]+);/.exec(last.summary)![1]!.split(", ");
  assert.equal(listed[0], last.evidence.topHost);
  assert.deepEqual([...listed].sort(), ["10.0.2.2", "10.0.2.3", "10.0.2.4"]);
  assert.match(
    last.summary,
    /^10\.0\.2\.15 probed 1000 ports on 3 hosts \([^;]+; 3000 probes, 2970 failed\) within 5 min: syn\/connect port scan; open: 80, 135, 445, 1801, 2103, 2105, 2107, 2869 and 2 more$/,
  );
});

Deno.test("port_scan: a trace's UDP probes (tracepath, mtr -u: a new port each) are no scan, whether routers answer them or the host does", () => {
  const ROUTER = "10.0.0.1";
  // tracepath to a host 30 hops away: each probe a new port from 44444,
  // answered by a router's time exceeded (the last ones by the host).
  const traced: PacketRecord[] = [];
  for (let i = 0; i < 60; i++) {
    const atUs = i * 200_000;
    const port = 44_444 + i;
    traced.push({ ...udp({ dstPort: port, atUs }), ttl: 2 + (i % 30) });
    traced.push({
      ...portUnreachable(ROUTER, SCANNER, TARGET, port, atUs + 5_000),
      icmpType: i < 28 ? 11 : 3,
      icmpCode: i < 28 ? 0 : 3,
    });
  }
  assert.deepEqual(runToTheEnd(traced), []);
  // mtr -u to a neighbour: TTL 1 reaches it, which refuses each port.
  const neighbour: PacketRecord[] = [];
  for (let i = 0; i < 60; i++) {
    const atUs = i * 500_000;
    neighbour.push({ ...udp({ dstPort: 33_000 + i, atUs }), ttl: 1 });
    neighbour.push(
      portUnreachable(TARGET, SCANNER, TARGET, 33_000 + i, atUs + 300),
    );
  }
  assert.deepEqual(runToTheEnd(neighbour), []);
  // A trace first, then nmap -sU at its TTLs (37–59): a scan all the same.
  const tracedThenScanned = [
    { ...udp({ dstPort: 33_434, atUs: 0 }), ttl: 1 },
    {
      ...portUnreachable(ROUTER, SCANNER, TARGET, 33_434, 5_000),
      icmpType: 11,
      icmpCode: 0,
    },
    ...neighbour.map((packet) =>
      packet.transport === "udp"
        ? {
          ...packet,
          timestampUs: packet.timestampUs + SECOND_US,
          ttl: 37 + (packet.dstPort % 23),
        }
        : { ...packet, timestampUs: packet.timestampUs + SECOND_US }
    ),
  ];
  assert.match(runToTheEnd(tracedThenScanned).at(-1)!.summary, /udp port scan/);
  // The same ports at nmap's TTLs, with no router in sight: a UDP scan.
  const scan = neighbour.map((packet) =>
    packet.transport === "udp"
      ? { ...packet, ttl: 37 + (packet.dstPort % 23) }
      : packet
  );
  const findings = runToTheEnd(scan);
  assert.equal(findings.length >= 1, true);
  assert.match(findings.at(-1)!.summary, /udp port scan/);
});

Deno.test("port_scan: a scan repeated by a host that keeps connecting in between is reported each time, from each scan's own start", () => {
  const packets: PacketRecord[] = [];
  // An HTTP client of the target, once a second for 20 minutes, answered.
  for (let s = 0; s < 1_200; s++) {
    const atUs = s * 1_000_000;
    packets.push(
      tcp({ dstPort: 8080, srcPort: 30_000 + s, flags: SYN, atUs }),
      tcp({
        src: TARGET,
        dst: SCANNER,
        srcPort: 8080,
        dstPort: 30_000 + s,
        flags: SYN | ACK,
        atUs: atUs + 200,
      }),
    );
  }
  // The same 200-port SYN scan, refused, at 60 s, 480 s and 780 s.
  const scanStartsUs = [60_000_000, 480_000_000, 780_000_000];
  for (const startUs of scanStartsUs) {
    for (let port = 1; port <= 200; port++) {
      const atUs = startUs + port * 400;
      packets.push(tcp({ dstPort: port, flags: SYN, atUs }));
      packets.push(refusal(port, atUs + 100));
    }
  }
  packets.sort((a, b) => a.timestampUs - b.timestampUs);
  const findings = runToTheEnd(packets);
  const starts = [
    ...new Set(findings.map((finding) => finding.startUs ?? -1)),
  ];
  assert.equal(starts.length, 3, JSON.stringify(starts));
  for (const [i, startUs] of starts.entries()) {
    assert.ok(
      startUs >= scanStartsUs[i]! && startUs < scanStartsUs[i]! + 1_000_000,
      `incident ${i} starts at ${startUs}`,
    );
  }
  for (const finding of findings) {
    assert.ok(
      (finding.evidence.durationSeconds as number) < 1,
      `${finding.evidence.durationSeconds} s`,
    );
  }
});

/**
 * A spoofed SYN flood from a /16 at TARGET, as an outside review sent it:
 * `sources` sources, each `perSource` SYNs to random ports over `seconds`,
 * each refused.
 */
function crowdFlood(
  sources: number,
  perSource: number,
  seconds: number,
): PacketRecord[] {
  let seed = 7;
  const random = () =>
    (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const total = sources * perSource;
  const packets: PacketRecord[] = [];
  for (let i = 0; i < total; i++) {
    const atUs = Math.floor((i * seconds * SECOND_US) / total);
    const n = 2 + (i % sources);
    const src = `10.202.${n >> 8}.${n & 255}`;
    const srcPort = 1024 + Math.floor(random() * 64_000);
    const dstPort = 1 + Math.floor(random() * 65_535);
    packets.push(
      tcp({ src, srcPort, dstPort, flags: SYN, atUs }),
      tcp({
        src: TARGET,
        dst: src,
        srcPort: dstPort,
        dstPort: srcPort,
        flags: RST | ACK,
        atUs: atUs + 20,
      }),
    );
  }
  return packets;
}

Deno.test("port_scan: a spoofed SYN flood's crowd of sources, each refused on a handful of ports, is one distributed scan of its victim; a scanner in the crowd past portThreshold is its own", () => {
  // 3 000 sources × 20 SYNs in 20 s: 3 000 refused a second.
  const flood = crowdFlood(3_000, 20, 20);
  const findings = run(flood);
  assert.deepEqual(
    [...new Set(findings.map((f) => [f.key, f.attacker, f.victim].join()))],
    [`crowd→${TARGET},,${TARGET}`],
  );
  const last = findings.at(-1)!;
  assert.equal(last.evidence.scanType, "distributed");
  assert.ok((last.evidence.foldedScans as number) > 100);
  assert.match(
    last.summary,
    /sources each probed 15 to 45 ports of 10\.0\.0\.5, most failed, while it refused 2048 probes or more a second/,
  );
  // Without the crowd rule each source is a scan of its own.
  assert.ok(
    run(flood, { crowdSources: 1_000_000 }).length > 100,
    "each source alone is a scan",
  );
  // nmap -F (100 ports) from one more source, during the flood: its own.
  const scan = synScan(100, { startUs: 5 * SECOND_US, intervalUs: 10_000 })
    .flatMap((
      probe,
    ) => [probe, refusal(probe.dstPort, probe.timestampUs + 50)]);
  const attackers = run(byTime([...flood, ...scan])).map((f) => f.attacker);
  assert.ok(attackers.includes(SCANNER));
  assert.deepEqual([...new Set(attackers)].sort(), ["", SCANNER]);
  // A 40-port scan inside the flood is folded, and named first among the
  // crowd's sources, with its ports; a 60-port one, three times the failed
  // threshold and more, stands apart: its own (the red team's decoys).
  const scanOf = (ports: number) =>
    synScan(ports, { startUs: 5 * SECOND_US, intervalUs: 10_000 })
      .flatMap((probe) => [
        probe,
        refusal(probe.dstPort, probe.timestampUs + 50),
      ]);
  const crowd = runToTheEnd(byTime([...flood, ...scanOf(40)])).at(-1)!;
  assert.equal(crowd.attacker, "");
  assert.equal((crowd.evidence.sampleSources as string[])[0], SCANNER);
  assert.equal((crowd.evidence.sampleSourcePorts as number[])[0], 40);
  assert.match(crowd.summary, /\(the largest: 10\.0\.0\.66, 40 ports\)$/);
  assert.ok(
    run(byTime([...flood, ...scanOf(60)])).some((f) => f.attacker === SCANNER),
  );
});

Deno.test("port_scan: a crowd without a flood folds nothing: a forged one sent slower, or a busy server's clients, hides no scan (red team)", () => {
  // 300 spoofed sources, three refused SYNs each, then 40 ports from SCANNER.
  const crowd = crowdFlood(300, 3, 20);
  const scan = synScan(40, { startUs: 25 * SECOND_US, intervalUs: 10_000 })
    .flatMap((
      probe,
    ) => [probe, refusal(probe.dstPort, probe.timestampUs + 50)]);
  const findings = run(byTime([...crowd, ...scan]));
  assert.deepEqual(
    [...new Set(findings.map((f) => [f.attacker, f.victim].join()))],
    [`${SCANNER},${TARGET}`],
  );
  // A crowd flooding for 30 s with the scan inside it: folded, and named.
  const flooded = crowdFlood(3_000, 30, 30);
  const folded = runToTheEnd(byTime([...flooded, ...scan])).at(-1)!;
  assert.equal(folded.key, `crowd→${TARGET}`);
  assert.equal((folded.evidence.sampleSources as string[])[0], SCANNER);
  // A one-second burst opens no fold for the scan 24 s later (red team).
  const burst = crowdFlood(3_000, 3, 1);
  assert.deepEqual(
    [...new Set(run(byTime([...burst, ...scan])).map((f) => f.attacker))],
    [SCANNER],
  );
});
