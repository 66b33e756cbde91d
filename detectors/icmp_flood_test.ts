import assert from "node:assert/strict";
import type { PacketRecord } from "../capture/packet_record.ts";
import type { Finding } from "./alert.ts";
import {
  createIcmpFloodDetector,
  ICMP_FLOOD_DEFAULTS,
  type IcmpFloodOptions,
} from "./icmp_flood.ts";
import {
  crowdHost,
  findingsOf,
  icmpPacket,
  type IcmpPacketFields,
  SECOND_US,
  T0,
  times,
  withAddressKeys,
} from "./test_packets.ts";

const ATTACKER = "192.168.1.16";
const VICTIM = "192.168.1.1";
const THRESHOLD = ICMP_FLOOD_DEFAULTS.packetThreshold;

type EchoFields = Partial<IcmpPacketFields> & { atUs: number };

/** One echo request from the attacker to the victim unless told otherwise (see {@linkcode icmpPacket}). */
function echo(fields: EchoFields): PacketRecord {
  return icmpPacket({ src: ATTACKER, dst: VICTIM, ...fields });
}

function run(
  packets: Iterable<PacketRecord>,
  options: IcmpFloodOptions = {},
): Finding[] {
  return findingsOf(createIcmpFloodDetector(options), packets);
}

/** `count` echo requests `stepUs` apart. */
function* flood(
  count: number,
  stepUs: number,
  fields: Partial<EchoFields> = {},
  startUs = T0,
): Generator<PacketRecord> {
  for (let i = 0; i < count; i++) {
    yield echo({ ...fields, atUs: startUs + i * stepUs });
  }
}

Deno.test("icmp_flood: one request below the threshold raises nothing", () => {
  assert.deepEqual(run(flood(THRESHOLD - 1, 1_000)), []);
});

Deno.test("icmp_flood: the threshold-th request within the window raises one exact finding", () => {
  const findings = run(flood(THRESHOLD, 1_000));
  assert.equal(findings.length, 1);
  const finding = findings[0]!;
  assert.equal(finding.kind, "icmp_flood");
  assert.equal(finding.key, VICTIM);
  assert.equal(finding.victim, VICTIM);
  assert.equal(finding.attacker, ATTACKER);
  assert.equal(finding.timestampUs, T0 + (THRESHOLD - 1) * 1_000);
  assert.equal(finding.severity, "high");
  assert.equal(finding.evidence.requests, THRESHOLD);
  assert.equal(finding.evidence.bytes, THRESHOLD * 28);
  assert.equal(finding.evidence.distinctSources, 1);
  assert.equal(finding.evidence.topSource, ATTACKER);
  assert.equal(finding.evidence.topSourceShare, 1);
  assert.deepEqual(finding.evidence.sampleSources, [ATTACKER]);
  assert.equal(finding.evidence.ratePerSecond, 1000);
  assert.equal(finding.evidence.groupVictim, false);
  assert.equal(finding.evidence.windowSeconds, 5);
  assert.match(
    finding.summary,
    /192\.168\.1\.1 received 150 echo requests from 192\.168\.1\.16/,
  );
});

Deno.test("icmp_flood: the window edge is exact", () => {
  const windowUs = ICMP_FLOOD_DEFAULTS.windowUs;
  // 150 requests spanning just under the window: a flood.
  const stepInside = Math.floor((windowUs - 1) / (THRESHOLD - 1));
  assert.equal(run(flood(THRESHOLD, stepInside)).length, 1);
  // Spanning exactly the window: the first has left it when the last arrives.
  const stepOutside = windowUs / (THRESHOLD - 1) + 1;
  assert.deepEqual(run(flood(THRESHOLD * 10, stepOutside)), []);
});

Deno.test("icmp_flood: the scapy flood (60/s for 11 s) is found and updated", () => {
  const findings = run(flood(657, Math.round(SECOND_US / 60)));
  assert.ok(findings.length >= 2);
  const first = findings[0]!;
  assert.equal(first.attacker, ATTACKER);
  assert.equal(first.severity, "medium");
  assert.equal(first.timestampUs, T0 + 149 * Math.round(SECOND_US / 60));
  // Repeats when requests double (300, 600).
  assert.deepEqual(findings.map((f) => f.evidence.requests), [150, 300, 600]);
});

