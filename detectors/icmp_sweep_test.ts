import assert from "node:assert/strict";
import type { PacketRecord } from "../capture/packet_record.ts";
import type { Finding } from "./alert.ts";
import {
  createIcmpSweepDetector,
  ICMP_SWEEP_DEFAULTS,
  type IcmpSweepOptions,
} from "./icmp_sweep.ts";
import {
  crowdHost,
  findingsInCrowd,
  findingsOf,
  icmpPacket,
  type IcmpPacketFields,
  lanHost,
  SECOND_US,
  T0,
  tableAfterNewcomer,
  times,
  withAddressKeys,
} from "./test_packets.ts";

const SCANNER = "10.0.0.128";

/** One ICMP packet from the scanner unless told otherwise (see {@linkcode icmpPacket}). */
function icmp(
  fields: Omit<IcmpPacketFields, "src"> & { src?: string },
): PacketRecord {
  return icmpPacket({ src: SCANNER, ...fields });
}

function run(
  packets: Iterable<PacketRecord>,
  options: IcmpSweepOptions = {},
): Finding[] {
  return findingsOf(createIcmpSweepDetector(options), packets);
}

/** Echo requests to `count` distinct hosts (from `first`), `stepUs` apart. */
function* sweep(
  count: number,
  stepUs: number,
  first = 1,
  startUs = T0,
  type = 8,
): Generator<PacketRecord> {
  for (let i = 0; i < count; i++) {
    yield icmp({ atUs: startUs + i * stepUs, dst: lanHost(first + i), type });
  }
}

Deno.test("icmp_sweep: one host below the threshold raises nothing", () => {
  assert.deepEqual(
    run(sweep(ICMP_SWEEP_DEFAULTS.targetThreshold - 1, 1_000)),
    [],
  );
});

Deno.test("icmp_sweep: the threshold-th distinct host raises one exact finding", () => {
  const threshold = ICMP_SWEEP_DEFAULTS.targetThreshold;
  const findings = run(sweep(threshold, 1_000));
  assert.equal(findings.length, 1);
  const finding = findings[0]!;
  assert.equal(finding.kind, "icmp_sweep");
  assert.equal(finding.key, SCANNER);
  assert.equal(finding.attacker, SCANNER);
  assert.equal(finding.victim, "");
  assert.equal(finding.timestampUs, T0 + (threshold - 1) * 1_000);
  assert.equal(finding.startUs, T0, "dated from the sweep's first probe");
  assert.equal(finding.evidence.distinctTargets, threshold);
  assert.equal(finding.evidence.probes, threshold);
  assert.deepEqual(finding.evidence.probeKinds, ["echo"]);
  assert.deepEqual(finding.evidence.subnets, ["10.0.0.0/24"]);
  assert.equal((finding.evidence.sampleTargets as string[]).length, 20);
  assert.equal(finding.evidence.durationSeconds, 0);
  assert.match(
    finding.summary,
    /10\.0\.0\.128 sent ICMP echo requests to 50 distinct hosts/,
  );
});

Deno.test("icmp_sweep: a /24 in 2 s (two passes) is found and counted exactly", () => {
  const packets = [
    ...sweep(256, 4_000, 0),
    ...sweep(256, 4_000, 0, T0 + 1_100_000),
  ];
  const findings = run(packets);
  assert.deepEqual(findings.map((f) => f.evidence.sweepTargets), [
    50,
    100,
    200,
  ]);
  // The second pass adds nothing new, so no more findings until it grows.
  const more = run([
    ...packets,
    icmp({ atUs: T0 + 12 * SECOND_US, dst: lanHost(300) }),
  ]);
  assert.equal(more.at(-1)!.evidence.sweepTargets, 257);
  assert.equal(more.at(-1)!.evidence.distinctTargets, 256);
  assert.equal(more.at(-1)!.severity, "medium");
});

Deno.test("icmp_sweep: timestamp and address mask requests are probes", () => {
  const findings = run([
    ...sweep(30, 1_000, 1, T0, 13),
    ...sweep(30, 1_000, 31, T0 + 50_000, 17),
  ]);
  assert.equal(findings.length, 1);
  assert.deepEqual(findings[0]!.evidence.probeKinds, ["timestamp", "mask"]);
});

