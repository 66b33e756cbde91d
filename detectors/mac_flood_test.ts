import assert from "node:assert/strict";
import {
  ETHER_TYPE,
  ethernetFrame,
  ipv4Packet,
  ipv6Packet,
  tcpSegment,
} from "../capture/frame_builder.ts";
import type { PacketRecord } from "../capture/packet_record.ts";
import { decodeFrame, xorshift32 } from "../capture/decode/test_helpers.ts";
import type { Finding } from "./alert.ts";
import {
  createMacFloodDetector,
  HIGH_NEW_MACS,
  MAC_FLOOD_DEFAULTS,
  type MacFloodOptions,
  STEP_BACK_FRAMES,
} from "./mac_flood.ts";
import { findingsOf, findingsThenIdle, SECOND_US, T0 } from "./test_packets.ts";

const MIN_NEW = MAC_FLOOD_DEFAULTS.minNewMacs;
const WINDOW_US = MAC_FLOOD_DEFAULTS.windowUs;
const BIN_US = WINDOW_US / 10;
/** Past the learning time, after a baseline of a few hosts from T0. */
const LEARNED = T0 + MAC_FLOOD_DEFAULTS.learningUs + 10 * SECOND_US;
const ROUTER_MAC = "02:00:00:00:00:01";

function hex(byte: number): string {
  return (byte & 0xff).toString(16).padStart(2, "0");
}

/** A MAC of six random bytes, group bit and all (macof's). */
function randomMac(next: () => number): string {
  const a = next();
  const b = next();
  return [a >>> 24, a >>> 16, a >>> 8, a, b >>> 8, b].map(hex).join(":");
}

/** A random unicast MAC (a smarter flood's: no group bit). */
function unicastMac(next: () => number): string {
  const mac = randomMac(next);
  return hex(parseInt(mac.slice(0, 2), 16) & 0xfe) + mac.slice(2);
}

/** The MAC of host `n`, a unicast, locally administered one. */
function hostMac(n: number): string {
  return ["02", "10", hex(n >>> 16), hex(n >>> 8), hex(n), "01"].join(":");
}

interface FrameShape {
  src?: string;
  dst?: string;
  dstMac?: string;
  vlan?: number;
}

/** A TCP SYN frame from `srcMac`, built and decoded (the path a capture takes). */
function frame(
  atUs: number,
  srcMac: string,
  shape: FrameShape = {},
): PacketRecord {
  const src = shape.src ?? "10.9.8.7";
  const dst = shape.dst ?? "10.1.2.3";
  const v6 = src.includes(":");
  const segment = tcpSegment({
    src,
    dst,
    srcPort: 4321,
    dstPort: 80,
    flags: 2,
  });
  const bytes = ethernetFrame(
    {
      srcMac,
      dstMac: shape.dstMac ?? ROUTER_MAC,
      etherType: v6 ? ETHER_TYPE.IPV6 : ETHER_TYPE.IPV4,
      vlanIds: shape.vlan === undefined ? [] : [shape.vlan],
    },
    v6 ? ipv6Packet({ src, dst, nextHeader: 6 }, segment) : ipv4Packet(
      { src, dst, protocol: 6 },
      segment,
    ),
  );
  return decodeFrame(bytes, { timestampUs: atUs }).packet;
}

/** `count` frames `stepUs` apart, each from a new random MAC (macof; `unicast`: no group MACs). */
function* macof(
  count: number,
  stepUs: number,
  options: { startUs?: number; seed?: number; unicast?: boolean } & FrameShape =
    {},
): Generator<PacketRecord> {
  const next = xorshift32(options.seed ?? 7);
  const startUs = options.startUs ?? T0;
  for (let i = 0; i < count; i++) {
    const mac = options.unicast ? unicastMac(next) : randomMac(next);
    // macof's random addresses, unless given (-s).
    const src = options.src ??
      `${1 + (next() % 223)}.${next() & 255}.${next() & 255}.${next() & 255}`;
    yield frame(startUs + i * stepUs, mac, { ...options, src });
  }
}

