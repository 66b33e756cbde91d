import assert from "node:assert/strict";
import {
  icmpFrame,
  neighborFrame,
  solicitedNodeAddress,
} from "../capture/frame_builder.ts";
import type { PacketRecord } from "../capture/packet_record.ts";
import { decodeFrame } from "../capture/decode/test_helpers.ts";
import type { Finding } from "./alert.ts";
import { createNdpSpoofDetector, NDP_SPOOF_DEFAULTS } from "./ndp_spoof.ts";
import { arpPacket, findingsOf, SECOND_US, T0 } from "./test_packets.ts";

const GW = "2001:db8:1::1";
const GW_MAC = "50:a7:2b:73:a9:c6";
const VICTIM = "2001:db8:1::175";
const VICTIM_MAC = "0c:54:15:40:d8:f5";
const EVIL_LL = "fe80::b6b6:86ff:fefb:db07";
const EVIL_MAC = "b4:b6:86:fb:db:07";
const ALL_NODES = "ff02::1";

/** Decoded from a real frame: a neighbor solicitation or advertisement at `atUs`. */
function nd(
  atUs: number,
  fields: Parameters<typeof neighborFrame>[0],
): PacketRecord {
  return decodeFrame(neighborFrame(fields), { timestampUs: atUs }).packet;
}

/** `asker` at `askerMac` asks who has `target`. */
function solicitation(
  atUs: number,
  askerMac: string,
  asker: string,
  target: string,
  linkMac: string | null = askerMac,
): PacketRecord {
  return nd(atUs, {
    srcMac: askerMac,
    src: asker,
    dst: solicitedNodeAddress(target),
    type: 135,
    target,
    linkMac,
  });
}

/** From `ethSrc`, to `dst`: `target` is at `linkMac`. */
function advertisement(
  atUs: number,
  ethSrc: string,
  dst: string,
  target: string,
  flags: number,
  linkMac: string = ethSrc,
  hopLimit = 255,
): PacketRecord {
  return nd(atUs, {
    srcMac: ethSrc,
    src: target,
    dst,
    type: 136,
    target,
    flags,
    linkMac,
    hopLimit,
  });
}

const S = 0x40;
const O = 0x20;
const R = 0x80;

/** The gateway and the victim resolve each other, as hosts do. */
function normalTraffic(atUs: number): PacketRecord[] {
  return [
    solicitation(atUs, VICTIM_MAC, VICTIM, GW),
    advertisement(atUs + 300, GW_MAC, VICTIM, GW, R | S | O),
    solicitation(atUs + 1_000, GW_MAC, GW, VICTIM),
    advertisement(atUs + 1_300, VICTIM_MAC, GW, VICTIM, S | O),
  ];
}

function spoofFindings(packets: PacketRecord[]): Finding[] {
  return findingsOf(createNdpSpoofDetector(), packets)
    .filter((finding) => finding.kind === "ndp_spoof");
}

Deno.test("ndp_spoof: hosts resolving each other, and announcing their own addresses, raise nothing", () => {
  const packets: PacketRecord[] = [];
  for (let i = 0; i < 30; i++) {
    packets.push(...normalTraffic(T0 + i * 20 * SECOND_US));
    // Unsolicited announcements of their own addresses, to all nodes.
    packets.push(
      advertisement(
        T0 + i * 20 * SECOND_US + 5_000,
        GW_MAC,
        ALL_NODES,
        GW,
        R | O,
      ),
      advertisement(
        T0 + i * 20 * SECOND_US + 6_000,
        VICTIM_MAC,
        ALL_NODES,
        VICTIM,
        O,
      ),
    );
  }
  // Duplicate address detection: from ::, no option.
  packets.push(
    solicitation(T0 + 700 * SECOND_US, VICTIM_MAC, "::", VICTIM, null),
  );
  assert.deepEqual(spoofFindings(packets), []);
});

