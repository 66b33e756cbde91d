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
import { arpPacket, findingsOf, SECOND_US, T0 } from "./test_packets.ts";

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
  return findingsOf(createNdpScanDetector(), packets);
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
    /asked for 50 distinct addresses in fd00::\/64 .* neighbor solicitations\): NDP scan$/,
  );
  // One target fewer: nothing, even with the scanner's own address asked.
  assert.deepEqual(
    scans([...sweep(threshold - 1, 8_000), ask(T0 + SECOND_US, SCANNER)]),
    [],
  );
});

Deno.test("ndp_scan: what is no probe raises nothing", () => {
  const many = 200;
  const variants: Partial<Parameters<typeof neighborFrame>[0]>[] = [
    // Reachability checks of known neighbours: unicast solicitations.
    { dst: "fd00::ffff" },
    // Routed from another link, or another code.
    { hopLimit: 64 },
    { code: 1 },
  ];
  for (const changes of variants) {
    const packets = sweep(many, 5_000, changes).map((packet, i) =>
      "dst" in changes
        ? ask(packet.timestampUs, `fd00::${(i + 1).toString(16)}`, {
          ...changes,
          dst: `fd00::${(i + 1).toString(16)}`,
        })
        : packet
    );
    assert.deepEqual(scans(packets), [], JSON.stringify(changes));
  }
  // Advertisements, solicitations of one's own address, echo requests, ARP.
  const others: PacketRecord[] = [];
  for (let i = 0; i < many; i++) {
    const atUs = T0 + i * 5_000;
    const target = `fd00::${(i + 1).toString(16)}`;
    others.push(
      // A proxy announcing many addresses from one.
      nd(atUs, {
        srcMac: SCANNER_MAC,
        src: SCANNER,
        dst: "ff02::1",
        type: 136,
        target,
        flags: 0x20,
      }),
      ask(atUs + 1, SCANNER),
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

Deno.test("ndp_scan: a scan from :: (duplicate address detection's source) is keyed by the Ethernet source", () => {
  const findings = scans(sweep(60, 5_000, { src: "::", linkMac: null }));
  assert.equal(findings.length, 1);
  assert.equal(findings[0]!.attacker, SCANNER_MAC);
  // A host checking its own few addresses stays far below.
  assert.deepEqual(scans(sweep(4, 5_000, { src: "::", linkMac: null })), []);
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