/** The findings of `packets`, then those the input's end makes (flush). */
function runToEnd(
  packets: Iterable<PacketRecord>,
  options: MacFloodOptions = {},
): Finding[] {
  const detector = createMacFloodDetector(options);
  const list = [...packets];
  const findings = findingsOf(detector, list);
  detector.flush!(list.at(-1)!.timestampUs, (f) => findings.push(f));
  return findings;
}

/** Packets of several streams, in time order. */
function merged(...streams: Iterable<PacketRecord>[]): PacketRecord[] {
  return streams.flatMap((stream) => [...stream]).sort((a, b) =>
    a.timestampUs - b.timestampUs
  );
}

/** A few hosts talking from T0 until `untilUs`: what the sensor learns the link by. */
function* baseline(untilUs: number): Generator<PacketRecord> {
  for (let t = T0; t < untilUs; t += 100_000) {
    yield frame(t, hostMac((t / 100_000) % 20));
  }
}

Deno.test("mac flood: macof's frames, each from a new random MAC, are a flood at once (half their MACs multicast)", () => {
  const packets = [...macof(MIN_NEW, 100)];
  const groupMacs =
    packets.filter((p) => (parseInt(p.srcMac.slice(0, 2), 16) & 1) === 1)
      .length;
  const findings = runToEnd(packets);
  assert.equal(findings.length, 1);
  const [finding] = findings;
  assert.equal(finding!.kind, "mac_flood");
  assert.equal(finding!.key, "link");
  assert.equal(finding!.attacker, "");
  assert.equal(finding!.victim, "");
  assert.equal(finding!.severity, "medium");
  assert.equal(finding!.evidence.newMacs, MIN_NEW);
  assert.equal(finding!.evidence.returnedMacs, 0);
  assert.equal(finding!.evidence.groupSourceMacs, groupMacs);
  assert.deepEqual(finding!.evidence.vlans, ["untagged"]);
  assert.ok(groupMacs > MIN_NEW / 3 && groupMacs < (MIN_NEW * 2) / 3);
  assert.equal((finding!.evidence.macSamples as string[]).length, 8);
  assert.equal(finding!.startUs, T0);
  assert.match(finding!.summary, /2,?000 new source MACs within 1 s/);
});

Deno.test("mac flood: one new MAC short of the threshold is no flood", () => {
  assert.deepEqual(runToEnd(macof(MIN_NEW - 1, 100)), []);
});

Deno.test("mac flood: a bin's MACs are judged at the next bin's end (they had a bin to send again), at a new MAC or while the link is quiet", () => {
  const flood = [...macof(MIN_NEW, 100)];
  // One more new MAC two bins on: it ends the flood's bin and the next.
  const later = frame(T0 + 2 * BIN_US, "02:99:00:00:00:01");
  const findings = findingsOf(createMacFloodDetector(), [...flood, later]);
  assert.equal(findings.length, 1);
  assert.equal(findings[0]!.timestampUs, T0 + 2 * BIN_US);
  // One bin on only: not judged yet.
  const early = frame(T0 + BIN_US + 1, "02:99:00:00:00:01");
  assert.deepEqual(findingsOf(createMacFloodDetector(), [...flood, early]), []);
  // A quiet live link: idle moves packet time on.
  const quiet = findingsThenIdle(
    createMacFloodDetector(),
    flood,
    2 * BIN_US,
  );
  assert.equal(quiet.length, 1);
  assert.equal(quiet[0]!.evidence.newMacs, MIN_NEW);
});

Deno.test("mac flood: unicast MACs sending once are a flood only once the sensor has learned the link", () => {
  // In the first minute every host is new: a sensor starting on a trunk.
  assert.deepEqual(runToEnd(macof(MIN_NEW * 2, 100, { unicast: true })), []);
  // After it, the same flood is one.
  const findings = runToEnd(merged(
    baseline(LEARNED),
    macof(MIN_NEW * 2, 100, { unicast: true, startUs: LEARNED }),
  ));
  assert.equal(findings.length, 1);
  assert.equal(findings[0]!.evidence.groupSourceMacs, 0);
  assert.equal(findings[0]!.startUs, LEARNED);
});

