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
  /** The source link-layer address option's MAC, when not the frame's; null for no option. */
  linkMac?: string | null;
  routes?: string[];
  dnsServers?: string[];
  dnsLifetimeS?: number;
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
      ...(advert.routes ? { routes: advert.routes } : {}),
      ...(advert.dnsServers ? { dnsServers: advert.dnsServers } : {}),
      ...(advert.dnsLifetimeS !== undefined
        ? { dnsLifetimeS: advert.dnsLifetimeS }
        : {}),
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

/** Every finding, the input's end included. */
function runAll(
  packets: PacketRecord[],
  options: RogueRouterOptions = {},
): Finding[] {
  const detector = createRogueRouterDetector(options);
  const findings = findingsOf(detector, packets);
  const lastUs = packets.at(-1)?.timestampUs ?? T0;
  detector.flush!(lastUs, (f) => findings.push(f));
  return findings;
}

const ROGUE_KEY = `untagged ${ROGUE} ${ROGUE_MAC}`;

Deno.test("rogue_router: fake_router6 beside the gateway is found at its first advertisement, with both routers named", () => {
  const packets = [gateway(T0), ...fakeRouter6(T0 + 30 * SECOND_US, 5)];
  const detector = createRogueRouterDetector();
  const findings = findingsOf(detector, packets);
  const first = findings[0]!;
  assert.deepEqual(
    [
      first.kind,
      first.key,
      first.attacker,
      first.victim,
      first.severity,
      first.timestampUs,
      first.startUs,
    ],
    [
      "rogue_router",
      ROGUE_KEY,
      ROGUE,
      "ff02::1",
      "high",
      T0 + 30 * SECOND_US,
      T0 + 30 * SECOND_US,
    ],
  );
  assert.deepEqual(first.evidence.reasons, [
    "new_prefix",
    "preferred_default_router",
  ]);
  assert.deepEqual(first.evidence.newPrefixes, ["2001:db8:bad::/64"]);
  assert.equal(first.evidence.routerMac, ROGUE_MAC);
  assert.equal(first.evidence.preference, "high");
  assert.equal(first.evidence.establishedRouter, GATEWAY);
  assert.equal(first.evidence.establishedRouterMac, GATEWAY_MAC);
  assert.deepEqual(first.evidence.establishedPrefixes, ["2001:db8:1::/64"]);
  assert.equal(first.evidence.establishedFirstSeenUs, T0);
  assert.equal(first.mitre, undefined);
  assert.equal(
    first.summary,
    `${ROGUE} (${ROGUE_MAC}) advertised itself as a router on the untagged link, where ${GATEWAY} serves, giving 2001:db8:bad::/64, as the preferred default router (high preference over medium); 1 advertisement.`,
  );
  // Its repeats grow the one incident, reported as they double.
  assert.ok(findings.every((f) => f.key === ROGUE_KEY));
  assert.deepEqual(findings.map((f) => f.evidence.advertisements), [1, 2, 4]);
  // The final figures at the input's end, once.
  const flushed: Finding[] = [];
  detector.flush!(T0 + 60 * SECOND_US, (f) => flushed.push(f));
  assert.deepEqual(
    flushed.map((f) => [f.evidence.advertisements, f.timestampUs]),
    [[5, packets.at(-1)!.timestampUs]],
  );
  detector.flush!(T0 + 61 * SECOND_US, (f) => flushed.push(f));
  assert.equal(flushed.length, 1);
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

Deno.test("rogue_router: a router that first passed as the gateway's twin is judged again when it changes its word", () => {
  // A copy of the gateway's advertisement, then its own prefix.
  const copy = ra(T0 + SECOND_US, ROGUE, ROGUE_MAC, {});
  const primed = runAll([
    gateway(T0),
    copy,
    ...fakeRouter6(T0 + 10 * SECOND_US, 2, { flags: 0 }),
  ]);
  assert.deepEqual(
    primed.map((f) => [f.timestampUs - T0, f.evidence.reasons]),
    [[10 * SECOND_US, ["new_prefix"]], [15 * SECOND_US, ["new_prefix"]]],
  );
  assert.equal(primed[0]!.startUs, T0 + 10 * SECOND_US);
  // The same copy, then the gateway's prefix at high preference.
  const raised = run([
    gateway(T0),
    copy,
    ...fakeRouter6(T0 + 10 * SECOND_US, 1, { prefixes: [LAN] }),
  ]);
  assert.deepEqual(raised.map((f) => f.evidence.reasons), [[
    "preferred_default_router",
  ]]);
  // Advertising nothing first (lifetime 0, no prefix), then the rogue's word.
  const silent = run([
    gateway(T0),
    ra(T0 + SECOND_US, ROGUE, ROGUE_MAC, { routerLifetimeS: 0, prefixes: [] }),
    ...fakeRouter6(T0 + 10 * SECOND_US, 1),
  ]);
  assert.equal(silent.length, 1);
  // The gateway itself may renumber and change its preference.
  assert.deepEqual(
    run([
      gateway(T0),
      copy,
      gateway(T0 + 300 * SECOND_US, { prefixes: [BAD], flags: 0x08 }),
    ]),
    [],
  );
});

Deno.test("rogue_router: a redundant pair, a non-default router, a router with no prefix, the link's first router raise nothing", () => {
  const second = "fe80::2";
  const secondMac = "00:0c:29:00:00:02";
  const packets = [
    gateway(T0),
    // A second router for the same prefix, lower preference (a backup).
    ra(T0 + 10 * SECOND_US, second, secondMac, { flags: 0x18 }),
    ra(T0 + 210 * SECOND_US, second, secondMac, { flags: 0x18 }),
    // The gateway renumbers: a second prefix of its own.
    gateway(T0 + 200 * SECOND_US, {
      prefixes: [LAN, { prefix: "2001:db8:2::", length: 64 }],
    }),
    // The backup follows, with the new prefix too.
    ra(T0 + 300 * SECOND_US, second, secondMac, {
      flags: 0x18,
      prefixes: [LAN, { prefix: "2001:db8:2::", length: 64 }],
    }),
    // A router that gives a prefix the link has, but no default route.
    ra(T0 + 400 * SECOND_US, "fe80::3", "00:0c:29:00:00:03", {
      routerLifetimeS: 0,
      prefixes: [{ prefix: "2001:db8:2::", length: 64 }],
    }),
    // A router with no prefix at all, at medium preference.
    ra(T0 + 500 * SECOND_US, "fe80::4", "00:0c:29:00:00:04", {
      prefixes: [],
    }),
  ];
  assert.deepEqual(runAll(packets), []);
  // A rogue alone on a link is its router (a limit, documented).
  assert.deepEqual(runAll(fakeRouter6(T0, 10)), []);
});

Deno.test("rogue_router: a link is served only once a default router advertises there", () => {
  const borderRouter = "fe80::4a5:1";
  const borderMac = "02:00:00:00:4a:51";
  // A Thread border router (no default route, its own ULA prefix) before
  // the home router.
  assert.deepEqual(
    runAll([
      ra(T0, borderRouter, borderMac, {
        routerLifetimeS: 0,
        prefixes: [{ prefix: "fd12:3456::", length: 64 }],
      }),
      gateway(T0 + 30 * SECOND_US),
    ]),
    [],
  );
  // The gateway's last advertisements (lifetime 0, RFC 4861 section
  // 6.2.5), then its backup for the first time, at low preference.
  assert.deepEqual(
    runAll([
      gateway(T0),
      gateway(T0 + SECOND_US, { routerLifetimeS: 0 }),
      ra(T0 + 60 * SECOND_US, "fe80::2", "00:0c:29:00:00:02", { flags: 0x18 }),
    ]),
    [],
  );
  // An advertisement that gives nothing opens no link: a rogue is then
  // the first router of the link (and a second one is found).
  assert.deepEqual(
    runAll([
      ra(T0, "fe80::9", "02:00:00:00:00:09", {
        routerLifetimeS: 0,
        prefixes: [],
      }),
      gateway(T0 + SECOND_US),
      ...fakeRouter6(T0 + 2 * SECOND_US, 1),
    ]).map((f) => f.attacker),
    [ROGUE],
  );
});

Deno.test("rogue_router: knownRouters are the link's routers wherever they advertise; a bad MAC is refused", () => {
  const primary = "fe80::1:1";
  const primaryMac = "00:0c:29:00:01:01";
  // The low-preference backup first, then the high-preference primary: a
  // rogue by the capture's order, the link's router by configuration.
  const packets = [
    gateway(T0, { flags: 0x18 }),
    ra(T0 + 100 * SECOND_US, primary, primaryMac, { flags: 0x08 }),
    ra(T0 + 101 * SECOND_US, primary, primaryMac, {
      flags: 0x08,
      vlanIds: [20],
    }),
  ];
  assert.deepEqual(
    run(packets).map((f) => [f.attacker, f.evidence.reasons]),
    [[primary, ["preferred_default_router"]]],
  );
  assert.deepEqual(
    run(packets, { knownRouters: [primaryMac.toUpperCase()] }),
    [],
  );
  // A known router serves its link from the start: the backup seen after it
  // at a higher preference than it is the rogue.
  assert.deepEqual(
    run([
      ra(T0, primary, primaryMac, { flags: 0x18 }),
      gateway(T0 + SECOND_US, { flags: 0x08 }),
    ], { knownRouters: [primaryMac] }).map((f) => f.attacker),
    [GATEWAY],
  );
  assert.throws(
    () => createRogueRouterDetector({ knownRouters: ["fe80::1"] }),
    /knownRouters holds "fe80::1", not a MAC address/,
  );
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
  // One the decoder rejected (an option of length 0): nothing read.
  const rejected = ra(T0 + SECOND_US, ROGUE, ROGUE_MAC, { prefixes: [BAD] });
  rejected.ndRouterLifetimeS = -1;
  assert.deepEqual(run([gateway(T0), rejected]), []);
});

Deno.test("rogue_router: the gateway's link-local address from another MAC is another router", () => {
  // fake_router6 <iface> 2001:db8:bad::/64 "" fe80::1: the gateway's
  // address, the rogue's MAC in the frame and the option.
  const spoofed = ra(T0 + SECOND_US, GATEWAY, ROGUE_MAC, { prefixes: [BAD] });
  const findings = run([gateway(T0), spoofed]);
  assert.deepEqual(
    findings.map((f) => [f.attacker, f.evidence.routerMac, f.key]),
    [[GATEWAY, ROGUE_MAC, `untagged ${GATEWAY} ${ROGUE_MAC}`]],
  );
  // Only the frame forged: its option still names the rogue.
  const frameOnly = ra(T0 + SECOND_US, GATEWAY, GATEWAY_MAC, {
    prefixes: [BAD],
    linkMac: ROGUE_MAC,
  });
  assert.equal(run([gateway(T0), frameOnly]).length, 1);
  // Only the option forged: its frame still comes from the rogue.
  const optionOnly = ra(T0 + SECOND_US, GATEWAY, ROGUE_MAC, {
    prefixes: [BAD],
    linkMac: GATEWAY_MAC,
  });
  assert.deepEqual(
    run([gateway(T0), optionOnly]).map((f) => f.evidence.routerMac),
    [
      GATEWAY_MAC,
    ],
  );
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
  const found = run([vlan10, sameVlan]);
  assert.deepEqual(found.map((f) => f.key), [`vlan 10 ${ROGUE} ${ROGUE_MAC}`]);
  assert.match(found[0]!.summary, / on VLAN 10, /);
  const priorityTagged = ra(T0 + SECOND_US, ROGUE, ROGUE_MAC, {
    vlanIds: [0],
    prefixes: [BAD],
  });
  assert.deepEqual(run([gateway(T0), priorityTagged]).map((f) => f.key), [
    ROGUE_KEY,
  ]);
});

/** A router new to the link, number `i`, with a prefix of its own. */
function newRouter(i: number, atUs: number): PacketRecord {
  const n = (i + 1).toString(16);
  return ra(
    atUs,
    `fe80::218:${n}`,
    `02:18:00:00:${(i >> 8).toString(16).padStart(2, "0")}:${
      (i & 0xff).toString(16).padStart(2, "0")
    }`,
    { prefixes: [{ prefix: `2001:db8:f${n}::`, length: 64 }] },
  );
}

Deno.test("rogue_router: flood_router6's advertisements, each from a new address and MAC, are one flood incident beside the first rogue's", () => {
  const flood = Array.from(
    { length: 500 },
    (_, i) => newRouter(i, T0 + SECOND_US + i * 100),
  );
  const findings = runAll([gateway(T0), ...flood]);
  // The first new router, found before the flood shows, then the flood:
  // the routers between them are the flood's.
  const keys = [...new Set(findings.map((f) => f.key))];
  assert.deepEqual(keys, [
    `untagged fe80::218:1 02:18:00:00:00:00`,
    "untagged flood",
  ]);
  const floods = findings.filter((f) => f.key === "untagged flood");
  const [start, last] = [floods[0]!, floods.at(-1)!];
  // The gateway and nine new routers within a minute make ten; the flood
  // took in the eight after the first, and starts with the first.
  assert.equal(start.evidence.newRouters, 10);
  assert.equal(start.evidence.floodRouters, 8);
  assert.equal(start.startUs, T0 + SECOND_US);
  assert.equal(
    start.summary,
    "A router advertisement flood on the untagged link: 10 new routers (10 or more within 60 s), 8 of them taken into it unjudged.",
  );
  assert.deepEqual(
    [last.attacker, last.victim, last.severity, last.mitre?.id],
    ["", "", "critical", "T1499"],
  );
  assert.equal(last.evidence.newRouters, 501);
  assert.equal(last.evidence.floodRouters, 499);
  assert.equal(last.evidence.peakNewRoutersPerWindow, 501);
  assert.equal((last.evidence.routerSamples as string[]).length, 8);
  // Copies: the first finding's samples did not grow with the flood.
  assert.equal((start.evidence.routerSamples as string[]).length, 8);
  assert.equal((floods[0]!.evidence.routerSamples as string[]).length, 8);
});

Deno.test("rogue_router: a flood counts new routers within any window; slower ones are rogues each", () => {
  // Ten new routers within 60 s, straddling what a fixed window from the
  // gateway would have split: a flood.
  const straddling = [
    gateway(T0),
    ...Array.from(
      { length: 10 },
      (_, i) => newRouter(i, T0 + 55 * SECOND_US + i * SECOND_US),
    ),
  ];
  assert.ok(runAll(straddling).some((f) => f.key === "untagged flood"));
  // Ten new routers 7 s apart (nine within a minute at most): each its own
  // rogue, the first at once, the others (one advertisement each) at the
  // input's end.
  const slow = [
    gateway(T0),
    ...Array.from(
      { length: 10 },
      (_, i) => newRouter(i, T0 + (i + 1) * 7 * SECOND_US),
    ),
  ];
  const detector = createRogueRouterDetector();
  assert.equal(findingsOf(detector, slow).length, 1);
  const findings = runAll(slow);
  assert.equal(findings.length, 10);
  assert.ok(findings.every((f) => f.key !== "untagged flood"));
  // A second rogue within the window is found at its second advertisement.
  const two = runAll([
    gateway(T0),
    ...fakeRouter6(T0 + SECOND_US, 2),
    ra(T0 + 2 * SECOND_US, "fe80::bad:2", "02:00:00:00:0b:02", {
      prefixes: [BAD],
    }),
    ra(T0 + 7 * SECOND_US, "fe80::bad:2", "02:00:00:00:0b:02", {
      prefixes: [BAD],
    }),
  ].sort((a, b) => a.timestampUs - b.timestampUs));
  assert.deepEqual(
    two.map((f) => [f.attacker, f.timestampUs - T0]),
    [
      [ROGUE, SECOND_US],
      ["fe80::bad:2", 7 * SECOND_US],
      [ROGUE, 6 * SECOND_US],
    ].sort((a, b) => (a[1] as number) - (b[1] as number)),
  );
});

Deno.test("rogue_router: an incident ends with its final figures when its rogue has been silent for routerMemoryUs; the next rogue is its own", () => {
  const memoryUs = 600 * SECOND_US;
  const gatewayEvery5Min = Array.from(
    { length: 8 },
    (_, i) => gateway(T0 + i * 300 * SECOND_US),
  );
  const first = fakeRouter6(T0 + 10 * SECOND_US, 5);
  const other = "fe80::bad:2";
  const again = ra(T0 + 2000 * SECOND_US, other, "02:00:00:00:0b:02", {
    prefixes: [BAD],
  });
  const packets = [...gatewayEvery5Min, ...first, again].sort((a, b) =>
    a.timestampUs - b.timestampUs
  );
  const findings = run(packets, { routerMemoryUs: memoryUs });
  assert.deepEqual(
    findings.map((
      f,
    ) => [f.attacker, f.timestampUs - T0, f.evidence.advertisements]),
    [
      [ROGUE, 10 * SECOND_US, 1],
      [ROGUE, 15 * SECOND_US, 2],
      [ROGUE, 25 * SECOND_US, 4],
      // Its final figures once it has been silent for the memory.
      [ROGUE, 30 * SECOND_US, 5],
      [other, 2000 * SECOND_US, 1],
    ],
  );
  assert.equal(findings.at(-1)!.startUs, T0 + 2000 * SECOND_US);
  // The gateway, still advertising, is the established router both times.
  assert.ok(findings.every((f) => f.evidence.establishedRouter === GATEWAY));
});

Deno.test("rogue_router: bounded: links, and routers per link with places kept for rogues", () => {
  const detector = createRogueRouterDetector({ maxLinks: 16 });
  findingsOf(
    detector,
    Array.from(
      { length: 100 },
      (_, i) => gateway(T0 + i, { vlanIds: [i + 1] }),
    ),
  );
  assert.deepEqual(detector.tables().rogue_router_links, {
    size: 16,
    capacity: 16,
    evictions: 84,
  });
  // Every VLAN id fits by default.
  assert.equal(ROGUE_ROUTER_DEFAULTS.maxLinks, 4_096);
  // Twelve routers of the link's (10 s apart: no flood) fill its places; a
  // rogue still has one, and is counted once however often it repeats (no
  // false flood).
  const twins = Array.from(
    { length: 12 },
    (_, i) =>
      ra(
        T0 + i * 10 * SECOND_US,
        `fe80::${i + 1}`,
        `00:0c:29:00:00:${(i + 1).toString(16).padStart(2, "0")}`,
      ),
  );
  const repeated = runAll([
    ...twins,
    ...fakeRouter6(T0 + 200 * SECOND_US, 20),
  ]);
  assert.ok(repeated.every((f) => f.key === ROGUE_KEY));
  assert.equal(repeated.at(-1)!.evidence.advertisements, 20);
  // A new rogue takes the place of the rogue seen least recently, never of
  // the link's router: with room for one router and four rogues, five
  // rogues 100 s apart (the fifth takes the first's place), then the first
  // again (it counts afresh, in the second's place), then the fifth (still
  // remembered) and the second (counts afresh).
  const small = createRogueRouterDetector({ maxRoutersPerLink: 5 });
  const rogueAt = (n: number, atUs: number) =>
    ra(atUs, `fe80::bad:${n}`, `02:00:00:00:0b:0${n}`, { prefixes: [BAD] });
  const found = findingsOf(small, [
    gateway(T0),
    ...[1, 2, 3, 4, 5].map((n) => rogueAt(n, T0 + n * 100 * SECOND_US)),
    rogueAt(1, T0 + 600 * SECOND_US),
    rogueAt(5, T0 + 601 * SECOND_US),
    rogueAt(2, T0 + 602 * SECOND_US),
  ]);
  // The second, new again beside the first's return, waits for its next
  // advertisement, or the input's end.
  small.flush!(T0 + 602 * SECOND_US, (f) => found.push(f));
  const last = (n: number) =>
    found.filter((f) => f.attacker === `fe80::bad:${n}`).at(-1)!;
  assert.deepEqual(
    [1, 5, 2].map((n) => [last(n).evidence.advertisements, last(n).startUs]),
    [
      [1, T0 + 600 * SECOND_US],
      [2, T0 + 500 * SECOND_US],
      [1, T0 + 602 * SECOND_US],
    ],
  );
  assert.ok(found.every((f) => f.evidence.establishedRouter === GATEWAY));
  assert.throws(
    () => createRogueRouterDetector({ minFloodRouters: 0 }),
    RangeError,
  );
  assert.throws(
    () => createRogueRouterDetector({ maxRoutersPerLink: 4 }),
    /maxRoutersPerLink must be an integer from 5 to 1000, got 4/,
  );
});

Deno.test("rogue_router: a finding's evidence is a copy: later advertisements change none already made", () => {
  const detector = createRogueRouterDetector();
  const findings = findingsOf(detector, [
    gateway(T0),
    ...fakeRouter6(T0 + SECOND_US, 1),
  ]);
  const before = JSON.stringify(findings[0]!.evidence);
  findingsOf(detector, [
    ...fakeRouter6(T0 + 2 * SECOND_US, 1, {
      prefixes: [BAD, { prefix: "2001:db8:bad2::", length: 64 }],
    }),
    gateway(T0 + 3 * SECOND_US, {
      prefixes: [LAN, { prefix: "2001:db8:2::", length: 64 }],
    }),
  ]);
  assert.equal(JSON.stringify(findings[0]!.evidence), before);
});

/** One advertisement of a one-off router `n` ("fe80::d:<n>"), as a flood's decoy. */
function decoy(n: number, atUs: number): PacketRecord {
  return ra(
    atUs,
    `fe80::d:${n}`,
    `02:00:00:00:0d:${n.toString(16).padStart(2, "0")}`,
    {
      prefixes: [{ prefix: `2001:db8:d${n}::`, length: 64 }],
    },
  );
}

Deno.test("rogue_router: a router taken into a flood is judged at its next advertisement, the flood still on or over", () => {
  // Nine decoys, then the real fake_router6 as the tenth new router (with
  // the gateway, the flood's threshold), every 5 s for ten minutes.
  const packets = [
    gateway(T0),
    ...Array.from(
      { length: 9 },
      (_, i) => decoy(i + 1, T0 + 100 * SECOND_US + i * 1_000),
    ),
    ...Array.from(
      { length: 120 },
      (_, i) =>
        ra(T0 + 101 * SECOND_US + i * 5 * SECOND_US, ROGUE, ROGUE_MAC, {
          flags: 0x08,
          prefixes: [BAD],
        }),
    ),
    gateway(T0 + 400 * SECOND_US),
  ].sort((a, b) => a.timestampUs - b.timestampUs);
  const findings = runAll(packets);
  const own = findings.filter((f) => f.key === ROGUE_KEY);
  assert.ok(findings.some((f) => f.key === "untagged flood"));
  // Its own incident from its second advertisement, 5 s later.
  assert.equal(own[0]!.timestampUs, T0 + 106 * SECOND_US);
  assert.equal(own.at(-1)!.evidence.advertisements, 119);
});

Deno.test("rogue_router: a rogue beside another is reported once the flood window has passed without a flood, or when its place is taken", () => {
  const oneShot = ra(T0 + 110 * SECOND_US, "fe80::bad:1", "02:00:00:00:0b:01", {
    prefixes: [{ prefix: "2001:db8:b1::", length: 64 }],
    routerLifetimeS: 9000,
  });
  const detector = createRogueRouterDetector();
  const live = findingsOf(detector, [
    gateway(T0),
    ...fakeRouter6(T0 + 100 * SECOND_US, 1),
    oneShot,
    // The gateway's next advertisement, past the window.
    gateway(T0 + 300 * SECOND_US),
  ]);
  assert.deepEqual(
    live.map((f) => [f.attacker, f.timestampUs - T0, f.startUs! - T0]),
    [
      [ROGUE, 100 * SECOND_US, 100 * SECOND_US],
      ["fe80::bad:1", 110 * SECOND_US, 110 * SECOND_US],
    ],
  );
  // No flood takes in a rogue that waited longer than its window: one
  // decoy's worth of rogues, then a burst 28 minutes later.
  const burst = Array.from(
    { length: 10 },
    (_, i) => decoy(i + 1, T0 + 1800 * SECOND_US + i * 1_000),
  );
  const later = runAll([
    gateway(T0),
    ...fakeRouter6(T0 + 100 * SECOND_US, 1),
    oneShot,
    ...burst,
  ]);
  assert.ok(later.some((f) => f.attacker === "fe80::bad:1"));
  const flood = later.filter((f) => f.key === "untagged flood").at(-1)!;
  assert.ok(
    !(flood.evidence.routerSamples as string[]).some((sample) =>
      sample.startsWith("fe80::bad:1 ")
    ),
  );
  // A waiting rogue whose place another rogue takes is reported first:
  // with room for one router and four others, six rogues within a minute
  // (the fifth takes the place of the first, reported; the sixth that of
  // the second, waiting).
  const small = createRogueRouterDetector({ maxRoutersPerLink: 5 });
  const crowd = findingsOf(small, [
    gateway(T0),
    ...[1, 2, 3, 4, 5, 6].map((n) =>
      ra(T0 + n * SECOND_US, `fe80::bad:${n}`, `02:00:00:00:0b:0${n}`, {
        prefixes: [BAD],
      })
    ),
  ]);
  assert.deepEqual(crowd.map((f) => f.attacker), [
    "fe80::bad:1",
    "fe80::bad:2",
  ]);
});

Deno.test("rogue_router: a known router is one whose every MAC is known: forging one is a rogue", () => {
  const options = { knownRouters: [GATEWAY_MAC] };
  const frameForged = ra(T0 + SECOND_US, ROGUE, GATEWAY_MAC, {
    prefixes: [BAD],
    linkMac: ROGUE_MAC,
  });
  const optionForged = ra(T0 + SECOND_US, ROGUE, ROGUE_MAC, {
    prefixes: [BAD],
    linkMac: GATEWAY_MAC,
  });
  for (const forged of [frameForged, optionForged]) {
    assert.equal(run([gateway(T0), forged], options).length, 1);
  }
  // The gateway without a link-layer address option is known by its frames.
  assert.deepEqual(
    run([
      ra(T0, GATEWAY, GATEWAY_MAC, { linkMac: null }),
      ...fakeRouter6(T0 + SECOND_US, 1),
    ], options).map((f) => f.evidence.establishedRouter),
    [GATEWAY],
  );
});

Deno.test("rogue_router: the link's first router, once gone, leaves its word to judge the others by; none inherits its freedom", () => {
  // A harmless copy of the gateway's advertisement all along; the gateway
  // silent for over an hour; then the copy gives its own prefix.
  const memoryUs = 3_600 * SECOND_US;
  const twin = (atUs: number, advert: Advert = {}) =>
    ra(atUs, ROGUE, ROGUE_MAC, advert);
  const packets = [
    gateway(T0),
    ...Array.from(
      { length: 20 },
      (_, i) => twin(T0 + (i + 1) * 300 * SECOND_US),
    ),
    twin(T0 + 6_300 * SECOND_US, { prefixes: [BAD], flags: 0x08 }),
    // The gateway comes back.
    gateway(T0 + 6_400 * SECOND_US),
  ];
  const findings = runAll(packets, { routerMemoryUs: memoryUs });
  assert.deepEqual(
    [...new Set(findings.map((f) => f.attacker))],
    [ROGUE],
  );
  assert.equal(findings[0]!.evidence.establishedRouter, GATEWAY);
  // Every router gone for the memory: the link starts afresh, and the
  // next router is its first (a limit, documented).
  assert.deepEqual(
    runAll([gateway(T0), ...fakeRouter6(T0 + 2 * memoryUs, 3)], {
      routerMemoryUs: memoryUs,
    }),
    [],
  );
  // Afresh also in being served: a router without a default route, then
  // a default router, is no rogue.
  assert.deepEqual(
    runAll([
      gateway(T0),
      ra(T0 + 2 * memoryUs, "fe80::4a5:1", "02:00:00:00:4a:51", {
        routerLifetimeS: 0,
        prefixes: [{ prefix: "fd12:3456::", length: 64 }],
      }),
      gateway(T0 + 2 * memoryUs + SECOND_US, { flags: 0x08 }),
    ], { routerMemoryUs: memoryUs }),
    [],
  );
});

Deno.test("rogue_router: a link stays served while its router says it is no default router for now", () => {
  // A home router whose uplink is down advertises lifetime 0 (RFC 7084).
  const findings = runAll([
    gateway(T0),
    gateway(T0 + 600 * SECOND_US, { routerLifetimeS: 0 }),
    ...fakeRouter6(T0 + 700 * SECOND_US, 1, { routerLifetimeS: 9000 }),
  ]);
  assert.deepEqual(
    findings.map((f) => [f.timestampUs - T0, f.evidence.reasons]),
    [[700 * SECOND_US, ["new_prefix", "preferred_default_router"]]],
  );
});

Deno.test("rogue_router: a rogue's incident ends after routerMemoryUs of harmless advertisements; counts only harmful ones", () => {
  const memoryUs = 600 * SECOND_US;
  const packets = [
    ...Array.from({ length: 12 }, (_, i) => gateway(T0 + i * 300 * SECOND_US)),
    ...fakeRouter6(T0 + 10 * SECOND_US, 2),
    // Harmless from then on: the gateway's prefix at medium preference.
    ...Array.from(
      { length: 12 },
      (_, i) => ra(T0 + (20 + i * 60) * SECOND_US, ROGUE, ROGUE_MAC, {}),
    ),
    // Harmful again, long after.
    ...fakeRouter6(T0 + 3_000 * SECOND_US, 1),
  ].sort((a, b) => a.timestampUs - b.timestampUs);
  const findings = runAll(packets, { routerMemoryUs: memoryUs });
  assert.deepEqual(
    findings.map((f) => [f.timestampUs - T0, f.evidence.advertisements]),
    [
      [10 * SECOND_US, 1],
      [15 * SECOND_US, 2],
      [3_000 * SECOND_US, 1],
    ],
  );
  assert.equal(findings.at(-1)!.startUs, T0 + 3_000 * SECOND_US);
});

Deno.test("rogue_router: fake_router26 -D and -R at low preference with the link's prefix: another DNS server (other_dns), a route the gateway does not give (new_route)", () => {
  const rogue = (atUs: number, advert: Advert) =>
    ra(atUs, ROGUE, ROGUE_MAC, { flags: 0x18, ...advert });
  const reasonsOf = (packets: PacketRecord[]) =>
    runAll(packets).map((f) => [
      f.evidence.reasons,
      f.evidence.newRoutes,
      f.evidence.newDnsServers,
    ]);
  // The gateway names its own DNS server; the rogue, itself.
  assert.deepEqual(
    reasonsOf([
      gateway(T0, { dnsServers: ["2001:db8:1::53"] }),
      rogue(T0 + SECOND_US, { dnsServers: [ROGUE, "2001:db8:1::53"] }),
    ]),
    [[["other_dns"], [], [ROGUE]]],
  );
  // Routes for all of IPv6 through the rogue (hosts prefer them to a
  // default route), at the gateway's preference and without a default
  // route: only the route is new.
  assert.deepEqual(
    reasonsOf([
      gateway(T0),
      rogue(T0 + SECOND_US, {
        routerLifetimeS: 0,
        routes: ["::/1", "8000::/1"],
      }),
    ]),
    [[["new_route"], ["::/1", "8000::/1"], []]],
  );
  // The same DNS server and routes as the gateway's: a redundant router.
  const same = { dnsServers: ["2001:db8:1::53"], routes: ["2001:db8:ff::/48"] };
  assert.deepEqual(
    reasonsOf([gateway(T0, same), rogue(T0 + SECOND_US, same)]),
    [],
  );
  // An advertisement that gives only a DNS server, lifetime 0 and no
  // prefix, on a served link: judged.
  assert.deepEqual(
    reasonsOf([
      gateway(T0),
      rogue(T0 + SECOND_US, {
        routerLifetimeS: 0,
        prefixes: [],
        dnsServers: [ROGUE],
      }),
    ]),
    [[["other_dns"], [], [ROGUE]]],
  );
});

Deno.test("rogue_router: withdrawing the gateway's DNS server (RDNSS lifetime 0) is withdraws_dns; what the link's routers named before counts, and a route to the link's prefix is no new route", () => {
  const rogue = (atUs: number, advert: Advert) =>
    ra(atUs, ROGUE, ROGUE_MAC, { flags: 0x18, ...advert });
  const dns = ["2001:db8:1::53"];
  const findings = runAll([
    gateway(T0, { dnsServers: dns }),
    rogue(T0 + SECOND_US, {
      routerLifetimeS: 0,
      prefixes: [],
      dnsServers: dns,
      dnsLifetimeS: 0,
    }),
  ]);
  assert.deepEqual(
    findings.map((f) => [f.evidence.reasons, f.evidence.withdrawnDnsServers]),
    [[["withdraws_dns"], dns]],
  );
  assert.match(findings[0]!.summary, /withdrawing DNS server 2001:db8:1::53/);
  // A router withdrawing its own DNS server (going down) is harmless.
  assert.deepEqual(
    runAll([
      gateway(T0, { dnsServers: dns }),
      ra(T0 + 1, "fe80::2", "00:0c:29:00:00:02", { dnsServers: dns }),
      ra(T0 + 2, "fe80::2", "00:0c:29:00:00:02", {
        dnsServers: dns,
        dnsLifetimeS: 0,
      }),
    ]),
    [],
  );
  // The gateway's latest advertisement leaves its DNS server out: a second
  // router naming it still names one of the link's.
  assert.deepEqual(
    runAll([
      gateway(T0, { dnsServers: dns }),
      gateway(T0 + 1),
      rogue(T0 + 2, { dnsServers: dns }),
    ]),
    [],
  );
  // A route to the link's own prefix.
  assert.deepEqual(
    runAll([gateway(T0), rogue(T0 + 1, { routes: ["2001:db8:1::/64"] })]),
    [],
  );
});
