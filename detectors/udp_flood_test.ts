import assert from "node:assert/strict";
import { dnsMessage, udpFrame } from "../capture/frame_builder.ts";
import type { PacketRecord } from "../capture/packet_record.ts";
import { decodeFrame } from "../capture/decode/test_helpers.ts";
import type { Finding } from "./alert.ts";
import {
  createUdpFloodDetector,
  UDP_FLOOD_DEFAULTS,
  type UdpFloodOptions,
} from "./udp_flood.ts";
import { findingsOf, SECOND_US, T0 } from "./test_packets.ts";

const ATTACKER = "192.168.1.66";
const VICTIM = "192.168.1.8";
const ATTACKER_MAC = "02:00:00:00:00:42";
const VICTIM_MAC = "02:00:00:00:00:08";
const MIN_PACKETS = UDP_FLOOD_DEFAULTS.minPackets;
/** Datagrams a receiver gets within a second before it has an entry (1/16 of the threshold, or of 25 MB / 1 500 B if lower). */
const ADMIT = Math.floor(
  Math.min(MIN_PACKETS, UDP_FLOOD_DEFAULTS.minBytes / 1_500) / 16,
);
/** The flood's datagrams counted once the receiver has an entry: the first `ADMIT - 1` only admit it. */
const UNCOUNTED = ADMIT - 1;

const frames = new Map<string, Uint8Array>();

/** One UDP datagram with `payloadBytes` of zeros, built as a frame and decoded (the path a capture takes). */
function datagram(
  atUs: number,
  src: string,
  dst: string,
  srcPort: number,
  dstPort: number,
  payloadBytes = 0,
): PacketRecord {
  const id = `${src}|${dst}|${srcPort}|${dstPort}|${payloadBytes}`;
  let frame = frames.get(id);
  if (frame === undefined) {
    frame = udpFrame(
      {
        src,
        dst,
        srcMac: src === VICTIM ? VICTIM_MAC : ATTACKER_MAC,
        dstMac: dst === VICTIM ? VICTIM_MAC : ATTACKER_MAC,
      },
      { srcPort, dstPort },
      new Uint8Array(payloadBytes),
    );
    if (frames.size < 50_000) frames.set(id, frame);
  }
  return decodeFrame(frame, { timestampUs: atUs }).packet;
}

/** How each datagram of {@linkcode flood} is sent. */
interface FloodShape {
  src?: (i: number) => string;
  dst?: string;
  srcPort?: (i: number) => number;
  dstPort?: (i: number) => number;
  payloadBytes?: number;
  startUs?: number;
}

/** `count` datagrams `stepUs` apart, from the attacker to the victim's port 9 unless `shape` says otherwise. */
function* flood(
  count: number,
  stepUs: number,
  shape: FloodShape = {},
): Generator<PacketRecord> {
  const startUs = shape.startUs ?? T0;
  for (let i = 0; i < count; i++) {
    yield datagram(
      startUs + i * stepUs,
      shape.src?.(i) ?? ATTACKER,
      shape.dst ?? VICTIM,
      shape.srcPort?.(i) ?? 40_000 + (i % 20_000),
      shape.dstPort?.(i) ?? 9,
      shape.payloadBytes ?? 0,
    );
  }
}

/** A spoofed source address, distinct for every `i` below 2^24. */
function spoofed(i: number): string {
  return `${11 + (i >>> 16)}.${(i >>> 8) & 255}.${i & 255}.7`;
}

function run(
  packets: Iterable<PacketRecord>,
  options: UdpFloodOptions = {},
): Finding[] {
  return findingsOf(createUdpFloodDetector(options), packets);
}

/** The findings of `packets`, then those a replay's end makes (flush). */
function runToEnd(
  packets: readonly PacketRecord[],
  options: UdpFloodOptions = {},
): Finding[] {
  const detector = createUdpFloodDetector(options);
  const findings = findingsOf(detector, packets);
  detector.flush!(packets.at(-1)!.timestampUs, (f) => findings.push(f));
  return findings;
}