Deno.test("mac flood: a sensor meeting many quiet hosts for minutes learns them first; a unicast flood after that is one", () => {
  // 40 000 hosts, each sending one frame every 150 s: 2 667 new a window
  // for the first 150 s, past the minute of learning.
  const hosts = 40_000;
  const packets: PacketRecord[] = [];
  for (let pass = 0; pass < 2; pass++) {
    for (let n = 0; n < hosts; n++) {
      packets.push(
        frame(T0 + pass * 150 * SECOND_US + n * 3_750, hostMac(n), {
          src: `10.${n >>> 8}.${n & 255}.9`,
        }),
      );
    }
  }
  assert.deepEqual(runToEnd(packets), []);
  // Then, once a window has passed with few new MACs, a flood.
  const floodUs = T0 + 310 * SECOND_US;
  const findings = runToEnd(
    merged(
      packets,
      macof(MIN_NEW * 2, 100, { unicast: true, startUs: floodUs }),
    ),
  );
  assert.equal(findings.length, 1);
  assert.equal(findings[0]!.startUs, floodUs);
});

Deno.test("mac flood: a sensor starting on a busy trunk, and hosts joining at once later, send again: no flood", () => {
  // 5 000 hosts, each sending a frame every 400 ms for 3 s: at the start,
  // and again (3 000 others) after the learning time.
  function hosts(count: number, first: number, startUs: number) {
    const packets: PacketRecord[] = [];
    for (let round = 0; round < 8; round++) {
      for (let n = first; n < first + count; n++) {
        packets.push(
          frame(startUs + round * 400_000 + (n - first) * 80, hostMac(n), {
            src: `10.${n >>> 8}.${n & 255}.9`,
          }),
        );
      }
    }
    return packets;
  }
  assert.deepEqual(runToEnd(hosts(5_000, 0, T0)), []);
  assert.deepEqual(
    runToEnd(merged(baseline(LEARNED), hosts(3_000, 100, LEARNED))),
    [],
  );
});

Deno.test("mac flood: past the learning time, half the new MACs sending again is no flood; fewer is (every fourth sent twice too)", () => {
  function shape(returning: number): PacketRecord[] {
    const next = xorshift32(11);
    const macs = Array.from({ length: MIN_NEW }, () => unicastMac(next));
    const packets = macs.map((mac, i) => frame(LEARNED + i * 100, mac));
    for (let i = 0; i < returning; i++) {
      packets.push(frame(LEARNED + 300_000 + i * 100, macs[i]!));
    }
    return merged(baseline(LEARNED), packets);
  }
  assert.deepEqual(runToEnd(shape(MIN_NEW / 2)), []);
  const findings = runToEnd(shape(MIN_NEW / 2 - 1));
  assert.equal(findings.length, 1);
  assert.equal(findings[0]!.evidence.returnedMacs, MIN_NEW / 2 - 1);
  assert.equal(runToEnd(shape(MIN_NEW / 4)).length, 1);
});

Deno.test("mac flood: four times the threshold is a flood whatever its MACs send", () => {
  const next = xorshift32(13);
  const macs = Array.from({ length: 4 * MIN_NEW }, () => unicastMac(next));
  const packets = macs.flatMap((mac, i) => [
    frame(LEARNED + i * 500, mac),
    frame(LEARNED + i * 500 + 200, mac),
  ]);
  const findings = runToEnd(merged(baseline(LEARNED), packets));
  assert.equal(findings.length >= 1, true);
  assert.equal(findings.at(-1)!.evidence.newMacs, 4 * MIN_NEW);
});