Deno.test("ndp_spoof: unsolicited advertisements of the gateway's address to a victim (fake_advertise6)", () => {
  // Well after the victim last asked for the gateway (the request window).
  const packets = normalTraffic(T0);
  for (let i = 0; i < 5; i++) {
    packets.push(
      advertisement(
        T0 + (i + 10) * SECOND_US,
        EVIL_MAC,
        VICTIM,
        GW,
        R | O,
      ),
    );
  }
  const findings = spoofFindings(packets);
  assert.ok(findings.length >= 1);
  const last = findings.at(-1)!;
  assert.equal(last.kind, "ndp_spoof");
  assert.equal(last.key, EVIL_MAC);
  assert.equal(last.attacker, EVIL_MAC); // it never claimed an address of its own
  assert.equal(last.victim, VICTIM);
  assert.deepEqual(last.evidence.claimedIps, [GW]);
  assert.deepEqual(last.evidence.realMacs, [GW_MAC]);
  assert.ok(
    (last.evidence.reasons as string[]).includes("unsolicited_replies"),
  );
  assert.match(last.summary, /in \d+ NDP frames: NDP spoofing/);
  // One fewer than the threshold, and no takeover flip-flop: nothing.
  assert.deepEqual(spoofFindings(packets.slice(0, -1)), []);
});

Deno.test("ndp_spoof: a poisoner that asks for the gateway and then claims it (parasite6), with its own address named", () => {
  const packets = [
    ...normalTraffic(T0),
    // The poisoner learns the gateway's MAC, from its link-local address.
    solicitation(T0 + SECOND_US, EVIL_MAC, EVIL_LL, GW),
    advertisement(T0 + SECOND_US + 200, GW_MAC, EVIL_LL, GW, R | S | O),
    // The victim asks for the gateway: both answer, the poisoner too.
    solicitation(T0 + 2 * SECOND_US, VICTIM_MAC, VICTIM, GW),
    advertisement(T0 + 2 * SECOND_US + 100, EVIL_MAC, VICTIM, GW, R | S | O),
  ];
  const findings = spoofFindings(packets);
  assert.equal(findings.length, 1);
  const [finding] = findings;
  assert.equal(finding!.attacker, EVIL_LL);
  assert.equal(finding!.victim, VICTIM);
  assert.deepEqual(finding!.evidence.reasons, ["claims_requested_ip"]);
});

Deno.test("ndp_spoof: advertisements in frames from another MAC are forged (mac_mismatch)", () => {
  const packets = [
    ...normalTraffic(T0),
    // Ethernet source a made-up MAC, the claimed MAC the poisoner's.
    advertisement(T0 + SECOND_US, "02:11:22:33:44:55", VICTIM, GW, O, EVIL_MAC),
  ];
  const findings = spoofFindings(packets);
  assert.equal(findings.length, 1);
  assert.ok(
    (findings[0]!.evidence.reasons as string[]).includes("mac_mismatch"),
  );
});

Deno.test("ndp_spoof: announcements of the gateway's address that flip back and forth (flip_flop)", () => {
  const packets = [...normalTraffic(T0)];
  for (let i = 0; i < 2; i++) {
    const atUs = T0 + (i + 1) * 10 * SECOND_US;
    packets.push(
      advertisement(atUs, EVIL_MAC, ALL_NODES, GW, O),
      advertisement(atUs + 2 * SECOND_US, GW_MAC, ALL_NODES, GW, R | O),
    );
  }
  const findings = spoofFindings(packets);
  assert.ok(findings.length >= 1);
  assert.equal(findings.at(-1)!.key, EVIL_MAC);
  assert.ok(
    (findings.at(-1)!.evidence.reasons as string[]).includes("flip_flop"),
  );
});

