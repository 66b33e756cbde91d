import assert from "node:assert/strict";
import type { PacketRecord } from "../capture/packet_record.ts";
import type { Finding } from "./alert.ts";
import {
  ARP_SPOOF_DEFAULTS,
  type ArpSpoofOptions,
  createArpSpoofDetector,
} from "./arp_spoof.ts";
import {
  arpPacket,
  BROADCAST_MAC,
  byTime,
  findingsInCrowd,
  findingsOf,
  SECOND_US,
  T0,
  tableAfterNewcomer,
  times,
  withAddressKeys,
  ZERO_MAC,
} from "./test_packets.ts";
const GW = "192.168.1.1";
const GW_MAC = "50:a7:2b:73:a9:c6";
const VICTIM = "192.168.1.175";
const VICTIM_MAC = "0c:54:15:40:d8:f5";
const EVIL = "192.168.1.66";
const EVIL_MAC = "b4:b6:86:fb:db:07";

/** "who-has `targetIp` tell `senderIp`" from `senderMac`. */
function request(
  atUs: number,
  senderMac: string,
  senderIp: string,
  targetIp: string,
): PacketRecord {
  return arpPacket({ atUs, operation: 1, senderMac, senderIp, targetIp });
}

/** "`senderIp` is-at `senderMac`", sent to `targetIp` at `targetMac`. */
function reply(
  atUs: number,
  senderMac: string,
  senderIp: string,
  targetMac: string,
  targetIp: string,
  ethSrc?: string,
): PacketRecord {
  return arpPacket({
    atUs,
    operation: 2,
    senderMac,
    senderIp,
    targetMac,
    targetIp,
    ...(ethSrc === undefined ? {} : { ethSrc }),
  });
}

/** A request answered: `asker` resolves `owner`. */
function resolution(
  atUs: number,
  asker: [string, string],
  owner: [string, string],
): PacketRecord[] {
  return [
    request(atUs, asker[0], asker[1], owner[1]),
    reply(atUs + 300, owner[0], owner[1], asker[0], asker[1]),
  ];
}

/**
 * Makes `packet` a frame from the n-th host of a crowd (MAC 02:00:00:…, IP
 * 10.x.y.z, both new for each n below 2^24), about 10.99.y.z.
 */
