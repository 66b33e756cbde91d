/**
 * The port scan detector on SCTP (nmap -sY INIT scans and -sZ COOKIE ECHO
 * scans), fed frames built here and read by the decoder.
 */

import assert from "node:assert/strict";
import {
  ETHER_TYPE,
  ethernetFrame,
  icmpFrame,
  ipv4Packet,
  ipv6Packet,
  sctpChunk,
  sctpFrame,
  sctpInitValue,
  sctpPacket,
  tcpFrame,
} from "../capture/frame_builder.ts";
import { decodeFrame, MACS } from "../capture/decode/test_helpers.ts";
import { SCTP_CHUNK } from "../capture/decode/sctp.ts";
import { type PacketRecord, TCP_FLAGS } from "../capture/packet_record.ts";
import type { Finding } from "./alert.ts";
import { createPortScanDetector } from "./port_scan.ts";
import { findingsOf } from "./test_packets.ts";

const SCANNER = "10.0.0.66";
const TARGET = "10.0.0.5";
const SCANNER6 = "fd00:77::66";
const TARGET6 = "fd00:77::5";
const SCANNER_PORT = 45_123;

/** The decoded SCTP packet from `src`:`srcPort` to `dst`:`dstPort` with one chunk of `type`, at `atUs`. */
function sctp(
  src: string,
  dst: string,
  srcPort: number,
  dstPort: number,
  type: number,
  atUs: number,
): PacketRecord {
  const value = type === SCTP_CHUNK.INIT || type === SCTP_CHUNK.INIT_ACK
    ? sctpInitValue(atUs)
    : type === SCTP_CHUNK.COOKIE_ECHO
    ? new Uint8Array(32)
    : undefined;
  const frame = sctpFrame(
    { ...MACS, src, dst },
    { srcPort, dstPort, tag: type === SCTP_CHUNK.INIT ? 0 : 7 },
    sctpChunk(type, value),
  );
  return decodeFrame(frame, { timestampUs: atUs }).packet;
}

/** The scanner's chunk of `type` to `port` of `target`. */
function probe(
  target: string,
  port: number,
  type: number,
  atUs: number,
  scanner = target.includes(":") ? SCANNER6 : SCANNER,
): PacketRecord {
  return sctp(scanner, target, SCANNER_PORT, port, type, atUs);
}

/** `target`'s chunk of `type` from `port` back to the scanner. */
function reply(
  target: string,
  port: number,
  type: number,
  atUs: number,
  scanner = target.includes(":") ? SCANNER6 : SCANNER,
): PacketRecord {
  return sctp(target, scanner, port, SCANNER_PORT, type, atUs);
}

/**
 * The scanner's kernel, without SCTP, refusing `target`'s INIT ACK from
 * `port` to the scanner's raw INIT: ICMP protocol unreachable quoting it.
 */
function scannerRefusal(
  target: string,
  port: number,
  atUs: number,
): PacketRecord {
  const initAck = sctpPacket(
    { srcPort: port, dstPort: SCANNER_PORT, tag: 1 },
    sctpChunk(SCTP_CHUNK.INIT_ACK, sctpInitValue(2)),
  );
  const frame = icmpFrame(
    { ...MACS, src: SCANNER, dst: target },
    { type: 3, code: 2 },
    ipv4Packet({ src: target, dst: SCANNER, protocol: 132 }, initAck),
  );
  return decodeFrame(frame, { timestampUs: atUs }).packet;
}

/**
 * `target`'s refusal of the scanner's INIT to `port` as a host without SCTP
 * sends it: ICMP protocol unreachable, or ICMPv6 parameter problem
 * (unrecognized next header), quoting the INIT.
 */
function protocolUnreachable(
  target: string,
  port: number,
  atUs: number,
): PacketRecord {
  const six = target.includes(":");
  const scanner = six ? SCANNER6 : SCANNER;
  const init = sctpPacket(
    { srcPort: SCANNER_PORT, dstPort: port },
    sctpChunk(SCTP_CHUNK.INIT, sctpInitValue(1)),
  );
  const quoted = six
    ? ipv6Packet({ src: scanner, dst: target, nextHeader: 132 }, init)
    : ipv4Packet({ src: scanner, dst: target, protocol: 132 }, init);
  const frame = icmpFrame(
    { ...MACS, src: target, dst: scanner },
    six ? { type: 4, code: 1, seq: 6 } : { type: 3, code: 2 },
    quoted,
  );
  return decodeFrame(frame, { timestampUs: atUs }).packet;
}

function run(packets: PacketRecord[]): Finding[] {
  return findingsOf(createPortScanDetector(), packets);
}

