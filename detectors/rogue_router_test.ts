import assert from "node:assert/strict";
import { neighborFrame, type PrefixOption } from "../capture/frame_builder.ts";
import type { PacketRecord } from "../capture/packet_record.ts";
import { decodeFrame } from "../capture/decode/test_helpers.ts";
import type { Finding } from "./alert.ts";
import {
  createRogueRouterDetector,
  ROGUE_ROUTER_DEFAULTS,
  type RogueRouterOptions,
} from "./rogue_router.ts";
import { findingsOf, SECOND_US, T0 } from "./test_packets.ts";

const GATEWAY = "fe80::1";
const GATEWAY_MAC = "00:0c:29:00:00:01";
const ROGUE = "fe80::a00:27ff:fec3:5a42";
const ROGUE_MAC = "08:00:27:c3:5a:42";
const LAN = { prefix: "2001:db8:1::", length: 64 };
const BAD = { prefix: "2001:db8:bad::", length: 64 };

/** Router advertisement fields, beyond who sends it. */
interface Advert {
  prefixes?: PrefixOption[];
  /** Preference bits: 0x08 high, 0x00 medium, 0x18 low. */
  flags?: number;
  routerLifetimeS?: number;
  hopLimit?: number;
  code?: number;
  vlanIds?: number[];
  dst?: string;
  /** The source link-layer address option's MAC, when not the frame's. */
  linkMac?: string;
}

/** Decoded from a real frame: a router advertisement from `src` at `mac`. */
function ra(
  atUs: number,
  src: string,
  mac: string,
  advert: Advert = {},
): PacketRecord {
  return decodeFrame(
    neighborFrame({
      srcMac: mac,
      src,
      dst: advert.dst ?? "ff02::1",
      type: 134,
      flags: advert.flags ?? 0,
      routerLifetimeS: advert.routerLifetimeS ?? 1800,
      prefixes: advert.prefixes ?? [LAN],
      hopLimit: advert.hopLimit ?? 255,
      code: advert.code ?? 0,
      vlanIds: advert.vlanIds ?? [],
      linkMac: advert.linkMac ?? mac,
    }),
    { timestampUs: atUs },
  ).packet;
}

/** The gateway's own advertisement at `atUs`. */
function gateway(atUs: number, advert: Advert = {}): PacketRecord {
  return ra(atUs, GATEWAY, GATEWAY_MAC, advert);
}

/** atk6-fake_router6 <iface> 2001:db8:bad::/64: high preference, every 5 s from `fromUs`. */
function fakeRouter6(
  fromUs: number,
  count: number,
  advert: Advert = {},
): PacketRecord[] {
  return Array.from(
    { length: count },
    (_, i) =>
      ra(fromUs + i * 5 * SECOND_US, ROGUE, ROGUE_MAC, {
        flags: 0x08,
        prefixes: [BAD],
        ...advert,
      }),
  );
}

function run(
  packets: PacketRecord[],
  options: RogueRouterOptions = {},
): Finding[] {
  return findingsOf(createRogueRouterDetector(options), packets);
}

