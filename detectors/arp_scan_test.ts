import assert from "node:assert/strict";
import {
  arpFrame,
  ipFrame,
  tcpFrame,
  udpFrame,
} from "../capture/frame_builder.ts";
import { decodeFrame } from "../capture/decode/test_helpers.ts";
import { type PacketRecord, TCP_FLAGS } from "../capture/packet_record.ts";
import type { Finding } from "./alert.ts";
import {
  ARP_SCAN_DEFAULTS,
  type ArpScanOptions,
  createArpScanDetector,
  isVirtualRouterMac,
} from "./arp_scan.ts";
import {
  arpPacket,
  BROADCAST_MAC,
  byTime,
  findingsInCrowd,
  findingsOf,
  findingsThenIdle,
  icmpPacket,
  lanHost,
  SECOND_US,
  T0,
  tableAfterNewcomer,
  tcpPacket,
  times,
  withAddressKeys,
  ZERO_MAC,
} from "./test_packets.ts";

const SCANNER = "10.0.0.66";
const SCANNER_MAC = "00:0c:29:20:a8:7f";

interface ArpFields {
  atUs: number;
  target: string;
  sender?: string;
  senderMac?: string;
  operation?: number;
  targetMac?: string;
  dstMac?: string;
}

/** One ARP frame from the scanner (a broadcast request unless told otherwise). */
function arp(fields: ArpFields): PacketRecord {
  return arpPacket({
    atUs: fields.atUs,
    operation: fields.operation ?? 1,
    senderMac: fields.senderMac ?? SCANNER_MAC,
    senderIp: fields.sender ?? SCANNER,
    targetIp: fields.target,
    targetMac: fields.targetMac ?? ZERO_MAC,
    ethDst: fields.dstMac ?? BROADCAST_MAC,
  });
}

function run(
  packets: Iterable<PacketRecord>,
  options: ArpScanOptions = {},
): Finding[] {
  return findingsThenIdle(
    createArpScanDetector(options),
    [...packets],
    ARP_SCAN_DEFAULTS.followUs,
  );
}

/** `count` requests for distinct targets (from `first`), `stepUs` apart. */
function* sweep(
  count: number,
  stepUs: number,
  first = 1,
  startUs = T0,
  sender: Partial<ArpFields> = {},
): Generator<PacketRecord> {
  for (let i = 0; i < count; i++) {
    yield arp({
      ...sender,
      atUs: startUs + i * stepUs,
      target: lanHost(first + i),
    });
  }
}

Deno.test("arp_scan: one target below the threshold raises nothing", () => {
  const threshold = ARP_SCAN_DEFAULTS.targetThreshold;
  assert.deepEqual(run(sweep(threshold - 1, 1_000)), []);
});

Deno.test("arp_scan: the threshold-th distinct target raises one exact finding", () => {
  const threshold = ARP_SCAN_DEFAULTS.targetThreshold;
  const findings = run(sweep(threshold, 1_000));
  assert.equal(findings.length, 1);
  const finding = findings[0]!;
  assert.equal(finding.kind, "arp_scan");
  assert.equal(finding.key, SCANNER);
  assert.equal(finding.attacker, SCANNER);
  assert.equal(finding.victim, "");
  assert.equal(finding.timestampUs, T0 + (threshold - 1) * 1_000);
  assert.equal(finding.startUs, T0, "dated from the scan's first request");
  assert.equal(finding.severity, "low");
  assert.equal(finding.evidence.distinctTargets, threshold);
  assert.equal(finding.evidence.requests, threshold);
  assert.deepEqual(finding.evidence.subnets, ["10.0.0.0/24"]);
  assert.equal((finding.evidence.sampleTargets as string[]).length, 20);
  assert.equal((finding.evidence.sampleTargets as string[])[0], "10.0.0.1");
  assert.equal(finding.evidence.senderMac, SCANNER_MAC);
  assert.equal(finding.evidence.windowSeconds, 60);
  assert.match(finding.summary, /10\.0\.0\.66 asked for 50 distinct addresses/);
});

Deno.test("arp_scan: repeated requests for the same targets count once", () => {
  const packets: PacketRecord[] = [];
  for (let pass = 0; pass < 10; pass++) {
    for (let i = 1; i < ARP_SCAN_DEFAULTS.targetThreshold; i++) {
      packets.push(
        arp({ atUs: T0 + pass * 1_000_000 + i, target: lanHost(i) }),
      );
    }
  }
  assert.deepEqual(run(packets), []);
});

