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
 * 134, code 0, hop limit 255, from a link-local address. A router is its
 * link-local address, its frames' Ethernet source and its source link-layer
 * address option together, on its link: a VLAN (a tagged frame's innermost
 * id; VLAN 0, a priority tag, is the untagged link's). Per link, in the
 * order routers first advertise, a new router is a *rogue* when, against
 * the routers the link already has (advertised within `routerMemoryUs`,
 * and not rogues themselves):
 *
 * - `new_prefix`: it gives a prefix (a prefix information option with the
 *   on-link or autonomous flag and a valid lifetime; ndPrefixes) that none
 *   of them gives; a second router for the same prefixes (a redundant pair)
 *   gives none;
 * - `preferred_default_router`: it offers itself as default router (router
 *   lifetime above 0) at a higher preference (RFC 4191) than every default
 *   router among them, or where none of them is one: hosts then send it
 *   their off-link traffic;
 * - `flood`: it is one of `minFloodRouters` new routers on the link within
 *   `floodWindowUs` (a link has a router or two; flood_router6 sends
 *   thousands of advertisements a second, each from a new address and
 *   MAC).
 *
 * The first router a link shows is its router, whatever it says: the
 * detector learns the link's routers from the capture itself, so a rogue
 * router that advertises before the real one in a capture (routers
 * advertise every 200–600 s by default, and on a host's solicitation) is
 * taken for the link's router, and the real one is reported in its place;
 * the evidence names both (with the time the first advertised; the
 * alert's start is the other's). A router that changes its own prefixes
 * later (renumbering) is no new router.
 *
 * Findings (kind "rogue_router"): one incident per link, key "untagged" or
 * "vlan <id>"; attacker = the first rogue router's address (its MAC in the
 * evidence), "" for a flood (every rogue is another address); victim = the
 * destination of its first advertisement (ff02::1, all hosts on the link,
 * or the one host it was sent to). MITRE T1557 (Adversary-in-the-Middle),
 * a flood T1499 (Endpoint Denial of Service). Reported when the first rogue
 * appears, then when a new reason appears, the rogues' advertisements
 * doubled, or at most every `reportIntervalUs` while they grow, and with
 * the final figures at the input's end. The incident ends when its rogues
 * have not advertised for `routerMemoryUs`.
 *
 * Bounds: `maxLinks` links (least recently advertised evicted), each with
 * at most `maxRoutersPerLink` routers remembered; a new router beyond that
 * is still judged and counted, and takes the place of the rogue seen least
 * recently (never of one of the link's own routers), or is not remembered.
 * Advertisements are rare (a few a minute on a link), so nothing but the
 * flood needs admission.
 *
 * Limits: a rogue that forges the real router's link-local address and
 * both of its MACs is that router renumbering (and an ARP or NDP table
 * on the switch is what tells them apart); a router on a link with no
 * other router in the capture is the link's router; a second router
 * that gives its own prefix on purpose (two upstreams on one link) is
 * reported once, and an allowlist of its address
 * (`alerts.allowlist.perKind.rogue_router.cidrs`) keeps it quiet; a mirror
 * that merges several links untagged merges their routers; router
 * advertisements fragmented so that their options are in a later fragment
 * (RA Guard evasion, fake_router26 -E) are judged by their first fragment,
 * without the prefixes; route information options (RFC 4191) and DNS
 * options (RFC 8106) are not compared; an advertisement in the real
 * router's name from another MAC with lifetime 0 and no prefix (THC's
 * kill_router6, which makes hosts drop their default router) gives
 * nothing and is no rogue here; it is left to the NDP spoofing detector,
 * which sees the router's address claimed from another MAC.
 *
 * @module
 */

import type { PacketRecord } from "../capture/packet_record.ts";
import { isLinkLocalAddress } from "./addresses.ts";
import type { Finding, FindingSink, MitreTechnique } from "./alert.ts";
import { type Detector, PACKET_KIND, type TableStats } from "./detector.ts";
import { NumericKeyMap } from "./numeric_key_map.ts";
import { requirePositive } from "./option_checks.ts";
import {
  clearReportMark,
  isFinalReportDue,
  isGrowthReportDue,
  markReported,
  type ReportMark,
} from "./report_cadence.ts";

/** Options of {@linkcode createRogueRouterDetector}. */
export interface RogueRouterOptions {
  /** How long a router is remembered after its last advertisement, µs of packet time. */
  routerMemoryUs?: number;
  /** Window over which new routers on one link are counted for a flood, µs. */
  floodWindowUs?: number;
  /** New routers on one link within `floodWindowUs` that make a flood. */
  minFloodRouters?: number;
  /** Links (VLANs) tracked at once; beyond this the least recently advertised is forgotten. */
  maxLinks?: number;
  /** Routers remembered per link. */
  maxRoutersPerLink?: number;
  /** Packet time between repeated findings of one incident while it grows, µs. */
  reportIntervalUs?: number;
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
 * - `maxLinks` 1 024 × `maxRoutersPerLink` 16 routers of about 400 B: about
 *   7 MB in the worst case.
 * - `reportIntervalUs` 10 s, the alert lifecycle's update interval.
 */
export const ROGUE_ROUTER_DEFAULTS: Readonly<Required<RogueRouterOptions>> =
  Object.freeze({
    routerMemoryUs: 3_600_000_000,
    floodWindowUs: 60_000_000,
    minFloodRouters: 10,
    maxLinks: 1_024,
    maxRoutersPerLink: 16,
    reportIntervalUs: 10_000_000,
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
const FLOOD = 4;
const REASON_NAMES = ["new_prefix", "preferred_default_router", "flood"];

/** Rogue routers and prefixes listed in the evidence. */
const MAX_LISTED = 8;

/** The technique of a flood, more specific than the kind's. */
const FLOOD_TECHNIQUE: MitreTechnique = {
  id: "T1499",
  name: "Endpoint Denial of Service",
  tactic: "Impact",
};

/** One router of a link. */
interface Router {
  address: string;
  /** Ethernet source of its frames. */
  frameMac: string;
  /** Its source link-layer address option's MAC ("" without one). */
  linkMac: string;
  firstUs: number;
  lastUs: number;
  /** Prefixes it gives (bounded, as the decoder bounds one advertisement's). */
  prefixes: string[];
  /** Router lifetime of its latest advertisement, s. */
  lifetimeS: number;
  /** Preference rank of its latest advertisement: 0 low, 1 medium, 2 high. */
  preference: number;
  rogue: boolean;
}

/** One link's routers and its incident. */
interface Link extends ReportMark {
  /** "untagged" or "vlan <id>" (the incident's key). */
  name: string;
  /** The link as a sentence names it: "the untagged link", "VLAN <id>". */
  title: string;
  routers: Router[];
  /** Start of the current flood window and the new routers in it. */
  floodStartUs: number;
  floodRouters: number;
  /** Most new routers seen in one flood window. */
  peakFloodRouters: number;
  /** Incident: reasons (bits), rogue routers and their advertisements. */
  reasons: number;
  rogues: number;
  rogueAdvertisements: number;
  /** The first rogue, the link's router it was judged against, and where its advertisement went. */
  firstRogue: Router | null;
  established: Router | null;
  victim: string;
  listedRogues: string[];
  newPrefixes: string[];
  startUs: number;
  /** Packet time of the latest rogue advertisement, µs. */
  lastRogueUs: number;
}

/**
 * Creates the rogue router detector (kind "rogue_router"): one incident per
 * link where a new router gives other prefixes or takes the default route,
 * or new routers flood it.
 *
 * @example
 * ```ts
 * const detector = createRogueRouterDetector({ minFloodRouters: 20 });
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
  const links = new NumericKeyMap<Link>(config.maxLinks);

  function linkOf(vlanId: number): Link {
    // VLAN 0 (a priority tag) is the untagged link.
    const id = vlanId > 0 ? vlanId : 0;
    let link = links.get(id, 0, 0);
    if (link === undefined) {
      link = {
        name: id === 0 ? "untagged" : `vlan ${id}`,
        title: id === 0 ? "the untagged link" : `VLAN ${id}`,
        routers: [],
        floodStartUs: -Infinity,
        floodRouters: 0,
        peakFloodRouters: 0,
        reasons: 0,
        rogues: 0,
        rogueAdvertisements: 0,
        firstRogue: null,
        established: null,
        victim: "",
        listedRogues: [],
        newPrefixes: [],
        startUs: 0,
        lastRogueUs: -Infinity,
        reportedCount: 0,
        lastReportUs: -Infinity,
      };
      links.set(id, 0, 0, link);
    }
    return link;
  }

  /** Forgets routers silent for `routerMemoryUs`, and an incident whose rogues all are. */
  function expire(link: Link, nowUs: number): void {
    const oldestUs = nowUs - config.routerMemoryUs;
    if (link.routers.some((router) => router.lastUs < oldestUs)) {
      link.routers = link.routers.filter((router) => router.lastUs >= oldestUs);
    }
    if (link.reasons !== 0 && link.lastRogueUs < oldestUs) {
      link.reasons = 0;
      link.rogues = 0;
      link.rogueAdvertisements = 0;
      link.firstRogue = null;
      link.established = null;
      link.victim = "";
      link.listedRogues = [];
      link.newPrefixes = [];
      clearReportMark(link);
    }
  }

  /** The reasons (bits) that make `router`, new on `link`, a rogue. */
  function judge(link: Link, router: Router, nowUs: number): number {
    if (nowUs - link.floodStartUs >= config.floodWindowUs) {
      link.floodStartUs = nowUs;
      link.floodRouters = 0;
    }
    link.floodRouters++;
    if (link.floodRouters > link.peakFloodRouters) {
      link.peakFloodRouters = link.floodRouters;
    }
    let reasons = link.floodRouters >= config.minFloodRouters ? FLOOD : 0;
    const trusted = link.routers.filter((known) => !known.rogue);
    if (trusted.length === 0) return reasons;
    const given = new Set(trusted.flatMap((known) => known.prefixes));
    const fresh = router.prefixes.filter((prefix) => !given.has(prefix));
    if (fresh.length > 0) {
      reasons |= NEW_PREFIX;
      for (const prefix of fresh) {
        if (
          link.newPrefixes.length < MAX_LISTED &&
          !link.newPrefixes.includes(prefix)
        ) link.newPrefixes.push(prefix);
      }
    }
    if (router.lifetimeS > 0) {
      let best = -1;
      for (const known of trusted) {
        if (known.lifetimeS > 0 && known.preference > best) {
          best = known.preference;
        }
      }
      if (router.preference > best) reasons |= PREFERRED_DEFAULT_ROUTER;
    }
    if (reasons !== 0 && link.established === null) {
      link.established = trusted[0]!;
    }
    return reasons;
  }

  /**
   * Adds `router` to its link's table; when full, in place of the rogue
   * seen least recently (a flood's routers make way for the next), else
   * not at all (the link's own routers stay).
   */
  function remember(link: Link, router: Router): void {
    const routers = link.routers;
    if (routers.length < config.maxRoutersPerLink) {
      routers.push(router);
      return;
    }
    let stalest = -1;
    for (let i = 0; i < routers.length; i++) {
      const known = routers[i]!;
      if (
        known.rogue && (stalest < 0 || known.lastUs < routers[stalest]!.lastUs)
      ) stalest = i;
    }
    if (stalest >= 0) routers[stalest] = router;
  }

  function finding(link: Link, nowUs: number): Finding {
    const rogue = link.firstRogue!;
    const established = link.established;
    const flood = (link.reasons & FLOOD) !== 0;
    const reasons = REASON_NAMES.filter((_, bit) =>
      (link.reasons & (1 << bit)) !== 0
    );
    const evidence: Finding["evidence"] = {
      link: link.name,
      reasons,
      rogueRouters: link.rogues,
      rogueAdvertisements: link.rogueAdvertisements,
      rogueRouterSamples: link.listedRogues,
      firstRogueMac: rogue.linkMac !== "" ? rogue.linkMac : rogue.frameMac,
      firstRoguePrefixes: rogue.prefixes,
      firstRogueLifetimeS: rogue.lifetimeS,
      firstRoguePreference: PREFERENCE_NAMES[rogue.preference]!,
      newPrefixes: link.newPrefixes,
      peakNewRoutersPerWindow: link.peakFloodRouters,
      floodWindowUs: config.floodWindowUs,
    };
    if (established !== null) {
      evidence.establishedRouter = established.address;
      evidence.establishedRouterMac = established.linkMac !== ""
        ? established.linkMac
        : established.frameMac;
      evidence.establishedPrefixes = established.prefixes;
      evidence.establishedFirstSeenUs = established.firstUs;
    }
    const what = flood
      ? `${link.rogues} new routers advertised on ${link.title} (up to ${link.peakFloodRouters} within ${
        config.floodWindowUs / 1e6
      } s): a router advertisement flood`
      : `${rogue.address} (${evidence.firstRogueMac}) advertised itself as a router on ${link.title}${
        established !== null ? `, where ${established.address} serves` : ""
      }${
        link.newPrefixes.length > 0
          ? `, giving ${link.newPrefixes.join(", ")}`
          : ""
      }${
        (link.reasons & PREFERRED_DEFAULT_ROUTER) !== 0
          ? `, as the preferred default router (${
            PREFERENCE_NAMES[rogue.preference]
          } preference, ${rogue.lifetimeS} s)`
          : ""
      }`;
    return {
      kind: "rogue_router",
      key: link.name,
      timestampUs: nowUs,
      startUs: link.startUs,
      severity: flood ? "critical" : "high",
      attacker: flood ? "" : rogue.address,
      victim: link.victim,
      domain: "",
      summary: `${what}; ${link.rogueAdvertisements} rogue advertisements.`,
      evidence,
      ...(flood ? { mitre: FLOOD_TECHNIQUE } : {}),
    };
  }

  function report(link: Link, nowUs: number, sink: FindingSink): void {
    sink(finding(link, nowUs));
    markReported(link, link.rogueAdvertisements, nowUs);
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
      const link = linkOf(packet.vlanId);
      expire(link, nowUs);
      const address = packet.srcAddress;
      const frameMac = packet.srcMac;
      const linkMac = packet.ndLinkMac;
      const prefixes = packet.ndPrefixes === ""
        ? []
        : packet.ndPrefixes.split(",");
      const lifetimeS = packet.ndRouterLifetimeS;
      const preference = PREFERENCE_RANKS[(packet.ndFlags >> 3) & 3]!;
      const router = link.routers.find((known) =>
        known.address === address && known.frameMac === frameMac &&
        known.linkMac === linkMac
      );
      if (router !== undefined) {
        router.lastUs = nowUs;
        router.lifetimeS = lifetimeS;
        router.preference = preference;
        if (!router.rogue) {
          // Its own prefixes may change (renumbering).
          for (const prefix of prefixes) {
            if (
              router.prefixes.length < MAX_LISTED &&
              !router.prefixes.includes(prefix)
            ) router.prefixes.push(prefix);
          }
          return;
        }
        link.rogueAdvertisements++;
        link.lastRogueUs = nowUs;
      } else {
        const fresh: Router = {
          address,
          frameMac,
          linkMac,
          firstUs: nowUs,
          lastUs: nowUs,
          prefixes,
          lifetimeS,
          preference,
          rogue: false,
        };
        const reasons = judge(link, fresh, nowUs);
        fresh.rogue = reasons !== 0;
        remember(link, fresh);
        if (reasons === 0) return;
        if (link.firstRogue === null) {
          link.firstRogue = fresh;
          link.victim = packet.dstAddress;
          link.startUs = nowUs;
        }
        link.rogues++;
        if (link.listedRogues.length < MAX_LISTED) {
          link.listedRogues.push(
            `${address} ${linkMac !== "" ? linkMac : frameMac}`,
          );
        }
        const added = reasons & ~link.reasons;
        link.reasons |= reasons;
        link.rogueAdvertisements++;
        link.lastRogueUs = nowUs;
        if (added !== 0) {
          report(link, nowUs, sink);
          return;
        }
      }
      if (
        isGrowthReportDue(
          link,
          link.rogueAdvertisements,
          nowUs,
          config.reportIntervalUs,
        )
      ) report(link, nowUs, sink);
    },
    tables(): Record<string, TableStats> {
      return { rogue_router_links: links.stats() };
    },
    flush(_nowUs: number, sink: FindingSink): void {
      for (const link of links.values()) {
        if (
          link.reasons !== 0 &&
          isFinalReportDue(link, link.rogueAdvertisements, link.lastRogueUs)
        ) report(link, link.lastRogueUs, sink);
      }
    },
  };
}