Deno.test("rogue_router: fake_router6 beside the gateway is found at its first advertisement, with both routers named", () => {
  const packets = [gateway(T0), ...fakeRouter6(T0 + 30 * SECOND_US, 5)];
  const findings = run(packets);
  assert.ok(findings.length >= 1);
  const first = findings[0]!;
  assert.equal(first.timestampUs, T0 + 30 * SECOND_US);
  assert.deepEqual(
    [first.kind, first.key, first.attacker, first.victim, first.severity],
    ["rogue_router", "untagged", ROGUE, "ff02::1", "high"],
  );
  assert.deepEqual(first.evidence.reasons, [
    "new_prefix",
    "preferred_default_router",
  ]);
  assert.deepEqual(first.evidence.newPrefixes, ["2001:db8:bad::/64"]);
  assert.equal(first.evidence.establishedRouter, GATEWAY);
  assert.equal(first.evidence.establishedRouterMac, GATEWAY_MAC);
  assert.deepEqual(first.evidence.establishedPrefixes, ["2001:db8:1::/64"]);
  assert.equal(first.evidence.firstRogueMac, ROGUE_MAC);
  assert.equal(first.evidence.firstRoguePreference, "high");
  assert.equal(first.mitre, undefined);
  assert.match(first.summary, /2001:db8:bad::\/64/);
  // Its repeats grow the one incident, reported as they double.
  assert.ok(findings.every((f) => f.key === "untagged"));
  assert.deepEqual(
    findings.map((f) => f.evidence.rogueAdvertisements),
    [1, 2, 4],
  );
  // The final figures at the input's end.
  const detector = createRogueRouterDetector();
  const flushed: Finding[] = [];
  findingsOf(detector, packets);
  detector.flush!(T0 + 60 * SECOND_US, (f) => flushed.push(f));
  assert.equal(flushed.length, 1);
  assert.equal(flushed[0]!.evidence.rogueAdvertisements, 5);
  assert.equal(flushed[0]!.timestampUs, packets.at(-1)!.timestampUs);
});

Deno.test("rogue_router: each reason alone: another prefix at the same preference, or the gateway's prefix at a higher one", () => {
  const prefixOnly = run([
    gateway(T0),
    ...fakeRouter6(T0 + SECOND_US, 1, { flags: 0 }),
  ]);
  assert.deepEqual(prefixOnly.map((f) => f.evidence.reasons), [[
    "new_prefix",
  ]]);
  // The LAN's own prefix, at high preference: it takes the default route.
  const takeover = run([
    gateway(T0),
    ...fakeRouter6(T0 + SECOND_US, 1, { prefixes: [LAN] }),
  ]);
  assert.deepEqual(takeover.map((f) => f.evidence.reasons), [[
    "preferred_default_router",
  ]]);
  assert.deepEqual(takeover[0]!.evidence.newPrefixes, []);
  // A default router where the link's router is none (lifetime 0).
  const onlyDefault = run([
    gateway(T0, { routerLifetimeS: 0 }),
    ...fakeRouter6(T0 + SECOND_US, 1, { prefixes: [LAN], flags: 0x18 }),
  ]);
  assert.deepEqual(onlyDefault.map((f) => f.evidence.reasons), [[
    "preferred_default_router",
  ]]);
  // The same prefix, preference and lifetime: none (flags 0x10, reserved,
  // counts as medium).
  for (const flags of [0x00, 0x10, 0x18]) {
    assert.deepEqual(
      run([
        gateway(T0),
        ...fakeRouter6(T0 + SECOND_US, 3, { prefixes: [LAN], flags }),
      ]),
      [],
      `flags ${flags}`,
    );
  }
});

Deno.test("rogue_router: a redundant pair, a renumbering router, a non-default router and the link's first router raise nothing", () => {
  const second = "fe80::2";
  const secondMac = "00:0c:29:00:00:02";
  const packets = [
    gateway(T0),
    // A second router for the same prefix, lower preference (a backup).
    ra(T0 + 10 * SECOND_US, second, secondMac, { flags: 0x18 }),
    // The gateway renumbers: a second prefix of its own.
    gateway(T0 + 200 * SECOND_US, {
      prefixes: [LAN, { prefix: "2001:db8:2::", length: 64 }],
    }),
    // The backup follows, with the new prefix too.
    ra(T0 + 300 * SECOND_US, second, secondMac, {
      flags: 0x18,
      prefixes: [LAN, { prefix: "2001:db8:2::", length: 64 }],
    }),
    // A router that gives a prefix it has, but is no default router.
    ra(T0 + 400 * SECOND_US, "fe80::3", "00:0c:29:00:00:03", {
      routerLifetimeS: 0,
      prefixes: [{ prefix: "2001:db8:2::", length: 64 }],
    }),
    // A router with no prefix at all, at medium preference.
    ra(T0 + 500 * SECOND_US, "fe80::4", "00:0c:29:00:00:04", {
      prefixes: [],
    }),
  ];
  assert.deepEqual(run(packets), []);
  // A rogue alone on a link is its router (a limit, documented).
  assert.deepEqual(run(fakeRouter6(T0, 10)), []);
});

