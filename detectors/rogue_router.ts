/**
 * Rogue IPv6 router detector: a host that sends router advertisements (RFC
 * 4861 section 4.2) on a link where another router already serves, giving
 * the hosts a prefix that router does not give, or making itself their
 * preferred default router (THC's fake_router6 and fake_router26, a
 * misconfigured radvd or a Windows host sharing its connection); or a flood
 * of advertisements from ever new routers (flood_router6, flood_router26),
 * which makes every host configure addresses and routes until it stalls.
 * Hosts take any router advertisement they receive, so one rogue router
 * moves the link's off-link traffic, or its addresses, through itself: a
 * man-in-the-middle position, or a denial of service. The NDP spoofing
 * detector (ndp_spoof.ts) sees a host that claims another's address; a
 * rogue router claims only its own, and is this detector's.
 *
 * Advertisements count as hosts take them (section 6.1.2): ICMPv6 type
 * 134, code 0, hop limit 255, from a link-local address; their prefixes as
 * the decoder gives them (ndPrefixes: the ones hosts configure). A router
 * is its link-local address, its frames' Ethernet source and its source
 * link-layer address option together, on its link: a VLAN (a tagged
 * frame's innermost id; VLAN 0, a priority tag, is the untagged link's).
 *
 * The link's routers are learnt from the capture: the routers in
 * `knownRouters` (their MACs), and otherwise the routers that advertised
 * first. A link is *served* once one of its routers is a default router
 * (router lifetime above 0): until then, every router that comes is one of
 * the link's (a Thread border router that gives no default route does not
 * serve a link, and the home router that then comes is no rogue). On a
 * served link, a router is a *rogue* when, against the link's other
 * routers (advertised within `routerMemoryUs`),
 *
 * - `new_prefix`: it gives a prefix that none of them gives (a second
 *   router for the same prefixes, a redundant pair, gives none);
 * - `preferred_default_router`: it offers itself as default router at a
 *   higher preference (RFC 4191) than every default router among them:
 *   hosts then send it their off-link traffic.
 *
 * A new router is judged at its first advertisement, and each later one of
 * a router of the link's is judged again, so that a rogue cannot first
 * pass as a harmless copy of the real router and then change its word;
 * only the link's first router (the earliest still remembered, or a known
 * one) may change its prefixes and preference freely (renumbering). A
 * `flood` is `minFloodRouters` new routers on one link within any
 * `floodWindowUs` (a link has a router or two; flood_router6 sends
 * thousands of advertisements a second, each from a new address and MAC).
 *
 * Findings (kind "rogue_router"), one incident per rogue router, key
 * "<link> <address> <MAC>" (link "untagged" or "vlan <id>"): attacker = its
 * address, victim = the destination of its first advertisement (ff02::1,
 * all hosts on the link, or the one host it was sent to), MITRE T1557
 * (Adversary-in-the-Middle). A flood is one incident per link, key "<link>
 * flood", attacker "" (every router is another address), MITRE T1499
 * (Endpoint Denial of Service); the new routers that come while it lasts
 * join it. So that a flood's one-off routers make one alert, not one each,
 * a rogue that comes while another rogue that came within `floodWindowUs`
 * is still unreported as a flood is reported from its second advertisement
 * (fake_router6 repeats every 5 s), or at the input's end, unless a flood
 * takes it in first. Reported when the incident begins, then when a new
 * reason appears, its advertisements doubled, or at most every
 * `reportIntervalUs` while they grow, and with the final figures when it
 * ends (its router silent for `routerMemoryUs`; a flood with no new router
 * for `floodWindowUs`) or the input ends.
 *
 * Bounds: `maxLinks` links, as many as there are VLAN ids, so no link's
 * routers are ever evicted to make room for another's (an advertisement
 * that gives nothing, lifetime 0 and no prefix, opens no link); each with
 * at most `maxRoutersPerLink` routers, of which four places are kept for
 * rogues (a new rogue takes the place of the rogue seen least recently; a
 * router of the link's beyond the others' places is judged afresh at
 * each advertisement, and not remembered). Advertisements are rare (a few
 * a minute on a link), so nothing but the flood needs admission.
 *
 * Limits and false alarms:
 *
 * - The first router a link shows is its router, whatever it says: a
 *   rogue that advertises before the real one in a capture (routers
 *   advertise every 200–600 s by default, and on a host's solicitation) is
 *   taken for the link's router, and the real one is reported in its
 *   place; the evidence names both. For the same reason a primary router at
 *   high preference first seen after its low-preference backup, or back
 *   after more than `routerMemoryUs` away, is reported; so is the backup of
 *   a redundant pair that renumbers before the link's first router, and a
 *   second router that gives its own prefix on purpose (two upstreams on
 *   one link; a Thread border router's ULA prefix on a home network
 *   without IPv6 from its provider). `knownRouters` (the routers' MACs)
 *   makes them the link's routers from the start, wherever they advertise.
 *   An allowlist of the reported address
 *   (`alerts.allowlist.perKind.rogue_router.cidrs`) also silences it, on
 *   every link: link-local addresses such as fe80::1 repeat.
 * - A rogue that forges the link router's address and both of its MACs is
 *   that router (a switch's port security is what tells them apart); so is
 *   one that forges the MAC of a known router.
 * - A router on a link with no default router in the capture is the
 *   link's router.
 * - A rogue at the link router's own preference, with its prefixes, adds a
 *   second default route that hosts may or may not use: a redundant pair
 *   looks the same, and it is not reported. Route information options (RFC
 *   4191), DNS options (RFC 8106), the managed and other flags (which send
 *   hosts to DHCPv6), the hop limit and the MTU are not compared.
 * - A router advertisement fragmented so that its first fragment holds no
 *   ICMPv6 header (fake_router26 -E D, F, O or o; flood_router26 -F, RA
 *   Guard evasions) is not seen; one whose first fragment holds the header
 *   (-E 1) is judged without the prefixes that follow it. Hosts that follow
 *   RFC 6980 (current Linux, Windows) drop fragmented advertisements.
 * - Checksums are not verified (nowhere in NetMirror): a forged
 *   advertisement that hosts drop is judged all the same.
 * - An advertisement in the real router's name from another MAC with
 *   lifetime 0 and no prefix (THC's kill_router6, which makes hosts drop
 *   their default router) gives nothing and is no rogue here; it is left to
 *   the NDP spoofing detector, which sees the router's address claimed from
 *   another MAC.
 * - A mirror that merges several links untagged merges their routers, and
 *   one that sees a link both tagged and untagged sees two links.
 *
 * @module
 */