Deno.test("port_scan: an SCTP INIT scan (nmap -sY) of a host is one, over IPv4 and IPv6, its refusals counted by port", () => {
  for (const target of [TARGET, TARGET6]) {
    // A host without SCTP refuses the first five INITs (its kernel
    // rate-limits the rest); a host with SCTP aborts each INIT to a closed
    // port.
    const unreachable: PacketRecord[] = [];
    const aborted: PacketRecord[] = [];
    for (let port = 1; port <= 15; port++) {
      const atUs = port * 1000;
      unreachable.push(probe(target, port, SCTP_CHUNK.INIT, atUs));
      aborted.push(
        probe(target, port, SCTP_CHUNK.INIT, atUs),
        reply(target, port, SCTP_CHUNK.ABORT, atUs + 100),
      );
      if (port <= 5) {
        unreachable.push(protocolUnreachable(target, port, atUs + 100));
      }
    }
    for (
      const [packets, refused] of [[unreachable, 5], [aborted, 14]] as const
    ) {
      const findings = run(packets);
      assert.equal(findings.length, 1, target);
      const finding = findings[0]!;
      assert.equal(finding.attacker, target.includes(":") ? SCANNER6 : SCANNER);
      assert.equal(finding.victim, target);
      assert.equal(finding.evidence.refusedProbes, refused, target);
      assert.equal(finding.evidence.failedProbes, 15);
      assert.deepEqual(finding.evidence.probeKinds, ["sctp-init"]);
      assert.match(
        finding.summary,
        /probed 15 ports of .* \(15 probes to 15 distinct ports on 1 host, 15 failed\).*: sctp-init port scan$/,
      );
    }
  }
});

Deno.test("port_scan: a sweep of one open SCTP port, each answer aborted by the scanner, is one; associations that go on are none", () => {
  const hosts = Array.from({ length: 30 }, (_, i) => `10.0.9.${i + 1}`);
  /** INIT to each host's port 2905, answered with INIT ACK; then `then` from the scanner. */
  const sweep = (then: number[]) =>
    hosts.flatMap((host, i) => {
      const atUs = i * 10_000;
      return [
        probe(host, 2905, SCTP_CHUNK.INIT, atUs),
        reply(host, 2905, SCTP_CHUNK.INIT_ACK, atUs + 100),
        ...then.map((type, j) => probe(host, 2905, type, atUs + 200 + j * 100)),
      ];
    });
  // nmap -sY: the scanner's kernel aborts each INIT ACK where it has SCTP,
  // and refuses it with ICMP protocol unreachable where it has none.
  const refused = run(
    hosts.flatMap((host, i) => {
      const atUs = i * 10_000;
      return [
        probe(host, 2905, SCTP_CHUNK.INIT, atUs),
        reply(host, 2905, SCTP_CHUNK.INIT_ACK, atUs + 100),
        scannerRefusal(host, 2905, atUs + 200),
      ];
    }),
  );
  assert.equal(refused.length, 1);
  assert.equal(refused[0]?.evidence.halfOpenProbes, 24);
  assert.match(refused[0]!.summary, /probed sctp\/2905 on 25 hosts/);
  const findings = run(sweep([SCTP_CHUNK.ABORT]));
  assert.equal(findings.length, 1);
  assert.equal(findings[0]?.victim, "");
  // At the 25th host's INIT, not answered yet (failed until it is), as a
  // SYN sweep's.
  assert.equal(findings[0]?.evidence.halfOpenProbes, 24);
  assert.equal(findings[0]?.evidence.topPort, 2905);
  assert.match(findings[0]!.summary, /probed sctp\/2905 on 25 hosts/);
  // A client that completes each association (COOKIE ECHO), and later
  // aborts it, or that leaves it open, scans nothing; nor do the answers.
  assert.deepEqual(run(sweep([SCTP_CHUNK.COOKIE_ECHO, SCTP_CHUNK.ABORT])), []);
  assert.deepEqual(run(sweep([SCTP_CHUNK.COOKIE_ECHO, SCTP_CHUNK.DATA])), []);
  assert.deepEqual(run(sweep([])), []);
});

Deno.test("port_scan: a COOKIE ECHO scan (nmap -sZ) is one; closed ports abort it, open ones stay silent", () => {
  const packets: PacketRecord[] = [];
  for (let port = 1; port <= 20; port++) {
    const atUs = port * 1000;
    packets.push(probe(TARGET, port, SCTP_CHUNK.COOKIE_ECHO, atUs));
    if (port % 4 !== 0) {
      packets.push(reply(TARGET, port, SCTP_CHUNK.ABORT, atUs + 100));
    }
  }
  const findings = run(packets);
  assert.equal(findings.length, 1);
  assert.equal(findings[0]?.victim, TARGET);
  assert.deepEqual(findings[0]?.evidence.probeKinds, ["sctp-cookie-echo"]);
  assert.equal(findings[0]?.evidence.distinctPorts, 15);
});

