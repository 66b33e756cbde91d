import assert from "node:assert/strict";
import { tcpFrame } from "../capture/frame_builder.ts";
import { type PacketRecord, TCP_FLAGS } from "../capture/packet_record.ts";
import { decodeFrame } from "../capture/decode/test_helpers.ts";
import type { Finding } from "./alert.ts";
import { createSynFloodDetector, type SynFloodOptions } from "./syn_flood.ts";
import { SECOND_US, T0 } from "./test_packets.ts";

const { SYN, ACK, RST } = TCP_FLAGS;
const VICTIM = "192.168.1.10";
const PORT = 443;
const VICTIM_MAC = "02:00:00:00:00:0a";
const ROUTER_MAC = "02:00:00:00:00:01";
const CLIENT_ISN = 1_000;
/** The victim's initial sequence number, far from anything a forger sends. */
const SERVER_ISN = 2_000_000_000;

/** How each attempt's client answers the victim's SYN/ACK. */
type ClientAnswer = "none" | "ack" | "reset";

/** A spoofed source address, distinct for every `i` below 2^24. */
function spoofed(i: number): string {
  return `${11 + (i >>> 16)}.${(i >>> 8) & 255}.${i & 255}.7`;
}

/** One TCP segment, built as a frame and decoded (the path a capture takes). */
function segment(
  atUs: number,
  client: string,
  clientPort: number,
  fromClient: boolean,
  flags: number,
  seq: number,
  ack = 0,
  payload?: Uint8Array,
): PacketRecord {
  const ends = fromClient
    ? { src: client, dst: VICTIM, srcMac: ROUTER_MAC, dstMac: VICTIM_MAC }
    : { src: VICTIM, dst: client, srcMac: VICTIM_MAC, dstMac: ROUTER_MAC };
  const ports = fromClient
    ? { srcPort: clientPort, dstPort: PORT }
    : { srcPort: PORT, dstPort: clientPort };
  const frame = tcpFrame(ends, { ...ports, flags, seq, ack }, payload);
  return decodeFrame(frame, { timestampUs: atUs }).packet;
}

/** The victim's SYN/ACK to `client`:`clientPort`, answering a SYN of CLIENT_ISN. */
function synAck(atUs: number, client: string, clientPort: number) {
  return segment(
    atUs,
    client,
    clientPort,
    false,
    SYN | ACK,
    SERVER_ISN,
    CLIENT_ISN + 1,
  );
}

/** The client's ACK from `client`:`clientPort` of an attempt of CLIENT_ISN, past its `sent` bytes and the victim's `received`. */
function clientAck(
  atUs: number,
  client: string,
  clientPort: number,
  sent: number,
  received: number,
) {
  return segment(
    atUs,
    client,
    clientPort,
    true,
    ACK,
    CLIENT_ISN + 1 + sent,
    SERVER_ISN + 1 + received,
  );
}

/**
 * Attempts `i` in `indices` at `stepUs` apart from `startUs`: each a SYN
 * from its own spoofed source, the victim's SYN/ACK 1 ms later (unless
 * `answered` is false), then what the client does, 1 ms after that.
 */
function attempts(
  indices: Iterable<number>,
  stepUs: number,
  options: {
    startUs?: number;
    answered?: boolean;
    client?: ClientAnswer;
    at?: (i: number) => number;
  } = {},
): PacketRecord[] {
  const { startUs = T0, answered = true, client = "none" } = options;
  const packets: PacketRecord[] = [];
  for (const i of indices) {
    const atUs = options.at?.(i) ?? startUs + i * stepUs;
    const source = spoofed(i);
    const port = 1024 + (i % 60_000);
    packets.push(segment(atUs, source, port, true, SYN, CLIENT_ISN));
    if (!answered) continue;
    packets.push(
      synAck(atUs + 1_000, source, port),
    );
    if (client === "none") continue;
    packets.push(
      segment(
        atUs + 2_000,
        source,
        port,
        true,
        client === "ack" ? ACK : RST,
        CLIENT_ISN + 1,
        client === "ack" ? SERVER_ISN + 1 : 0,
      ),
    );
  }
  return packets.sort((a, b) => a.timestampUs - b.timestampUs);
}