Deno.test("mac flood: high once a switch's table worth of MACs came; its findings grow with it", () => {
  const findings = runToEnd(macof(HIGH_NEW_MACS + 100, 500));
  assert.equal(findings[0]!.severity, "medium");
  const last = findings.at(-1)!;
  assert.equal(last.severity, "high");
  // The memory's bits may take a few new MACs for seen.
  const total = last.evidence.newMacs as number;
  assert.ok(total <= HIGH_NEW_MACS + 100 && total >= HIGH_NEW_MACS, `${total}`);
  assert.ok(findings.length >= 2 && findings.length <= 4, `${findings.length}`);
  // Each finding's count is larger than the last's.
  for (let i = 1; i < findings.length; i++) {
    assert.ok(
      (findings[i]!.evidence.newMacs as number) >
        (findings[i - 1]!.evidence.newMacs as number),
    );
  }
});

Deno.test("mac flood: the frames' one IP source is named (macof -s), an unspecified one not (a DHCP flood's)", () => {
  const named = runToEnd(macof(MIN_NEW * 2, 100, { src: "10.0.0.66" }));
  assert.equal(named.at(-1)!.attacker, "10.0.0.66");
  assert.equal(named.at(-1)!.evidence.topSource, "10.0.0.66");
  const named6 = runToEnd(
    macof(MIN_NEW * 2, 100, { src: "fd00::66", dst: "fd00::1" }),
  );
  assert.equal(named6.at(-1)!.attacker, "fd00::66");
  const unspecified = runToEnd(macof(MIN_NEW * 2, 100, { src: "0.0.0.0" }));
  assert.equal(unspecified.at(-1)!.attacker, "");
  // Random sources: none.
  assert.equal(runToEnd(macof(MIN_NEW * 2, 100)).at(-1)!.attacker, "");
});

Deno.test("mac flood: counted over every VLAN: a flood spread over two, or over random inner tags, is one, its VLANs listed", () => {
  const half = Math.ceil(MIN_NEW * 0.6);
  const findings = runToEnd(merged(
    macof(half, 100, { vlan: 10, seed: 1 }),
    macof(half, 100, { vlan: 20, seed: 2, startUs: T0 + 50 }),
  ));
  assert.equal(findings.length, 1);
  assert.deepEqual(
    [...(findings[0]!.evidence.vlans as string[])].sort(),
    ["vlan 10", "vlan 20"],
  );
  // Each frame on a random VLAN (double tags: the inner one random).
  const next = xorshift32(17);
  const spread = [...macof(MIN_NEW, 100)].map((p) =>
    frame(p.timestampUs, p.srcMac, { vlan: 1 + (next() % 4000) })
  );
  assert.equal(runToEnd(spread).length, 1);
});

Deno.test("mac flood: MACs seen within the memory are not new; a flood ends and a later one is a new incident", () => {
  const next = xorshift32(5);
  const macs = Array.from({ length: MIN_NEW * 2 }, () => randomMac(next));
  const packets: PacketRecord[] = [];
  // Seen once, 30 s later once more (within the memory): the second pass
  // is no flood.
  macs.forEach((mac, i) => packets.push(frame(T0 + i * 200, mac)));
  macs.forEach((mac, i) =>
    packets.push(frame(T0 + 30 * SECOND_US + i * 200, mac))
  );
  const findings = runToEnd(packets);
  assert.ok(findings.every((f) => f.startUs! < T0 + SECOND_US));
  assert.equal(findings.at(-1)!.evidence.newMacs, MIN_NEW * 2);
  // Two floods a minute apart, of other MACs: two incidents.
  const two = runToEnd(merged(
    macof(MIN_NEW, 100, { seed: 21 }),
    macof(MIN_NEW, 100, { seed: 22, startUs: T0 + 60 * SECOND_US }),
  ));
  const starts = new Set(two.map((f) => f.startUs));
  assert.equal(starts.size, 2);
});