Deno.test("ndp_spoof: what no receiver would take claims nothing", () => {
  const forged = (
    atUs: number,
    changes: Partial<Parameters<typeof neighborFrame>[0]>,
  ) =>
    nd(atUs, {
      srcMac: EVIL_MAC,
      src: GW,
      dst: VICTIM,
      type: 136,
      target: GW,
      flags: R | O,
      ...changes,
    });
  const variants: Partial<Parameters<typeof neighborFrame>[0]>[] = [
    // Routed from another link: receivers take only hop limit 255.
    { hopLimit: 64 },
    // Another code than 0.
    { code: 1 },
    // Without a target link-layer address: no cache takes a MAC from it.
    { linkMac: null },
    // Without the override flag, unasked: no cache entry changes.
    { flags: R },
    // Solicited flag on a multicast advertisement: invalid.
    { dst: ALL_NODES, flags: S | O },
  ];
  const attack = (changes: Partial<Parameters<typeof neighborFrame>[0]>) => {
    // Each forged message between two of the gateway's announcements: as
    // replies they are unsolicited, as announcements they flip-flop.
    const packets = [...normalTraffic(T0)];
    for (let i = 0; i < 8; i++) {
      const atUs = T0 + (i + 1) * SECOND_US;
      packets.push(
        forged(atUs, changes),
        advertisement(atUs + 500_000, GW_MAC, ALL_NODES, GW, R | O),
      );
    }
    return spoofFindings(packets);
  };
  // The same forgery, well-formed, is found.
  assert.ok(attack({}).length >= 1);
  assert.ok(attack({ dst: ALL_NODES, flags: O }).length >= 1);
  for (const changes of variants) {
    assert.deepEqual(attack(changes), [], JSON.stringify(changes));
  }
});

Deno.test("ndp_spoof: an advertisement without the override flag takes no address over, and fills an empty entry", () => {
  // The victim asks for the gateway; the gateway answers, and so does the
  // poisoner, without the override flag: the victim keeps the gateway's MAC.
  const packets = [...normalTraffic(T0)];
  for (let i = 0; i < 5; i++) {
    const atUs = T0 + (i + 1) * 10 * SECOND_US;
    packets.push(
      solicitation(atUs, VICTIM_MAC, VICTIM, GW),
      advertisement(atUs + 50, GW_MAC, VICTIM, GW, R | S | O),
      advertisement(atUs + 300, EVIL_MAC, VICTIM, GW, R | S),
    );
  }
  assert.deepEqual(spoofFindings(packets), []);
  // With the override flag, the same answers take the address over.
  const overriding = packets.map((packet) =>
    packet.srcMac === EVIL_MAC
      ? advertisement(packet.timestampUs, EVIL_MAC, VICTIM, GW, R | S | O)
      : packet
  );
  assert.ok(
    (spoofFindings(overriding).at(-1)?.evidence.reasons as string[])
      .includes("flip_flop"),
  );
  // Once the gateway's binding is stale, an answer without the flag fills
  // the victim's empty entry: a claim, of an address the poisoner asked
  // for itself.
  const detector = createNdpSpoofDetector({ bindingFreshUs: 5 * SECOND_US });
  const late = [
    ...normalTraffic(T0),
    solicitation(T0 + 30 * SECOND_US, EVIL_MAC, EVIL_LL, GW),
    solicitation(T0 + 31 * SECOND_US, VICTIM_MAC, VICTIM, GW),
    advertisement(T0 + 31 * SECOND_US + 50, EVIL_MAC, VICTIM, GW, R | S),
  ];
  const findings = findingsOf(detector, late);
  assert.deepEqual(findings.at(-1)?.evidence.reasons, ["claims_requested_ip"]);
});

Deno.test("ndp_spoof: a solicitation without a source link-layer address makes the answer solicited", () => {
  // Unicast reachability probes carry no option; the answers to them are
  // no unsolicited replies, however many.
  const packets = [...normalTraffic(T0)];
  for (let i = 0; i < 8; i++) {
    const atUs = T0 + (i + 1) * 30 * SECOND_US;
    packets.push(
      solicitation(atUs, VICTIM_MAC, VICTIM, GW, null),
      advertisement(atUs + 300, GW_MAC, VICTIM, GW, R | S | O),
    );
  }
  assert.deepEqual(spoofFindings(packets), []);
  // The same answers without the questions are unsolicited.
  const unasked = packets.filter((packet) => packet.icmpType === 136);
  assert.deepEqual(
    spoofFindings(unasked).at(-1)?.evidence.reasons,
    ["unsolicited_replies"],
  );
});