function range(count: number, from = 0): number[] {
  return Array.from({ length: count }, (_, i) => from + i);
}

function findingsOf(
  packets: readonly PacketRecord[],
  options: SynFloodOptions = {},
): Finding[] {
  const detector = createSynFloodDetector(options);
  const findings: Finding[] = [];
  const sink = (finding: Finding) => findings.push(finding);
  for (const packet of packets) detector.observe(packet, sink);
  detector.flush!(packets.at(-1)?.timestampUs ?? T0, sink);
  return findings;
}

/** 20 attempts a second: far below the one-second threshold (128 half-open). */
const SLOW_STEP_US = 50_000;

Deno.test("syn_flood slow: 20 spoofed SYNs a second that the victim answers and no one completes are a slow flood", () => {
  const findings = findingsOf(attempts(range(400), SLOW_STEP_US));
  assert.ok(findings.length >= 1, "no finding");
  const first = findings[0]!;
  assert.equal(first.kind, "syn_flood");
  assert.equal(first.victim, VICTIM);
  assert.equal(first.attacker, "");
  assert.equal(first.mitre, undefined); // the catalog's T1499.001
  assert.equal(first.evidence.slow, true);
  assert.equal(first.evidence.port, PORT);
  assert.equal(first.evidence.heldHalfOpen, 256);
  assert.equal(first.evidence.heldWindowSeconds, 60);
  assert.ok((first.evidence.halfOpen as number) < 128);
  assert.match(
    first.summary,
    /holds 256 half-open connections.*slow SYN flood/,
  );
  // Found at the SYN after the 256th answer, 12.8 s in.
  assert.equal(first.timestampUs, T0 + 256 * SLOW_STEP_US);
  assert.equal(first.severity, "medium");
  // Every finding is slow and names the same incident.
  for (const finding of findings) {
    assert.equal(finding.evidence.slow, true);
    assert.equal(finding.key, VICTIM);
  }
  const last = findings.at(-1)!;
  assert.equal(last.evidence.peakHeld, 400);
  assert.equal(last.evidence.completedHandshakes, 0);
});

Deno.test("syn_flood slow: the same SYNs unanswered (a server down, or one direction captured) hold nothing", () => {
  assert.deepEqual(
    findingsOf(attempts(range(400), SLOW_STEP_US, { answered: false })),
    [],
  );
});

Deno.test("syn_flood slow: the same attempts completed by their clients, or reset by them, hold nothing", () => {
  for (const client of ["ack", "reset"] as const) {
    assert.deepEqual(
      findingsOf(attempts(range(2_000), SLOW_STEP_US, { client })),
      [],
      client,
    );
  }
});

Deno.test("syn_flood slow: held attempts end after the window, so a rate below 256 a minute is no flood however long", () => {
  // 4 a second: at most 240 held at once, for 10 minutes.
  assert.deepEqual(findingsOf(attempts(range(2_400), 250_000)), []);
  // 5 a second: 300 within a minute.
  const findings = findingsOf(attempts(range(600), 200_000));
  assert.ok(findings.length >= 1);
  assert.equal(findings[0]!.evidence.slow, true);
});

Deno.test("syn_flood slow: bursts with pauses longer than the one-second state's life still add up", () => {
  // 50 SYNs within 0.25 s every 5 s: 50 half-open a second at most.
  const at = (i: number) =>
    T0 + Math.floor(i / 50) * 5 * SECOND_US + (i % 50) * 5_000;
  const findings = findingsOf(attempts(range(400), 0, { at }));
  assert.ok(findings.length >= 1, "no finding");
  assert.equal(findings[0]!.evidence.slow, true);
  // The sixth burst's seventh SYN: 256 answered before it.
  assert.equal(findings[0]!.timestampUs, at(256));
});

