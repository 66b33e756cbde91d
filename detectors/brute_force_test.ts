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

/** The server's SYN/ACK accepting a connection from `clientPort` to its `port`, with initial sequence number `isn`, acknowledging the client's SYN. */
function accepted(
  atUs: number,
  port: number,
  clientPort: number,
  isn = 7_000 + clientPort,
  server = SERVER,
): PacketRecord {
  return {
    ...tcpPacket({
      atUs,
      src: server,
      dst: GUESSER,
      srcPort: port,
      dstPort: clientPort,
      flags: SYN | ACK,
    }),
    tcpSeq: isn,
    // The client's initial sequence number plus one.
    tcpAck: 90_000 + clientPort,
  };
}

/** The server's first data on that connection (SSH's greeting), 20 ms after its SYN/ACK. */
function greeting(synAck: PacketRecord): PacketRecord {
  return {
    ...synAck,
    timestampUs: synAck.timestampUs + 20_000,
    tcpFlags: PSH | ACK,
    tcpSeq: synAck.tcpSeq + 1,
    tcpAck: synAck.tcpAck,
    payloadLength: 41,
  };
}

/** The client's first data on that connection (its own SSH greeting), 30 ms after the SYN/ACK. */
function clientHello(synAck: PacketRecord): PacketRecord {
  return {
    ...synAck,
    timestampUs: synAck.timestampUs + 30_000,
    srcAddress: synAck.dstAddress,
    dstAddress: synAck.srcAddress,
    srcPort: synAck.dstPort,
    dstPort: synAck.srcPort,
    tcpFlags: PSH | ACK,
    tcpSeq: synAck.tcpAck,
    tcpAck: synAck.tcpSeq + 1,
    payloadLength: 21,
  };
}

/** A whole connection's first packets: SYN/ACK, the server's greeting, the client's. */
function connection(synAck: PacketRecord): PacketRecord[] {
  return [synAck, greeting(synAck), clientHello(synAck)];
}

/** `count` connections to `port` two seconds apart, on which both ends spoke. */
function connections(count: number, port = 22, startUs = T0) {
  return Array.from(
    { length: count },
    (_, i) =>
      connection(accepted(startUs + i * 2 * SECOND_US, port, 50_000 + i)),
  ).flat();
}

/** The last figures of the one incident `packets` make: its last finding, or the one `flush` makes at the end. */
function finalFinding(packets: PacketRecord[]): Finding {
  const detector = createBruteForceDetector();
  const findings = findingsOf(detector, packets);
  detector.flush!(packets.at(-1)!.timestampUs, (f) => findings.push(f));
  return only(findings);
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
  // The 29th connection's SYN/ACK and both greetings each sent twice (a
  // second tap, a few milliseconds late): one connection.
  const accepts = connections(28);
  const synAck = accepted(T0 + 60 * SECOND_US, 22, 60_000);
  const twice = connection(synAck).flatMap((packet) => [packet, {
    ...packet,
    timestampUs: packet.timestampUs + 2_000,
  }]).sort((a, b) => a.timestampUs - b.timestampUs);
  assert.deepEqual(
    findingsOf(createBruteForceDetector(), [...accepts, ...twice]),
    [],
  );
  // A refusal over UDP (Kerberos) repeated to the same client port: once.
  const kerberos = Array.from({ length: 29 }, (_, i) => ({
    ...udpPacket({
      atUs: T0 + i * SECOND_US,
      src: SERVER,
      dst: GUESSER,
      srcPort: 88,
      dstPort: 51_000 + i,
    }),
    authFailure: "kerberos" as const,
  }));
  assert.deepEqual(
    findingsOf(createBruteForceDetector(), [...kerberos, {
      ...kerberos[28]!,
      timestampUs: kerberos[28]!.timestampUs + 1_000,
    }]),
    [],
  );
});

Deno.test("brute force: connections on which one end never spoke are not counted (a SYN scan's answered probes, a health check that reads the banner)", () => {
  const probes = Array.from(
    { length: 60 },
    (_, i) => accepted(T0 + i * SECOND_US, 22, 50_000 + i),
  );
  assert.deepEqual(findingsOf(createBruteForceDetector(), probes), []);
  // A TCP health check: sshd's banner, then the checker's FIN.
  const checks = probes.flatMap((synAck) => [synAck, greeting(synAck)]);
  assert.deepEqual(findingsOf(createBruteForceDetector(), checks), []);
  // Nor is data far from a connection's first byte (another connection's).
  const stray = probes.flatMap((synAck) => [synAck, {
    ...greeting(synAck),
    tcpSeq: synAck.tcpSeq + 3_000_000,
  }, clientHello(synAck)]);
  assert.deepEqual(findingsOf(createBruteForceDetector(), stray), []);
  // Data past the first byte says the first was sent (its segment lost or
  // overlapped): those connections count.
  const later = probes.slice(0, 30).flatMap((synAck) => [synAck, {
    ...greeting(synAck),
    tcpSeq: synAck.tcpSeq + 1_000,
  }, clientHello(synAck)]);
  assert.equal(
    only(findingsOf(createBruteForceDetector(), later)).evidence.connections,
    30,
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
    // The first connection on which both ends spoke.
    assert.equal(finding.startUs, T0 + 30_000);
  }
  // Each further connection counts, and the last finding holds them all.
  const findings = findingsOf(createBruteForceDetector(), connections(70));
  assert.equal(only(findings).evidence.connections, 70);
  assert.equal(findings.at(-1)!.severity, "medium");
});