Deno.test("icmp_sweep: hosts older than the window are forgotten; a slow sweep is not found", () => {
  const windowUs = ICMP_SWEEP_DEFAULTS.windowUs;
  assert.equal(
    run([...sweep(25, 1), ...sweep(25, 1, 26, T0 + windowUs - 25)]).length,
    1,
  );
  assert.deepEqual(
    run([...sweep(25, 1), ...sweep(25, 1, 26, T0 + windowUs + 25)]),
    [],
  );
  // One host every 1.5 s: 40 per minute.
  assert.deepEqual(run(sweep(255, 1_500_000)), []);
});

Deno.test("icmp_sweep: traceroute, pings, errors and group addresses raise nothing", () => {
  const packets: PacketRecord[] = [];
  let atUs = T0;
  // Windows tracert: 3 echo requests per hop to one destination, time-exceeded from 30 routers.
  for (let ttl = 1; ttl <= 30; ttl++) {
    for (let probe = 0; probe < 3; probe++) {
      atUs += 5_000;
      packets.push(icmp({ atUs, dst: "4.2.2.1", ttl, src: "192.168.100.138" }));
      packets.push(
        icmp({
          atUs: atUs + 1,
          src: `172.16.${ttl}.1`,
          dst: "192.168.100.138",
          type: 11,
        }),
      );
    }
  }
  // A host pinging a few others, once a second for ten minutes.
  for (let i = 0; i < 600; i++) {
    packets.push(
      icmp({
        atUs: T0 + i * SECOND_US,
        dst: lanHost(1 + (i % 4)),
        src: "10.0.9.9",
      }),
    );
  }
  // A router sending unreachables to many hosts; echo replies from many hosts.
  for (let i = 0; i < 300; i++) {
    packets.push(
      icmp({ atUs: T0 + i * 1_000, src: "10.0.0.1", dst: lanHost(i), type: 3 }),
    );
    packets.push(
      icmp({ atUs: T0 + i * 1_000, src: "10.0.0.2", dst: lanHost(i), type: 0 }),
    );
  }
  // Echo requests to multicast and broadcast groups.
  for (let i = 0; i < 300; i++) {
    packets.push(
      icmp({
        atUs: T0 + i * 1_000,
        src: "10.0.0.3",
        dst: `224.0.0.${i % 256}`,
      }),
    );
    packets.push(
      icmp({ atUs: T0 + i * 1_000, src: "10.0.0.3", dst: "255.255.255.255" }),
    );
    packets.push(
      icmp({
        atUs: T0 + i * 1_000,
        src: "fe80::3",
        dst: `ff02::${i.toString(16)}`,
      }),
    );
  }
  packets.sort((a, b) => a.timestampUs - b.timestampUs);
  assert.deepEqual(run(packets), []);
});

Deno.test("icmp_sweep: an IPv6 sweep is found, with /64s as subnets", () => {
  const packets: PacketRecord[] = [];
  for (let i = 1; i <= 60; i++) {
    packets.push(
      icmp({
        atUs: T0 + i * 1_000,
        src: "2001:db8::66",
        dst: `2001:db8:0:1::${i.toString(16)}`,
      }),
    );
  }
  const findings = run(packets);
  assert.equal(findings.length, 1);
  assert.equal(findings[0]!.attacker, "2001:db8::66");
  assert.deepEqual(findings[0]!.evidence.subnets, ["2001:db8:0:1::/64"]);
});

Deno.test("icmp_sweep: replay is deterministic", () => {
  const packets = [...sweep(400, 333), ...sweep(60, 777, 1, T0 + 5)].sort(
    (a, b) => a.timestampUs - b.timestampUs,
  );
  assert.deepEqual(run(packets), run(packets));
});