Deno.test("syn_flood slow: the victim's SYN/ACK retransmissions are counted, and a client's repeated SYN is no new attempt", () => {
  const packets = attempts(range(300), SLOW_STEP_US);
  // The victim sends each SYN/ACK again 1 s later, and every client its SYN.
  for (let i = 0; i < 300; i++) {
    const atUs = T0 + i * SLOW_STEP_US + SECOND_US;
    const port = 1024 + i;
    packets.push(
      segment(atUs, spoofed(i), port, false, SYN | ACK, SERVER_ISN, 1_001),
      segment(atUs + 500, spoofed(i), port, true, SYN, CLIENT_ISN),
    );
  }
  packets.sort((a, b) => a.timestampUs - b.timestampUs);
  const findings = findingsOf(packets);
  const first = findings[0]!;
  assert.equal(first.evidence.slow, true);
  // Within the second before it: 20 new SYNs and 20 repeated, 20 attempts.
  assert.ok((first.evidence.synPacketsInWindow as number) >= 35);
  assert.ok((first.evidence.attemptsInWindow as number) <= 25);
  const last = findings.at(-1)!;
  assert.equal(last.evidence.peakHeld, 300);
  assert.ok((last.evidence.synAckRetransmissions as number) > 200);
});

Deno.test("syn_flood slow: the held table stays within its capacity, and a flood it cannot hold is found by the fast rule", () => {
  const detector = createSynFloodDetector({ maxHeldSyns: 100 });
  const findings: Finding[] = [];
  for (const packet of attempts(range(5_000), 100)) {
    detector.observe(packet, (finding) => findings.push(finding));
  }
  const tables = detector.tables();
  assert.equal(tables.held_syns!.capacity, 100);
  assert.equal(tables.held_syns!.size, 100);
  assert.equal(tables.held_syns!.evictions, 4_900);
  assert.ok(findings.length >= 1);
  assert.equal(findings[0]!.evidence.slow, false);
});

Deno.test("syn_flood slow: SYNs with data the victim does not take (hping3 -d) are held as well", () => {
  // The SYN/ACK acknowledges the SYN alone (no Fast Open cookie).
  const data = new Uint8Array(10);
  const packets: PacketRecord[] = [];
  for (let i = 0; i < 400; i++) {
    const atUs = T0 + i * SLOW_STEP_US;
    const source = spoofed(i);
    const port = 1024 + i;
    packets.push(
      segment(atUs, source, port, true, SYN, CLIENT_ISN, 0, data),
      synAck(atUs + 1_000, source, port),
    );
  }
  const findings = findingsOf(packets);
  assert.ok(findings.length >= 1, "no finding");
  assert.equal(findings[0]!.evidence.slow, true);
  assert.equal(findings.at(-1)!.evidence.peakHeld, 400);
});

Deno.test("syn_flood slow: ACKs forged with the client's sequence number but not the victim's complete nothing, before or after the SYN/ACK", () => {
  // Right behind the SYN (before the victim's SYN/ACK, 1 ms here), or
  // after it.
  for (const forgedAfterUs of [100, 50_000]) {
    const packets = attempts(range(400), SLOW_STEP_US);
    for (let i = 0; i < 400; i++) {
      // The attacker knows its own ISN, not the victim's: ack 12345.
      packets.push(
        segment(
          T0 + i * SLOW_STEP_US + forgedAfterUs,
          spoofed(i),
          1024 + i,
          true,
          ACK,
          CLIENT_ISN + 1,
          12_345,
        ),
      );
    }
    packets.sort((a, b) => a.timestampUs - b.timestampUs);
    const findings = findingsOf(packets);
    assert.ok(findings.length >= 1, `no finding (${forgedAfterUs} µs)`);
    assert.equal(findings[0]!.evidence.slow, true);
    assert.equal(findings.at(-1)!.evidence.completedHandshakes, 0);
  }
});

Deno.test("syn_flood slow: handshakes whose ACK and request the capture lost end at the client's next segment", () => {
  // 100 connections a second for 70 s; in one of 20 the capture loses the
  // client's ACK and its 100-byte request, and sees its ACK of the
  // victim's 5 000-byte answer 30 ms later.
  const packets: PacketRecord[] = [];
  for (let i = 0; i < 7_000; i++) {
    const atUs = T0 + i * 10_000;
    const client = `10.1.${(i >>> 8) & 255}.${i & 255}`;
    const port = 2000 + (i % 50_000);
    packets.push(
      segment(atUs, client, port, true, SYN, CLIENT_ISN),
      synAck(atUs + 1_000, client, port),
    );
    if (i % 20 !== 0) {
      packets.push(
        clientAck(atUs + 2_000, client, port, 0, 0),
      );
    }
    packets.push(
      clientAck(atUs + 30_000, client, port, 100, 5_000),
    );
  }
  packets.sort((a, b) => a.timestampUs - b.timestampUs);
  assert.deepEqual(findingsOf(packets), []);
});