Deno.test("brute force: SSH connections to many servers, one each, are no guessing (Ansible across a fleet)", () => {
  const packets = Array.from({ length: 200 }, (_, i) =>
    connection(
      accepted(
        T0 + i * 100_000,
        22,
        50_000 + i,
        7_000,
        `10.0.${1 + (i >> 8)}.${i & 0xff}`,
      ),
    )).flat().sort((a, b) => a.timestampUs - b.timestampUs);
  assert.deepEqual(findingsOf(createBruteForceDetector(), packets), []);
});

Deno.test("brute force: SSH connections spread over six servers, five or more each and 30 in all, are password spraying", () => {
  const spray = (perServer: number) =>
    Array.from({ length: 6 * perServer }, (_, i) =>
      connection(
        accepted(
          T0 + i * SECOND_US,
          22,
          50_000 + i,
          7_000,
          `10.0.2.${1 + (i % 6)}`,
        ),
      )).flat().sort((a, b) => a.timestampUs - b.timestampUs);
  // Four each: 24 in all.
  assert.deepEqual(findingsOf(createBruteForceDetector(), spray(4)), []);
  const finding = finalFinding(spray(6));
  assert.equal(finding.mitre?.id, "T1110.003");
  assert.equal(finding.evidence.serverCount, 6);
  assert.equal(finding.evidence.connections, 36);
  assert.equal(finding.victim, "10.0.2.1");
  assert.match(finding.summary, /36 SSH connections to 6 servers .*spraying$/);
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
  // One refusal from each of five more servers beside 30 from one is no
  // spray.
  const one = [
    ...ftpRefusals(30),
    ...Array.from(
      { length: 5 },
      (_, i) =>
        refusal(
          T0 + 40 * SECOND_US + i,
          "ftp",
          21,
          46_000 + i,
          `10.0.1.${20 + i}`,
        ),
    ),
  ];
  const detector = createBruteForceDetector();
  findingsOf(detector, one);
  let guessing: Finding | undefined;
  detector.flush!(T0 + 41 * SECOND_US, (finding) => guessing = finding);
  assert.ok(guessing);
  assert.equal(guessing.mitre?.id, "T1110.001");
  assert.equal(guessing.evidence.serverCount, 6);
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

Deno.test("brute force: a login accepted by a server that refused the guesser makes the incident critical", () => {
  const login = (
    server = SERVER,
    service: "ftp" | "smb" = "ftp",
    clientPort = 40_029,
  ) => ({
    ...refusal(
      T0 + 31 * SECOND_US,
      "ftp",
      service === "ftp" ? 21 : 445,
      clientPort,
      server,
    ),
    authFailure: "" as const,
    authSuccess: service,
  });
  // On the connection of the 30th refusal: the guesser's own login.
  const finding = finalFinding([...ftpRefusals(30), login()]);
  assert.equal(finding.severity, "critical");
  assert.equal(finding.evidence.loggedInAt, SERVER);
  assert.match(
    finding.summary,
    /password guessing, then logged in at 10\.0\.0\.10$/,
  );
  // On a connection that drew no refusal (a guesser that opens one for
  // each try, or another program of the same host): high, and said so.
  const untied = finalFinding([
    ...ftpRefusals(30),
    login(SERVER, "ftp", 41_000),
  ]);
  assert.equal(untied.severity, "high");
  assert.match(
    untied.summary,
    /and a login of it succeeded at 10\.0\.0\.10 meanwhile$/,
  );
  // At another server, or with no incident: nothing.
  const elsewhere = finalFinding([...ftpRefusals(30), login("10.0.0.11")]);
  assert.equal(elsewhere.severity, "medium");
  assert.equal(elsewhere.evidence.loggedInAt, "");
  assert.deepEqual(
    findingsOf(createBruteForceDetector(), [...ftpRefusals(20), login()]),
    [],
  );
  // An SMB session is no sign: a Windows host opens its own all day.
  const smb = Array.from(
    { length: 30 },
    (_, i) => refusal(T0 + i * SECOND_US, "smb", 445, 45_000 + i),
  );
  assert.equal(finalFinding([...smb, login(SERVER, "smb")]).severity, "medium");
});

Deno.test("brute force: decoy connections kept open cannot push a guesser's connections out before its client speaks", () => {
  const packets: PacketRecord[] = [];
  for (let i = 0; i < 40; i++) {
    const atUs = T0 + i * SECOND_US;
    // 32 bare connections first: SYN/ACKs on which nobody speaks.
    for (let d = 0; d < 32; d++) {
      packets.push(accepted(atUs + d, 22, 10_000 + i * 32 + d));
    }
    const synAck = accepted(atUs + 100, 22, 60_000 + i);
    // More decoys between the server's greeting (20 ms after its SYN/ACK)
    // and the client's (30 ms).
    for (let d = 0; d < 40; d++) {
      packets.push(accepted(atUs + 25_000 + d, 22, 20_000 + i * 40 + d));
    }
    packets.push(...connection(synAck));
  }
  packets.sort((a, b) => a.timestampUs - b.timestampUs);
  const finding = finalFinding(packets);
  assert.ok(
    Number(finding.evidence.connections) >= 30,
    `${finding.evidence.connections} connections`,
  );
});

Deno.test("brute force: servers touched once first do not hide a spray, and a spray of connections alone is medium", () => {
  const pad = Array.from({ length: 40 }, (_, i) =>
    connection(
      accepted(T0 + i * 10_000, 22, 30_000 + i, 7_000, `10.0.3.${1 + i}`),
    )).flat();
  const spray = Array.from({ length: 60 }, (_, i) =>
    connection(
      accepted(
        T0 + SECOND_US + i * SECOND_US,
        22,
        50_000 + i,
        7_000,
        `10.0.2.${1 + (i % 6)}`,
      ),
    )).flat();
  const finding = finalFinding(
    [...pad, ...spray].sort((a, b) => a.timestampUs - b.timestampUs),
  );
  assert.equal(finding.mitre?.id, "T1110.003");
  assert.equal(finding.severity, "medium");
});

Deno.test("brute force: a packet stamped in the past counts at the latest time, and keeps the client's counts", () => {
  const refusals = ftpRefusals(40);
  // The 20th stamped 15 minutes early.
  refusals[19] = {
    ...refusals[19]!,
    timestampUs: refusals[19]!.timestampUs - 15 * 60 * SECOND_US,
  };
  const finding = only(findingsOf(createBruteForceDetector(), refusals));
  assert.equal(finding.evidence.failedLogins, 40);
});

Deno.test("brute force: refusals forged to thousands of clients do not flush a guesser's counts", () => {
  const packets: PacketRecord[] = [];
  for (let i = 0; i < 40; i++) {
    packets.push(refusal(T0 + i * SECOND_US, "ftp", 21, 40_000 + i));
    for (let j = 0; j < 200; j++) {
      const n = i * 200 + j;
      packets.push({
        ...udpPacket({
          atUs: T0 + i * SECOND_US + 1 + j,
          src: "10.0.0.88",
          dst: `10.${100 + (n >> 16)}.${(n >> 8) & 0xff}.${n & 0xff}`,
          srcPort: 88,
          dstPort: 40_000,
        }),
        authFailure: "kerberos",
      });
    }
  }
  const detector = createBruteForceDetector({ maxClients: 100 });
  const findings = findingsOf(detector, packets);
  assert.equal(only(findings).attacker, GUESSER);
  assert.equal(findings.at(-1)!.evidence.failedLogins, 40);
  // Once full, the table took only the few forged clients whose
  // doorkeeper bit another had set (each is seen once): not the 8 000.
  const clients = detector.tables().clients!;
  assert.equal(clients.size, 100);
  assert.ok(clients.evictions < 400, `${clients.evictions} evictions`);
});

Deno.test("brute force: tables stay within their bounds under many clients", () => {
  const detector = createBruteForceDetector({
    maxClients: 100,
    maxConnectionPairs: 100,
    maxWaitingPairs: 100,
  });
  const packets: PacketRecord[] = [];
  for (let i = 0; i < 5_000; i++) {
    const client = `10.${1 + (i >> 16)}.${(i >> 8) & 0xff}.${i & 0xff}`;
    // Twice each, past the doorkeeper.
    packets.push(refusal(T0 + i * 1_000, "ftp", 21, 40_000, SERVER, client));
    packets.push(refusal(T0 + i * 1_000, "ftp", 21, 40_001, SERVER, client));
    for (
      const packet of connection(accepted(T0 + i * 1_000 + 1, 22, 40_002))
    ) {
      packet.srcAddress === GUESSER
        ? packet.srcAddress = client
        : packet.dstAddress = client;
      packets.push(packet);
    }
  }
  findingsOf(detector, packets);
  const tables = detector.tables();
  assert.equal(tables.clients!.size, 100);
  assert.equal(tables.connectionPairs!.size, 100);
  assert.equal(tables.waitingPairs!.size, 100);
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
