import assert from "node:assert/strict";
import type { PacketRecord } from "../capture/packet_record.ts";
import { TCP_FLAGS } from "../capture/packet_record.ts";
import type { AuthService } from "../capture/decode/auth_reply.ts";
import type { Finding } from "./alert.ts";
import {
  BRUTE_FORCE_DEFAULTS,
  createBruteForceDetector,
} from "./brute_force.ts";
import {
  findingsOf,
  SECOND_US,
  T0,
  tcpPacket,
  udpPacket,
} from "./test_packets.ts";

const GUESSER = "10.0.0.66";
const SERVER = "10.0.0.10";
const { SYN, ACK, PSH } = TCP_FLAGS;

/** A server's refusal of `client`'s login, on the client's port `clientPort`. */
function refusal(
  atUs: number,
  service: AuthService,
  port: number,
  clientPort: number,
  server = SERVER,
  client = GUESSER,
): PacketRecord {
  return {
    ...tcpPacket({
      atUs,
      src: server,
      dst: client,
      srcPort: port,
      dstPort: clientPort,
      flags: PSH | ACK,
    }),
    tcpSeq: 1_000 + clientPort,
    authFailure: service,
  };
}

/** `count` FTP refusals a second apart from `startUs`, each on a new connection. */
function ftpRefusals(count: number, startUs = T0, server = SERVER) {
  return Array.from(
    { length: count },
    (_, i) => refusal(startUs + i * SECOND_US, "ftp", 21, 40_000 + i, server),
  );
}

/** The server's SYN/ACK accepting a connection from `clientPort` to its `port`, with initial sequence number `isn`. */
function accepted(
  atUs: number,
  port: number,
  clientPort: number,
  isn = 7_000 + clientPort,
): PacketRecord {
  return {
    ...tcpPacket({
      atUs,
      src: SERVER,
      dst: GUESSER,
      srcPort: port,
      dstPort: clientPort,
      flags: SYN | ACK,
    }),
    tcpSeq: isn,
  };
}

/** The server's first data on that connection (SSH's greeting), 20 ms after its SYN/ACK. */
function greeting(synAck: PacketRecord): PacketRecord {
  return {
    ...synAck,
    timestampUs: synAck.timestampUs + 20_000,
    tcpFlags: PSH | ACK,
    tcpSeq: synAck.tcpSeq + 1,
    payloadLength: 41,
  };
}

/** `count` connections to `port` accepted two seconds apart, each greeted by its server. */
function connections(count: number, port = 22, startUs = T0) {
  return Array.from({ length: count }, (_, i) => {
    const synAck = accepted(startUs + i * 2 * SECOND_US, port, 50_000 + i);
    return [synAck, greeting(synAck)];
  }).flat();
}

function only(findings: Finding[]): Finding {
  const keys = new Set(findings.map((finding) => finding.key));
  assert.equal(keys.size, 1, `one incident, got ${[...keys].join(", ")}`);
  return findings.at(-1)!;
}

Deno.test("brute force: 30 FTP logins refused to one client within five minutes are password guessing; 29 are not", () => {
  assert.deepEqual(
    findingsOf(createBruteForceDetector(), ftpRefusals(29)),
    [],
  );
  const findings = findingsOf(createBruteForceDetector(), ftpRefusals(30));
  const finding = only(findings);
  assert.equal(finding.kind, "brute_force");
  assert.equal(finding.attacker, GUESSER);
  assert.equal(finding.victim, SERVER);
  assert.equal(finding.key, `${GUESSER}→21`);
  assert.equal(finding.evidence.failedLogins, 30);
  assert.equal(finding.evidence.service, "FTP");
  assert.equal(finding.startUs, T0);
  assert.equal(finding.mitre?.id, "T1110.001");
  assert.equal(finding.severity, "medium");
  assert.match(
    finding.summary,
    /^10\.0\.0\.66 made 30 failed FTP logins at 10\.0\.0\.10 in 29 s: password guessing$/,
  );
});