Deno.test("arp_scan: targets older than the window are forgotten", () => {
  const half = ARP_SCAN_DEFAULTS.targetThreshold / 2;
  const windowUs = ARP_SCAN_DEFAULTS.windowUs;
  // Half at t=0, half just inside the window: a scan.
  const inside = [
    ...sweep(half, 1),
    ...sweep(half, 1, half + 1, T0 + windowUs - half),
  ];
  assert.equal(run(inside).length, 1);
  // Half at t=0, half once the first half has left the window: none.
  const outside = [
    ...sweep(half, 1),
    ...sweep(half, 1, half + 1, T0 + windowUs + half),
  ];
  assert.deepEqual(run(outside), []);
});

Deno.test("arp_scan: a slow sweep below the rate is not found, nmap -T2 is", () => {
  // One target every 2 s: 30 per minute, the whole /24 in 8.5 min.
  assert.deepEqual(run(sweep(255, 2 * SECOND_US)), []);
  // nmap -T2 waits 0.4 s between probes: 50 targets in 20 s.
  const findings = run(sweep(255, 400_000));
  assert.ok(findings.length >= 1);
  assert.equal(findings[0]!.timestampUs, T0 + 49 * 400_000);
});

Deno.test("arp_scan: benign look-alikes raise nothing", () => {
  const packets: PacketRecord[] = [];
  let atUs = T0;
  for (let i = 0; i < 300; i++) {
    atUs += 100_000;
    // Gratuitous ARP / announcements: target IP = sender IP.
    packets.push(arp({ atUs, sender: lanHost(i + 1), target: lanHost(i + 1) }));
    // A host resolving its gateway and two peers again and again.
    packets.push(
      arp({ atUs, sender: "10.0.0.20", target: lanHost(1 + (i % 3)) }),
    );
    // Unicast cache polls (target MAC known) of many neighbours.
    packets.push(arp({
      atUs,
      sender: "10.0.0.1",
      senderMac: "00:11:22:33:44:55",
      target: lanHost(i + 1),
      targetMac: "52:54:00:12:35:02",
      dstMac: "52:54:00:12:35:02",
    }));
    // Replies to a scan are not probes.
    packets.push(arp({
      atUs,
      sender: lanHost(i + 1),
      target: SCANNER,
      operation: 2,
      targetMac: SCANNER_MAC,
    }));
    // Requests for 0.0.0.0.
    packets.push(arp({ atUs, sender: "10.0.0.30", target: "0.0.0.0" }));
  }
  assert.deepEqual(run(packets), []);
});

Deno.test("arp_scan: a broadcast sweep with a target MAC filled in (arp-scan --arptha) is a scan; the same requests sent to that MAC are polls", () => {
  const filled = "02:11:22:33:44:55";
  const broadcast = run(sweep(60, 10_000, 1, T0, { targetMac: filled }));
  assert.equal(broadcast.length, 1);
  assert.equal(broadcast[0]!.attacker, SCANNER);
  assert.deepEqual(
    run(sweep(60, 10_000, 1, T0, { targetMac: filled, dstMac: filled })),
    [],
  );
});

Deno.test("arp_scan: a scan from 0.0.0.0 is keyed by the sender MAC", () => {
  const findings = run(sweep(60, 1_000, 1, T0, { sender: "0.0.0.0" }));
  assert.ok(findings.length >= 1);
  assert.equal(findings[0]!.key, SCANNER_MAC);
  assert.equal(findings[0]!.attacker, SCANNER_MAC);
});

Deno.test("arp_scan: findings repeat when targets double, then at most every interval", () => {
  // 256 targets 1 ms apart: crossings at 50, 100 and 200 targets.
  const fast = run(sweep(256, 1_000));
  assert.deepEqual(
    fast.map((finding) => finding.evidence.scanTargets),
    [50, 100, 200],
  );
  // Then the scan goes on slowly: one more finding once 10 s have passed and
  // it grew (255 targets so far: the scanner's own address is not one).
  const slowTail = [
    ...sweep(256, 1_000),
    ...sweep(5, 3 * SECOND_US, 300, T0 + SECOND_US),
  ];
  const findings = run(slowTail);
  assert.deepEqual(
    findings.map((finding) => finding.evidence.scanTargets),
    [50, 100, 200, 260],
  );
  assert.equal(findings[3]!.timestampUs, T0 + SECOND_US + 4 * 3 * SECOND_US);
  assert.equal(findings[2]!.severity, "medium");
});

