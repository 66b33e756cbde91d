import assert from "node:assert/strict";
import {
  icmpFrame,
  neighborFrame,
  solicitedNodeAddress,
} from "../capture/frame_builder.ts";
import type { PacketRecord } from "../capture/packet_record.ts";
import { decodeFrame } from "../capture/decode/test_helpers.ts";
import type { Finding } from "./alert.ts";
import { createNdpScanDetector, NDP_SCAN_DEFAULTS } from "./ndp_scan.ts";
import { arpPacket, findingsThenIdle, SECOND_US, T0 } from "./test_packets.ts";

const SCANNER = "fe80::a00:27ff:fec3:5a42";
const SCANNER_MAC = "08:00:27:c3:5a:42";

/** Decoded from a real frame: a Neighbor Discovery message at `atUs`. */
function nd(
  atUs: number,
  fields: Parameters<typeof neighborFrame>[0],
): PacketRecord {
  return decodeFrame(neighborFrame(fields), { timestampUs: atUs }).packet;
}

/** The scanner asks who has `target`, to its solicited-node group unless told otherwise. */
function ask(
  atUs: number,
  target: string,
  changes: Partial<Parameters<typeof neighborFrame>[0]> = {},
): PacketRecord {
  return nd(atUs, {
    srcMac: SCANNER_MAC,
    src: SCANNER,
    dst: solicitedNodeAddress(target),
    type: 135,
    target,
    ...changes,
  });
}

/** `count` solicitations for fd00::1, fd00::2, …, `stepUs` apart. */
function sweep(
  count: number,
  stepUs: number,
  changes: Partial<Parameters<typeof neighborFrame>[0]> = {},
): PacketRecord[] {
  return Array.from(
    { length: count },
    (_, i) => ask(T0 + i * stepUs, `fd00::${(i + 1).toString(16)}`, changes),
  );
}

function scans(packets: PacketRecord[]): Finding[] {
  return findingsThenIdle(
    createNdpScanDetector(),
    packets,
    NDP_SCAN_DEFAULTS.followUs,
  );
}

Deno.test("ndp_scan: nmap -6 -sn of an on-link range, twice per target, raises one finding at the threshold", () => {
  const threshold = NDP_SCAN_DEFAULTS.targetThreshold;
  const packets = sweep(threshold, 8_000).flatMap((packet) => [
    packet,
    ask(packet.timestampUs + 1_000_000, packet.ndTarget),
  ]).sort((a, b) => a.timestampUs - b.timestampUs);
  const findings = scans(packets);
  assert.equal(findings.length, 1);
  const [finding] = findings;
  assert.equal(finding!.kind, "ndp_scan");
  assert.equal(finding!.attacker, SCANNER);
  assert.equal(finding!.victim, "");
  assert.equal(finding!.evidence.distinctTargets, threshold);
  assert.deepEqual(finding!.evidence.subnets, ["fd00::/64"]);
  assert.equal(finding!.evidence.senderMac, SCANNER_MAC);
  assert.match(
    finding!.summary,
    /asked for 100 distinct addresses in fd00::\/64 .* neighbor solicitations\): NDP scan$/,
  );
  // One target fewer: nothing, even with the scanner's own address asked.
  assert.deepEqual(
    scans([...sweep(threshold - 1, 8_000), ask(T0 + SECOND_US, SCANNER)]),
    [],
  );
});

Deno.test("ndp_scan: what is no probe raises nothing", () => {
  const many = 300;
  const variants: Partial<Parameters<typeof neighborFrame>[0]>[] = [
    // Routed from another link, or another code.
    { hopLimit: 64 },
    { code: 1 },
    // Duplicate address detection: from ::, without the option.
    { src: "::", linkMac: null },
  ];
  for (const changes of variants) {
    assert.deepEqual(
      scans(sweep(many, 5_000, changes)),
      [],
      JSON.stringify(changes),
    );
  }
  // Reachability checks of known neighbours: to each one's own address and
  // MAC.
  const unicast = sweep(many, 5_000).map((packet) =>
    ask(packet.timestampUs, packet.ndTarget, {
      dst: packet.ndTarget,
      dstMac: "02:00:00:00:00:01",
    })
  );
  assert.deepEqual(scans(unicast), []);
  // Advertisements (a proxy announcing many addresses), echo requests, ARP.
  const others: PacketRecord[] = [];
  for (let i = 0; i < many; i++) {
    const atUs = T0 + i * 5_000;
    const target = `fd00::${(i + 1).toString(16)}`;
    others.push(
      nd(atUs, {
        srcMac: SCANNER_MAC,
        src: SCANNER,
        dst: "ff02::1",
        type: 136,
        target,
        flags: 0x20,
      }),
      decodeFrame(
        icmpFrame({
          srcMac: SCANNER_MAC,
          dstMac: "33:33:00:00:00:01",
          src: SCANNER,
          dst: target,
        }, { type: 128, id: 1, seq: i }),
        { timestampUs: atUs + 2 },
      ).packet,
      arpPacket({
        atUs: atUs + 3,
        operation: 1,
        senderMac: SCANNER_MAC,
        senderIp: "10.0.0.66",
        targetIp: `10.0.${i >> 8}.${i & 0xff}`,
      }),
    );
  }
  assert.deepEqual(scans(others), []);
});