Deno.test("brute force: every service's refusals count under its own port, UDP Kerberos among them", () => {
  const packets: PacketRecord[] = [];
  for (let i = 0; i < 30; i++) {
    packets.push({
      ...udpPacket({
        atUs: T0 + i * SECOND_US,
        src: SERVER,
        dst: GUESSER,
        srcPort: 88,
        dstPort: 51_000 + i,
      }),
      authFailure: "kerberos",
    });
    packets.push(refusal(T0 + i * SECOND_US + 10, "smb", 445, 52_000 + i));
  }
  const findings = findingsOf(createBruteForceDetector(), packets);
  assert.deepEqual(
    [...new Set(findings.map((finding) => finding.evidence.service))].sort(),
    ["Kerberos", "SMB"],
  );
});

Deno.test("brute force: a retransmitted refusal or SYN/ACK counts once", () => {
  const refusals = ftpRefusals(29);
  const again = {
    ...refusals[28]!,
    timestampUs: refusals[28]!.timestampUs + 200_000,
  };
  assert.deepEqual(
    findingsOf(createBruteForceDetector(), [...refusals, again]),
    [],
  );
  // The 29th connection's SYN/ACK and greeting each sent twice: one
  // connection.
  const accepts = connections(28);
  const synAck = accepted(T0 + 60 * SECOND_US, 22, 60_000);
  const synAckAgain = { ...synAck, timestampUs: synAck.timestampUs + 1_000 };
  const hello = greeting(synAckAgain);
  const helloAgain = { ...hello, timestampUs: hello.timestampUs + 300_000 };
  assert.deepEqual(
    findingsOf(createBruteForceDetector(), [
      ...accepts,
      synAck,
      synAckAgain,
      hello,
      helloAgain,
    ]),
    [],
  );
});

Deno.test("brute force: connections reset before the server spoke (a SYN scan's answered probes) are not counted", () => {
  const probes = Array.from(
    { length: 60 },
    (_, i) => accepted(T0 + i * SECOND_US, 22, 50_000 + i),
  );
  assert.deepEqual(findingsOf(createBruteForceDetector(), probes), []);
  // Nor is data that is not the connection's first byte.
  const later = probes.map((synAck) => ({
    ...greeting(synAck),
    tcpSeq: synAck.tcpSeq + 1_000,
  }));
  assert.deepEqual(
    findingsOf(
      createBruteForceDetector(),
      [...probes, ...later].sort((a, b) => a.timestampUs - b.timestampUs),
    ),
    [],
  );
});

Deno.test("brute force: 30 SSH connections from one client to one server within five minutes are password guessing; to a web port they are not", () => {
  assert.deepEqual(findingsOf(createBruteForceDetector(), connections(29)), []);
  assert.deepEqual(
    findingsOf(createBruteForceDetector(), connections(60, 443)),
    [],
  );
  for (const port of BRUTE_FORCE_DEFAULTS.connectionPorts) {
    const finding = only(
      findingsOf(createBruteForceDetector(), connections(30, port)),
    );
    assert.equal(finding.evidence.connections, 30);
    assert.equal(finding.evidence.failedLogins, 0);
    assert.equal(finding.victim, SERVER);
    // The first greeting.
    assert.equal(finding.startUs, T0 + 20_000);
  }
  // Each further connection counts, and the last finding holds them all.
  const findings = findingsOf(createBruteForceDetector(), connections(70));
  assert.equal(only(findings).evidence.connections, 70);
  assert.equal(findings.at(-1)!.severity, "medium");
});

Deno.test("brute force: SSH connections to many servers, one each, are no guessing (Ansible across a fleet)", () => {
  const packets = Array.from({ length: 200 }, (_, i) => {
    const synAck = {
      ...accepted(T0 + i * 100_000, 22, 50_000 + i),
      srcAddress: `10.0.${1 + (i >> 8)}.${i & 0xff}`,
    };
    return [synAck, greeting(synAck)];
  }).flat().sort((a, b) => a.timestampUs - b.timestampUs);
  assert.deepEqual(findingsOf(createBruteForceDetector(), packets), []);
});

