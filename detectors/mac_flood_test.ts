import assert from "node:assert/strict";
import {
  ETHER_TYPE,
  ethernetFrame,
  ipv4Packet,
  tcpSegment,
} from "../capture/frame_builder.ts";
import type { PacketRecord } from "../capture/packet_record.ts";
import { decodeFrame } from "../capture/decode/test_helpers.ts";
import type { Finding } from "./alert.ts";
import {
  createMacFloodDetector,
  HIGH_NEW_MACS,
  MAC_FLOOD_DEFAULTS,
  type MacFloodOptions,
} from "./mac_flood.ts";
import { findingsOf, findingsThenIdle, SECOND_US, T0 } from "./test_packets.ts";

const MIN_NEW = MAC_FLOOD_DEFAULTS.minNewMacs;
const WINDOW_US = MAC_FLOOD_DEFAULTS.windowUs;
const ROUTER_MAC = "02:00:00:00:00:01";

/** A deterministic generator of 32-bit numbers (xorshift32). */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>>= 0;
  };
}

function hex(byte: number): string {
  return (byte & 0xff).toString(16).padStart(2, "0");
}

/** A MAC of six random bytes, group bit and all (macof's). */
function randomMac(next: () => number): string {
  const a = next();
  const b = next();
  return [a >>> 24, a >>> 16, a >>> 8, a, b >>> 8, b].map(hex).join(":");
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
  const bytes = ethernetFrame(
    {
      srcMac,
      dstMac: shape.dstMac ?? ROUTER_MAC,
      etherType: ETHER_TYPE.IPV4,
      vlanIds: shape.vlan === undefined ? [] : [shape.vlan],
    },
    ipv4Packet(
      { src, dst, protocol: 6 },
      tcpSegment({ src, dst, srcPort: 4321, dstPort: 80, flags: 2 }),
    ),
  );
  return decodeFrame(bytes, { timestampUs: atUs }).packet;
}