/** Packets of several streams, in time order. */
function merged(...streams: Iterable<PacketRecord>[]): PacketRecord[] {
  return streams.flatMap((stream) => [...stream]).sort((a, b) =>
    a.timestampUs - b.timestampUs
  );
}

Deno.test("udp_flood: hping3's flood from one host to a closed port is one finding, at the threshold-th datagram within a second", () => {
  // 20 000 a second; the threshold's datagrams arrive within 0.53 s.
  const packets = [...flood(12_000, 50)];
  const findings = runToEnd(packets);
  assert.equal(findings.length, 2, "the crossing, then the final figures");
  const [first, last] = findings as [Finding, Finding];
  assert.equal(first.kind, "udp_flood");
  assert.equal(first.key, VICTIM);
  assert.equal(first.victim, VICTIM);
  assert.equal(first.attacker, ATTACKER);
  assert.equal(first.timestampUs, T0 + (UNCOUNTED + MIN_PACKETS - 1) * 50);
  assert.equal(first.startUs, T0 + UNCOUNTED * 50);
  assert.equal(first.severity, "medium");
  assert.equal(first.evidence.datagrams, MIN_PACKETS);
  assert.equal(first.evidence.bytes, MIN_PACKETS * 28);
  assert.equal(first.evidence.ratePerSecond, MIN_PACKETS);
  assert.equal(first.evidence.topSource, ATTACKER);
  assert.equal(first.evidence.topSourceShare, 1);
  assert.equal(first.evidence.distinctSources, 1);
  assert.deepEqual(first.evidence.sampleSources, [ATTACKER]);
  assert.equal(first.evidence.topPort, 9);
  assert.equal(first.evidence.topPortShare, 1);
  assert.equal(first.evidence.distinctPorts, 1);
  assert.equal(first.evidence.answers, 0);
  assert.match(
    first.summary,
    /^192\.168\.1\.8 received 10000 UDP datagrams \(273\.4 KiB\) to port 9 from 192\.168\.1\.66 in 0\.5 s that it did not answer \(10000\/s now, peak 20002\/s, 4\.5 Mbit\/s\): UDP flood$/,
  );
  assert.equal(last.evidence.datagrams, 12_000 - UNCOUNTED);
  assert.equal(last.timestampUs, T0 + 11_999 * 50);
  // Shorter than a second: no whole second holds the flood's rate, its
  // mean over its span (20,000 a second) is the peak, never below the mean.
  assert.equal(
    last.evidence.peakRatePerSecond,
    Math.round(last.evidence.meanRatePerSecond as number),
  );
  assert.ok((last.evidence.peakRatePerSecond as number) > 19_000);
});

Deno.test("udp_flood: one datagram fewer than the threshold within every second raises nothing", () => {
  // 9 000 a second for three seconds: 27 000 datagrams, never 10 000 in a second.
  assert.deepEqual(runToEnd([...flood(27_000, 111)]), []);
  // Exactly at the threshold: found.
  const packets = [...flood(UNCOUNTED + MIN_PACKETS, 50)];
  assert.equal(run(packets).length, 1);
  assert.deepEqual(run(packets.slice(0, -1)), []);
});

Deno.test("udp_flood: 200 Mbit/s of jumbo datagrams is a flood below the datagram threshold", () => {
  // 3 000 datagrams a second of 9 000 IP bytes: 27 MB a second.
  const findings = run(flood(7_000, 333, { payloadBytes: 8_972 }));
  assert.ok(findings.length >= 1);
  const evidence = findings[0]!.evidence;
  assert.ok((evidence.datagrams as number) < MIN_PACKETS);
  assert.ok((evidence.peakMegabitsPerSecond as number) >= 200);
  // 9 000 a second of 1 428 bytes (a 100 Mbit/s stream) is none.
  assert.deepEqual(run(flood(20_000, 111, { payloadBytes: 1_400 })), []);
});