Deno.test("brute force: refusals from five servers or more are password spraying", () => {
  const packets: PacketRecord[] = [];
  for (let i = 0; i < 30; i++) {
    packets.push(
      refusal(
        T0 + i * SECOND_US,
        "smb",
        445,
        45_000 + i,
        `10.0.1.${10 + (i % 6)}`,
      ),
    );
  }
  const finding = only(findingsOf(createBruteForceDetector(), packets));
  assert.equal(finding.mitre?.id, "T1110.003");
  assert.equal(finding.evidence.serverCount, 6);
  assert.deepEqual(finding.evidence.servers, [
    "10.0.1.10",
    "10.0.1.11",
    "10.0.1.12",
    "10.0.1.13",
    "10.0.1.14",
    "10.0.1.15",
  ]);
  assert.equal(finding.victim, "10.0.1.10");
  assert.equal(finding.severity, "high");
  assert.match(
    finding.summary,
    /30 failed SMB logins at 6 servers .*password spraying$/,
  );
});

Deno.test("brute force: refusals slower than the threshold per window (one every 40 s) are not found", () => {
  const packets = Array.from(
    { length: 60 },
    (_, i) => refusal(T0 + i * 40 * SECOND_US, "ftp", 21, 40_000 + i),
  );
  assert.deepEqual(findingsOf(createBruteForceDetector(), packets), []);
});

Deno.test("brute force: an incident ends a quiet window after its last refusal, and the next burst is a new one", () => {
  const detector = createBruteForceDetector();
  const first = ftpRefusals(40);
  const second = ftpRefusals(45, T0 + 20 * 60 * SECOND_US);
  const findings = findingsOf(detector, [...first, ...second]);
  const starts = [...new Set(findings.map((finding) => finding.startUs))];
  assert.deepEqual(starts, [T0, T0 + 20 * 60 * SECOND_US]);
  // The first incident's last finding, made when it ended, holds all 40.
  const firstLast = findings.filter((finding) => finding.startUs === T0).at(
    -1,
  )!;
  assert.equal(firstLast.evidence.failedLogins, 40);
  // flush ends the second with its own totals (its findings said 30 and
  // 40, 10 s apart).
  const flushed: Finding[] = [];
  detector.flush!(second.at(-1)!.timestampUs, (f) => flushed.push(f));
  assert.equal(flushed.length, 1);
  assert.equal(findings.at(-1)!.evidence.failedLogins, 40);
  assert.equal(flushed[0]!.evidence.failedLogins, 45);
  assert.equal(flushed[0]!.startUs, T0 + 20 * 60 * SECOND_US);
});

Deno.test("brute force: tables stay within their bounds under many clients", () => {
  const detector = createBruteForceDetector({
    maxClients: 100,
    maxConnectionPairs: 100,
  });
  const packets: PacketRecord[] = [];
  for (let i = 0; i < 5_000; i++) {
    const client = `10.${1 + (i >> 16)}.${(i >> 8) & 0xff}.${i & 0xff}`;
    packets.push(refusal(T0 + i * 1_000, "ftp", 21, 40_000, SERVER, client));
    packets.push({
      ...accepted(T0 + i * 1_000 + 1, 22, 40_001),
      dstAddress: client,
    });
  }
  findingsOf(detector, packets);
  const tables = detector.tables();
  assert.equal(tables.clients!.size, 100);
  assert.equal(tables.connectionPairs!.size, 100);
  assert.ok(tables.clients!.evictions >= 4_900);
});

Deno.test("brute force: options are checked", () => {
  assert.throws(
    () => createBruteForceDetector({ connectionPorts: [22, 70_000] }),
    /connectionPorts must hold TCP ports 1–65535, got 70000/,
  );
  assert.throws(
    () => createBruteForceDetector({ minFailures: 0 }),
    /minFailures/,
  );
});