Deno.test("port_scan: SCTP ports are not TCP ports: a TCP client and an SCTP scan of the same ports are told apart", () => {
  // Answered TCP connections to ports 1–15, then SCTP INITs to the same
  // ports, unanswered: the SCTP scan alone fails.
  const packets: PacketRecord[] = [];
  const ends = { ...MACS, src: SCANNER, dst: TARGET };
  const back = { ...MACS, src: TARGET, dst: SCANNER };
  for (let port = 1; port <= 15; port++) {
    const atUs = port * 1000;
    packets.push(
      decodeFrame(
        tcpFrame(ends, {
          srcPort: 50_000 + port,
          dstPort: port,
          flags: TCP_FLAGS.SYN,
        }),
        { timestampUs: atUs },
      ).packet,
      decodeFrame(
        tcpFrame(back, {
          srcPort: port,
          dstPort: 50_000 + port,
          flags: TCP_FLAGS.SYN | TCP_FLAGS.ACK,
        }),
        { timestampUs: atUs + 10 },
      ).packet,
    );
  }
  assert.deepEqual(run(packets), []);
  for (let port = 1; port <= 15; port++) {
    packets.push(probe(TARGET, port, SCTP_CHUNK.INIT, 100_000 + port * 1000));
  }
  const findings = run(packets);
  assert.equal(findings.length, 1);
  assert.deepEqual(findings[0]?.evidence.probeKinds, ["syn", "sctp-init"]);
  assert.equal(findings[0]?.evidence.failedProbes, 15);
  assert.equal(findings[0]?.evidence.answeredProbes, 15);
});

Deno.test("port_scan: associations seen from their COOKIE ECHO on, answered with COOKIE ACK, are none", () => {
  const hosts = Array.from({ length: 30 }, (_, i) => `10.0.9.${i + 1}`);
  const packets = hosts.flatMap((host, i) => [
    probe(host, 2905, SCTP_CHUNK.COOKIE_ECHO, i * 10_000),
    reply(host, 2905, SCTP_CHUNK.COOKIE_ACK, i * 10_000 + 100),
  ]);
  assert.deepEqual(run(packets), []);
  // Unanswered, the same COOKIE ECHOs sweep the port.
  assert.equal(
    run(
      hosts.map((host, i) =>
        probe(host, 2905, SCTP_CHUNK.COOKIE_ECHO, i * 10_000)
      ),
    )
      .length,
    1,
  );
});

Deno.test("port_scan: INITs cut into 8-byte IP fragments are fragmented probes of their ports", () => {
  const packets = Array.from({ length: 15 }, (_, i) => {
    const init = sctpPacket(
      { srcPort: SCANNER_PORT, dstPort: i + 1 },
      sctpChunk(SCTP_CHUNK.INIT, sctpInitValue(i)),
    );
    const frame = ethernetFrame(
      { ...MACS, etherType: ETHER_TYPE.IPV4 },
      ipv4Packet(
        {
          src: SCANNER,
          dst: TARGET,
          protocol: 132,
          id: i,
          moreFragments: true,
        },
        init.subarray(0, 8),
      ),
    );
    return decodeFrame(frame, { timestampUs: i * 1000 }).packet;
  });
  const findings = run(packets);
  assert.equal(findings.length, 1);
  assert.equal(findings[0]?.victim, TARGET);
  assert.deepEqual(findings[0]?.evidence.probeKinds, ["fragmented"]);
  assert.match(findings[0]!.summary, /probed 15 ports of /);
});

Deno.test("port_scan: an INIT ACK scan (INIT ACKs for no INIT) is found by the ports that abort them", () => {
  // Ports 1–20: closed ones (all but every fourth) abort the INIT ACK, open
  // ones drop it.
  const packets: PacketRecord[] = [];
  for (let port = 1; port <= 20; port++) {
    const atUs = port * 1000;
    packets.push(probe(TARGET, port, SCTP_CHUNK.INIT_ACK, atUs));
    if (port % 4 !== 0) {
      packets.push(reply(TARGET, port, SCTP_CHUNK.ABORT, atUs + 100));
    }
  }
  const findings = run(packets);
  assert.equal(findings.length, 1);
  assert.equal(findings[0]?.attacker, SCANNER);
  assert.equal(findings[0]?.victim, TARGET);
  assert.deepEqual(findings[0]?.evidence.probeKinds, ["sctp-init-ack"]);
  // The 15th is counted when its ABORT is seen, and refused just after.
  assert.equal(findings[0]?.evidence.refusedProbes, 14);
  // A server's INIT ACKs to clients whose INITs the capture missed, which
  // the clients complete, are none; nor are ABORTs that answer nothing.
  const missed = Array.from({ length: 30 }, (_, i) => [
    reply(`10.0.9.${i + 1}`, 2905, SCTP_CHUNK.INIT_ACK, i * 1000),
    probe(`10.0.9.${i + 1}`, 2905, SCTP_CHUNK.COOKIE_ECHO, i * 1000 + 100),
    reply(`10.0.9.${i + 1}`, 2905, SCTP_CHUNK.COOKIE_ACK, i * 1000 + 200),
  ]).flat();
  assert.deepEqual(run(missed), []);
  assert.deepEqual(
    run(
      Array.from(
        { length: 20 },
        (_, i) => reply(TARGET, i + 1, SCTP_CHUNK.ABORT, i * 1000),
      ),
    ),
    [],
  );
});