Deno.test("udp_flood: a spoofed flood from a new source each datagram names no attacker, counts its sources and names the one MAC they came through", () => {
  const findings = runToEnd([
    ...flood(15_000, 40, { src: spoofed, dstPort: (i) => 1 + (i % 1000) }),
  ]);
  assert.equal(findings.length, 2);
  const first = findings[0]!;
  assert.equal(first.attacker, "");
  assert.equal(first.victim, VICTIM);
  const sources = first.evidence.distinctSources as number;
  assert.ok(sources > 2_000 && sources <= MIN_PACKETS, `${sources}`);
  assert.equal((first.evidence.sampleSources as string[]).length, 20);
  const ports = first.evidence.distinctPorts as number;
  assert.ok(ports > 900 && ports < 1_100, `${ports}`);
  // Every frame of the test's flood comes from one MAC.
  assert.match(
    first.summary,
    /to about \d+ ports from about \d+ sources \(100 % through MAC 02:00:00:00:00:42\) in/,
  );
  assert.equal(first.evidence.sourceMac, "02:00:00:00:00:42");
  assert.equal(first.evidence.sourceMacShare, 1);
  // 25 000 a second: high at five times the threshold? No, medium.
  assert.equal(first.severity, "medium");
});

Deno.test("udp_flood: a flood at five times the threshold is high", () => {
  // 60 000 datagrams a second.
  const findings = runToEnd([...flood(80_000, 16)]);
  assert.equal(findings.at(-1)!.severity, "high");
  assert.equal(findings[0]!.severity, "medium", "the crossing, at 10 000");
});

Deno.test("udp_flood: a download whose receiver acknowledges every tenth datagram (QUIC) is an exchange, at any rate", () => {
  const SERVER = "198.51.100.7";
  const data = flood(30_000, 25, {
    src: () => SERVER,
    srcPort: () => 443,
    dstPort: () => 50_123,
    payloadBytes: 1_200,
  });
  const acks: PacketRecord[] = [];
  // The client's first packet comes first; then an ACK frame every tenth.
  for (let i = 0; i < 30_000; i += 10) {
    acks.push(datagram(T0 + i * 25 - 1, VICTIM, SERVER, 50_123, 443, 40));
  }
  assert.deepEqual(runToEnd(merged(acks, data)), []);
  // Without the acknowledgments, the same datagrams are a flood.
  const findings = run(
    flood(30_000, 25, {
      src: () => SERVER,
      srcPort: () => 443,
      dstPort: () => 50_123,
      payloadBytes: 1_200,
    }),
  );
  assert.ok(findings.length >= 1);
  assert.equal(findings[0]!.attacker, SERVER);
});

/** `count` new clients `stepUs` apart, each asking the victim's STUN port once and answered 1 ms later. */
function answeredClients(count: number, stepUs: number): PacketRecord[] {
  const queries = [...flood(count, stepUs, {
    src: (i) => spoofed(i),
    dstPort: () => 3478,
    payloadBytes: 20,
  })];
  const answers = queries.map((query) =>
    datagram(
      query.timestampUs + 1_000,
      VICTIM,
      query.srcAddress,
      3478,
      query.srcPort,
      60,
    )
  );
  return merged(queries, answers);
}

Deno.test("udp_flood: a busy server answering each client's first datagram is no flood", () => {
  // 15 000 clients a second.
  assert.deepEqual(runToEnd(answeredClients(30_000, 66)), []);
});

Deno.test("udp_flood: a server flooded while it answers its clients is found", () => {
  // 30 000 a second from one host beside 2 000 answered clients a second.
  const attack = flood(60_000, 33, { dstPort: () => 3478 });
  const findings = run(merged(answeredClients(4_000, 500), attack));
  assert.ok(findings.length >= 1);
  assert.equal(findings[0]!.attacker, ATTACKER);
  assert.ok((findings[0]!.evidence.answers as number) > 0);
});