Deno.test("arp_scan: a finding that a repeated request makes due is at the sweep's last new target, and so is the final one", () => {
  // 256 targets 1 ms apart, then a routine re-ARP of the first 52 s later:
  // the growth from 200 to 255 targets is reported then, but it happened
  // at the sweep's last request.
  const lastNew = T0 + 255 * 1_000;
  const packets = [
    ...sweep(256, 1_000),
    arp({ atUs: T0 + 52 * SECOND_US, target: lanHost(1) }),
  ];
  const findings = run(packets);
  assert.deepEqual(
    findings.map((f) => [f.evidence.scanTargets, f.timestampUs]),
    // (The scanner's own address is no target: the 100th comes at 100 ms.)
    [[50, T0 + 49_000], [100, T0 + 100_000], [200, T0 + 200_000], [
      255,
      lastNew,
    ]],
  );
  const detector = createArpScanDetector();
  const atEnd: Finding[] = [];
  for (const packet of [...sweep(256, 1_000)]) {
    detector.observe(withAddressKeys(packet), (f) => atEnd.push(f));
  }
  detector.observe(
    withAddressKeys(arp({ atUs: T0 + 5 * SECOND_US, target: lanHost(1) })),
    (f) => atEnd.push(f),
  );
  detector.flush!(T0 + 5 * SECOND_US, (f) => atEnd.push(f));
  assert.equal(atEnd.at(-1)!.evidence.scanTargets, 255);
  assert.equal(atEnd.at(-1)!.timestampUs, lastNew);
});

Deno.test("arp_scan: a second scan after the first has ended is reported afresh", () => {
  const later = T0 + 10 * ARP_SCAN_DEFAULTS.windowUs;
  const findings = run([...sweep(50, 1_000), ...sweep(50, 1_000, 100, later)]);
  assert.equal(findings.length, 2);
  assert.equal(findings[1]!.evidence.scanTargets, 50);
});

Deno.test("arp_scan: replay is deterministic", () => {
  const packets = [
    ...sweep(300, 777),
    ...sweep(80, 1_333, 1, T0, {
      sender: "10.0.0.9",
      senderMac: "aa:aa:aa:aa:aa:aa",
    }),
  ];
  assert.deepEqual(run(packets), run(packets));
});

Deno.test("arp_scan: tables stay within capacity under 1M distinct senders", () => {
  const detector = createArpScanDetector();
  const packet = arp({ atUs: T0, target: "10.0.0.1" });
  let findings = 0;
  for (let i = 0; i < 1_000_000; i++) {
    packet.timestampUs = T0 + i;
    packet.srcAddress = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    withAddressKeys(packet);
    detector.observe(packet, () => findings++);
  }
  const stats = detector.tables().senders!;
  assert.equal(stats.capacity, ARP_SCAN_DEFAULTS.maxSenders);
  assert.ok(stats.size <= stats.capacity);
  // Once full, one-packet newcomers are turned away at the door (all but
  // the few that the admission's sketches take for seen before).
  // (10.0.0.1 asking for itself is an announcement, not a probe.)
  assert.equal(
    stats.evictions + stats.rejected!,
    1_000_000 - 1 - stats.capacity,
  );
  assert.ok(stats.rejected! > 900_000, `${stats.rejected} rejected`);
  assert.equal(findings, 0);
});

Deno.test("arp_scan: a flood of one-request senders does not flush a scan out of the full table", () => {
  // A scan of 60 targets, one every 500 ms, with 5 000 spoofed one-request
  // senders before each request (10 000 a second into a table of 4 096):
  // evicting the least recently seen sender for each newcomer would drop
  // the scan's targets long before it reached the threshold.
  const detector = createArpScanDetector();
  const scan = Array.from(
    { length: 60 },
    (_, i) => arp({ atUs: T0 + i * 500_000, target: lanHost(100 + i) }),
  );
  const findings = findingsInCrowd(
    detector,
    scan,
    arp({ atUs: T0, target: "10.0.0.1" }),
    5_000,
    5_000,
    (packet, n) =>
      packet.srcAddress = `10.${(n >> 16) + 1}.${(n >> 8) & 255}.${n & 255}`,
  );
  // The table was full when the scan began: its first request is turned
  // away at the door, so the threshold falls on its 51st.
  assert.deepEqual(
    findings.map((
      f,
    ) => [f.attacker, f.timestampUs, f.evidence.distinctTargets]),
    [[SCANNER, T0 + 50 * 500_000, ARP_SCAN_DEFAULTS.targetThreshold]],
  );
  assert.ok(detector.tables().senders!.rejected! > 290_000);
});

Deno.test("arp_scan: one sender's targets are capped", () => {
  const findings = run(sweep(5_000, 10));
  const last = findings.at(-1)!;
  assert.equal(
    last.evidence.distinctTargets,
    ARP_SCAN_DEFAULTS.maxTargetsPerSender,
  );
  assert.equal(findings.at(-1)!.evidence.scanTargets, 3_200);
  assert.equal(last.severity, "high");
  assert.equal((last.evidence.subnets as string[]).length, 2);
});