import type { PacketRecord } from "../capture/packet_record.ts";
import { isLinkLocalAddress } from "./addresses.ts";
import type { FindingSink, MitreTechnique } from "./alert.ts";
import { type Detector, PACKET_KIND, type TableStats } from "./detector.ts";
import { NumericKeyMap } from "./numeric_key_map.ts";
import { requirePositive } from "./option_checks.ts";
import {
  isFinalReportDue,
  isGrowthReportDue,
  markReported,
  type ReportMark,
} from "./report_cadence.ts";

/** Options of {@linkcode createRogueRouterDetector}. */
export interface RogueRouterOptions {
  /** How long a router is remembered after its last advertisement, µs of packet time. */
  routerMemoryUs?: number;
  /** Window in which new routers on one link are counted for a flood, µs. */
  floodWindowUs?: number;
  /** New routers on one link within `floodWindowUs` that make a flood. */
  minFloodRouters?: number;
  /** Links (VLANs) tracked at once. */
  maxLinks?: number;
  /** Routers remembered per link (four places of them kept for rogues). */
  maxRoutersPerLink?: number;
  /** Packet time between repeated findings of one incident while it grows, µs. */
  reportIntervalUs?: number;
  /** MACs of the network's routers ("aa:bb:cc:dd:ee:ff"): the routers of every link where they advertise, never rogues. */
  knownRouters?: string[];
}