Deno.test("udp_flood: one host's flood at a busy server is found though the server answers many more returning clients", () => {
  // 4 000 clients asking ten times a second each (40 000 a second), each
  // answered 1 ms later, and one host's 12 000 a second never answered.
  const traffic: PacketRecord[] = [];
  for (let round = 0; round < 30; round++) {
    for (let c = 0; c < 4_000; c++) {
      const atUs = T0 + round * 100_000 + c * 25;
      const client = `10.40.${c >>> 7}.${(c & 127) + 1}`;
      traffic.push(datagram(atUs, client, VICTIM, 40_000 + c, 53, 30));
      traffic.push(datagram(atUs + 1_000, VICTIM, client, 53, 40_000 + c, 80));
    }
  }
  const attack = flood(36_000, 83, { dstPort: () => 53, payloadBytes: 30 });
  const findings = runToEnd(merged(traffic, attack));
  assert.ok(findings.length >= 1);
  assert.equal(findings[0]!.attacker, ATTACKER);
  // The clients alone are no flood.
  assert.deepEqual(runToEnd(traffic), []);
});

Deno.test("udp_flood: spoofed requests the receiver answers once each hide no flood from one host", () => {
  const decoys = answeredClients(45_000, 66); // 15 000 a second
  const attack = flood(90_000, 33); // 30 000 a second, never answered
  const findings = runToEnd(merged(decoys, attack));
  assert.ok(findings.length >= 1);
  assert.equal(findings[0]!.attacker, ATTACKER);
});

Deno.test("udp_flood: a flood the receiver sends as many datagrams as it gets (an echo service) is not told from a busy server", () => {
  const attack = [...flood(20_000, 50, { dstPort: () => 7 })];
  const echoes = attack.map((d) =>
    datagram(d.timestampUs + 10, VICTIM, ATTACKER, 7, d.srcPort)
  );
  // The echoes make every later datagram an exchange too.
  assert.deepEqual(runToEnd(merged(attack, echoes)), []);
});

Deno.test("udp_flood: amplified replies (DNS answers from port 53) are left to the reflection flood detector", () => {
  const answer = dnsMessage({
    id: 7,
    name: "example.com",
    qtype: 255,
    response: true,
    answers: ["192.0.2.1", "192.0.2.2"],
  });
  const frame = (i: number) =>
    udpFrame(
      {
        src: spoofed(i),
        dst: VICTIM,
        srcMac: ATTACKER_MAC,
        dstMac: VICTIM_MAC,
      },
      { srcPort: 53, dstPort: 40_000 },
      answer,
    );
  const replies: PacketRecord[] = [];
  for (let i = 0; i < 20_000; i++) {
    replies.push(
      decodeFrame(frame(i % 500), { timestampUs: T0 + i * 40 })
        .packet,
    );
  }
  assert.equal(replies[0]!.dnsResponse, true);
  assert.deepEqual(runToEnd(replies), []);
  // The same datagrams from port 53, with no DNS in them, are counted.
  assert.equal(
    run(flood(20_000, 40, { srcPort: () => 53, dstPort: () => 40_000 }))
      .length,
    1,
  );
});

Deno.test("udp_flood: datagrams to a multicast or broadcast address, or a host's own to itself, are not counted", () => {
  assert.deepEqual(run(flood(20_000, 40, { dst: "239.1.2.3" })), []);
  assert.deepEqual(run(flood(20_000, 40, { dst: "255.255.255.255" })), []);
  assert.deepEqual(
    run(flood(20_000, 40, { dst: "ff02::1", src: () => "fe80::1" })),
    [],
  );
  assert.deepEqual(
    run(flood(20_000, 40, { dst: "127.0.0.1", src: () => "127.0.0.1" })),
    [],
  );
});