Deno.test("icmp_flood: ordinary ping, ping -i 0.2, mtr and traceroute raise nothing", () => {
  const packets: PacketRecord[] = [];
  // ping at 1/s and at 5/s for ten minutes, to two hosts.
  packets.push(...flood(600, SECOND_US, { dst: "192.168.1.2" }));
  packets.push(...flood(3_000, 200_000, { dst: "192.168.1.3" }));
  // mtr: one probe per hop (15 hops) per second to one destination, for ten minutes.
  for (let s = 0; s < 600; s++) {
    for (let ttl = 1; ttl <= 15; ttl++) {
      packets.push(
        echo({ atUs: T0 + s * SECOND_US + ttl * 1_000, dst: "8.8.8.8", ttl }),
      );
    }
  }
  // Echo replies and time-exceeded messages are never counted.
  packets.push(...flood(1_000, 100, { dst: "192.168.1.4", type: 0 }));
  packets.push(...flood(1_000, 100, { dst: "192.168.1.4", type: 11 }));
  packets.sort((a, b) => a.timestampUs - b.timestampUs);
  assert.deepEqual(run(packets), []);
});

Deno.test("icmp_flood: a spoofed flood names no attacker and estimates its sources", () => {
  const packets: PacketRecord[] = [];
  for (let i = 0; i < 500; i++) {
    packets.push(
      echo({ atUs: T0 + i * 500, src: `172.16.0.${(i * 37) % 214}` }),
    );
  }
  const findings = run(packets);
  assert.ok(findings.length >= 1);
  const last = findings.at(-1)!;
  assert.equal(last.attacker, "");
  assert.equal(last.victim, VICTIM);
  const sources = last.evidence.distinctSources as number;
  assert.ok(Math.abs(sources - 214) <= 8, `distinctSources ${sources}`);
  assert.equal((last.evidence.sampleSources as string[]).length, 20);
  assert.match(last.summary, /from about \d+ sources/);
});

Deno.test("icmp_flood: one source with at least 80% of the requests is the attacker", () => {
  const mixed = (share: number): PacketRecord[] => {
    const packets: PacketRecord[] = [];
    for (let i = 0; i < 400; i++) {
      const spoofed = (i % 100) >= share * 100;
      packets.push(
        echo({
          atUs: T0 + i * 1_000,
          src: spoofed ? `10.9.${i >> 8}.${i & 255}` : ATTACKER,
        }),
      );
    }
    return packets;
  };
  for (const finding of run(mixed(0.85))) {
    assert.equal(finding.attacker, ATTACKER);
  }
  for (const finding of run(mixed(0.6))) assert.equal(finding.attacker, "");
});

Deno.test("icmp_flood: a smurf storm to ff02::1 is keyed by the group and names no attacker", () => {
  const findings = run(flood(1_000, 8, { src: "ff02::1", dst: "ff02::1" }));
  assert.ok(findings.length >= 1);
  const finding = findings[0]!;
  assert.equal(finding.key, "ff02::1");
  assert.equal(finding.victim, "ff02::1");
  assert.equal(finding.attacker, "");
  assert.equal(finding.evidence.groupVictim, true);
  assert.equal(finding.evidence.topSource, "ff02::1");
  assert.match(finding.summary, /from ff02::1, a spoofed source in /);
});

Deno.test("icmp_flood: an ICMPv6 flood from one host names it", () => {
  const findings = run(
    flood(2_000, 150, { src: "2001:db8:1::2", dst: "2001:db8:1::1" }),
  );
  assert.equal(findings[0]!.attacker, "2001:db8:1::2");
  assert.equal(findings[0]!.victim, "2001:db8:1::1");
});

Deno.test("icmp_flood: a second flood after a quiet window is reported afresh", () => {
  const windowUs = ICMP_FLOOD_DEFAULTS.windowUs;
  const packets = [
    ...flood(200, 1_000),
    ...flood(200, 1_000, {}, T0 + 3 * windowUs),
  ];
  const findings = run(packets);
  // The first flood's last figures (all 200) before its state goes, at its
  // last request; then the second flood's first finding.
  assert.deepEqual(findings.map((f) => f.evidence.requests), [150, 200, 150]);
  assert.equal(findings[1]!.timestampUs, T0 + 199 * 1_000);
  assert.equal(findings[2]!.timestampUs, T0 + 3 * windowUs + 149 * 1_000);
});

Deno.test("icmp_flood: a flood whose state expires while the capture goes on reports its last figures first", () => {
  const windowUs = ICMP_FLOOD_DEFAULTS.windowUs;
  const packets = [
    ...flood(400, 1_000),
    // Another victim's requests, long after: the first victim's state expires.
    ...flood(10, 1_000, { dst: "10.0.0.99" }, T0 + 3 * windowUs),
  ];
  const findings = run(packets);
  assert.deepEqual(findings.map((f) => f.evidence.requests), [150, 300, 400]);
  assert.equal(findings.at(-1)!.timestampUs, T0 + 399 * 1_000);
});