Deno.test("arp_scan: invalid options are rejected", () => {
  assert.throws(
    () => createArpScanDetector({ targetThreshold: 0 }),
    RangeError,
  );
  assert.throws(
    () =>
      createArpScanDetector({ targetThreshold: 300, maxTargetsPerSender: 256 }),
    RangeError,
  );
});

Deno.test("arp_scan: a busy sender that went quiet is kept against a newcomer seen less often", () => {
  const stats = tableAfterNewcomer(
    createArpScanDetector({ maxSenders: 2 }),
    "senders",
    times(
      40,
      (i) => arp({ atUs: T0 + i * 1_000, target: lanHost(100 + i % 5) }),
    ),
    [arp({
      atUs: T0 + SECOND_US,
      target: lanHost(1),
      sender: lanHost(8),
      senderMac: "02:00:00:00:00:08",
    })],
    times(20, (i) =>
      arp({
        atUs: T0 + 2 * SECOND_US + i * 1_000,
        target: lanHost(1),
        sender: lanHost(9),
        senderMac: "02:00:00:00:00:09",
      })),
  );
  assert.deepEqual([stats.evictions, stats.rejected], [0, 20]);
});

Deno.test("arp_scan: flush reports the targets and requests since the last finding once", () => {
  const threshold = ARP_SCAN_DEFAULTS.targetThreshold;
  const detector = createArpScanDetector();
  // Reported at the threshold and when doubled; 2.5× goes unreported.
  const packets = [...sweep(Math.floor(2.5 * threshold), 1_000)];
  // Every address asked for but the scanner's own (an announcement).
  const asked = packets.filter((p) => p.dstAddress !== SCANNER);
  const targets = new Set(asked.map((p) => p.dstAddress)).size;
  const findings = findingsThenIdle(
    detector,
    packets,
    ARP_SCAN_DEFAULTS.followUs,
  );
  assert.ok((findings.at(-1)!.evidence.scanTargets as number) < targets);
  const final: Finding[] = [];
  detector.flush!(T0 + 10 * SECOND_US, (finding) => final.push(finding));
  assert.equal(final.length, 1);
  assert.equal(final[0]!.evidence.scanTargets, targets);
  assert.equal(final[0]!.evidence.requests, asked.length);
  assert.equal(final[0]!.timestampUs, packets.at(-1)!.timestampUs);
  detector.flush!(T0 + 10 * SECOND_US, (finding) => final.push(finding));
  assert.equal(final.length, 1, "nothing new since");
});

Deno.test("arp_scan: a scan whose state expires while the capture goes on reports its last figures first", () => {
  const threshold = ARP_SCAN_DEFAULTS.targetThreshold;
  const windowUs = ARP_SCAN_DEFAULTS.windowUs;
  const scan = [...sweep(Math.floor(2.5 * threshold), 1_000)];
  const asked = scan.filter((p) => p.dstAddress !== SCANNER);
  const targets = new Set(asked.map((p) => p.dstAddress)).size;
  // Another sender, long after: the scanner's state expires.
  const later = [
    ...sweep(3, 1_000, 200, T0 + 3 * windowUs, { sender: "10.0.0.77" }),
  ];
  const findings = run([...scan, ...later]);
  const last = findings.at(-1)!;
  assert.equal(last.evidence.scanTargets, targets);
  assert.equal(last.timestampUs, scan.at(-1)!.timestampUs);
});

/** The MAC of LAN host `address` in these tests. */
function macOf(address: string): string {
  const last = Number(address.split(".").at(-1));
  return `02:00:00:00:01:${last.toString(16).padStart(2, "0")}`;
}

/** Fields of {@linkcode resolvedSweep}. */
interface Resolution {
  /** Packet time from a request to its sender's packet, µs. */
  afterUs?: number;
  /** The MAC the packet comes from. */
  fromMac?: string;
  /** The MAC the packet's frame goes to (the one that answered, unless given). */
  frameTo?: (target: string) => string;
  /** Whether each target answers its request (before the packet). */
  answered?: boolean;
  /** The sender's address (at the scanner's MAC), and the first target's number. */
  sender?: string;
  first?: number;
  /** Whether each target answers the packet (an echo reply to the sender's MAC). */
  answersBack?: boolean;
}

/**
 * `count` requests 1 ms apart from the scanner, each answered by its
 * target 100 µs later, then followed by an echo request to it, from the
 * scanner's MAC in a frame to the MAC that answered: a host resolving its
 * neighbours for traffic (unless told otherwise).
 */