Deno.test("ndp_spoof: a poisoner that asks in its victim's name before each forged answer answers no one", () => {
  // Each forged answer follows a solicitation "from the victim" without a
  // link-layer address, from `askerMac`'s NIC; the answers come in frames
  // from `frameMac`, claiming `claimedMac`.
  const attack = (
    victim: string,
    askerMac: string,
    frameMac: string,
    claimedMac: string,
  ) => {
    const packets = [...normalTraffic(T0)];
    for (let i = 0; i < 6; i++) {
      const atUs = T0 + (i + 1) * 20 * SECOND_US;
      packets.push(
        nd(atUs, {
          srcMac: askerMac,
          src: victim,
          dst: solicitedNodeAddress(GW),
          type: 135,
          target: GW,
          linkMac: null,
        }),
        nd(atUs + 100, {
          srcMac: frameMac,
          src: GW,
          dst: victim,
          type: 136,
          target: GW,
          flags: R | S | O,
          linkMac: claimedMac,
        }),
      );
    }
    return spoofFindings(packets).at(-1)?.evidence;
  };
  // A victim the sensor has not seen: the question from the poisoner's
  // NIC, the answers from it, claiming its MAC.
  const UNSEEN = "2001:db8:1::99";
  assert.deepEqual(attack(UNSEEN, EVIL_MAC, EVIL_MAC, EVIL_MAC)?.reasons, [
    "unsolicited_replies",
  ]);
  // The answer's frame alone, or its claim alone, from the MAC that asked.
  const OTHER_MAC = "02:00:00:00:00:77";
  assert.equal(
    attack(UNSEEN, EVIL_MAC, OTHER_MAC, EVIL_MAC)?.unsolicitedReplies,
    6,
  );
  assert.equal(
    attack(UNSEEN, OTHER_MAC, OTHER_MAC, EVIL_MAC)?.unsolicitedReplies,
    6,
  );
  // A question from a third MAC, in the name of a victim bound to its own:
  // asked in another host's name, it makes no answer solicited.
  assert.deepEqual(attack(VICTIM, OTHER_MAC, EVIL_MAC, EVIL_MAC)?.reasons, [
    "unsolicited_replies",
  ]);
  // The victim's own question (from its MAC) makes the answers solicited.
  assert.equal(attack(VICTIM, VICTIM_MAC, EVIL_MAC, EVIL_MAC), undefined);
});

Deno.test("ndp_spoof: a VRRP or keepalived failover moves two addresses to one new MAC, and is no spoofing", () => {
  // A virtual router's link-local and global addresses, answered by the
  // old master, then announced by the new one (keepalived without a
  // virtual MAC), and announced again a minute later.
  const VIP_LL = "fe80::1";
  const OLD = "52:54:00:00:00:0a";
  const NEW = "52:54:00:00:00:0b";
  const packets = [
    ...normalTraffic(T0),
    solicitation(T0 + SECOND_US, VICTIM_MAC, VICTIM, VIP_LL),
    advertisement(T0 + SECOND_US + 300, OLD, VICTIM, VIP_LL, R | S | O),
    solicitation(T0 + 2 * SECOND_US, VICTIM_MAC, VICTIM, GW),
    advertisement(T0 + 2 * SECOND_US + 300, OLD, VICTIM, GW, R | S | O),
  ];
  for (let round = 0; round < 2; round++) {
    const atUs = T0 + (10 + round * 60) * SECOND_US;
    packets.push(
      advertisement(atUs, NEW, ALL_NODES, VIP_LL, R | O),
      advertisement(atUs + 1_000, NEW, ALL_NODES, GW, R | O),
    );
  }
  assert.deepEqual(spoofFindings(packets), []);
  // A poisoner taking the gateway's and the victim's addresses, from two
  // hosts, is in the middle.
  const mitm = [
    ...normalTraffic(T0),
    advertisement(T0 + 10 * SECOND_US, EVIL_MAC, VICTIM, GW, O),
    advertisement(T0 + 10 * SECOND_US + 100, EVIL_MAC, GW, VICTIM, O),
  ];
  assert.ok(
    (spoofFindings(mitm).at(-1)?.evidence.reasons as string[])
      .includes("multiple_ips"),
  );
});