Deno.test("udp_flood: IPv6 floods are found", () => {
  const findings = run(
    flood(20_000, 40, { src: () => "2001:db8::66", dst: "2001:db8::8" }),
  );
  assert.equal(findings.length, 1);
  assert.equal(findings[0]!.victim, "2001:db8::8");
  assert.equal(findings[0]!.attacker, "2001:db8::66");
});

Deno.test("udp_flood: a pause longer than quietUs ends a flood; the next burst is a new one", () => {
  const quietUs = UDP_FLOOD_DEFAULTS.quietUs;
  const burst = 15_000;
  const packets = [
    ...flood(burst, 40),
    ...flood(burst, 40, { startUs: T0 + burst * 40 + quietUs + SECOND_US }),
  ];
  const findings = runToEnd(packets);
  assert.equal(findings.length, 4);
  const [firstStart, firstEnd, secondStart, secondEnd] = findings as [
    Finding,
    Finding,
    Finding,
    Finding,
  ];
  assert.equal(firstStart.evidence.datagrams, MIN_PACKETS);
  assert.equal(firstEnd.evidence.datagrams, burst - UNCOUNTED);
  assert.equal(firstEnd.timestampUs, T0 + (burst - 1) * 40);
  assert.equal(secondStart.evidence.datagrams, MIN_PACKETS);
  assert.ok(secondStart.startUs! > firstEnd.timestampUs);
  assert.equal(secondEnd.evidence.datagrams, burst - UNCOUNTED);
  // A shorter pause (1 s) keeps one flood.
  const joined = runToEnd([
    ...flood(burst, 40),
    ...flood(burst, 40, { startUs: T0 + burst * 40 + SECOND_US }),
  ]);
  assert.deepEqual(
    new Set(joined.map((f) => f.startUs)),
    new Set([firstStart.startUs]),
  );
  assert.equal(joined.at(-1)!.evidence.datagrams, 2 * burst - UNCOUNTED);
});

Deno.test("udp_flood: a quiet link ends a flood with its final figures (idle)", () => {
  const detector = createUdpFloodDetector();
  const packets = [...flood(12_000, 50)];
  const findings = findingsOf(detector, packets);
  assert.equal(findings.length, 1);
  const lastUs = packets.at(-1)!.timestampUs;
  detector.idle!(lastUs + SECOND_US, (f) => findings.push(f));
  assert.equal(findings.length, 1, "not yet quiet for quietUs");
  detector.idle!(lastUs + 3 * SECOND_US, (f) => findings.push(f));
  assert.equal(findings.length, 2);
  assert.equal(findings[1]!.evidence.datagrams, 12_000 - UNCOUNTED);
  assert.equal(findings[1]!.timestampUs, lastUs);
  assert.equal(detector.tables().victims!.size, 0);
});

Deno.test("udp_flood: a peer's datagrams are an exchange while the receiver sent it UDP within 100–200 ms; a reply now and then hides no flood", () => {
  const answerMemoryUs = UDP_FLOOD_DEFAULTS.answerMemoryUs;
  // Another host's datagrams within 65 ms give the victim an entry.
  const admission = [
    ...flood(ADMIT + 20, 100, { src: () => "192.168.1.77" }),
  ];
  // 25 000 a second for 1.2 s.
  const attack = [...flood(30_000, 40, { startUs: T0 + 100_000 })];
  /** The victim's replies to the attacker: after every `every`-th of its datagrams. */
  const replies = (every: number) =>
    attack.filter((_, i) => i % every === 0).map((d) =>
      datagram(d.timestampUs + 5, VICTIM, ATTACKER, 9, d.srcPort, 40)
    );
  // A reply every 100 ms (every 2 500 datagrams): an exchange throughout.
  assert.deepEqual(runToEnd(merged(admission, attack, replies(2_500))), []);
  // A reply a second (a rate-limited error): a flood.
  const everySecond = runToEnd(merged(admission, attack, replies(25_000)));
  assert.ok(everySecond.length >= 1);
  assert.equal(everySecond[0]!.attacker, ATTACKER);
  // One reply before the flood: its first 100–200 ms are exchanges.
  const once = runToEnd([
    ...admission,
    datagram(T0 + 99_000, VICTIM, ATTACKER, 53, 40_000, 40),
    ...attack,
  ]);
  const exchanges = once.at(-1)!.evidence.exchanges as number;
  assert.ok(
    exchanges >= 100_000 / 40 - 50 && exchanges <= 200_000 / 40,
    `${exchanges}`,
  );
  // A reply before the receiver had an entry is not remembered.
  const before = runToEnd([
    datagram(T0, VICTIM, ATTACKER, 53, 40_000, 40),
    ...flood(20_000, 40, { startUs: T0 + 1 }),
  ]);
  assert.equal(before[0]!.evidence.exchanges, 0);
  // Nor one older than two memories.
  const late = runToEnd([
    ...admission,
    datagram(T0 + 70_000, VICTIM, ATTACKER, 53, 40_000, 40),
    ...flood(20_000, 40, { startUs: T0 + 70_000 + 2 * answerMemoryUs + 1 }),
  ]);
  assert.equal(late[0]!.evidence.exchanges, 0);
});