function resolvedSweep(count: number, fields: Resolution = {}): PacketRecord[] {
  const {
    afterUs = 2_000,
    fromMac = SCANNER_MAC,
    frameTo = macOf,
    answered = true,
    sender = SCANNER,
    first = 1,
    answersBack = true,
  } = fields;
  const requests = sweep(count, 1_000, first, T0, { sender });
  return byTime([...requests].flatMap((request) => {
    const target = request.dstAddress;
    const answer = arpPacket({
      atUs: request.timestampUs + 100,
      operation: 2,
      senderMac: macOf(target),
      senderIp: target,
      targetMac: SCANNER_MAC,
      targetIp: sender,
      ethDst: SCANNER_MAC,
    });
    const traffic = {
      ...icmpPacket({
        atUs: request.timestampUs + afterUs,
        src: sender,
        dst: target,
      }),
      srcMac: fromMac,
      dstMac: frameTo(target),
    };
    const back = {
      ...icmpPacket({
        atUs: request.timestampUs + afterUs + 100,
        src: target,
        dst: sender,
        type: 0,
      }),
      srcMac: macOf(target),
      dstMac: SCANNER_MAC,
    };
    return [
      request,
      ...(answered ? [answer] : []),
      traffic,
      ...(answersBack ? [back] : []),
    ];
  }));
}

Deno.test("arp_scan: a host that sends each neighbour that answered a packet, to the MAC that answered (a monitoring server after a restart), is no scan", () => {
  assert.deepEqual(run(resolvedSweep(60)), []);
  // The same requests answered by nothing from the sender: a scan.
  assert.equal(run(sweep(60, 1_000)).length, 1);
  // Traffic to the targets from another host does not excuse the sender,
  // even from the sender's address.
  assert.equal(
    run(resolvedSweep(60, { fromMac: "02:00:00:00:00:09" })).length,
    1,
  );
  // Nor does traffic that comes after followUs.
  const afterUs = ARP_SCAN_DEFAULTS.followUs + 200_000;
  assert.equal(run(resolvedSweep(60, { afterUs })).length, 1);
  // With followUs 0 every request counts at once.
  assert.equal(run(resolvedSweep(60), { followUs: 0 }).length, 1);
});

Deno.test("arp_scan: a scanner's frames after its requests excuse nothing unless its targets answered and the frames go to the MACs that did (red team)", () => {
  // Frames to a MAC nobody has, after each answered request: no host
  // received them.
  const nowhere = () => "02:de:ad:00:00:01";
  assert.equal(run(resolvedSweep(60, { frameTo: nowhere })).length, 1);
  // Frames to the right MACs, but the requests went unanswered (unused
  // addresses): a scan.
  assert.equal(run(resolvedSweep(60, { answered: false })).length, 1);
  // Without the frame's destination (a cooked capture) nothing is excused.
  assert.equal(run(resolvedSweep(60, { frameTo: () => "" })).length, 1);
  // Packets to the right MACs that no host answers (unsolicited echo
  // replies, say): sent only to excuse the requests, they excuse nothing.
  assert.equal(run(resolvedSweep(60, { answersBack: false })).length, 1);
});

Deno.test("arp_scan: a host with two addresses on one MAC, resolving 60 neighbours from each at once, is no scan", () => {
  const both = byTime([
    ...resolvedSweep(60),
    ...resolvedSweep(60, { sender: "10.0.0.67", first: 101 }),
  ]);
  assert.deepEqual(run(both), []);
});

Deno.test("arp_scan: a scan whose first requests are followed is found by the rest, dated from its first unfollowed one", () => {
  const followed = resolvedSweep(20);
  const rest = [...sweep(60, 1_000, 21, T0 + SECOND_US)];
  const findings = run([...followed, ...rest]);
  assert.equal(findings.length, 1);
  assert.equal(findings[0]!.startUs, T0 + SECOND_US);
  assert.equal(findings[0]!.evidence.scanTargets, 50);
  assert.equal(findings[0]!.evidence.requests, 50);
});

Deno.test("arp_scan: a scan is reported while traffic goes on, without waiting for its sender's next request", () => {
  const detector = createArpScanDetector();
  const findings = findingsOf(detector, [
    ...sweep(60, 1_000),
    // Unrelated traffic 2 s later moves packet time on.
    tcpPacket({
      atUs: T0 + 2 * SECOND_US,
      src: "10.0.0.20",
      dst: "10.0.0.21",
      srcPort: 40000,
      dstPort: 80,
      flags: 2,
    }),
  ]);
  assert.equal(findings.length, 1);
  assert.equal(findings[0]!.timestampUs, T0 + 49_000);
});