Deno.test("ndp_scan: senders are their MACs: a host asking from two addresses, or a scanner forging a source per probe, is one sender", () => {
  const threshold = NDP_SCAN_DEFAULTS.targetThreshold;
  // Link-local and global sources in turn.
  const GLOBAL = "fd00::66";
  const alternating = sweep(threshold, 5_000).map((packet, i) =>
    i % 2 === 0 ? packet : ask(packet.timestampUs, packet.ndTarget, {
      src: GLOBAL,
    })
  );
  const [found] = scans(alternating);
  assert.equal(found?.evidence.distinctTargets, threshold);
  // Named by the address it last asked from.
  assert.equal(found?.attacker, GLOBAL);
  // A new forged source for every probe, from one NIC.
  const forged = sweep(threshold, 5_000).map((packet, i) =>
    ask(packet.timestampUs, packet.ndTarget, {
      src: `fe80::${(i + 1).toString(16)}:1`,
      linkMac: `02:00:00:00:${(i >> 8).toString(16)}:${
        (i & 0xff).toString(16)
      }`,
    })
  );
  const [forgedScan] = scans(forged);
  assert.equal(forgedScan?.evidence.senderMac, SCANNER_MAC);
  // A solicitation for a unicast address in a broadcast frame, which the
  // target answers all the same, is a probe.
  const inBroadcast = sweep(threshold, 5_000).map((packet) =>
    ask(packet.timestampUs, packet.ndTarget, {
      dst: packet.ndTarget,
      dstMac: "ff:ff:ff:ff:ff:ff",
    })
  );
  assert.equal(scans(inBroadcast).length, 1);
});

Deno.test("ndp_scan: each VLAN's sender counts apart (a router's one MAC on many VLANs)", () => {
  const threshold = NDP_SCAN_DEFAULTS.targetThreshold;
  const packets = sweep(threshold, 5_000);
  packets.forEach((packet, i) => packet.vlanId = 10 + (i % 2));
  assert.deepEqual(scans(packets), []);
  packets.forEach((packet) => packet.vlanId = 10);
  assert.equal(scans(packets).length, 1);
});

Deno.test("ndp_scan: a slow sweep below the rate is not found", () => {
  const windowUs = NDP_SCAN_DEFAULTS.windowUs;
  const stepUs = Math.ceil(windowUs / (NDP_SCAN_DEFAULTS.targetThreshold - 1));
  assert.deepEqual(scans(sweep(200, stepUs)), []);
  assert.equal(scans(sweep(200, 0.4 * SECOND_US)).length >= 1, true);
});

Deno.test("ndp_scan: its options and name", () => {
  const detector = createNdpScanDetector();
  assert.equal(detector.name, "ndp_scan");
  assert.deepEqual(Object.keys(detector.tables()), ["senders"]);
  assert.ok(Object.isFrozen(NDP_SCAN_DEFAULTS));
  assert.throws(
    () => createNdpScanDetector({ targetThreshold: 0 }),
    /NDP scan detector/,
  );
});

/** The MAC of on-link host `address` in these tests. */
function macOf(address: string): string {
  const last = parseInt(address.split(":").at(-1)!, 16);
  return `02:00:00:00:02:${(last & 255).toString(16).padStart(2, "0")}`;
}

/**
 * Each solicitation of `solicitations` answered by its target 100 µs
 * later, then a packet forwarded to the target from afar, from the
 * scanner's MAC 1 ms after asking, in a frame to `frameTo(target)` (the MAC
 * that answered unless told).
 */
function resolved(
  solicitations: PacketRecord[],
  frameTo: (target: string) => string = macOf,
  answered = true,
  answersBack = true,
): PacketRecord[] {
  return solicitations.flatMap((request) => {
    const target = request.ndTarget;
    const answer = nd(request.timestampUs + 100, {
      srcMac: macOf(target),
      dstMac: SCANNER_MAC,
      src: target,
      dst: SCANNER,
      type: 136,
      target,
      flags: 0x60,
    });
    const forwarded = decodeFrame(
      icmpFrame({
        srcMac: SCANNER_MAC,
        dstMac: frameTo(target),
        src: "2001:db8::99",
        dst: target,
      }, { type: 128, id: 1, seq: 0 }),
      { timestampUs: request.timestampUs + 1_000 },
    ).packet;
    // The host's answer to the packet, to the router's MAC.
    const back = decodeFrame(
      icmpFrame({
        srcMac: macOf(target),
        dstMac: SCANNER_MAC,
        src: target,
        dst: "2001:db8::99",
      }, { type: 129, id: 1, seq: 0 }),
      { timestampUs: request.timestampUs + 1_100 },
    ).packet;
    return [
      request,
      ...(answered ? [answer] : []),
      forwarded,
      ...(answersBack ? [back] : []),
    ];
  }).sort((a, b) => a.timestampUs - b.timestampUs);
}

Deno.test("ndp_scan: a router resolving neighbours for the traffic it forwards to them (a cold cache) is no scan; the same solicitations alone, unanswered, or followed to another MAC are", () => {
  const threshold = NDP_SCAN_DEFAULTS.targetThreshold;
  const solicitations = sweep(threshold + 20, 2_000);
  assert.deepEqual(scans(resolved(solicitations)), []);
  assert.equal(scans(solicitations).length, 1);
  assert.equal(
    scans(resolved(solicitations, macOf, false)).length,
    1,
    "unanswered",
  );
  assert.equal(
    scans(resolved(solicitations, () => "02:de:ad:00:00:01")).length,
    1,
    "frames to a MAC nobody has (red team)",
  );
  assert.equal(
    scans(resolved(solicitations, macOf, true, false)).length,
    1,
    "packets no host answers",
  );
});