Deno.test("ndp_spoof: each VLAN is its own link, where routers reuse fe80::1", () => {
  const ROUTER_LL = "fe80::1";
  const macOfVlan = (vlan: number) => `00:00:5e:00:02:${vlan.toString(16)}`;
  const traffic = (tagged: boolean) => {
    const packets: PacketRecord[] = [];
    for (let round = 0; round < 5; round++) {
      for (const vlan of [10, 20]) {
        const atUs = T0 + (round * 60 + vlan / 10) * SECOND_US;
        const ask = solicitation(atUs, VICTIM_MAC, VICTIM, ROUTER_LL);
        const answer = advertisement(
          atUs + 300,
          macOfVlan(vlan),
          VICTIM,
          ROUTER_LL,
          R | S | O,
        );
        for (const packet of [ask, answer]) {
          if (tagged) packet.vlanId = vlan;
          packets.push(packet);
        }
      }
    }
    return packets;
  };
  assert.deepEqual(spoofFindings(traffic(true)), []);
  // The same on one untagged link flips back and forth.
  assert.ok(spoofFindings(traffic(false)).length >= 1);
});

Deno.test("ndp_spoof: router advertisements claim the router's address; forged ones take it over", () => {
  const ROUTER_LL = "fe80::1";
  const ra = (atUs: number, ethSrc: string, linkMac = ethSrc) =>
    nd(atUs, {
      srcMac: ethSrc,
      src: ROUTER_LL,
      dst: ALL_NODES,
      type: 134,
      linkMac,
    });
  // The router's own, every 200 s, raise nothing.
  const own = [0, 200, 400, 600].map((s) => ra(T0 + s * SECOND_US, GW_MAC));
  assert.deepEqual(spoofFindings(own), []);
  // Forged ones in its name, between its own, flip the address.
  const forged = [...own];
  for (const s of [100, 300, 500]) {
    forged.push(ra(T0 + s * SECOND_US, EVIL_MAC));
  }
  const findings = spoofFindings(
    forged.sort((a, b) => a.timestampUs - b.timestampUs),
  );
  assert.equal(findings.at(-1)?.key, EVIL_MAC);
  assert.deepEqual(findings.at(-1)?.evidence.claimedIps, [ROUTER_LL]);
  // One that does not come from a link-local address is discarded: such
  // forged ones in the name of the gateway's global address, between the
  // gateway's own announcements of it, take nothing over.
  const global = [...normalTraffic(T0)];
  for (const s of [100, 300, 500]) {
    global.push(
      nd(T0 + s * SECOND_US, {
        srcMac: EVIL_MAC,
        src: GW,
        dst: ALL_NODES,
        type: 134,
      }),
      advertisement(T0 + (s + 100) * SECOND_US, GW_MAC, ALL_NODES, GW, R | O),
    );
  }
  assert.deepEqual(spoofFindings(global), []);
});