Deno.test("udp_flood: a spoofed flood at 300 000 a second cannot fill the memory that makes exchanges", () => {
  const findings = runToEnd([...flood(250_000, 3, { src: spoofed })]);
  const last = findings.at(-1)!;
  assert.equal(last.evidence.exchanges, 0);
  assert.equal(last.evidence.datagrams, 250_000 - UNCOUNTED);
});

Deno.test("udp_flood: a busy server's own datagrams (to its players, to a group) hide no flood it does not answer", () => {
  const PLAYERS = 100;
  const player = (i: number) => `10.20.${i >>> 8}.${(i & 255) + 1}`;
  // 100 players at 64 Hz both ways for 3 s: 6 400 datagrams a second out.
  const game: PacketRecord[] = [];
  for (let tick = 0; tick < 192; tick++) {
    const atUs = T0 + tick * 15_625;
    for (let i = 0; i < PLAYERS; i++) {
      game.push(datagram(atUs + i, player(i), VICTIM, 50_000 + i, 27_016, 60));
      game.push(
        datagram(atUs + 200 + i, VICTIM, player(i), 27_016, 50_000 + i, 300),
      );
    }
  }
  // And 5 000 a second to a multicast group.
  const multicast = [...flood(15_000, 200, {
    src: () => VICTIM,
    dst: "239.1.1.1",
    payloadBytes: 100,
  })];
  // 20 000 a second from one host that it never answers, from 1 s on.
  const attack = flood(40_000, 50, {
    startUs: T0 + SECOND_US,
    dstPort: () => 27_016,
  });
  const findings = runToEnd(merged(game, multicast, attack));
  assert.ok(findings.length >= 1);
  assert.equal(findings[0]!.attacker, ATTACKER);
  assert.equal(findings[0]!.evidence.answers, 0);
  // The game alone is no flood.
  assert.deepEqual(runToEnd(merged(game, multicast)), []);
});

Deno.test("udp_flood: receivers are bounded; a flood keeps its entry while other receivers come and go", () => {
  const maxVictims = 16;
  const detector = createUdpFloodDetector({
    maxVictims,
    minPackets: 320, // admission at 20 datagrams a second
  });
  const findings: Finding[] = [];
  const report = (f: Finding) => findings.push(f);
  // 1 000 a second to the victim, and 25 datagrams each to 200 other receivers a second.
  for (let i = 0; i < 4_000; i++) {
    const atUs = T0 + i * 1_000;
    detector.observe(datagram(atUs, ATTACKER, VICTIM, 1024 + i, 9), report);
    for (let j = 0; j < 5; j++) {
      const other = `10.9.${(i * 5 + j) % 200 >>> 0 & 255}.1`;
      detector.observe(datagram(atUs + j + 1, spoofed(j), other, 5, 9), report);
    }
    assert.ok(detector.tables().victims!.size <= maxVictims);
  }
  const victims = new Set(findings.map((f) => f.victim));
  assert.ok(victims.has(VICTIM), [...victims].join(", "));
});