Deno.test("icmp_sweep: tables stay within capacity under 1M distinct sources", () => {
  const detector = createIcmpSweepDetector();
  const packet = icmp({ atUs: T0, dst: "10.0.0.1" });
  let findings = 0;
  for (let i = 0; i < 1_000_000; i++) {
    packet.timestampUs = T0 + i;
    packet.srcAddress = crowdHost(i);
    withAddressKeys(packet);
    detector.observe(packet, () => findings++);
  }
  const stats = detector.tables().sources!;
  assert.equal(stats.capacity, ICMP_SWEEP_DEFAULTS.maxSources);
  assert.ok(stats.size <= stats.capacity);
  // Once full, one-packet newcomers are turned away at the door (all but
  // the few that the admission's sketches take for seen before).
  assert.equal(stats.evictions + stats.rejected!, 1_000_000 - stats.capacity);
  assert.ok(stats.rejected! > 900_000, `${stats.rejected} rejected`);
  assert.equal(findings, 0);
});

Deno.test("icmp_sweep: a flood of one-packet sources does not flush a sweep out of the full table", () => {
  // A sweep of 60 hosts, one every 500 ms, with 5 000 spoofed one-packet
  // sources before each probe (10 000 a second into a table of 4 096):
  // evicting the least recently seen source for each newcomer would drop
  // the sweep's targets long before it reached the threshold.
  const detector = createIcmpSweepDetector();
  const sweep = Array.from(
    { length: 60 },
    (_, i) => icmp({ atUs: T0 + i * 500_000, dst: lanHost(100 + i) }),
  );
  const findings = findingsInCrowd(
    detector,
    sweep,
    icmp({ atUs: T0, dst: "10.0.0.1" }),
    5_000,
    5_000,
    (packet, n) => packet.srcAddress = crowdHost(n),
  );
  // The table was full when the sweep began: its first probe is turned
  // away at the door, so the threshold falls on its 51st.
  assert.deepEqual(
    findings.map((
      f,
    ) => [f.attacker, f.timestampUs, f.evidence.distinctTargets]),
    [[SCANNER, T0 + 50 * 500_000, ICMP_SWEEP_DEFAULTS.targetThreshold]],
  );
  assert.ok(detector.tables().sources!.rejected! > 290_000);
});

Deno.test("icmp_sweep: one source's targets are capped", () => {
  const findings = run(sweep(3_000, 10));
  assert.equal(
    findings.at(-1)!.evidence.distinctTargets,
    ICMP_SWEEP_DEFAULTS.maxTargetsPerSource,
  );
  assert.equal(findings.at(-1)!.evidence.sweepTargets, 1_600);
  assert.equal(findings.at(-1)!.severity, "high");
});

Deno.test("icmp_sweep: invalid options are rejected", () => {
  assert.throws(() => createIcmpSweepDetector({ windowUs: 0 }), RangeError);
  assert.throws(
    () =>
      createIcmpSweepDetector({
        targetThreshold: 500,
        maxTargetsPerSource: 256,
      }),
    RangeError,
  );
});

Deno.test("icmp_sweep: a busy source that went quiet is kept against a newcomer seen less often", () => {
  const stats = tableAfterNewcomer(
    createIcmpSweepDetector({ maxSources: 2 }),
    "sources",
    times(40, (i) => icmp({ atUs: T0 + i * 1_000, dst: lanHost(100 + i % 5) })),
    [icmpPacket({ atUs: T0 + SECOND_US, src: lanHost(8), dst: lanHost(1) })],
    times(20, (i) =>
      icmpPacket({
        atUs: T0 + 2 * SECOND_US + i * 1_000,
        src: lanHost(9),
        dst: lanHost(1),
      })),
  );
  assert.deepEqual([stats.evictions, stats.rejected], [0, 20]);
});

Deno.test("icmp_sweep: a sweep whose state expires while the capture goes on reports its last figures first", () => {
  const threshold = ICMP_SWEEP_DEFAULTS.targetThreshold;
  const windowUs = ICMP_SWEEP_DEFAULTS.windowUs;
  const swept = [...sweep(Math.floor(2.5 * threshold), 1_000)];
  // Another source, long after: the sweeper's state expires.
  const later = [0, 1, 2].map((i) =>
    icmp({ src: "10.0.0.77", atUs: T0 + 3 * windowUs + i, dst: lanHost(200) })
  );
  const findings = run([...swept, ...later]);
  const last = findings.at(-1)!;
  assert.equal(last.evidence.sweepTargets, swept.length);
  assert.equal(last.timestampUs, swept.at(-1)!.timestampUs);
});