Deno.test("ndp_spoof: a redirect claims its target at its link-layer address, when hosts would take it", () => {
  // Redirects of the victim "to the gateway itself", at the poisoner's MAC,
  // twice around the gateway's own answers.
  const redirects = (
    changes: Partial<Parameters<typeof neighborFrame>[0]>,
  ) => {
    const packets = [...normalTraffic(T0)];
    for (let i = 0; i < 2; i++) {
      const atUs = T0 + (i + 1) * 30 * SECOND_US;
      packets.push(
        nd(atUs, {
          srcMac: "02:00:00:00:00:fe",
          src: "fe80::fe",
          dst: VICTIM,
          type: 137,
          target: GW,
          destination: GW,
          linkMac: EVIL_MAC,
          ...changes,
        }),
        solicitation(atUs + SECOND_US, VICTIM_MAC, VICTIM, GW),
        advertisement(atUs + SECOND_US + 300, GW_MAC, VICTIM, GW, R | S | O),
      );
    }
    return spoofFindings(packets);
  };
  const findings = redirects({});
  assert.equal(findings.at(-1)?.key, EVIL_MAC);
  assert.ok(
    (findings.at(-1)!.evidence.reasons as string[]).includes("flip_flop"),
  );
  // Not from a router's link-local address, or to a target that is neither
  // link-local nor the destination: hosts discard it.
  assert.deepEqual(redirects({ src: "2001:db8:1::fe" }), []);
  assert.deepEqual(redirects({ destination: "2001:db8:9::9" }), []);
});

Deno.test("ndp_spoof: router solicitations claim their source address", () => {
  // Router solicitations "from the victim" carrying the poisoner's MAC,
  // between the victim's own solicitations, flip the victim's address.
  const packets = [...normalTraffic(T0)];
  for (let i = 0; i < 2; i++) {
    const atUs = T0 + (i + 1) * 30 * SECOND_US;
    packets.push(
      nd(atUs, {
        srcMac: EVIL_MAC,
        src: VICTIM,
        dst: "ff02::2",
        type: 133,
      }),
      solicitation(atUs + SECOND_US, VICTIM_MAC, VICTIM, GW),
    );
  }
  const findings = spoofFindings(packets);
  assert.equal(findings.at(-1)?.key, EVIL_MAC);
  assert.deepEqual(findings.at(-1)?.evidence.claimedIps, [VICTIM]);
});

Deno.test("ndp_spoof: findings name tagged addresses without their VLAN, and a victim per VLAN", () => {
  // The same attack on VLANs 10 and 20, against one address on each.
  const tagged = (vlans: number[]) => {
    const packets: PacketRecord[] = [];
    for (const vlan of vlans) {
      // The poisoner speaks from its own address too, and asks for GW.
      const own = solicitation(T0 + SECOND_US + vlan, EVIL_MAC, EVIL_LL, GW);
      for (const packet of [...normalTraffic(T0 + vlan), own]) {
        packet.vlanId = vlan;
        packets.push(packet);
      }
      for (let i = 0; i < 5; i++) {
        const packet = advertisement(
          T0 + (i + 10) * SECOND_US + vlan,
          EVIL_MAC,
          VICTIM,
          GW,
          R | O,
        );
        packet.vlanId = vlan;
        packets.push(packet);
      }
    }
    return spoofFindings(packets.sort((a, b) => a.timestampUs - b.timestampUs))
      .at(-1)!;
  };
  const one = tagged([10]);
  assert.equal(one.victim, VICTIM);
  assert.equal(one.attacker, EVIL_LL);
  assert.deepEqual(one.evidence.claimedIps, [GW]);
  const two = tagged([10, 20]);
  // Two hosts with one address: no single victim.
  assert.equal(two.victim, "");
  assert.deepEqual(two.evidence.claimedIps, [GW]);
  assert.deepEqual(two.evidence.poisonedHosts, [VICTIM]);
  for (const finding of [one, two]) {
    assert.ok(!JSON.stringify(finding).includes("%"), finding.summary);
  }
  // A priority tag (VLAN 0) is the untagged link's: the gateway's own
  // announcements, priority-tagged, and the poisoner's, untagged, flip
  // one address.
  const mixed = normalTraffic(T0);
  for (let i = 0; i < 2; i++) {
    const atUs = T0 + (i + 1) * 30 * SECOND_US;
    const gateway = advertisement(atUs, GW_MAC, ALL_NODES, GW, R | O);
    gateway.vlanId = 0;
    mixed.push(
      gateway,
      advertisement(atUs + SECOND_US, EVIL_MAC, ALL_NODES, GW, O),
    );
  }
  assert.equal(spoofFindings(mixed).at(-1)?.key, EVIL_MAC);
});