/**
 * Defaults of {@linkcode RogueRouterOptions}.
 *
 * - `routerMemoryUs` 1 h: routers advertise every 200–600 s by default and
 *   at least every 1800 s (RFC 4861 section 6.2.1, MaxRtrAdvInterval), and
 *   a default router stays one for its lifetime, 1800 s by default.
 * - `floodWindowUs` 60 s and `minFloodRouters` 10: a link has one router,
 *   two for redundancy, a few in a lab; flood_router6 reaches ten in
 *   milliseconds.
 * - `maxLinks` 4 096, every VLAN id, × `maxRoutersPerLink` 12 routers of
 *   about 500 B: about 25 MB in the worst case.
 * - `reportIntervalUs` 10 s, the alert lifecycle's update interval.
 * - `knownRouters` none.
 */
export const ROGUE_ROUTER_DEFAULTS: Readonly<Required<RogueRouterOptions>> =
  Object.freeze({
    routerMemoryUs: 3_600_000_000,
    floodWindowUs: 60_000_000,
    minFloodRouters: 10,
    maxLinks: 4_096,
    maxRoutersPerLink: 12,
    reportIntervalUs: 10_000_000,
    knownRouters: [],
  });

/** ICMPv6 router advertisement (RFC 4861 section 4.2). */
const ROUTER_ADVERTISEMENT = 134;
/** The hop limit Neighbor Discovery messages must arrive with (section 6.1.2). */
const ND_HOP_LIMIT = 255;
/** Preference by its two bits of the flags byte (RFC 4191 section 2.2): medium 0, high 1, reserved 2 (taken as medium), low 3. */
const PREFERENCE_RANKS = [1, 2, 1, 0] as const;
const PREFERENCE_NAMES = ["low", "medium", "high"] as const;

/** Reasons, as bits, in the order of {@linkcode REASON_NAMES}. */
const NEW_PREFIX = 1;
const PREFERRED_DEFAULT_ROUTER = 2;
const REASON_NAMES = ["new_prefix", "preferred_default_router"];

/** Places of a link's router table kept for rogues. */
const ROGUE_PLACES = 4;

/** Routers and prefixes listed in the evidence. */
const MAX_LISTED = 8;

/** A MAC as the decoder writes it. */
const MAC_PATTERN = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/** The technique of a flood, more specific than the kind's. */
const FLOOD_TECHNIQUE: MitreTechnique = {
  id: "T1499",
  name: "Endpoint Denial of Service",
  tactic: "Impact",
};

/** What a router is to its link. */
const TRUSTED = 0;
/** A rogue with an incident of its own. */
const ROGUE = 1;
/** A rogue to report at its second advertisement, unless a flood takes it in. */
const PENDING = 2;
/** One of a flood's routers. */
const FLOODING = 3;

/** One rogue router's incident. */
interface RogueIncident extends ReportMark {
  key: string;
  reasons: number;
  /** Its prefixes no router of the link's gives (bounded). */
  newPrefixes: string[];
  advertisements: number;
  startUs: number;
  victim: string;
  /** The link's router it was judged against: the best default router. */
  established: Router;
}

/** One router of a link. */
interface Router {
  address: string;
  /** Ethernet source of its frames. */
  frameMac: string;
  /** Its source link-layer address option's MAC ("" without one). */
  linkMac: string;
  firstUs: number;
  lastUs: number;
  /** The prefixes its latest advertisement gives. */
  prefixes: string[];
  /** Router lifetime of its latest advertisement, s. */
  lifetimeS: number;
  /** Preference rank of its latest advertisement: 0 low, 1 medium, 2 high. */
  preference: number;
  /** One of `knownRouters`. */
  known: boolean;
  status: number;
  incident: RogueIncident | null;
}

/** A link's flood incident. */
interface Flood extends ReportMark {
  key: string;
  routers: number;
  advertisements: number;
  startUs: number;
  lastNewUs: number;
  /** Most new routers within one window, counted in windows from its start. */
  peakRouters: number;
  windowStartUs: number;
  windowRouters: number;
  samples: string[];
}

/** One link's routers and incidents. */
interface Link {
  /** "untagged" or "vlan <id>" (the incident keys' start). */
  name: string;
  /** The link as a sentence names it: "the untagged link", "VLAN <id>". */
  title: string;
  routers: Router[];
  /** Times of the latest new routers, a ring of `minFloodRouters`. */
  newRouterUs: Float64Array;
  newRouters: number;
  flood: Flood | null;
}