Deno.test("arp_scan: a sender asking faster than its requests can wait counts the oldest at once", () => {
  const detector = createArpScanDetector();
  // 320 requests within 32 ms: at most maxTargetsPerSender (256) wait,
  // and the 64 oldest count at once.
  const findings = findingsOf(detector, [...sweep(320, 100)]);
  assert.ok(findings.length >= 1, "found before any time passed");
  assert.equal(findings[0]!.evidence.scanTargets, 50);
});

Deno.test("arp_scan: a router resolving the hosts it forwards packets to (a cold cache after a reboot) is no scan", () => {
  const ROUTER = "10.0.0.1";
  const ROUTER_MAC = "00:11:22:33:44:55";
  const packets = byTime([
    ...sweep(80, 1_000, 100, T0, { sender: ROUTER, senderMac: ROUTER_MAC }),
  ].flatMap((request) => [
    request,
    arpPacket({
      atUs: request.timestampUs + 100,
      operation: 2,
      senderMac: macOf(request.dstAddress),
      senderIp: request.dstAddress,
      targetMac: ROUTER_MAC,
      targetIp: ROUTER,
      ethDst: ROUTER_MAC,
    }),
    {
      // The packet it resolved for: from afar, in the router's frame to the
      // host's MAC.
      ...tcpPacket({
        atUs: request.timestampUs + 500,
        src: "198.51.100.7",
        dst: request.dstAddress,
        srcPort: 443,
        dstPort: 50_000,
        flags: 0x18,
      }),
      srcMac: ROUTER_MAC,
      dstMac: macOf(request.dstAddress),
    },
    {
      // The host's answer, to the router's MAC.
      ...tcpPacket({
        atUs: request.timestampUs + 600,
        src: request.dstAddress,
        dst: "198.51.100.7",
        srcPort: 50_000,
        dstPort: 443,
        flags: 0x10,
      }),
      srcMac: macOf(request.dstAddress),
      dstMac: ROUTER_MAC,
    },
  ]));
  assert.deepEqual(run(packets), []);
});

/** What a VRRP or HSRP router's cold cache looks like in {@linkcode virtualRouterResolving}. */
interface VirtualRouter {
  /** The router's advertisement (VRRP) or hello (HSRP) frame, sent every second from before the first request; none when undefined. */
  advert?: Uint8Array;
  /** The MAC its hosts answer to (their gateway's). */
  answerMac: string;
  /** The MAC its forwarded frames come from (its own unless given). */
  forwardMac?: string;
}

const VR_ROUTER = "10.0.0.2";
const VR_ROUTER_MAC = "00:11:22:33:44:66";
const VRRP_MAC = "00:00:5e:00:01:0a";

/** A VRRP advertisement (IP protocol 112 to 224.0.0.18, virtual router 10, priority 100, one address: 10.0.0.1) from `mac` and `src`. */
function vrrpAdvert(mac = VRRP_MAC, src = VR_ROUTER): Uint8Array {
  return ipFrame(
    { srcMac: mac, dstMac: "01:00:5e:00:00:12", src, dst: "224.0.0.18" },
    112,
    new Uint8Array([0x31, 10, 100, 1, 0, 100, 0, 0, 10, 0, 0, 1]),
  );
}

/** An HSRP hello (UDP 1985 to 1985, to `group`) from `mac` and the router's address. */
function hsrpHello(mac: string, group: string): Uint8Array {
  return udpFrame(
    { srcMac: mac, dstMac: "01:00:5e:00:00:02", src: VR_ROUTER, dst: group },
    { srcPort: 1985, dstPort: 1985 },
    new Uint8Array(20),
  );
}

/**
 * Decoded frames of a router resolving 80 hosts (10.0.0.100 on), 1 ms
 * apart, for packets from afar it forwards them; each host answers its
 * request to the router's MAC and the packet to `answerMac`.
 */