Deno.test("icmp_flood: a long flood is re-reported at least every 10 s", () => {
  // 100/s for 60 s: 6 000 requests; doubling gives 150..4800, the interval the rest.
  const findings = run(flood(6_000, 10_000));
  const times = findings.map((f) => (f.timestampUs - T0) / SECOND_US);
  for (let i = 1; i < times.length; i++) {
    assert.ok(times[i]! - times[i - 1]! <= 10.01, `gap before ${times[i]}`);
  }
  assert.ok(findings.length <= 12);
});

Deno.test("icmp_flood: replay is deterministic", () => {
  const packets = [...flood(700, 300), ...flood(300, 700, { src: "10.1.1.1" })]
    .sort(
      (a, b) => a.timestampUs - b.timestampUs,
    );
  assert.deepEqual(run(packets), run(packets));
});

Deno.test("icmp_flood: tables stay within capacity under 1M distinct victims", () => {
  const detector = createIcmpFloodDetector({ maxVictims: 1_000 });
  const packet = echo({ atUs: T0 });
  let findings = 0;
  for (let i = 0; i < 1_000_000; i++) {
    packet.timestampUs = T0 + i;
    packet.dstAddress = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    withAddressKeys(packet);
    detector.observe(packet, () => findings++);
  }
  const stats = detector.tables().victims!;
  assert.equal(stats.capacity, 1_000);
  assert.equal(stats.size, 1_000);
  assert.equal(stats.evictions, 999_000);
  assert.equal(findings, 0);
  assert.equal(
    createIcmpFloodDetector().tables().victims!.capacity,
    ICMP_FLOOD_DEFAULTS.maxVictims,
  );
});

Deno.test("icmp_flood: the estimate of distinct sources never exceeds the requests counted (hping3 --rand-source)", () => {
  // Every request from a new source: linear counting over 4 096 bits
  // overestimates 2 000 by about 3 %.
  const packets = times(
    2_000,
    (i) => echo({ atUs: T0 + i * 500, src: crowdHost(i) }),
  );
  const findings = run(packets);
  for (const finding of findings) {
    const sources = finding.evidence.distinctSources as number;
    assert.ok(
      sources <= (finding.evidence.requests as number),
      `${sources} sources for ${finding.evidence.requests} requests`,
    );
  }
  const last = findings.at(-1)!.evidence;
  assert.ok(
    (last.distinctSources as number) >= 0.95 * (last.requests as number),
  );
});

Deno.test("icmp_flood: 1M distinct sources to one victim keep its summaries bounded", () => {
  const detector = createIcmpFloodDetector();
  const packet = echo({ atUs: T0 });
  let last: Finding | undefined;
  for (let i = 0; i < 1_000_000; i++) {
    packet.timestampUs = T0 + i * 2;
    packet.srcAddress = crowdHost(i);
    withAddressKeys(packet);
    detector.observe(packet, (finding) => last = finding);
  }
  assert.ok(last !== undefined);
  assert.equal(last.attacker, "");
  assert.equal((last.evidence.sampleSources as string[]).length, 20);
  // Linear counting saturates near m·ln(m) for 4 096 bits.
  assert.ok((last.evidence.distinctSources as number) > 10_000);
  assert.equal(detector.tables().victims!.size, 1);
});

Deno.test("icmp_flood: invalid options are rejected", () => {
  assert.throws(
    () => createIcmpFloodDetector({ packetThreshold: 0 }),
    RangeError,
  );
  assert.throws(
    () => createIcmpFloodDetector({ packetThreshold: 1.5 }),
    RangeError,
  );
  assert.throws(
    () => createIcmpFloodDetector({ dominantShare: 0 }),
    RangeError,
  );
  assert.throws(
    () => createIcmpFloodDetector({ dominantShare: 1.2 }),
    RangeError,
  );
});

Deno.test("icmp_flood: a victim's entry reused for another after eviction carries nothing over", () => {
  const options = { maxVictims: 1, packetThreshold: 5 };
  const packets = [
    // Four requests to a first victim from many sources: below the threshold.
    ...[1, 2, 3, 4].map((n) =>
      echo({ src: `10.0.0.${n}`, dst: "192.168.1.50", atUs: T0 + n * 1_000 })
    ),
    // The second victim takes the first's entry, then gets five from one source.
    ...[5, 6, 7, 8, 9].map((n) => echo({ atUs: T0 + n * 1_000 })),
  ];
  const findings = run(packets, options);
  assert.equal(findings.length, 1, "at the second victim's fifth request");
  const finding = findings[0]!;
  assert.equal(finding.victim, VICTIM);
  assert.equal(finding.timestampUs, T0 + 9_000);
  assert.equal(finding.attacker, ATTACKER);
  assert.equal(finding.evidence.requests, 5);
  assert.equal(finding.evidence.distinctSources, 1);
  assert.deepEqual(finding.evidence.sampleSources, [ATTACKER]);
  assert.equal(finding.evidence.topSourceShare, 1);
});