function fromCrowdHost(packet: PacketRecord, n: number): void {
  const mac = `02:00:00:${((n >> 16) & 255).toString(16).padStart(2, "0")}:${
    ((n >> 8) & 255).toString(16).padStart(2, "0")
  }:${(n & 255).toString(16).padStart(2, "0")}`;
  packet.arpSenderMac = mac;
  packet.srcMac = mac;
  packet.srcAddress = `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
  packet.dstAddress = `10.99.${(n >> 8) & 255}.${n & 255}`;
}

/** arpspoof restoring the real binding as it stops: "GW is-at GW_MAC" to the victim five times, a second apart from `fromS`, in frames from EVIL's NIC. */
function restoringReplies(fromS: number): PacketRecord[] {
  return times(
    5,
    (i) =>
      reply(
        T0 + (fromS + i) * SECOND_US,
        GW_MAC,
        GW,
        VICTIM_MAC,
        VICTIM,
        EVIL_MAC,
      ),
  );
}

function run(
  packets: Iterable<PacketRecord>,
  options: ArpSpoofOptions = {},
): Finding[] {
  return findingsOf(createArpSpoofDetector(options), packets);
}

Deno.test("arp_spoof: gratuitous ARP announcing a host's own IP raises nothing", () => {
  const packets: PacketRecord[] = [];
  for (let i = 0; i < 60; i++) {
    const atUs = T0 + i * 60 * SECOND_US;
    packets.push(
      arpPacket({
        atUs,
        operation: 1,
        senderMac: VICTIM_MAC,
        senderIp: VICTIM,
        targetIp: VICTIM,
      }),
    );
    packets.push(reply(atUs + 1, VICTIM_MAC, VICTIM, BROADCAST_MAC, VICTIM));
  }
  assert.deepEqual(run(packets), []);
  assert.deepEqual(run(packets.slice(0, 1)), []);
});

Deno.test("arp_spoof: normal resolution on a busy LAN raises nothing", () => {
  const hosts: [string, string][] = [];
  for (let i = 2; i < 40; i++) {
    hosts.push([
      `02:00:00:00:00:${i.toString(16).padStart(2, "0")}`,
      `192.168.1.${i}`,
    ]);
  }
  const packets: PacketRecord[] = [];
  for (let round = 0; round < 20; round++) {
    for (const [i, host] of hosts.entries()) {
      const atUs = T0 + round * 30 * SECOND_US + i * 10_000;
      packets.push(...resolution(atUs, host, [GW_MAC, GW]));
      packets.push(...resolution(atUs + 2_000, [GW_MAC, GW], host));
      packets.push(
        ...resolution(atUs + 4_000, host, hosts[(i + 1) % hosts.length]!),
      );
    }
  }
  assert.deepEqual(run(byTime(packets)), []);
});

Deno.test("arp_spoof: one legitimate change that then stays put raises nothing", () => {
  const newMac = "02:aa:bb:cc:dd:ee";
  // DHCP re-address: the old owner is long gone when the IP is handed on.
  const readdress: PacketRecord[] = [];
  for (let i = 0; i < 10; i++) {
    readdress.push(
      ...resolution(T0 + i * 30 * SECOND_US, [VICTIM_MAC, VICTIM], [
        GW_MAC,
        GW,
      ]),
    );
  }
  for (let i = 0; i < 30; i++) {
    readdress.push(
      ...resolution(T0 + 3_600 * SECOND_US + i * 30 * SECOND_US, [
        newMac,
        VICTIM,
      ], [GW_MAC, GW]),
    );
  }
  assert.deepEqual(run(readdress), []);
  // NIC swap or failover seconds later, announced by gratuitous replies, then stable.
  const swap: PacketRecord[] = [];
  for (let i = 0; i < 5; i++) {
    swap.push(
      ...resolution(T0 + i * 10 * SECOND_US, [VICTIM_MAC, VICTIM], [
        GW_MAC,
        GW,
      ]),
    );
  }
  for (let i = 0; i < 3; i++) {
    swap.push(
      reply(
        T0 + 45 * SECOND_US + i * SECOND_US,
        newMac,
        VICTIM,
        BROADCAST_MAC,
        VICTIM,
      ),
    );
  }
  for (let i = 0; i < 30; i++) {
    swap.push(
      ...resolution(
        T0 + 50 * SECOND_US + i * 10 * SECOND_US,
        [newMac, VICTIM],
        [GW_MAC, GW],
      ),
    );
  }
  assert.deepEqual(run(swap), []);
  // Failover and failback: each MAC takes the IP over once.
  const failback = [
    ...swap,
    ...resolution(T0 + 400 * SECOND_US, [VICTIM_MAC, VICTIM], [GW_MAC, GW]),
    ...resolution(T0 + 410 * SECOND_US, [VICTIM_MAC, VICTIM], [GW_MAC, GW]),
  ];
  assert.deepEqual(run(failback), []);
});

Deno.test("arp_spoof: a binding that flips back and forth blames the MAC that took it over twice", () => {
  const packets = [
    request(T0, GW_MAC, GW, VICTIM),
    request(T0 + 10 * SECOND_US, EVIL_MAC, GW, VICTIM),
    request(T0 + 20 * SECOND_US, GW_MAC, GW, "192.168.1.55"),
    request(T0 + 30 * SECOND_US, EVIL_MAC, GW, VICTIM),
    request(T0 + 40 * SECOND_US, GW_MAC, GW, "192.168.1.55"),
    request(T0 + 50 * SECOND_US, EVIL_MAC, GW, VICTIM),
    request(T0 + 60 * SECOND_US, GW_MAC, GW, "192.168.1.55"),
  ];
  const findings = run(packets);
  assert.ok(findings.length >= 1);
  for (const finding of findings) assert.equal(finding.key, EVIL_MAC);
  const first = findings[0]!;
  assert.equal(first.timestampUs, T0 + 30 * SECOND_US);
  assert.equal(first.kind, "arp_spoof");
  assert.equal(first.severity, "high");
  assert.equal(first.attacker, EVIL_MAC);
  assert.equal(first.victim, VICTIM);
  assert.deepEqual(first.evidence.reasons, ["flip_flop"]);
  assert.deepEqual(first.evidence.claimedIps, [GW]);
  assert.deepEqual(first.evidence.realMacs, [GW_MAC]);
  assert.equal(first.evidence.takeovers, 2);
  assert.equal(first.evidence.attackerMac, EVIL_MAC);
});

Deno.test("arp_spoof: repeated gratuitous replies for another host's IP are spoofing", () => {
  // The attacker announces the gateway's IP as its own (target IP = sender
  // IP) every 10 s while the gateway keeps using it.
  const packets: PacketRecord[] = [];
  for (let i = 0; i < 6; i++) {
    packets.push(
      arpPacket({
        atUs: T0 + i * 10 * SECOND_US,
        operation: 2,
        senderMac: EVIL_MAC,
        senderIp: GW,
        targetIp: GW,
      }),
      request(T0 + i * 10 * SECOND_US + 5 * SECOND_US, GW_MAC, GW, VICTIM),
    );
  }
  const findings = run(packets);
  assert.ok(findings.length >= 1);
  for (const finding of findings) assert.equal(finding.key, EVIL_MAC);
  const first = findings[0]!;
  // The gateway's second re-claim (15 s) completes the flip-flop; the MAC
  // announcing someone else's IP by gratuitous replies is blamed, and the
  // finding is dated at its own last frame (10 s), from its first (0 s).
  assert.equal(first.timestampUs, T0 + 10 * SECOND_US);
  assert.equal(first.startUs, T0);
  assert.deepEqual(first.evidence.reasons, ["flip_flop"]);
  assert.deepEqual(first.evidence.claimedIps, [GW]);
  assert.deepEqual(first.evidence.realMacs, [GW_MAC]);
  // One takeover each way (a failover and its failback) is not spoofing.
  assert.deepEqual(run(packets.slice(0, 3)), []);
});

Deno.test("arp_spoof: forged replies with another Ethernet source are blamed even when they came first", () => {
  // The capture starts mid-attack (as in the arp_spoofing sample): forged
  // replies every 2 s from Ethernet source 00:00:00:00:00:00, while the real
  // gateway keeps asking for others.
  const packets: PacketRecord[] = [];
  for (let i = 0; i < 20; i++) {
    packets.push(
      reply(T0 + i * 2 * SECOND_US, EVIL_MAC, GW, VICTIM_MAC, VICTIM, ZERO_MAC),
    );
  }
  for (let i = 0; i < 8; i++) {
    packets.push(
      request(
        T0 + 7 * SECOND_US + i * 3 * SECOND_US,
        GW_MAC,
        GW,
        "192.168.1.55",
      ),
    );
  }
  const findings = run(byTime(packets));
  assert.ok(findings.length >= 1);
  for (const finding of findings) assert.equal(finding.key, EVIL_MAC);
  const first = findings[0]!;
  assert.equal(first.timestampUs, T0);
  assert.deepEqual(first.evidence.reasons, ["mac_mismatch"]);
  assert.equal(first.victim, VICTIM);
  assert.equal(first.attacker, EVIL_MAC);
  const last = findings.at(-1)!;
  assert.deepEqual(last.evidence.reasons, [
    "mac_mismatch",
    "flip_flop",
    "unsolicited_replies",
  ]);
  assert.deepEqual(last.evidence.realMacs, [GW_MAC]);
});

Deno.test("arp_spoof: a two-way man-in-the-middle is found on its second reply", () => {
  const a: [string, string] = ["dc:f5:05:75:0b:cd", "10.0.0.153"];
  const b: [string, string] = ["b0:7f:b9:4e:f0:9c", "10.0.0.157"];
  const mitm = "00:e0:4d:3c:25:7b";
  const packets: PacketRecord[] = [];
  for (let i = 0; i < 60; i++) {
    const atUs = T0 + i * SECOND_US;
    packets.push(reply(atUs, mitm, a[1], b[0], b[1]));
    packets.push(reply(atUs + 10, mitm, b[1], a[0], a[1]));
  }
  const findings = run(packets);
  const first = findings[0]!;
  assert.equal(first.timestampUs, T0 + 10);
  assert.equal(first.key, mitm);
  assert.equal(first.attacker, mitm);
  assert.equal(first.victim, "");
  assert.deepEqual(first.evidence.reasons, ["multiple_ips"]);
  assert.deepEqual(first.evidence.claimedIps, [a[1], b[1]]);
  assert.deepEqual(first.evidence.realMacs, [a[0], b[0]]);
  assert.deepEqual(first.evidence.poisonedHosts, [b[1], a[1]]);
  for (const finding of findings) assert.equal(finding.key, mitm);
  // One incident, re-reported as it grows: not once per packet.
  assert.ok(findings.length <= 12, `${findings.length} findings`);
});

Deno.test("arp_spoof: a poisoner asking for the IP it claims is named by its own IP", () => {
  // The Cain & Abel sample: a request and a reply claiming the gateway to the
  // victim, then the same MAC asks for the gateway from its own address.
  const packets = [
    request(T0, EVIL_MAC, GW, VICTIM),
    reply(T0 + 50, VICTIM_MAC, VICTIM, EVIL_MAC, GW),
    reply(T0 + 70, EVIL_MAC, GW, VICTIM_MAC, VICTIM),
    request(T0 + 10 * SECOND_US, EVIL_MAC, EVIL, GW),
  ];
  const findings = run(packets);
  assert.equal(findings.length, 1);
  const finding = findings[0]!;
  assert.equal(finding.timestampUs, T0 + 10 * SECOND_US);
  // Begun at the first forged frame, so the alert's PCAP slice holds it.
  assert.equal(finding.startUs, T0);
  assert.equal(finding.key, EVIL_MAC);
  assert.equal(finding.attacker, EVIL);
  assert.equal(finding.victim, VICTIM);
  assert.deepEqual(finding.evidence.reasons, ["claims_requested_ip"]);
  assert.deepEqual(finding.evidence.claimedIps, [GW]);
  assert.equal(finding.evidence.attackerIp, EVIL);
  // The other order (ask first, then claim) is found too.
  const reversed = run([
    request(T0, EVIL_MAC, EVIL, GW),
    reply(T0 + 5 * SECOND_US, EVIL_MAC, GW, VICTIM_MAC, VICTIM),
  ]);
  assert.equal(reversed.length, 1);
  assert.equal(reversed[0]!.attacker, EVIL);
});

Deno.test("arp_spoof: unsolicited replies make a poisoning at the threshold, solicited ones never", () => {
  const min = ARP_SPOOF_DEFAULTS.minUnsolicitedReplies;
  const forged = (count: number) => {
    const packets: PacketRecord[] = [];
    for (let i = 0; i < count; i++) {
      packets.push(
        reply(T0 + i * 2 * SECOND_US, EVIL_MAC, GW, VICTIM_MAC, VICTIM),
      );
    }
    return packets;
  };
  assert.deepEqual(run(forged(min - 1)), []);
  const findings = run(forged(min));
  assert.equal(findings.length, 1);
  assert.deepEqual(findings[0]!.evidence.reasons, ["unsolicited_replies"]);
  assert.equal(findings[0]!.victim, VICTIM);
  assert.equal(findings[0]!.evidence.unsolicitedReplies, min);
  const solicited: PacketRecord[] = [];
  for (let i = 0; i < 50; i++) {
    solicited.push(
      ...resolution(T0 + i * 2 * SECOND_US, [VICTIM_MAC, VICTIM], [GW_MAC, GW]),
    );
  }
  assert.deepEqual(run(solicited), []);
});

Deno.test("arp_spoof: a flood of one-frame MACs does not flush a poisoner out of the full table", () => {
  // arpspoof's unsolicited replies every 2 s, with 5 000 requests from new
  // MACs (and IPs) before each (2 500 a second into a table of 4 096 MACs):
  // evicting the least recently seen MAC for each newcomer would drop the
  // poisoner's count of unsolicited replies between two of them.
  const detector = createArpSpoofDetector();
  const replies = Array.from(
    { length: 10 },
    (_, i) =>
      reply(T0 + (i + 1) * 2 * SECOND_US, EVIL_MAC, GW, VICTIM_MAC, VICTIM),
  );
  const findings = findingsInCrowd(
    detector,
    replies,
    request(T0, EVIL_MAC, EVIL, GW),
    5_000,
    SECOND_US,
    fromCrowdHost,
  );
  // The table was full when the poisoning began: its first reply is turned
  // away at the door, so the fifth unsolicited reply counted is its sixth.
  assert.deepEqual(
    findings.map((f) => [f.key, f.victim, f.timestampUs]),
    [[EVIL_MAC, VICTIM, T0 + 6 * 2 * SECOND_US]],
  );
  assert.ok(detector.tables().macs!.rejected! > 40_000);
});

Deno.test("arp_spoof: a mismatched Ethernet source on a reply is a forgery, on a request it is not", () => {
  const forged = run([
    reply(T0, EVIL_MAC, GW, VICTIM_MAC, VICTIM, "02:00:00:00:00:01"),
  ]);
  assert.equal(forged.length, 1);
  assert.deepEqual(forged[0]!.evidence.reasons, ["mac_mismatch"]);
  assert.equal(forged[0]!.evidence.mismatchedReplies, 1);
  const requests: PacketRecord[] = [];
  for (let i = 0; i < 3; i++) {
    requests.push(arpPacket({
      atUs: T0 + i,
      operation: 1,
      senderMac: "18:60:24:8d:97:ba",
      senderIp: "10.204.1.5",
      targetIp: "0.0.0.0",
      ethSrc: "00:01:02:03:04:05",
    }));
  }
  assert.deepEqual(run(requests), []);
});

Deno.test("arp_spoof: a reply relayed for the owner is no forgery (arpspoof restoring the real binding)", () => {
  // arpspoof, stopping, sends "GW is-at GW_MAC" five times from its own NIC,
  // unasked (the victim resolved the gateway a minute before).
  const restore = restoringReplies(60);
  // The gateway has claimed its IP in frames of its own: nothing to report.
  assert.deepEqual(
    run([...resolution(T0, [VICTIM_MAC, VICTIM], [GW_MAC, GW]), ...restore]),
    [],
  );
  // Without a frame of its own in the capture, the same replies are
  // indistinguishable from a forgery in the gateway's name.
  const forged = run(restore);
  assert.equal(forged[0]?.key, GW_MAC);
  assert.deepEqual(forged[0]?.evidence.reasons, ["mac_mismatch"]);
  assert.deepEqual(forged.at(-1)?.evidence.reasons, [
    "mac_mismatch",
    "unsolicited_replies",
  ]);
});

Deno.test("arp_spoof: the poisoner's own restoring replies do not blame the owner who never spoke ARP", () => {
  // arpspoof -t VICTIM GW: forged "GW is-at EVIL_MAC" every 2 s, then, on
  // SIGINT, "GW is-at GW_MAC" five times from EVIL's NIC. The gateway sends
  // no ARP of its own in the capture.
  const poison = times(
    7,
    (i) => reply(T0 + i * 2 * SECOND_US, EVIL_MAC, GW, VICTIM_MAC, VICTIM),
  );
  const restore = restoringReplies(14);
  const findings = run([...poison, ...restore]);
  assert.ok(findings.length > 0);
  assert.deepEqual(new Set(findings.map((f) => f.key)), new Set([EVIL_MAC]));
  assert.equal(findings[0]!.victim, VICTIM);
});

Deno.test("arp_spoof: replies to 0.0.0.0 (arpspoof without -t, to every host) name no victim", () => {
  const broadcast = times(
    7,
    (i) =>
      reply(
        T0 + i * 2 * SECOND_US,
        EVIL_MAC,
        GW,
        "ff:ff:ff:ff:ff:ff",
        "0.0.0.0",
      ),
  );
  const findings = run(broadcast);
  assert.ok(findings.length > 0);
  assert.equal(findings[0]!.key, EVIL_MAC);
  assert.equal(findings[0]!.victim, "");
  assert.deepEqual(findings[0]!.evidence.poisonedHosts, []);
});

Deno.test("arp_spoof: takeovers further apart than the window do not flip-flop", () => {
  const packets = [
    request(T0 - 10 * SECOND_US, GW_MAC, GW, VICTIM),
    request(T0, EVIL_MAC, GW, VICTIM),
    request(T0 + 200 * SECOND_US, GW_MAC, GW, VICTIM),
    request(T0 + 350 * SECOND_US, EVIL_MAC, GW, VICTIM),
  ];
  assert.deepEqual(run(packets), []);
  // The same sequence within the window is a flip-flop.
  assert.equal(run(packets, { windowUs: 400 * SECOND_US }).length, 1);
});

Deno.test("arp_spoof: ARP probes from 0.0.0.0 claim nothing", () => {
  const packets: PacketRecord[] = [
    ...resolution(T0, [VICTIM_MAC, VICTIM], [GW_MAC, GW]),
  ];
  for (let i = 0; i < 10; i++) {
    packets.push(
      request(T0 + i * SECOND_US, "02:00:00:00:00:99", "0.0.0.0", VICTIM),
    );
    packets.push(
      reply(
        T0 + i * SECOND_US + 10,
        VICTIM_MAC,
        VICTIM,
        "02:00:00:00:00:99",
        "0.0.0.0",
      ),
    );
  }
  assert.deepEqual(run(packets), []);
});

Deno.test("arp_spoof: replay is deterministic", () => {
  const packets: PacketRecord[] = [];
  for (let i = 0; i < 100; i++) {
    packets.push(
      reply(T0 + i * SECOND_US, EVIL_MAC, GW, VICTIM_MAC, VICTIM, ZERO_MAC),
    );
    packets.push(
      ...resolution(T0 + i * SECOND_US + 500_000, [GW_MAC, GW], [
        VICTIM_MAC,
        VICTIM,
      ]),
    );
  }
  assert.deepEqual(run(packets), run(packets));
});

Deno.test("arp_spoof: tables stay within capacity under 1M distinct MACs and IPs", () => {
  const small = {
    maxBindings: 256,
    maxMacs: 256,
    maxPendingRequests: 256,
  };
  const detector = createArpSpoofDetector(small);
  const packet = request(T0, EVIL_MAC, EVIL, GW);
  let findings = 0;
  for (let i = 0; i < 1_000_000; i++) {
    packet.timestampUs = T0 + i;
    fromCrowdHost(packet, i);
    withAddressKeys(packet);
    detector.observe(packet, () => findings++);
  }
  const tables = detector.tables();
  for (const name of ["bindings", "macs", "pending_requests"] as const) {
    assert.equal(tables[name]!.capacity, 256);
    assert.ok(tables[name]!.size <= 256, name);
    assert.ok(tables[name]!.evictions > 0, name);
  }
  // Once the MAC table is full, one-frame MACs are turned away at the door
  // (all but the few that the admission's sketches take for seen before),
  // and their frames go no further.
  const macs = tables.macs!;
  assert.equal(macs.evictions + macs.rejected!, 1_000_000 - 256);
  assert.ok(macs.rejected! > 900_000, `${macs.rejected} rejected`);
  assert.equal(findings, 0);
  const defaults = createArpSpoofDetector().tables();
  assert.equal(defaults.bindings!.capacity, ARP_SPOOF_DEFAULTS.maxBindings);
  assert.equal(defaults.macs!.capacity, ARP_SPOOF_DEFAULTS.maxMacs);
});

Deno.test("arp_spoof: one MAC's claimed IPs are capped", () => {
  const detector = createArpSpoofDetector();
  const findings: Finding[] = [];
  for (let i = 0; i < 10_000; i++) {
    // A proxy-ARP router answering for many remote hosts: solicited, uncontested.
    const ip = `10.50.${(i >> 8) & 255}.${i & 255}`;
    detector.observe(
      request(T0 + i * 100, VICTIM_MAC, VICTIM, ip),
      (f) => findings.push(f),
    );
    detector.observe(
      reply(T0 + i * 100 + 10, GW_MAC, ip, VICTIM_MAC, VICTIM),
      (f) => findings.push(f),
    );
  }
  assert.deepEqual(findings, []);
  assert.ok(detector.tables().bindings!.size <= ARP_SPOOF_DEFAULTS.maxBindings);
});

Deno.test("arp_spoof: invalid options are rejected", () => {
  assert.throws(() => createArpSpoofDetector({ minTakeovers: 0 }), RangeError);
  assert.throws(() => createArpSpoofDetector({ maxMacs: -1 }), RangeError);
});

Deno.test("arp_spoof: a busy MAC that went quiet is kept against a newcomer seen less often", () => {
  const stats = tableAfterNewcomer(
    createArpSpoofDetector({ maxMacs: 2 }),
    "macs",
    times(40, (i) => request(T0 + i * 1_000, EVIL_MAC, EVIL, GW)),
    [request(T0 + SECOND_US, GW_MAC, GW, VICTIM)],
    times(
      20,
      (i) => request(T0 + 2 * SECOND_US + i * 1_000, VICTIM_MAC, VICTIM, GW),
    ),
  );
  assert.deepEqual([stats.evictions, stats.rejected], [0, 20]);
});

Deno.test("arp_spoof: each VLAN is its own segment, where the same address can be another host's", () => {
  // 10.0.0.1 is a different router's on VLANs 10 and 20 (VRFs, or
  // overlapping lab networks); hosts on each resolve it every minute.
  const traffic = (tagged: boolean) => {
    const packets: PacketRecord[] = [];
    for (let round = 0; round < 5; round++) {
      for (const vlan of [10, 20]) {
        const atUs = T0 + (round * 60 + vlan / 10) * SECOND_US;
        for (
          const packet of resolution(
            atUs,
            [VICTIM_MAC, VICTIM],
            [`02:00:00:00:00:${vlan}`, GW],
          )
        ) {
          if (tagged) packet.vlanId = vlan;
          packets.push(packet);
        }
      }
    }
    return findingsOf(createArpSpoofDetector(), packets);
  };
  assert.deepEqual(traffic(true), []);
  // Untagged, the two routers flip the one address back and forth.
  assert.ok(traffic(false).length >= 1);
});

/** arp-scan --arpspa=dest from EVIL_MAC at `startUs`: a gratuitous request for every address of 192.168.1.0/24, each claiming it as EVIL_MAC's. */
function gratuitousSweep(startUs: number): PacketRecord[] {
  return times(254, (i) => {
    const ip = `192.168.1.${i + 1}`;
    return request(startUs + i * 4_000, EVIL_MAC, ip, ip);
  });
}

Deno.test("arp_spoof: a sweep of gratuitous claims (arp-scan --arpspa=dest) taking over two held addresses among 252 unheld ones is found, named by its MAC", () => {
  // The victim and the gateway resolve each other: two held bindings.
  const packets = [
    ...resolution(T0, [VICTIM_MAC, VICTIM], [GW_MAC, GW]),
    ...gratuitousSweep(T0 + SECOND_US),
  ];
  const findings = run(packets);
  assert.ok(findings.length >= 1);
  for (const finding of findings) assert.equal(finding.key, EVIL_MAC);
  const last = findings.at(-1)!;
  // The sweep claims its own address too, among 251 others: none is its own.
  assert.equal(last.attacker, EVIL_MAC);
  assert.equal(last.evidence.attackerIp, "");
  assert.ok((last.evidence.reasons as string[]).includes("multiple_ips"));
  assert.deepEqual(
    [...(last.evidence.claimedIps as string[])].sort(),
    [GW, VICTIM].sort(),
  );
});

Deno.test("arp_spoof: owners that take their addresses back between sweeps of gratuitous claims are not blamed; the sweeper is", () => {
  const packets: PacketRecord[] = [];
  for (let pass = 0; pass < 6; pass++) {
    const atUs = T0 + pass * 2 * SECOND_US;
    packets.push(...resolution(atUs, [VICTIM_MAC, VICTIM], [GW_MAC, GW]));
    packets.push(...resolution(atUs + 500, [GW_MAC, GW], [VICTIM_MAC, VICTIM]));
    packets.push(...gratuitousSweep(atUs + 1_000));
  }
  const findings = run(byTime(packets));
  assert.ok(findings.length >= 1);
  assert.deepEqual([...new Set(findings.map((f) => f.key))], [EVIL_MAC]);
  const last = findings.at(-1)!;
  assert.ok((last.evidence.claimedIps as string[]).length >= 2);
});

Deno.test("arp_spoof: the owner's replies restoring its binding in its own frames (arpspoof -c host, as it stops) do not blame the owner", () => {
  const packets: PacketRecord[] = [
    ...resolution(T0, [VICTIM_MAC, VICTIM], [GW_MAC, GW]),
    // arpspoof -t VICTIM GW: "GW is-at EVIL_MAC" to the victim every 2 s.
    ...times(10, (i) =>
      reply(
        T0 + (1 + 2 * i) * SECOND_US,
        EVIL_MAC,
        GW,
        VICTIM_MAC,
        VICTIM,
      )),
    // Then five "GW is-at GW_MAC" in frames from the gateway's MAC.
    ...times(5, (i) =>
      reply(
        T0 + (22 + i) * SECOND_US,
        GW_MAC,
        GW,
        VICTIM_MAC,
        VICTIM,
        GW_MAC,
      )),
  ];
  const findings = run(packets);
  assert.ok(findings.length >= 1);
  assert.deepEqual([...new Set(findings.map((f) => f.key))], [EVIL_MAC]);
});

Deno.test("arp_spoof: a Windows NLB cluster's answers (cluster MAC from its address, sent from a node's MAC) are no forgery; a cluster MAC for another address is", () => {
  const CLUSTER = "192.168.1.200";
  const NODE_MAC = "00:15:5d:01:02:03";
  for (const clusterMac of ["03:bf:c0:a8:01:c8", "02:bf:c0:a8:01:c8"]) {
    const frameSource = clusterMac.startsWith("02")
      ? "02:01:c0:a8:01:c8"
      : NODE_MAC;
    const packets = [VICTIM, EVIL].flatMap((asker, i) => [
      request(
        T0 + i * SECOND_US,
        asker === VICTIM ? VICTIM_MAC : EVIL_MAC,
        asker,
        CLUSTER,
      ),
      reply(
        T0 + i * SECOND_US + 300,
        clusterMac,
        CLUSTER,
        asker === VICTIM ? VICTIM_MAC : EVIL_MAC,
        asker,
        frameSource,
      ),
    ]);
    assert.deepEqual(run(packets), [], clusterMac);
    // The same MAC form claiming the gateway's address: a forgery.
    const forged = run([
      request(T0, VICTIM_MAC, VICTIM, GW),
      reply(T0 + 300, clusterMac, GW, VICTIM_MAC, VICTIM, frameSource),
    ]);
    assert.equal(forged.length, 1, clusterMac);
    assert.deepEqual(forged[0]!.evidence.reasons, ["mac_mismatch"]);
  }
});

Deno.test("arp_spoof: a sweep of gratuitous claims before the owners spoke is found when two of them take their addresses back", () => {
  const packets = [
    // The sweep first: no binding is known yet, every claim uncontested.
    ...gratuitousSweep(T0),
    // Then the victim and the gateway, their caches poisoned, resolve each
    // other again: each claims its own address back.
    ...resolution(T0 + 30 * SECOND_US, [VICTIM_MAC, VICTIM], [GW_MAC, GW]),
  ];
  const findings = run(packets);
  assert.ok(findings.length >= 1);
  assert.deepEqual([...new Set(findings.map((f) => f.key))], [EVIL_MAC]);
  const last = findings.at(-1)!;
  assert.deepEqual(last.evidence.reasons, ["multiple_ips"]);
  assert.deepEqual(
    [...(last.evidence.claimedIps as string[])].sort(),
    [GW, VICTIM].sort(),
  );
  assert.deepEqual(
    [...(last.evidence.realMacs as string[])].sort(),
    [GW_MAC, VICTIM_MAC].sort(),
  );
  // Begun at the sweep's claim of the first address taken back (the
  // gateway's, 192.168.1.1, the sweep's first), so the alert's slice holds it.
  assert.equal(last.startUs, T0);
  // One owner taking its address back is one move, no spoofing.
  assert.deepEqual(
    run([
      ...gratuitousSweep(T0),
      request(T0 + 30 * SECOND_US, VICTIM_MAC, VICTIM, "192.168.1.200"),
    ]),
    [],
  );
});

Deno.test("arp_spoof: a one-way poisoner that forged one reply in the gateway's name is still found (the gateway taking its address back excuses nothing of the poisoner's)", () => {
  const packets: PacketRecord[] = [
    ...resolution(T0, [VICTIM_MAC, VICTIM], [GW_MAC, GW]),
    // One reply forged in the gateway's name, from the poisoner's NIC.
    reply(T0 + 500_000, GW_MAC, "192.168.1.30", VICTIM_MAC, VICTIM, EVIL_MAC),
  ];
  for (let s = 1; s <= 60; s++) {
    const atUs = T0 + s * SECOND_US;
    // arpspoof -t VICTIM GW: every 2 s.
    if (s % 2 === 0) {
      packets.push(reply(atUs, EVIL_MAC, GW, VICTIM_MAC, VICTIM));
    }
    // The gateway re-checks the victim every 10 s, claiming its address.
    if (s % 10 === 5) {
      packets.push(...resolution(atUs, [GW_MAC, GW], [VICTIM_MAC, VICTIM]));
    }
  }
  const keys = new Set(run(byTime(packets)).map((f) => f.key));
  assert.ok(keys.has(EVIL_MAC), [...keys].join(", "));
});

Deno.test("arp_spoof: a cluster node whose two addresses fail over to two other nodes is no spoofer", () => {
  const MASTER = "02:00:00:00:0a:01";
  const [VIP1, VIP2] = ["192.168.1.201", "192.168.1.202"];
  const packets: PacketRecord[] = [];
  // The master answers for its own address and both VIPs.
  for (let s = 0; s < 30; s += 5) {
    const atUs = T0 + s * SECOND_US;
    packets.push(
      ...resolution(atUs, [VICTIM_MAC, VICTIM], [MASTER, "192.168.1.200"]),
      ...resolution(atUs + 1_000, [VICTIM_MAC, VICTIM], [MASTER, VIP1]),
      ...resolution(atUs + 2_000, [VICTIM_MAC, VICTIM], [MASTER, VIP2]),
    );
  }
  // It dies: one backup announces VIP1, another VIP2 (gratuitous ARP).
  const failoverUs = T0 + 40 * SECOND_US;
  packets.push(
    request(failoverUs, "02:00:00:00:0b:01", VIP1, VIP1),
    request(failoverUs + 1_000, "02:00:00:00:0c:01", VIP2, VIP2),
  );
  assert.deepEqual(run(packets), []);
});