function virtualRouterResolving(router: VirtualRouter): PacketRecord[] {
  const REMOTE = "198.51.100.7";
  const frames: [Uint8Array, number][] = [];
  if (router.advert !== undefined) {
    for (let s = -1; s < 2; s++) {
      frames.push([router.advert, T0 + s * SECOND_US - 300]);
    }
  }
  for (let i = 0; i < 80; i++) {
    const host = `10.0.0.${100 + i}`;
    const hostMac = macOf(host);
    const atUs = T0 + i * 1_000;
    frames.push(
      [
        arpFrame({
          operation: 1,
          senderMac: VR_ROUTER_MAC,
          senderIp: VR_ROUTER,
          targetMac: ZERO_MAC,
          targetIp: host,
        }),
        atUs,
      ],
      [
        arpFrame({
          operation: 2,
          senderMac: hostMac,
          senderIp: host,
          targetMac: VR_ROUTER_MAC,
          targetIp: VR_ROUTER,
        }, VR_ROUTER_MAC),
        atUs + 100,
      ],
      [
        tcpFrame(
          {
            srcMac: router.forwardMac ?? VR_ROUTER_MAC,
            dstMac: hostMac,
            src: REMOTE,
            dst: host,
          },
          {
            srcPort: 443,
            dstPort: 50_000,
            flags: TCP_FLAGS.PSH | TCP_FLAGS.ACK,
          },
        ),
        atUs + 500,
      ],
      [
        tcpFrame(
          { srcMac: hostMac, dstMac: router.answerMac, src: host, dst: REMOTE },
          { srcPort: 50_000, dstPort: 443, flags: TCP_FLAGS.ACK },
        ),
        atUs + 600,
      ],
    );
  }
  return frames.sort((a, b) => a[1] - b[1]).map(([frame, timestampUs]) =>
    decodeFrame(frame, { timestampUs }).packet
  );
}

Deno.test("arp_scan: a VRRP or HSRP router resolving the hosts it forwards to, whose answers go to the virtual MAC, is no scan when its advertisements are seen", () => {
  // Its hosts answer their gateway's virtual MAC, which the router's
  // advertisements (or hellos) come from, from its own address.
  assert.deepEqual(
    run(virtualRouterResolving({ advert: vrrpAdvert(), answerMac: VRRP_MAC })),
    [],
  );
  const hsrp = "00:00:0c:07:ac:0a";
  assert.deepEqual(
    run(virtualRouterResolving({
      advert: hsrpHello(hsrp, "224.0.0.2"),
      answerMac: hsrp,
    })),
    [],
  );
  const hsrp2 = "00:00:0c:9f:f0:0a";
  assert.deepEqual(
    run(virtualRouterResolving({
      advert: hsrpHello(hsrp2, "224.0.0.102"),
      answerMac: hsrp2,
    })),
    [],
  );
  // Forwarding from the virtual MAC too (some routers do).
  assert.deepEqual(
    run(virtualRouterResolving({
      advert: vrrpAdvert(),
      answerMac: VRRP_MAC,
      forwardMac: VRRP_MAC,
    })),
    [],
  );

  // Without the advertisements nothing ties the virtual MAC to the router:
  // its cold cache is a scan, as documented.
  const scans = (router: VirtualRouter) =>
    run(virtualRouterResolving(router)).map((f) => [
      f.attacker,
      f.evidence.resolvedForTraffic,
    ]);
  assert.deepEqual(scans({ answerMac: VRRP_MAC }), [[VR_ROUTER, false]]);
  // Nor does another router's advertisement, nor one from a MAC that is
  // no virtual router's (a host's own, say).
  assert.deepEqual(
    scans({ advert: vrrpAdvert(VRRP_MAC, "10.0.0.3"), answerMac: VRRP_MAC }),
    [[VR_ROUTER, false]],
  );
  const plain = "02:00:00:00:00:33";
  assert.deepEqual(
    scans({ advert: vrrpAdvert(plain), answerMac: plain }),
    [[VR_ROUTER, false]],
  );
  // Nor an HSRP hello to another group.
  assert.deepEqual(
    scans({ advert: hsrpHello(hsrp, "224.0.0.5"), answerMac: hsrp }),
    [[VR_ROUTER, false]],
  );
});

/** `packets` with `adverts` (frames and their packet times) decoded among them, in time order. */
function withAdverts(
  packets: PacketRecord[],
  adverts: [Uint8Array, number][],
): PacketRecord[] {
  return [
    ...packets,
    ...adverts.map(([frame, timestampUs]) =>
      decodeFrame(frame, { timestampUs }).packet
    ),
  ].sort((a, b) => a.timestampUs - b.timestampUs);
}