Deno.test("ndp_spoof: a poisoner answering every solicitation, once without the Solicited flag (parasite6)", () => {
  // The victim asks for the gateway now and then; the gateway answers, and
  // so does the poisoner, three times as parasite6 does: solicited with
  // override, the same with the router flag, and router and override
  // without the Solicited flag, which no host sends to one host.
  const packets = [...normalTraffic(T0)];
  for (let i = 0; i < 5; i++) {
    const atUs = T0 + (i + 1) * 30 * SECOND_US;
    packets.push(
      solicitation(atUs, VICTIM_MAC, VICTIM, GW),
      advertisement(atUs + 40, GW_MAC, VICTIM, GW, R | S | O),
      advertisement(atUs + 200, EVIL_MAC, VICTIM, GW, S | O),
      advertisement(atUs + 230, EVIL_MAC, VICTIM, GW, R | S | O),
      advertisement(atUs + 260, EVIL_MAC, VICTIM, GW, R | O),
    );
  }
  const findings = spoofFindings(packets);
  assert.ok(findings.length >= 1);
  const last = findings.at(-1)!;
  assert.equal(last.key, EVIL_MAC);
  assert.equal(last.victim, VICTIM);
  assert.deepEqual(
    (last.evidence.reasons as string[]).sort(),
    ["flip_flop", "unsolicited_replies"],
  );
  assert.equal(last.evidence.unsolicitedReplies, 5);
  // The gateway, which answered each time, is never blamed.
  assert.ok(findings.every((finding) => finding.key === EVIL_MAC));
});

Deno.test("ndp_spoof: ARP frames and other ICMPv6 messages are not its business", () => {
  const detector = createNdpSpoofDetector();
  assert.equal(detector.name, "ndp_spoof");
  // An ARP poisoner (for arp_spoof), and ICMPv6 echo between the hosts.
  const packets: PacketRecord[] = [];
  for (let i = 0; i < 10; i++) {
    packets.push(
      arpPacket({
        atUs: T0 + i * SECOND_US,
        operation: 2,
        senderMac: EVIL_MAC,
        senderIp: "192.168.1.1",
        targetIp: "192.168.1.175",
        targetMac: VICTIM_MAC,
      }),
      decodeFrame(
        icmpFrame({
          srcMac: EVIL_MAC,
          dstMac: VICTIM_MAC,
          src: GW,
          dst: VICTIM,
        }, { type: 128, id: 1, seq: i }),
        { timestampUs: T0 + i * SECOND_US + 1 },
      ).packet,
    );
  }
  assert.deepEqual(findingsOf(detector, packets), []);
  assert.deepEqual(
    Object.values(detector.tables()).map((table) => table.size),
    [0, 0, 0],
  );
  assert.equal(NDP_SPOOF_DEFAULTS.minUnsolicitedReplies, 5);
  assert.ok(Object.isFrozen(NDP_SPOOF_DEFAULTS));
  assert.throws(
    () => createNdpSpoofDetector({ windowUs: 0 }),
    /NDP spoof detector/,
  );
});

Deno.test("ndp_spoof: one address taken from two owners in turn is no multiple_ips", () => {
  // The poisoner takes the gateway's address over, the gateway fails over
  // to a second router, and the poisoner takes it over again.
  const SECOND_GW_MAC = "50:a7:2b:73:a9:c7";
  const packets = [
    ...normalTraffic(T0),
    advertisement(T0 + 10 * SECOND_US, EVIL_MAC, ALL_NODES, GW, O),
    advertisement(T0 + 20 * SECOND_US, SECOND_GW_MAC, ALL_NODES, GW, R | O),
    advertisement(T0 + 30 * SECOND_US, EVIL_MAC, ALL_NODES, GW, O),
  ];
  const last = spoofFindings(packets).at(-1);
  assert.equal(last?.key, EVIL_MAC);
  assert.deepEqual(last?.evidence.realMacs, [GW_MAC, SECOND_GW_MAC]);
  assert.deepEqual(last?.evidence.reasons, ["flip_flop"]);
});