Deno.test("icmp_flood: flush reports a flood's requests since its last finding once, at its last request", () => {
  const detector = createIcmpFloodDetector();
  // Reported at the threshold and when doubled; the requests after the
  // second finding (and before 10 s pass) are not.
  const count = 3 * THRESHOLD;
  const packets = [...flood(count, 1_000)];
  const findings = findingsOf(detector, packets);
  assert.ok((findings.at(-1)!.evidence.requests as number) < count);
  const final: Finding[] = [];
  detector.flush!(T0 + 60 * SECOND_US, (finding) => final.push(finding));
  assert.equal(final.length, 1);
  assert.equal(final[0]!.evidence.requests, count);
  assert.equal(final[0]!.timestampUs, packets.at(-1)!.timestampUs);
  assert.equal(final[0]!.evidence.ratePerSecond, 1000);
  // Nothing changed since: a second flush reports nothing.
  detector.flush!(T0 + 60 * SECOND_US, (finding) => final.push(finding));
  assert.equal(final.length, 1);
});

Deno.test("icmp_flood: flush reports nothing for requests below the threshold or a flood already reported", () => {
  const quiet = createIcmpFloodDetector();
  findingsOf(quiet, flood(THRESHOLD - 1, 1_000));
  const reported = createIcmpFloodDetector();
  findingsOf(reported, flood(THRESHOLD, 1_000));
  const final: Finding[] = [];
  for (const detector of [quiet, reported]) {
    detector.flush!(T0 + SECOND_US, (finding) => final.push(finding));
  }
  assert.deepEqual(final, []);
});

Deno.test("icmp_flood: a flood of timestamp or address mask requests (hping3 --icmp-ts, --icmp-addr) is an ICMP flood too; of unreachables it is not", () => {
  for (const type of [13, 17]) {
    const findings = run(flood(THRESHOLD, 1_000, { type }));
    assert.equal(findings.length, 1, `type ${type}`);
    assert.match(
      findings[0]!.summary,
      /received 150 ICMP timestamp, information or address mask requests from/,
    );
  }
  // Echo and timestamp requests together: one flood, said so.
  const mixed = run(
    times(
      THRESHOLD,
      (i) => echo({ atUs: T0 + i * 1_000, type: i % 2 ? 13 : 8 }),
    ),
  );
  assert.match(
    mixed[0]!.summary,
    /ICMP echo, timestamp, information or address mask requests/,
  );
  assert.deepEqual(run(flood(THRESHOLD * 2, 1_000, { type: 3 })), []);
});

Deno.test("icmp_flood: 40 hosts each pinging one address once a second (or at ping -i 0.2) are no flood; the same crowd with one fast pinger, or 500 sources sending once, is", () => {
  /** `hosts` sources pinging the victim every `intervalUs` for 12 s, in turn. */
  const crowd = (hosts: number, intervalUs: number) =>
    Array.from(
      { length: 12 * SECOND_US / intervalUs },
      (_, round) =>
        Array.from({ length: hosts }, (_, h) =>
          echo({
            src: `10.1.${h >> 8}.${h & 255}`,
            atUs: T0 + round * intervalUs + h * (intervalUs / hosts),
          })),
    ).flat();
  assert.deepEqual(run(crowd(40, SECOND_US)), []);
  assert.deepEqual(run(crowd(8, SECOND_US / 5)), []);
  // 40 and 70 hosts at 5/s each (200/s, 350/s): past what a crowd of
  // ordinary pingers sends (100/s), a flood however slow each host is.
  assert.equal(run(crowd(40, SECOND_US / 5)).length > 0, true);
  assert.equal(run(crowd(70, SECOND_US / 5)).length > 0, true);
  // One of them pings 20 times a second: a flood by a faster pinger.
  const fast = [
    ...crowd(40, SECOND_US),
    ...flood(240, SECOND_US / 20, { src: "10.2.0.1" }),
  ].sort((a, b) => a.timestampUs - b.timestampUs);
  assert.equal(run(fast).length > 0, true);
  // Spoofed: each source sends once (in 5 s, 100/s).
  const spoofed = times(
    500,
    (i) => echo({ src: `10.3.${i >> 8}.${i & 255}`, atUs: T0 + i * 10_000 }),
  );
  const findings = run(spoofed);
  assert.equal(findings.length > 0, true);
  assert.equal(findings[0]?.attacker, "");
});