Deno.test("arp_scan: a second advertiser of a virtual MAC (forged, or a split brain) does not take the real router's place; a router that stopped advertising 10 s ago is forgotten (outside review)", () => {
  const resolving = virtualRouterResolving({ answerMac: VRRP_MAC });
  const everySecond = (frame: Uint8Array, offsetUs: number) =>
    Array.from(
      { length: 3 },
      (
        _,
        s,
      ): [Uint8Array, number] => [frame, T0 + (s - 1) * SECOND_US + offsetUs],
    );
  // The attacker's advertisement from the same virtual MAC, 100 µs after
  // each of the real router's.
  assert.deepEqual(
    run(withAdverts(resolving, [
      ...everySecond(vrrpAdvert(), -300),
      ...everySecond(vrrpAdvert(VRRP_MAC, "10.0.0.66"), -200),
    ])),
    [],
  );
  // The router's last advertisement 20 s before its requests: no longer
  // behind the virtual MAC, its cold cache is a scan again.
  const scans = run(
    withAdverts(resolving, [[vrrpAdvert(), T0 - 20 * SECOND_US]]),
  );
  assert.deepEqual(scans.map((f) => f.attacker), [VR_ROUTER]);
  // A thousand virtual routers on other VLANs advertising after it and
  // before its requests: the router's own is still kept.
  const others: [Uint8Array, number][] = [];
  for (let vlan = 1; vlan <= 1_000; vlan++) {
    const frame = vrrpAdvert(VRRP_MAC, `10.9.${vlan >> 8}.${vlan & 0xff}`);
    const tagged = new Uint8Array(frame.length + 4);
    tagged.set(frame.subarray(0, 12));
    tagged.set([0x81, 0x00, vlan >> 8, vlan & 0xff], 12);
    tagged.set(frame.subarray(12), 16);
    others.push([tagged, T0 - 1_500 + vlan]);
  }
  assert.deepEqual(
    run(withAdverts(resolving, [
      ...everySecond(vrrpAdvert(), -2_000),
      ...others,
    ])),
    [],
  );
});

Deno.test("arp_scan: isVirtualRouterMac() knows VRRP's and HSRP's MACs", () => {
  for (
    const mac of ["00:00:5e:00:01:0a", "00:00:0c:07:ac:ff", "00:00:0c:9f:f0:01"]
  ) assert.ok(isVirtualRouterMac(mac), mac);
  for (
    const mac of ["00:00:5e:00:02:0a", "00:00:0c:07:ad:01", "02:00:00:00:00:01"]
  ) assert.ok(!isVirtualRouterMac(mac), mac);
});

Deno.test("arp_scan: requests in a frame to one MAC are polls (Linux NUD probes leave the target MAC zero); in a group frame they are probes", () => {
  const neighbourMac = "52:54:00:12:35:02";
  assert.deepEqual(
    run(sweep(60, 1_000, 1, T0, { dstMac: neighbourMac })),
    [],
    "unicast probes of known neighbours",
  );
  // To the all-hosts multicast MAC every host still hears it.
  assert.equal(
    run(sweep(60, 1_000, 1, T0, { dstMac: "01:00:5e:00:00:01" })).length,
    1,
  );
  // Without the frame's destination (a capture without it), a target MAC
  // filled in tells a poll, and a zero one a probe.
  assert.deepEqual(
    run(sweep(60, 1_000, 1, T0, { dstMac: "", targetMac: neighbourMac })),
    [],
  );
  assert.equal(run(sweep(60, 1_000, 1, T0, { dstMac: "" })).length, 1);
});

Deno.test("arp_scan: excused requests still count apart: a host resolving 100 neighbours a minute, or a sweep that forged every answer, is a low finding (red team)", () => {
  // Every request answered, followed and answered back: 99 targets (the
  // scanner's own address is none of them) raise nothing, 120 a low one.
  assert.deepEqual(run(resolvedSweep(100)), []);
  const findings = run(resolvedSweep(121));
  assert.equal(findings.length, 1);
  const finding = findings[0]!;
  assert.equal(finding.severity, "low");
  assert.equal(finding.evidence.resolvedForTraffic, true);
  assert.equal(finding.evidence.scanTargets, 100);
  assert.match(
    finding.summary,
    /^10\.0\.0\.66 resolved 100 distinct addresses in 10\.0\.0\.0\/24 .*answered .*or an ARP scan that forged the answers$/,
  );
  // Its threshold is an option, at most maxTargetsPerSender.
  assert.equal(run(resolvedSweep(60), { excusedThreshold: 50 }).length, 1);
  assert.throws(
    () => createArpScanDetector({ excusedThreshold: 300 }),
    /excusedThreshold must be 1 to maxTargetsPerSender \(256\), got 300/,
  );
});

Deno.test("arp_scan: at most 8 addresses on one MAC can have their requests excused; past them they count (one MAC asking from thousands of addresses cost every packet a visit to each)", () => {
  const senders = Array.from({ length: 10 }, (_, i) => `10.0.2.${i + 1}`);
  const packets = byTime(
    senders.flatMap((sender, i) =>
      resolvedSweep(60, { sender, first: 1 + i * 20 })
        .map((packet) => ({ ...packet, timestampUs: packet.timestampUs + i }))
    ),
  );
  const attackers = run(packets).map((finding) => finding.attacker);
  assert.deepEqual([...new Set(attackers)].sort(), senders.slice(8).sort());
});