/** `count` frames `stepUs` apart, each from a new random MAC (macof). */
function* macof(
  count: number,
  stepUs: number,
  options: { startUs?: number; seed?: number } & FrameShape = {},
): Generator<PacketRecord> {
  const next = prng(options.seed ?? 7);
  const startUs = options.startUs ?? T0;
  for (let i = 0; i < count; i++) {
    const mac = randomMac(next);
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

Deno.test("mac flood: macof's frames, each from a new random MAC, are one flood of the link", () => {
  const packets = [...macof(MIN_NEW, 100)];
  const groupMacs =
    packets.filter((p) => (parseInt(p.srcMac.slice(0, 2), 16) & 1) === 1)
      .length;
  const findings = runToEnd(packets);
  assert.equal(findings.length, 1);
  const [finding] = findings;
  assert.equal(finding!.kind, "mac_flood");
  assert.equal(finding!.key, "untagged");
  assert.equal(finding!.attacker, "");
  assert.equal(finding!.victim, "");
  assert.equal(finding!.severity, "medium");
  assert.equal(finding!.evidence.newMacs, MIN_NEW);
  assert.equal(finding!.evidence.returnedMacs, 0);
  assert.equal(finding!.evidence.groupSourceMacs, groupMacs);
  assert.ok(groupMacs > MIN_NEW / 3 && groupMacs < (MIN_NEW * 2) / 3);
  assert.equal((finding!.evidence.macSamples as string[]).length, 8);
  assert.ok(finding!.startUs! <= T0);
  assert.match(finding!.summary, /2,?000 new source MACs on the untagged link/);
});

Deno.test("mac flood: one new MAC short of the threshold is no flood", () => {
  assert.deepEqual(runToEnd(macof(MIN_NEW - 1, 100)), []);
});

Deno.test("mac flood: found when its bin has passed, at the link's next new MAC or while it is quiet", () => {
  const flood = [...macof(MIN_NEW, 100)];
  // A later frame from one more new MAC, past the bin (a tenth of a window).
  const later = frame(T0 + WINDOW_US / 5, "02:99:00:00:00:01");
  const findings = findingsOf(createMacFloodDetector(), [...flood, later]);
  assert.equal(findings.length, 1);
  assert.equal(findings[0]!.timestampUs, T0 + WINDOW_US / 10);
  // A quiet live link: idle moves packet time on.
  const quiet = findingsThenIdle(createMacFloodDetector(), flood, SECOND_US);
  assert.equal(quiet.length, 1);
  assert.equal(quiet[0]!.evidence.newMacs, MIN_NEW);
});

Deno.test("mac flood: a sensor starting on a busy trunk sees thousands of new MACs, which send again", () => {
  // 5 000 hosts, each sending a frame every 400 ms for 3 s.
  const hosts = 5_000;
  const packets: PacketRecord[] = [];
  for (let round = 0; round < 8; round++) {
    for (let n = 0; n < hosts; n++) {
      packets.push(
        frame(T0 + round * 400_000 + n * 80, hostMac(n), {
          src: `10.${n >>> 8}.${n & 255}.9`,
        }),
      );
    }
  }
  assert.deepEqual(runToEnd(packets), []);
});

Deno.test("mac flood: a quarter of the new MACs sending again is no flood; fewer is", () => {
  function shape(returning: number): PacketRecord[] {
    const next = prng(11);
    const macs = Array.from({ length: MIN_NEW }, () => randomMac(next));
    const packets = macs.map((mac, i) => frame(T0 + i * 100, mac));
    for (let i = 0; i < returning; i++) {
      packets.push(frame(T0 + 300_000 + i * 100, macs[i]!));
    }
    return packets.sort((a, b) => a.timestampUs - b.timestampUs);
  }
  assert.deepEqual(runToEnd(shape(MIN_NEW / 4)), []);
  const findings = runToEnd(shape(MIN_NEW / 4 - 1));
  assert.equal(findings.length, 1);
  assert.equal(findings[0]!.evidence.returnedMacs, MIN_NEW / 4 - 1);
});

Deno.test("mac flood: high once a switch's table worth of MACs came; its findings grow with it", () => {
  const findings = runToEnd(macof(HIGH_NEW_MACS + 100, 200));
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
  const unspecified = runToEnd(macof(MIN_NEW * 2, 100, { src: "0.0.0.0" }));
  assert.equal(unspecified.at(-1)!.attacker, "");
  // Random sources: none.
  assert.equal(runToEnd(macof(MIN_NEW * 2, 100)).at(-1)!.attacker, "");
});

Deno.test("mac flood: counted per VLAN: two links' halves are no flood, one link's whole is that link's", () => {
  const half = Math.ceil(MIN_NEW * 0.6);
  assert.deepEqual(
    runToEnd(merged(
      macof(half, 100, { vlan: 10, seed: 1 }),
      macof(half, 100, { vlan: 20, seed: 2, startUs: T0 + 50 }),
    )),
    [],
  );
  const findings = runToEnd(merged(
    macof(MIN_NEW, 100, { vlan: 10, seed: 1 }),
    macof(half, 100, { vlan: 20, seed: 2, startUs: T0 + 50 }),
  ));
  assert.deepEqual(findings.map((f) => f.key), ["vlan 10"]);
  assert.equal(findings[0]!.evidence.link, "vlan 10");
});

Deno.test("mac flood: MACs seen within the memory are not new; a flood ends and a later one is a new incident", () => {
  const next = prng(5);
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
  // The first pass was one flood, found (whole) when the second pass's
  // first frame closed its bin, and ended then, its figures unchanged.
  assert.equal(findings.length, 1);
  assert.equal(findings[0]!.evidence.newMacs, MIN_NEW * 2);
  // Two floods a minute apart, of other MACs: two incidents.
  const two = runToEnd(merged(
    macof(MIN_NEW, 100, { seed: 21 }),
    macof(MIN_NEW, 100, { seed: 22, startUs: T0 + 60 * SECOND_US }),
  ));
  const starts = two.filter((f) => f.evidence.newMacs === MIN_NEW);
  assert.equal(starts.length, 2);
});

Deno.test("mac flood: a clock stepping back counts in the bin under way", () => {
  const packets = [...macof(MIN_NEW, 100)];
  // Every tenth frame a second early (a merged capture's stragglers).
  for (let i = 0; i < packets.length; i += 10) {
    const p = packets[i]!;
    packets[i] = frame(p.timestampUs - SECOND_US, p.srcMac);
  }
  const findings = runToEnd(packets);
  assert.equal(findings.length, 1);
  assert.equal(findings[0]!.evidence.newMacs, MIN_NEW);
});

Deno.test("mac flood: frames without a source MAC are not counted", () => {
  const detector = createMacFloodDetector({ minNewMacs: 10 });
  const findings: Finding[] = [];
  const next = prng(9);
  for (let i = 0; i < 100; i++) {
    const packet = frame(T0 + i * 100, randomMac(next));
    (packet as { srcMac: string }).srcMac = "";
    detector.observe(packet, (f) => findings.push(f));
  }
  detector.flush!(T0 + 100 * 100, (f) => findings.push(f));
  assert.deepEqual(findings, []);
});

Deno.test("mac flood: bounded under a flood of 300 000 MACs: one link, its new MACs at most undercounted", () => {
  const detector = createMacFloodDetector();
  const findings: Finding[] = [];
  let last = T0;
  for (const packet of macof(300_000, 5)) {
    detector.observe(packet, (f) => findings.push(f));
    last = packet.timestampUs;
  }
  detector.flush!(last, (f) => findings.push(f));
  assert.deepEqual(detector.tables().mac_flood_links?.size, 1);
  const total = findings.at(-1)!.evidence.newMacs as number;
  // A few taken for seen (two bits a MAC in 2^22: under 1 % here).
  assert.ok(total <= 300_000 && total >= 295_000, `${total}`);
  assert.ok(new Set(findings.map((f) => f.startUs)).size === 1);
});

Deno.test("mac flood: options are checked", () => {
  assert.throws(
    () => createMacFloodDetector({ maxReturnShare: 1.5 }),
    /maxReturnShare/,
  );
  assert.throws(() => createMacFloodDetector({ minNewMacs: 0 }), /minNewMacs/);
  assert.throws(() => createMacFloodDetector({ windowUs: -1 }), /windowUs/);
});