Deno.test("rogue_router: advertisements hosts discard are ignored", () => {
  for (
    const [what, advert, src] of [
      ["routed (hop limit 64)", { hopLimit: 64 }, ROGUE],
      ["code 1", { code: 1 }, ROGUE],
      ["from a global address", {}, "2001:db8:1::bad"],
    ] as const
  ) {
    const rogue = ra(T0 + SECOND_US, src, ROGUE_MAC, {
      flags: 0x08,
      prefixes: [BAD],
      ...advert,
    });
    assert.deepEqual(run([gateway(T0), rogue]), [], what);
  }
});

Deno.test("rogue_router: the gateway's link-local address from another MAC is another router", () => {
  // fake_router6 <iface> 2001:db8:bad::/64 "" fe80::1: the gateway's
  // address, the rogue's MAC in the frame and the option.
  const spoofed = ra(T0 + SECOND_US, GATEWAY, ROGUE_MAC, { prefixes: [BAD] });
  const findings = run([gateway(T0), spoofed]);
  assert.deepEqual(
    findings.map((f) => [f.attacker, f.evidence.firstRogueMac]),
    [
      [GATEWAY, ROGUE_MAC],
    ],
  );
  // Only the option forged: its frame still comes from the rogue.
  const optionOnly = ra(T0 + SECOND_US, GATEWAY, ROGUE_MAC, {
    prefixes: [BAD],
    linkMac: GATEWAY_MAC,
  });
  assert.equal(run([gateway(T0), optionOnly]).length, 1);
});

Deno.test("rogue_router: each VLAN is its own link, and VLAN 0 is the untagged one", () => {
  const vlan10 = gateway(T0, { vlanIds: [10] });
  const vlan20 = ra(T0 + SECOND_US, ROGUE, ROGUE_MAC, {
    vlanIds: [20],
    prefixes: [BAD],
    flags: 0x08,
  });
  assert.deepEqual(run([vlan10, vlan20]), []);
  const sameVlan = ra(T0 + SECOND_US, ROGUE, ROGUE_MAC, {
    vlanIds: [10],
    prefixes: [BAD],
  });
  assert.deepEqual(run([vlan10, sameVlan]).map((f) => f.key), ["vlan 10"]);
  const priorityTagged = ra(T0 + SECOND_US, ROGUE, ROGUE_MAC, {
    vlanIds: [0],
    prefixes: [BAD],
  });
  assert.deepEqual(run([gateway(T0), priorityTagged]).map((f) => f.key), [
    "untagged",
  ]);
});

Deno.test("rogue_router: flood_router6's advertisements, each from a new address and MAC, are one flood incident", () => {
  const min = ROGUE_ROUTER_DEFAULTS.minFloodRouters;
  const newRouter = (i: number, atUs: number) => {
    const n = (i + 1).toString(16);
    return ra(
      atUs,
      `fe80::218:${n}`,
      `02:18:00:00:${(i >> 8).toString(16).padStart(2, "0")}:${
        (i & 0xff).toString(16).padStart(2, "0")
      }`,
      {
        prefixes: [{ prefix: `2001:db8:f${n}::`, length: 64 }],
      },
    );
  };
  const flood = Array.from(
    { length: 500 },
    (_, i) => newRouter(i, T0 + SECOND_US + i * 100),
  );
  const detector = createRogueRouterDetector();
  const findings = findingsOf(detector, [gateway(T0), ...flood]);
  detector.flush!(flood.at(-1)!.timestampUs, (f) => findings.push(f));
  assert.ok(findings.every((f) => f.key === "untagged"));
  // The first new router, then the flood at the threshold.
  assert.deepEqual(findings[0]!.evidence.reasons, ["new_prefix"]);
  const floodStart = findings.findIndex((f) =>
    (f.evidence.reasons as string[]).includes("flood")
  );
  // The gateway and nine new routers within a minute.
  assert.equal(findings[floodStart]!.evidence.rogueRouters, min - 1);
  const last = findings.at(-1)!;
  assert.deepEqual(
    [last.attacker, last.severity, last.mitre?.id],
    ["", "critical", "T1499"],
  );
  assert.equal(last.evidence.peakNewRoutersPerWindow, 501);
  assert.equal(last.evidence.rogueRouters, 500);
  assert.equal((last.evidence.rogueRouterSamples as string[]).length, 8);
  // Fewer new routers than the threshold within the window: no flood.
  const slow = Array.from(
    { length: min },
    (_, i) => newRouter(i, T0 + (i + 1) * 7 * SECOND_US),
  );
  assert.ok(
    run([gateway(T0), ...slow]).every((f) =>
      !(f.evidence.reasons as string[]).includes("flood")
    ),
  );
});