Deno.test("udp_flood: packet time that steps back starts the counts afresh, so a steady stream never piles into one quarter", () => {
  // 2 000 datagrams a second of 1 200 bytes (19 Mbit/s), one way, for 2 s,
  // then the clock steps back an hour and the stream goes on for 3 s.
  const before = [...flood(4_000, 500, { payloadBytes: 1_200 })];
  const after = [...flood(6_000, 500, {
    payloadBytes: 1_200,
    startUs: T0 + 2 * SECOND_US - 3_600 * SECOND_US,
  })];
  assert.deepEqual(runToEnd([...before, ...after]), []);
  // A flood across the step ends with its figures at the step, and the
  // flood after it is a new one, counted afresh.
  const findings = runToEnd([
    ...flood(15_000, 40),
    ...flood(15_000, 40, { startUs: T0 - 10 * SECOND_US }),
  ]);
  // (The first 63 packets behind are held at the latest, as stragglers.)
  assert.deepEqual(
    findings.map((f) => f.evidence.datagrams),
    [
      MIN_PACKETS,
      15_000 - UNCOUNTED + 63,
      MIN_PACKETS,
      15_000 - 63 - UNCOUNTED,
    ],
  );
  // A straggler a second behind every half second (another capture
  // point's packet) splits nothing.
  const stragglers = [...flood(50_000, 20)];
  for (let i = 25_000; i < stragglers.length; i += 25_000) {
    stragglers.splice(
      i,
      0,
      datagram(
        stragglers[i]!.timestampUs - SECOND_US,
        "10.9.9.9",
        VICTIM,
        5,
        9,
      ),
    );
  }
  const split = runToEnd(stragglers);
  assert.equal(new Set(split.map((f) => f.startUs)).size, 1);
  // Merged captures a few milliseconds out of order are one stream.
  const shuffled = [...flood(15_000, 40)];
  for (let i = 0; i + 1 < shuffled.length; i += 2) {
    [shuffled[i], shuffled[i + 1]] = [shuffled[i + 1]!, shuffled[i]!];
  }
  assert.deepEqual(
    runToEnd(shuffled).map((f) => f.evidence.datagrams),
    [MIN_PACKETS, 15_000 - UNCOUNTED],
  );
});

Deno.test("udp_flood: a flood evicted from a full table reports its final figures first", () => {
  const detector = createUdpFloodDetector({ maxVictims: 4 });
  const findings: Finding[] = [];
  const report = (f: Finding) => findings.push(f);
  const packets = [...flood(12_000, 50)];
  for (const packet of packets) detector.observe(packet, report);
  assert.equal(findings.length, 1);
  // Four other receivers, each over the admission level, within the next second.
  const lastUs = packets.at(-1)!.timestampUs;
  for (let r = 0; r < 4; r++) {
    for (let i = 0; i < ADMIT; i++) {
      detector.observe(
        datagram(
          lastUs + 1_000 + r * 10_000 + i,
          ATTACKER,
          `10.9.9.${r + 1}`,
          5,
          9,
        ),
        report,
      );
    }
  }
  assert.equal(findings.length, 2, "the final figures of the evicted flood");
  assert.equal(findings[1]!.victim, VICTIM);
  assert.equal(findings[1]!.evidence.datagrams, 12_000 - UNCOUNTED);
});