Deno.test("mac flood: a clock stepping back a little counts in the bin under way; one frame from the future does not blind it", () => {
  const packets = [...macof(MIN_NEW, 100)];
  // Every tenth frame a second early (a merged capture's stragglers).
  for (let i = 0; i < packets.length; i += 10) {
    const p = packets[i]!;
    packets[i] = frame(p.timestampUs - SECOND_US, p.srcMac);
  }
  const findings = runToEnd(packets);
  assert.equal(findings.length, 1);
  assert.equal(findings[0]!.evidence.newMacs, MIN_NEW);
  // A frame an hour ahead, then the flood at the real time: the bins start
  // afresh after STEP_BACK_FRAMES new MACs.
  const future = frame(T0 + 3_600 * SECOND_US, "02:77:00:00:00:01");
  const flood = [
    ...macof(MIN_NEW + STEP_BACK_FRAMES, 100, { startUs: T0 + 1 }),
  ];
  const detector = createMacFloodDetector();
  const seen = findingsOf(detector, [future, ...flood]);
  detector.idle!(flood.at(-1)!.timestampUs + 2 * BIN_US, (f) => seen.push(f));
  assert.equal(seen.length, 1);
  assert.ok(seen[0]!.startUs! < T0 + SECOND_US);
});

Deno.test("mac flood: frames without a source MAC are not counted", () => {
  const detector = createMacFloodDetector({ minNewMacs: 10 });
  const findings: Finding[] = [];
  const next = xorshift32(9);
  for (let i = 0; i < 100; i++) {
    const packet = frame(T0 + i * 100, randomMac(next));
    (packet as { srcMac: string }).srcMac = "";
    detector.observe(packet, (f) => findings.push(f));
  }
  detector.flush!(T0 + 100 * 100, (f) => findings.push(f));
  assert.deepEqual(findings, []);
});

Deno.test("mac flood: bounded under a flood of 300 000 MACs, its new MACs at most undercounted, one incident", () => {
  const detector = createMacFloodDetector();
  const findings: Finding[] = [];
  let last = T0;
  for (const packet of macof(300_000, 5)) {
    detector.observe(packet, (f) => findings.push(f));
    last = packet.timestampUs;
  }
  detector.flush!(last, (f) => findings.push(f));
  // Sampled from the first bin's end on (one MAC in eight, counted for
  // eight): an estimate, within a few percent.
  const final = findings.at(-1)!;
  assert.equal(final.evidence.sampled, true);
  assert.match(final.summary, /^about /);
  const total = final.evidence.newMacs as number;
  assert.ok(Math.abs(total - 300_000) <= 9_000, `${total}`);
  assert.ok(new Set(findings.map((f) => f.startUs)).size === 1);
});

Deno.test("mac flood: options are checked", () => {
  assert.throws(
    () => createMacFloodDetector({ maxReturnShare: 1.5 }),
    /maxReturnShare/,
  );
  assert.throws(() => createMacFloodDetector({ minNewMacs: 0 }), /minNewMacs/);
  assert.throws(() => createMacFloodDetector({ windowUs: -1 }), /windowUs/);
  assert.throws(() => createMacFloodDetector({ learningUs: -1 }), /learningUs/);
});

Deno.test("mac flood: sampling a heavy flood stops with it; a later flood is counted MAC by MAC", () => {
  const findings = runToEnd(merged(
    macof(200_000, 10, { seed: 31 }),
    macof(2 * MIN_NEW, 100, { seed: 32, startUs: T0 + 60 * SECOND_US }),
  ));
  const heavy = findings.filter((f) => f.startUs! < T0 + SECOND_US);
  assert.equal(heavy.at(-1)!.evidence.sampled, true);
  const later = findings.filter((f) => f.startUs! >= T0 + 60 * SECOND_US);
  assert.equal(later.length, 1);
  assert.equal(later[0]!.evidence.sampled, false);
  // Counted one by one; the heavy flood's 200 000 MACs in the memory take
  // about 1 % of these for seen.
  const counted = later[0]!.evidence.newMacs as number;
  assert.ok(
    counted <= 2 * MIN_NEW && counted >= 0.97 * 2 * MIN_NEW,
    `${counted}`,
  );
});