Deno.test("rogue_router: an incident ends when its rogue has been silent for routerMemoryUs; the next appearance is reported anew", () => {
  const memoryUs = 600 * SECOND_US;
  const gatewayEvery5Min = Array.from(
    { length: 8 },
    (_, i) => gateway(T0 + i * 300 * SECOND_US),
  );
  const first = fakeRouter6(T0 + 10 * SECOND_US, 2);
  const again = fakeRouter6(T0 + 2000 * SECOND_US, 1);
  const packets = [...gatewayEvery5Min, ...first, ...again].sort((a, b) =>
    a.timestampUs - b.timestampUs
  );
  const findings = run(packets, { routerMemoryUs: memoryUs });
  assert.deepEqual(
    findings.map((f) => [f.timestampUs - T0, f.evidence.rogueAdvertisements]),
    [[10 * SECOND_US, 1], [15 * SECOND_US, 2], [2000 * SECOND_US, 1]],
  );
  // The gateway, still advertising, is the established router both times.
  assert.ok(findings.every((f) => f.evidence.establishedRouter === GATEWAY));
});

Deno.test("rogue_router: bounded: links and routers per link", () => {
  const detector = createRogueRouterDetector({
    maxLinks: 16,
    maxRoutersPerLink: 4,
  });
  const packets = Array.from(
    { length: 100 },
    (_, i) => gateway(T0 + i, { vlanIds: [i + 1] }),
  );
  findingsOf(detector, packets);
  assert.deepEqual(detector.tables().rogue_router_links, {
    size: 16,
    capacity: 16,
    evictions: 84,
  });
  // A link's new routers beyond the table are still judged.
  const many = Array.from(
    { length: 8 },
    (_, i) => ra(T0 + i, `fe80::${i + 1}`, `00:0c:29:00:00:0${i + 1}`),
  );
  const late = ra(T0 + 10, ROGUE, ROGUE_MAC, { prefixes: [BAD] });
  assert.equal(
    findingsOf(createRogueRouterDetector({ maxRoutersPerLink: 4 }), [
      ...many,
      late,
    ]).length,
    1,
  );
  // A full table makes room for a new rogue in place of the stalest rogue,
  // never of the link's router: each rogue is counted once.
  const small = createRogueRouterDetector({ maxRoutersPerLink: 3 });
  const rogueAt = (n: number, atUs: number) =>
    ra(atUs, `fe80::bad:${n}`, `02:00:00:00:0b:0${n}`, { prefixes: [BAD] });
  const found = findingsOf(small, [
    gateway(T0),
    rogueAt(1, T0 + 1),
    rogueAt(2, T0 + 2),
    ...[3, 4, 5, 6].map((i) => rogueAt(3, T0 + i * SECOND_US)),
    gateway(T0 + 7 * SECOND_US),
    rogueAt(4, T0 + 8 * SECOND_US),
  ]);
  small.flush!(T0 + 8 * SECOND_US, (f) => found.push(f));
  const final = found.at(-1)!;
  assert.deepEqual(
    [final.evidence.rogueRouters, final.evidence.rogueAdvertisements],
    [4, 7],
  );
  assert.ok(found.every((f) => f.evidence.establishedRouter === GATEWAY));
  assert.throws(
    () => createRogueRouterDetector({ minFloodRouters: 0 }),
    RangeError,
  );
});
