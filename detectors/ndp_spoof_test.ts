import assert from "node:assert/strict";
import { neighborFrame } from "../capture/frame_builder.ts";
import type { PacketRecord } from "../capture/packet_record.ts";
import { decodeFrame } from "../capture/decode/test_helpers.ts";
import type { Finding } from "./alert.ts";
import { createNdpSpoofDetector, NDP_SPOOF_DEFAULTS } from "./ndp_spoof.ts";
import { findingsOf, SECOND_US, T0 } from "./test_packets.ts";

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
    dst: `ff02::1:ff00:${target.split(":").at(-1)}`,
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
    // Without a target link-layer address: no cache takes a MAC from it.
    { linkMac: null },
    // Without the override flag, unasked: no cache entry changes.
    { flags: R },
    // Solicited flag on a multicast advertisement: invalid.
    { dst: ALL_NODES, flags: S | O },
  ];
  for (const changes of variants) {
    const packets = [...normalTraffic(T0)];
    for (let i = 0; i < 8; i++) {
      packets.push(forged(T0 + (i + 1) * SECOND_US, changes));
    }
    assert.deepEqual(spoofFindings(packets), [], JSON.stringify(changes));
  }
});

Deno.test("ndp_spoof: an advertisement without the override flag that answers a question is a claim", () => {
  // The victim asks for the gateway; the poisoner answers first, without
  // the override flag (it fills the victim's incomplete entry), five times.
  const packets = [...normalTraffic(T0)];
  for (let i = 0; i < 5; i++) {
    const atUs = T0 + (i + 1) * 10 * SECOND_US;
    packets.push(
      solicitation(atUs, VICTIM_MAC, VICTIM, GW),
      advertisement(atUs + 50, EVIL_MAC, VICTIM, GW, S),
      advertisement(atUs + 300, GW_MAC, VICTIM, GW, R | S | O),
    );
  }
  const findings = spoofFindings(packets);
  assert.ok(findings.length >= 1);
  assert.equal(findings.at(-1)!.key, EVIL_MAC);
  assert.ok(
    (findings.at(-1)!.evidence.reasons as string[]).includes("flip_flop"),
  );
});

Deno.test("ndp_spoof: a solicitation without a source link-layer address makes the answer solicited", () => {
  // Unicast reachability probes carry no option; the answers to them are
  // no unsolicited replies, however many.
  const packets = [...normalTraffic(T0)];
  for (let i = 0; i < 8; i++) {
    const atUs = T0 + (i + 1) * 30 * SECOND_US;
    packets.push(
      solicitation(atUs, VICTIM_MAC, VICTIM, GW, null),
      advertisement(atUs + 300, GW_MAC, VICTIM, GW, R | S),
    );
  }
  assert.deepEqual(spoofFindings(packets), []);
  // The same answers without the questions are unsolicited.
  const unasked = [...normalTraffic(T0)];
  for (let i = 0; i < 8; i++) {
    const atUs = T0 + (i + 1) * 30 * SECOND_US;
    unasked.push(advertisement(atUs + 300, GW_MAC, VICTIM, GW, R | S | O));
  }
  assert.deepEqual(
    spoofFindings(unasked).at(-1)?.evidence.reasons,
    ["unsolicited_replies"],
  );
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
  assert.deepEqual(Object.keys(detector.tables()), [
    "bindings",
    "macs",
    "pending_requests",
  ]);
  assert.deepEqual(NDP_SPOOF_DEFAULTS.minUnsolicitedReplies, 5);
  assert.throws(
    () => createNdpSpoofDetector({ windowUs: 0 }),
    /NDP spoof detector/,
  );
});