/**
 * Creates the rogue router detector (kind "rogue_router"): one incident per
 * router that comes to a link where another serves and gives other
 * prefixes or takes the default route, and one per flood of new routers.
 *
 * @example
 * ```ts
 * const detector = createRogueRouterDetector({
 *   knownRouters: ["00:0c:29:00:00:01"],
 * });
 * detector.observe(packet, (finding) => console.log(finding.summary));
 * ```
 */
export function createRogueRouterDetector(
  options: RogueRouterOptions = {},
): Detector {
  const config = { ...ROGUE_ROUTER_DEFAULTS, ...options };
  requirePositive("rogue router detector", config, [
    "routerMemoryUs",
    "floodWindowUs",
    "minFloodRouters",
    "maxLinks",
    "maxRoutersPerLink",
    "reportIntervalUs",
  ]);
  if (config.maxRoutersPerLink <= ROGUE_PLACES) {
    throw new RangeError(
      `Cannot create rogue router detector: maxRoutersPerLink must be above ${ROGUE_PLACES}, got ${config.maxRoutersPerLink}`,
    );
  }
  const known = new Set<string>();
  for (const mac of config.knownRouters) {
    const lower = mac.toLowerCase();
    if (!MAC_PATTERN.test(lower)) {
      throw new RangeError(
        `Cannot create rogue router detector: knownRouters holds "${mac}", not a MAC address (aa:bb:cc:dd:ee:ff)`,
      );
    }
    known.add(lower);
  }
  const links = new NumericKeyMap<Link>(config.maxLinks);

  function linkOf(id: number): Link {
    let link = links.get(id, 0, 0);
    if (link === undefined) {
      link = {
        name: id === 0 ? "untagged" : `vlan ${id}`,
        title: id === 0 ? "the untagged link" : `VLAN ${id}`,
        routers: [],
        newRouterUs: new Float64Array(config.minFloodRouters).fill(-Infinity),
        newRouters: 0,
        flood: null,
      };
      links.set(id, 0, 0, link);
    }
    return link;
  }

  /** Forgets routers silent for `routerMemoryUs` (their incidents end), and a flood with no new router for a window. */
  function expire(link: Link, nowUs: number, sink: FindingSink): void {
    const oldestUs = nowUs - config.routerMemoryUs;
    if (link.routers.some((router) => router.lastUs < oldestUs)) {
      for (const router of link.routers) {
        if (router.lastUs < oldestUs) endRogue(link, router, sink);
      }
      link.routers = link.routers.filter((router) => router.lastUs >= oldestUs);
    }
    const flood = link.flood;
    if (flood !== null && nowUs - flood.lastNewUs > config.floodWindowUs) {
      if (isFinalReportDue(flood, flood.advertisements, flood.lastNewUs)) {
        reportFlood(link, flood, flood.lastNewUs, sink);
      }
      link.flood = null;
    }
  }

  /** Ends a router's incident with its final figures (and reports a pending rogue, which never repeated). */
  function endRogue(link: Link, router: Router, sink: FindingSink): void {
    const incident = router.incident;
    if (incident === null) return;
    if (
      router.status === PENDING ||
      isFinalReportDue(incident, incident.advertisements, router.lastUs)
    ) reportRogue(link, router, router.lastUs, sink);
  }

  /** The routers of the link's that `router` is judged against: trusted, remembered, not itself. */
  function othersOf(link: Link, router: Router): Router[] {
    return link.routers.filter((other) =>
      other !== router && other.status === TRUSTED
    );
  }

  /** The link's first router: a known one, else the earliest trusted one. */
  function anchorOf(link: Link): Router | undefined {
    let anchor: Router | undefined;
    for (const router of link.routers) {
      if (router.status !== TRUSTED) continue;
      if (router.known) return router;
      if (anchor === undefined || router.firstUs < anchor.firstUs) {
        anchor = router;
      }
    }
    return anchor;
  }

  /** The reasons (bits) that make `router` a rogue among `others`, and the router of theirs it is judged against. */
  function judge(
    router: Router,
    others: Router[],
  ): { reasons: number; fresh: string[]; established: Router | null } {
    // The best default router: the highest preference, then the earliest.
    let established: Router | null = null;
    for (const other of others) {
      if (
        other.lifetimeS > 0 &&
        (established === null || other.preference > established.preference ||
          (other.preference === established.preference &&
            other.firstUs < established.firstUs))
      ) established = other;
    }
    // No default router: the link is not served yet.
    if (established === null) return { reasons: 0, fresh: [], established };
    const given = new Set(others.flatMap((other) => other.prefixes));
    const fresh = router.prefixes.filter((prefix) => !given.has(prefix));
    let reasons = fresh.length > 0 ? NEW_PREFIX : 0;
    if (router.lifetimeS > 0 && router.preference > established.preference) {
      reasons |= PREFERRED_DEFAULT_ROUTER;
    }
    return { reasons, fresh, established };
  }

  /**
   * Adds `router` to its link's table: a router of the link's while places
   * other than the rogues' four are free; a rogue in place of the rogue
   * seen least recently when the table is full.
   */
  function remember(link: Link, router: Router): void {
    const routers = link.routers;
    if (router.status === TRUSTED) {
      let trusted = 0;
      for (const other of routers) if (other.status === TRUSTED) trusted++;
      if (
        trusted < config.maxRoutersPerLink - ROGUE_PLACES &&
        routers.length < config.maxRoutersPerLink
      ) routers.push(router);
      return;
    }
    if (routers.length < config.maxRoutersPerLink) {
      routers.push(router);
      return;
    }
    let stalest = -1;
    for (let i = 0; i < routers.length; i++) {
      const other = routers[i]!;
      if (
        other.status !== TRUSTED &&
        (stalest < 0 || other.lastUs < routers[stalest]!.lastUs)
      ) stalest = i;
    }
    if (stalest >= 0) routers[stalest] = router;
  }

  /** Counts a new router for the flood count; true when `minFloodRouters` of them came within the window. */
  function countNewRouter(link: Link, nowUs: number): boolean {
    const ring = link.newRouterUs;
    const at = link.newRouters++ % ring.length;
    ring[at] = nowUs;
    // The oldest of the last `minFloodRouters` new routers.
    const oldestUs = ring[(at + 1) % ring.length]!;
    return nowUs - oldestUs <= config.floodWindowUs;
  }

  /** Makes `router` a rogue with its own incident, or one to report at its second advertisement; returns which (ROGUE or PENDING). */
  function openRogue(
    link: Link,
    router: Router,
    reasons: number,
    fresh: string[],
    established: Router,
    victim: string,
    nowUs: number,
  ): number {
    const recent = link.routers.some((other) =>
      other !== router &&
      (other.status === ROGUE || other.status === PENDING) &&
      nowUs - other.firstUs <= config.floodWindowUs
    );
    router.status = recent ? PENDING : ROGUE;
    router.incident = {
      key: `${link.name} ${router.address} ${macOf(router)}`,
      reasons,
      newPrefixes: fresh.slice(0, MAX_LISTED),
      advertisements: 1,
      startUs: nowUs,
      victim,
      established,
      reportedCount: 0,
      lastReportUs: -Infinity,
    };
    return router.status;
  }

  /** Makes `router` one of the link's flood, which begins if it is not on. */
  function joinFlood(link: Link, router: Router, nowUs: number): Flood {
    let flood = link.flood;
    if (flood === null) {
      flood = {
        key: `${link.name} flood`,
        routers: 0,
        advertisements: 0,
        startUs: link.newRouterUs[link.newRouters % link.newRouterUs.length]!,
        lastNewUs: nowUs,
        peakRouters: 0,
        windowStartUs: nowUs,
        windowRouters: 0,
        samples: [],
        reportedCount: 0,
        lastReportUs: -Infinity,
      };
      link.flood = flood;
      // The rogues still unreported are the flood's first routers.
      for (const other of link.routers) {
        if (other.status === PENDING) addToFlood(flood, other, nowUs);
      }
    }
    addToFlood(flood, router, nowUs);
    return flood;
  }

  function addToFlood(flood: Flood, router: Router, nowUs: number): void {
    router.status = FLOODING;
    router.incident = null;
    flood.routers++;
    flood.advertisements++;
    flood.lastNewUs = nowUs;
    if (flood.samples.length < MAX_LISTED) {
      flood.samples.push(`${router.address} ${macOf(router)}`);
    }
    if (nowUs - flood.windowStartUs >= config.floodWindowUs) {
      flood.windowStartUs = nowUs;
      flood.windowRouters = 0;
    }
    flood.windowRouters++;
    if (flood.windowRouters > flood.peakRouters) {
      flood.peakRouters = flood.windowRouters;
    }
  }

  function reportRogue(
    link: Link,
    router: Router,
    nowUs: number,
    sink: FindingSink,
  ): void {
    const incident = router.incident!;
    const established = incident.established;
    const reasons = REASON_NAMES.filter((_, bit) =>
      (incident.reasons & (1 << bit)) !== 0
    );
    const mac = macOf(router);
    const preference = PREFERENCE_NAMES[router.preference]!;
    const advertisements = incident.advertisements;
    const what = [
      `${router.address} (${mac}) advertised itself as a router on ${link.title}, where ${established.address} serves`,
      incident.newPrefixes.length > 0
        ? `giving ${incident.newPrefixes.join(", ")}`
        : "",
      (incident.reasons & PREFERRED_DEFAULT_ROUTER) !== 0
        ? `as the preferred default router (${preference} preference over ${
          PREFERENCE_NAMES[established.preference]
        })`
        : "",
    ].filter((part) => part !== "").join(", ");
    sink({
      kind: "rogue_router",
      key: incident.key,
      timestampUs: nowUs,
      startUs: incident.startUs,
      severity: "high",
      attacker: router.address,
      victim: incident.victim,
      domain: "",
      summary: `${what}; ${advertisements} advertisement${
        advertisements === 1 ? "" : "s"
      }.`,
      evidence: {
        link: link.name,
        reasons,
        routerMac: mac,
        prefixes: [...router.prefixes],
        newPrefixes: [...incident.newPrefixes],
        routerLifetimeS: router.lifetimeS,
        preference,
        advertisements,
        establishedRouter: established.address,
        establishedRouterMac: macOf(established),
        establishedPrefixes: [...established.prefixes],
        establishedPreference: PREFERENCE_NAMES[established.preference]!,
        establishedFirstSeenUs: established.firstUs,
      },
    });
    router.status = ROGUE;
    markReported(incident, advertisements, nowUs);
  }

  function reportFlood(
    link: Link,
    flood: Flood,
    nowUs: number,
    sink: FindingSink,
  ): void {
    const windowS = config.floodWindowUs / 1e6;
    sink({
      kind: "rogue_router",
      key: flood.key,
      timestampUs: nowUs,
      startUs: flood.startUs,
      severity: "critical",
      attacker: "",
      victim: "",
      domain: "",
      summary:
        `${flood.routers} new routers advertised on ${link.title} (up to ${flood.peakRouters} within ${windowS} s): a router advertisement flood; ${flood.advertisements} advertisements.`,
      evidence: {
        link: link.name,
        reasons: ["flood"],
        newRouters: flood.routers,
        advertisements: flood.advertisements,
        peakNewRoutersPerWindow: flood.peakRouters,
        floodWindowUs: config.floodWindowUs,
        routerSamples: [...flood.samples],
      },
      mitre: FLOOD_TECHNIQUE,
    });
    markReported(flood, flood.advertisements, nowUs);
  }

  /** Counts an advertisement of a rogue, or of a flood's router, and reports when due. */
  function repeated(
    link: Link,
    router: Router,
    fresh: string[],
    reasons: number,
    nowUs: number,
    sink: FindingSink,
  ): void {
    if (router.status === FLOODING) {
      const flood = link.flood;
      if (flood === null) return;
      flood.advertisements++;
      if (
        isGrowthReportDue(
          flood,
          flood.advertisements,
          nowUs,
          config.reportIntervalUs,
        )
      ) reportFlood(link, flood, nowUs, sink);
      return;
    }
    const incident = router.incident!;
    incident.advertisements++;
    for (const prefix of fresh) {
      if (
        incident.newPrefixes.length < MAX_LISTED &&
        !incident.newPrefixes.includes(prefix)
      ) incident.newPrefixes.push(prefix);
    }
    const added = reasons & ~incident.reasons;
    incident.reasons |= reasons;
    if (
      router.status === PENDING || added !== 0 ||
      isGrowthReportDue(
        incident,
        incident.advertisements,
        nowUs,
        config.reportIntervalUs,
      )
    ) reportRogue(link, router, nowUs, sink);
  }

  return {
    name: "rogue_router",
    packetKinds: PACKET_KIND.NEIGHBOR_DISCOVERY,
    observe(packet: PacketRecord, sink: FindingSink): void {
      if (
        packet.icmpType !== ROUTER_ADVERTISEMENT ||
        packet.transport !== "icmpv6" || packet.ttl !== ND_HOP_LIMIT ||
        packet.icmpCode !== 0 || packet.ndRouterLifetimeS < 0 ||
        !isLinkLocalAddress(packet.srcAddress)
      ) return;
      const nowUs = packet.timestampUs;
      const lifetimeS = packet.ndRouterLifetimeS;
      const prefixes = packet.ndPrefixes === ""
        ? []
        : packet.ndPrefixes.split(",");
      // VLAN 0 (a priority tag) is the untagged link.
      const id = packet.vlanId > 0 ? packet.vlanId : 0;
      // An advertisement that gives nothing opens no link.
      if (
        lifetimeS === 0 && prefixes.length === 0 &&
        links.peek(id, 0, 0) === undefined
      ) return;
      const link = linkOf(id);
      expire(link, nowUs, sink);
      const address = packet.srcAddress;
      const frameMac = packet.srcMac;
      const linkMac = packet.ndLinkMac;
      const preference = PREFERENCE_RANKS[(packet.ndFlags >> 3) & 3]!;
      let router = link.routers.find((other) =>
        other.address === address && other.frameMac === frameMac &&
        other.linkMac === linkMac
      );
      const isNew = router === undefined;
      if (router === undefined) {
        router = {
          address,
          frameMac,
          linkMac,
          firstUs: nowUs,
          lastUs: nowUs,
          prefixes,
          lifetimeS,
          preference,
          known: known.has(frameMac) || known.has(linkMac),
          status: TRUSTED,
          incident: null,
        };
        if (router.known) {
          remember(link, router);
          return;
        }
        if (countNewRouter(link, nowUs) || link.flood !== null) {
          const flood = joinFlood(link, router, nowUs);
          remember(link, router);
          if (
            flood.reportedCount === 0 ||
            isGrowthReportDue(
              flood,
              flood.advertisements,
              nowUs,
              config.reportIntervalUs,
            )
          ) reportFlood(link, flood, nowUs, sink);
          return;
        }
      } else {
        router.lastUs = nowUs;
        router.prefixes = prefixes;
        router.lifetimeS = lifetimeS;
        router.preference = preference;
      }
      if (router.known) return;
      if (router.status === TRUSTED && !isNew && router === anchorOf(link)) {
        return; // the link's first router: free to renumber
      }
      if (router.status === FLOODING) {
        repeated(link, router, [], 0, nowUs, sink);
        return;
      }
      const { reasons, fresh, established } = judge(
        router,
        othersOf(link, router),
      );
      if (router.status !== TRUSTED) {
        repeated(link, router, fresh, reasons, nowUs, sink);
        return;
      }
      if (reasons === 0) {
        if (isNew) remember(link, router);
        return;
      }
      const status = openRogue(
        link,
        router,
        reasons,
        fresh,
        established!,
        packet.dstAddress,
        nowUs,
      );
      if (isNew) remember(link, router);
      if (status === ROGUE) reportRogue(link, router, nowUs, sink);
    },
    tables(): Record<string, TableStats> {
      return { rogue_router_links: links.stats() };
    },
    flush(_nowUs: number, sink: FindingSink): void {
      for (const link of links.values()) {
        for (const router of link.routers) endRogue(link, router, sink);
        const flood = link.flood;
        if (
          flood !== null &&
          isFinalReportDue(flood, flood.advertisements, flood.lastNewUs)
        ) reportFlood(link, flood, flood.lastNewUs, sink);
      }
    },
  };
}

/** A router's MAC as the evidence names it: its option's, else its frames'. */
function macOf(router: Router): string {
  return router.linkMac !== "" ? router.linkMac : router.frameMac;
}