Deno.test("syn_flood slow: severity grows with the held attempts against their own threshold", () => {
  const severity = (count: number) =>
    findingsOf(attempts(range(count), 20_000)).at(-1)!.severity;
  // 600 held: over 4 × 128 (the one-second threshold), under 4 × 256.
  assert.equal(severity(600), "medium");
  assert.equal(severity(1_100), "high");
});

Deno.test("syn_flood slow: a victim whose held attempts all completed is dropped like any other", () => {
  const detector = createSynFloodDetector();
  const sink = () => {};
  for (const packet of attempts(range(300), SLOW_STEP_US, { client: "ack" })) {
    detector.observe(packet, sink);
  }
  // Five seconds later, one SYN to another host expires the first.
  const later = T0 + 300 * SLOW_STEP_US + 5 * SECOND_US;
  const other = tcpFrame(
    {
      src: "10.9.9.9",
      dst: "192.168.1.11",
      srcMac: ROUTER_MAC,
      dstMac: VICTIM_MAC,
    },
    { srcPort: 5555, dstPort: 80, flags: SYN, seq: 1 },
  );
  detector.observe(decodeFrame(other, { timestampUs: later }).packet, sink);
  const tables = detector.tables();
  assert.equal(tables.held_syns!.size, 0);
  assert.equal(tables.victims!.size, 1);
  assert.equal(tables.targets!.size, 1);
});

Deno.test("syn_flood slow: SYNs to thousands of other hosts between the bursts do not start the count again", () => {
  // 8 bursts of 50 answered SYNs, 5 s apart; before each, 3 000 SYNs to as
  // many unused addresses (three times the tables' room here).
  const options = { maxTargets: 1_000 };
  const packets: PacketRecord[] = [];
  for (let burst = 0; burst < 8; burst++) {
    const burstUs = T0 + burst * 5 * SECOND_US;
    for (let j = 0; j < 3_000; j++) {
      const n = burst * 3_000 + j;
      packets.push(
        decodeFrame(
          tcpFrame(
            {
              src: "172.16.0.9",
              dst: `10.${128 + (n >>> 16)}.${(n >>> 8) & 255}.${n & 255}`,
              srcMac: ROUTER_MAC,
              dstMac: VICTIM_MAC,
            },
            { srcPort: 30_000 + (n % 20_000), dstPort: 80, flags: SYN, seq: n },
          ),
          { timestampUs: burstUs + j * 100 },
        ).packet,
      );
    }
    packets.push(
      ...attempts(range(50, burst * 50), 0, {
        at: (i) => burstUs + SECOND_US + (i % 50) * 5_000,
      }),
    );
  }
  packets.sort((a, b) => a.timestampUs - b.timestampUs);
  const findings = findingsOf(packets, options);
  const slow = findings.filter((finding) => finding.evidence.slow === true);
  assert.ok(slow.length >= 1, "no slow flood");
  assert.equal(slow[0]!.victim, VICTIM);
  assert.equal(slow.at(-1)!.evidence.peakHeld, 400);
});

Deno.test("syn_flood slow: clients' ACKs complete handshakes whose SYN/ACK the capture lost", () => {
  // 2 000 connections in a second from clients 2 ms away; the capture
  // loses one SYN/ACK in five, while it sees the others.
  const packets: PacketRecord[] = [];
  for (let i = 0; i < 2_000; i++) {
    const atUs = T0 + i * 500;
    const client = `10.2.${(i >>> 8) & 255}.${i & 255}`;
    const port = 3000 + i;
    packets.push(segment(atUs, client, port, true, SYN, CLIENT_ISN));
    if (i % 5 !== 0) packets.push(synAck(atUs + 1_000, client, port));
    packets.push(
      clientAck(atUs + 2_000, client, port, 0, 0),
    );
  }
  packets.sort((a, b) => a.timestampUs - b.timestampUs);
  assert.deepEqual(findingsOf(packets), []);
});