Deno.test("udp_flood: datagrams to a subnet's broadcast address (in frames to the broadcast MAC) are not counted; to a host, in such frames, they are", () => {
  /** 20 000 datagrams to `dst` in frames to the broadcast MAC, 40 µs apart. */
  const broadcast = (dst: string) => {
    const frame = udpFrame(
      { src: ATTACKER, dst, srcMac: ATTACKER_MAC, dstMac: "ff:ff:ff:ff:ff:ff" },
      { srcPort: 40_000, dstPort: 9 },
      new Uint8Array(0),
    );
    return Array.from(
      { length: 20_000 },
      (_, i) => decodeFrame(frame, { timestampUs: T0 + i * 40 }).packet,
    );
  };
  assert.deepEqual(runToEnd(broadcast("192.168.1.255")), []);
  // Linux takes such a frame for a unicast address: a flood from the LAN.
  assert.ok(runToEnd(broadcast(VICTIM)).length >= 1);
});

Deno.test("udp_flood: a flooder beside a collector's one-way traffic is named once its own datagrams cross the threshold", () => {
  // 200 devices sending a syslog collector 4 000 datagrams a second, then
  // one host flooding it at 14 000 a second (78 % of what it gets).
  const devices = [...flood(16_000, 250, {
    src: (i) => `10.30.0.${(i % 200) + 1}`,
    dstPort: () => 514,
    payloadBytes: 120,
  })];
  const attack = flood(28_000, 71, { startUs: T0 + 2 * SECOND_US });
  const findings = runToEnd(merged(devices, attack));
  const last = findings.at(-1)!;
  assert.ok((last.evidence.topSourceShare as number) < 0.8);
  assert.equal(last.attacker, ATTACKER);
  // The collector alone is below the threshold.
  assert.deepEqual(runToEnd(devices), []);
});

Deno.test('udp_flood: a spoofed flood from more sources than the map tells says "more than", and names no top source it cannot vouch for', () => {
  const findings = runToEnd([...flood(80_000, 16, { src: spoofed })]);
  const last = findings.at(-1)!;
  assert.match(last.summary, /from more than \d+ sources/);
  assert.equal(last.evidence.topSource, "");
  assert.equal(last.evidence.topSourceShare, 0);
});

Deno.test("udp_flood: options are checked", () => {
  for (
    const name of [
      "minPackets",
      "minBytes",
      "maxAnswerShare",
      "answerMemoryUs",
      "quietUs",
      "maxVictims",
      "reportIntervalUs",
    ] as const
  ) {
    assert.throws(
      () => createUdpFloodDetector({ [name]: 0 }),
      new RegExp(`${name} must be positive`),
    );
  }
  assert.throws(
    () => createUdpFloodDetector({ dominantShare: 1.5 }),
    /dominantShare must be within/,
  );
  assert.throws(
    () => createUdpFloodDetector({ maxVictims: 1.5 }),
    /maxVictims must be an integer/,
  );
});

Deno.test("udp_flood: random datagrams, in or out of time order, never throw and keep the table bounded", () => {
  let seed = 7;
  const random = () =>
    (seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32;
  const packets: PacketRecord[] = [];
  for (let i = 0; i < 20_000; i++) {
    packets.push(datagram(
      T0 + Math.floor(random() * 3 * SECOND_US),
      `10.0.0.${1 + Math.floor(random() * 4)}`,
      `10.0.1.${1 + Math.floor(random() * 4)}`,
      Math.floor(random() * 65_536),
      Math.floor(random() * 4),
    ));
  }
  const sorted = [...packets].sort((a, b) => a.timestampUs - b.timestampUs);
  for (const [order, stream] of [["random", packets], ["sorted", sorted]]) {
    const detector = createUdpFloodDetector({ minPackets: 50, maxVictims: 8 });
    let findings = 0;
    for (const packet of stream as PacketRecord[]) {
      detector.observe(packet, () => findings++);
      assert.ok(detector.tables().victims!.size <= 8);
    }
    detector.flush!(T0 + 3 * SECOND_US, () => findings++);
    detector.idle!(T0 + 10 * SECOND_US, () => findings++);
    assert.equal(detector.tables().victims!.size, 0);
    if (order === "sorted") assert.ok(findings > 0);
  }
});
