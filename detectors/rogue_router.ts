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
 * the decoder gives them (ndPrefixes: the ones hosts configure; ndRoutes,
 * ndDnsServers and ndDnsWithdrawn as RFC 4191 and RFC 8106 have hosts read
 * them; Linux takes only the default route of route options unless told
 * otherwise). A router
 * is its link-local address, its frames' Ethernet source and its source
 * link-layer address option together, on its link: a VLAN (a tagged
 * frame's innermost id; VLAN 0, a priority tag, is the untagged link's).
 *
 * The link's routers are learnt from the capture: the routers in
 * `knownRouters` (every MAC they show, frame and option, must be one), and
 * otherwise the routers that advertised first. A link is *served* once one
 * of its routers has been a default router (router lifetime above 0), and
 * stays so while any of its routers is remembered (a router whose uplink is
 * down advertises lifetime 0 for a while, RFC 7084); until then, every
 * router that comes is one of the link's (a Thread border router that gives
 * no default route does not serve a link, and the home router that then
 * comes is no rogue). On a served link, a router is a *rogue* when, against
 * the link's other routers (advertised within `routerMemoryUs`),
 *
 * - `new_prefix`: it gives a prefix that none of them gives (a second
 *   router for the same prefixes, a redundant pair, gives none);
 * - `preferred_default_router`: it offers itself as default router at a
 *   higher preference (RFC 4191) than the best of them as a default router
 *   (their latest advertisement with a lifetime): hosts then send it their
 *   off-link traffic;
 * - `new_route`: it gives a route (a route information option, RFC 4191:
 *   fake_router26 -R, hosts send it the traffic for that prefix, ::/1 and
 *   8000::/1 being all of it) that none of them gives;
 * - `other_dns`: it names a DNS server (a recursive DNS server option, RFC
 *   8106: fake_router26 -D, which Windows, systemd and Android take) that
 *   none of them has named while remembered: the hosts' lookups then go
 *   where it says;
 * - `withdraws_dns`: it withdraws (lifetime 0) a DNS server that one of
 *   them names, and hosts drop it whoever withdraws it: their lookups stop,
 *   or move to DHCPv6 or IPv4 DNS, where mitm6 may answer.
 *
 * A route to a prefix the link's routers give is no new route.
 *
 * A new router is judged at its first advertisement, and each later one of
 * a router of the link's is judged again, so that a rogue cannot first
 * pass as a harmless copy of the real router and then change its word;
 * only the link's first router (its *anchor*, or a known one) may change
 * its prefixes and preference freely (renumbering). When the anchor has
 * gone (silent for `routerMemoryUs`), no other router inherits that
 * freedom: its last word stays one of the link's, to judge the others by,
 * until every router of the link has gone and the link starts afresh. A
 * `flood` is `minFloodRouters` new routers (distinct ones) on one link within
 * any `floodWindowUs` (a link has a router or two; flood_router6 sends
 * thousands of advertisements a second, each from a new address and MAC).
 *
 * Findings (kind "rogue_router"), one incident per rogue router, key
 * "<link> <address> <MAC>" (link "untagged" or "vlan <id>"): attacker = its
 * address, victim = the destination of its first advertisement (ff02::1,
 * all hosts on the link, or the one host it was sent to), MITRE T1557
 * (Adversary-in-the-Middle). A flood is one incident per link, key "<link>
 * flood", attacker "" (every router is another address), MITRE T1499
 * (Endpoint Denial of Service): the new routers that come while it lasts
 * are taken into it unjudged, and each is judged at its next advertisement
 * (a flood's one-off routers never send one; a persistent rogue among them
 * does, and has its own incident from then on). So that a flood's first
 * routers make one alert, not one each, a rogue that comes within
 * `floodWindowUs` of another rogue waits: it is reported at its next
 * harmful advertisement (fake_router6 repeats every 5 s), or once the
 * window has passed without a flood taking it in (at the link's next
 * advertisement, or at the input's end), or when its place in the table
 * goes to another. Reported when the incident begins, then when a new
 * reason appears, its harmful advertisements (those that give a reason)
 * doubled, or at most every `reportIntervalUs` while they grow, and with
 * the final figures when it ends: its router silent for `routerMemoryUs`,
 * or harmless for as long (it is one of the link's again); a flood with no
 * new router for `floodWindowUs`; the input's end.
 *
 * Bounds: `maxLinks` links, as many as there are VLAN ids, so no link's
 * routers are ever evicted to make room for another's (an advertisement
 * that gives nothing, lifetime 0 and no prefix, route or DNS server, opens
 * no link); each with
 * at most `maxRoutersPerLink` routers, of which four places are kept for
 * rogues and a flood's routers (a newcomer takes the place of, first, the
 * flood's router seen least recently, then a reported rogue, then a
 * waiting one; a router of the link's beyond the others' places is judged
 * afresh at each advertisement, and not remembered). Advertisements are
 * rare (a few a minute on a link), so nothing but the flood needs
 * admission.
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
 *   (`alerts.allowlist.perKind.rogue_router.cidrs`) also silences it, but
 *   trusts an address anyone on the link can take, on every link
 *   (link-local addresses such as fe80::1 repeat): prefer `knownRouters`.
 * - A rogue that forges the link router's address and both of its MACs is
 *   that router, and one that forges every MAC of a known router is known
 *   (a switch's port security is what tells them apart).
 * - A router that comes when the link has had no router for
 *   `routerMemoryUs` is the link's first router again.
 * - A link with more routers than its places (eight by default) counts the
 *   others as new at their advertisements, once within each run of
 *   `minFloodRouters` new routers, and may see a flood when ten of them
 *   answer one router solicitation at once.
 * - A rogue at the link router's own preference, with its prefixes, adds a
 *   second default route that hosts may or may not use: a redundant pair
 *   looks the same, and it is not reported. The DNS search list (RFC 8106),
 *   a route's preference (a rogue giving the link's route at a higher one),
 *   the managed and other flags (which send hosts to DHCPv6), the hop limit
 *   and the MTU are not compared. A second router that names a DNS server
 *   or gives a route the link's first does not is reported: a pair of which
 *   only one sends RDNSS, or each naming itself (dnsmasq's and odhcpd's
 *   default); `knownRouters` makes them the link's. An advertisement names
 *   four DNS servers and eight routes at most: a rogue that lists more of
 *   the link's first hides its own past them.
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
 * - Incidents end, and waiting rogues are reported, at the link's next
 *   router advertisement (or the input's end): an idle VLAN's wait longer.
 *
 * @module
 */

import type { PacketRecord } from "../capture/packet_record.ts";
import { isLinkLocalAddress } from "./addresses.ts";
import { addUnique, listOf } from "./evidence_list.ts";
import { countText, type FindingSink, type MitreTechnique } from "./alert.ts";
import {
  type Detector,
  isAcceptedNeighborDiscovery,
  PACKET_KIND,
  type TableStats,
} from "./detector.ts";
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
  /** How long a router is remembered after its last advertisement, and a rogue's incident after its last harmful one, µs of packet time. */
  routerMemoryUs?: number;
  /** Window in which new routers on one link are counted for a flood, µs; also how long a rogue beside another may wait for its report. */
  floodWindowUs?: number;
  /** New routers on one link within `floodWindowUs` that make a flood (an integer, 2 to 1 000). */
  minFloodRouters?: number;
  /** Links (VLANs) tracked at once. */
  maxLinks?: number;
  /** Routers remembered per link (an integer, 5 to 1 000; four places kept for rogues). */
  maxRoutersPerLink?: number;
  /** Packet time between repeated findings of one incident while it grows, µs. */
  reportIntervalUs?: number;
  /** MACs of the network's routers ("aa:bb:cc:dd:ee:ff"): a router whose frames and link-layer address option both show one is its link's router, never a rogue. */
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
 * - `maxLinks` 4 096, every VLAN id, × `maxRoutersPerLink` 12 routers: about
 *   50 MB in the worst case (measured with eight prefixes and an incident
 *   each).
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
/** Preference by its two bits of the flags byte (RFC 4191 section 2.2): medium 0, high 1, reserved 2 (taken as medium), low 3. */
const PREFERENCE_RANKS = [1, 2, 1, 0] as const;
const PREFERENCE_NAMES = ["low", "medium", "high"] as const;

/** Reasons, as bits, in the order of {@linkcode REASON_NAMES}. */
const NEW_PREFIX = 1;
const PREFERRED_DEFAULT_ROUTER = 2;
const NEW_ROUTE = 4;
const OTHER_DNS = 8;
const WITHDRAWS_DNS = 16;
const REASON_NAMES = [
  "new_prefix",
  "preferred_default_router",
  "new_route",
  "other_dns",
  "withdraws_dns",
];

/** Places of a link's router table kept for rogues and a flood's routers. */
const ROGUE_PLACES = 4;
/** Most new routers a flood may need, and routers a link may hold. */
const MAX_COUNT_OPTION = 1_000;

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

/** What a router is to its link: one of the link's routers. */
const TRUSTED = 0;
/** A rogue with an incident of its own, reported. */
const ROGUE = 1;
/** A rogue that came beside another recent one: reported at its next harmful advertisement, or once `floodWindowUs` has passed without a flood taking it in. */
const PENDING = 2;
/** A new router counted in a flood, not judged yet: judged at its next advertisement. */
const FLOODING = 3;

/** The link's router a rogue was judged against, as it was then. */
interface Established {
  address: string;
  mac: string;
  prefixes: string[];
  routes: string[];
  dnsServers: string[];
  preference: number;
  firstUs: number;
}

/** One rogue router's incident. */
interface RogueIncident extends ReportMark {
  key: string;
  reasons: number;
  /** Its prefixes, routes and DNS servers no router of the link's gives (bounded). */
  newPrefixes: string[];
  newRoutes: string[];
  newDnsServers: string[];
  /** The link's DNS servers it withdrew (bounded). */
  withdrawnDnsServers: string[];
  /** Its harmful advertisements (those that give a reason). */
  advertisements: number;
  startUs: number;
  lastHarmfulUs: number;
  /** Preference and router lifetime of its latest harmful advertisement. */
  preference: number;
  lifetimeS: number;
  prefixes: string[];
  victim: string;
  established: Established;
}

/** Why a router is a rogue: the reasons (bits), what it gives that no router of the link's gives, and the router it is judged against. */
interface Verdict {
  reasons: number;
  fresh: string[];
  freshRoutes: string[];
  freshDns: string[];
  established: Router | null;
}

/** The items of `mine` that no router of `others` gives (by `of`). */
function notGiven(
  mine: readonly string[],
  others: readonly Router[],
  of: (router: Router) => readonly string[],
): string[] {
  if (mine.length === 0) return [];
  const given = new Set(others.flatMap(of));
  return mine.filter((item) => !given.has(item));
}

/** Adds `items` new to `listed`, at most {@linkcode MAX_LISTED}. */
function addNew(listed: string[], items: readonly string[]): void {
  addUnique(listed, items, MAX_LISTED);
}

/** One router of a link. */
interface Router {
  /** Address, frame MAC and option MAC: who it is. */
  identity: string;
  address: string;
  /** Ethernet source of its frames. */
  frameMac: string;
  /** Its source link-layer address option's MAC ("" without one). */
  linkMac: string;
  firstUs: number;
  lastUs: number;
  /** The prefixes, routes and DNS servers its latest advertisement gives. */
  prefixes: string[];
  routes: string[];
  dnsServers: string[];
  /** The routes and DNS servers it has given while remembered (an advertisement may leave some out), at most eight each; a DNS server it withdraws leaves. */
  routesSeen: string[];
  dnsSeen: string[];
  /** The DNS servers its latest advertisement withdraws that it had not named itself. */
  withdrawn: string[];
  /** Router lifetime of its latest advertisement, s. */
  lifetimeS: number;
  /** Preference rank of its latest advertisement: 0 low, 1 medium, 2 high. */
  preference: number;
  /** Preference of its latest advertisement as a default router (lifetime above 0), or -1 when none was. */
  defaultPreference: number;
  /** One of `knownRouters`. */
  known: boolean;
  status: number;
  incident: RogueIncident | null;
}

/** A link's flood incident. */
interface Flood extends ReportMark {
  key: string;
  /** New routers since its window began. */
  routers: number;
  /** Of them, the ones it took in unjudged (their first advertisements). */
  advertisements: number;
  startUs: number;
  lastNewUs: number;
  /** Most new routers in one window, counted in windows from its start. */
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
  /** The link's first router, free to renumber; null once it has gone (no other inherits it). */
  anchor: Router | null;
  /** The anchor's last word once it has gone: routers are judged against it too, until the link has an anchor again. */
  ghost: Router | null;
  /** A router of the link's has been a default router (until every router has gone). */
  served: boolean;
  /** The latest new routers: times and identities, a ring of `minFloodRouters`. */
  newRouterUs: Float64Array;
  newRouterIds: string[];
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
  for (
    const [name, least] of [
      ["minFloodRouters", 2],
      ["maxRoutersPerLink", ROGUE_PLACES + 1],
    ] as const
  ) {
    const value = config[name];
    if (!Number.isInteger(value) || value < least || value > MAX_COUNT_OPTION) {
      throw new RangeError(
        `Cannot create rogue router detector: ${name} must be an integer from ${least} to ${MAX_COUNT_OPTION}, got ${value}`,
      );
    }
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
        anchor: null,
        ghost: null,
        served: false,
        newRouterUs: new Float64Array(config.minFloodRouters).fill(-Infinity),
        newRouterIds: [],
        newRouters: 0,
        flood: null,
      };
      links.set(id, 0, 0, link);
    }
    return link;
  }

  /**
   * Ends what time has ended on `link` at `nowUs`: routers silent for
   * `routerMemoryUs` (their incidents with them), rogues harmless for as
   * long, the wait of rogues beside another, a flood with no new router for
   * a window.
   */
  function expire(link: Link, nowUs: number, sink: FindingSink): void {
    const oldestUs = nowUs - config.routerMemoryUs;
    let gone = false;
    for (const router of link.routers) {
      if (router.lastUs < oldestUs) {
        endIncident(link, router, sink);
        gone = true;
        continue;
      }
      const incident = router.incident;
      if (incident === null) continue;
      if (
        router.status === PENDING &&
        nowUs - router.firstUs > config.floodWindowUs
      ) {
        reportRogue(link, router, router.lastUs, sink);
      } else if (incident.lastHarmfulUs < oldestUs) {
        endIncident(link, router, sink);
        router.status = TRUSTED;
      }
    }
    if (gone) {
      link.routers = link.routers.filter((router) => router.lastUs >= oldestUs);
      if (link.anchor !== null && link.anchor.lastUs < oldestUs) {
        link.ghost = link.anchor;
        link.anchor = null;
      }
      // Every router gone: the link starts afresh.
      if (link.routers.length === 0) {
        link.served = false;
        link.ghost = null;
      }
    }
    const flood = link.flood;
    if (flood !== null && nowUs - flood.lastNewUs > config.floodWindowUs) {
      finishFlood(link, sink);
      link.flood = null;
    }
  }

  /** Reports a router's incident's final figures when due (a rogue still waiting always). */
  function finishRogue(link: Link, router: Router, sink: FindingSink): void {
    const incident = router.incident;
    if (
      incident !== null &&
      (router.status === PENDING ||
        isFinalReportDue(
          incident,
          incident.advertisements,
          incident.lastHarmfulUs,
        ))
    ) reportRogue(link, router, incident.lastHarmfulUs, sink);
  }

  /** Reports the link's flood's final figures when due. */
  function finishFlood(link: Link, sink: FindingSink): void {
    const flood = link.flood;
    if (
      flood !== null &&
      isFinalReportDue(flood, flood.advertisements, flood.lastNewUs)
    ) reportFlood(link, flood, flood.lastNewUs, sink);
  }

  /** Ends a router's incident with its final figures, and forgets it. */
  function endIncident(link: Link, router: Router, sink: FindingSink): void {
    finishRogue(link, router, sink);
    router.incident = null;
  }

  /** The reasons (bits) that make `router` a rogue on `link`, the prefixes, routes and DNS servers it gives that no router of the link's gives, and the router it is judged against. */
  function judge(link: Link, router: Router): Verdict {
    const none: Verdict = {
      reasons: 0,
      fresh: [],
      freshRoutes: [],
      freshDns: [],
      established: null,
    };
    if (!link.served) return none;
    const others = link.routers.filter((other) =>
      other !== router && other.status === TRUSTED
    );
    if (link.ghost !== null) others.push(link.ghost);
    if (others.length === 0) return none;
    // The best default router: the highest preference, then the earliest.
    let established: Router | null = null;
    for (const other of others) {
      if (
        other.defaultPreference >= 0 &&
        (established === null ||
          other.defaultPreference > established.defaultPreference ||
          (other.defaultPreference === established.defaultPreference &&
            other.firstUs < established.firstUs))
      ) established = other;
    }
    const fresh = notGiven(router.prefixes, others, (other) => other.prefixes);
    let reasons = fresh.length > 0 ? NEW_PREFIX : 0;
    if (
      router.lifetimeS > 0 &&
      router.preference > (established?.defaultPreference ?? -1)
    ) reasons |= PREFERRED_DEFAULT_ROUTER;
    // A route to a prefix the link's routers give is no new route.
    const freshRoutes = notGiven(
      router.routes,
      others,
      (other) => [...other.routesSeen, ...other.prefixes],
    );
    if (freshRoutes.length > 0) reasons |= NEW_ROUTE;
    const freshDns = notGiven(
      router.dnsServers,
      others,
      (other) => other.dnsSeen,
    );
    if (freshDns.length > 0) reasons |= OTHER_DNS;
    // Withdrawing a DNS server of the link's takes it from every host.
    if (
      router.withdrawn.length > 0 &&
      notGiven(router.withdrawn, others, (other) => other.dnsSeen).length <
        router.withdrawn.length
    ) reasons |= WITHDRAWS_DNS;
    return {
      reasons,
      fresh,
      freshRoutes,
      freshDns,
      established: established ?? others[0]!,
    };
  }

  /**
   * Adds `router` to its link's table: a router of the link's while places
   * other than the four kept are free; any other in place of, first, the
   * flood's router seen least recently, then the reported rogue, then the
   * waiting one (whose incident ends with a report).
   */
  function remember(link: Link, router: Router, sink: FindingSink): void {
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
    let victim = -1;
    for (const status of [FLOODING, ROGUE, PENDING]) {
      for (let i = 0; i < routers.length; i++) {
        const other = routers[i]!;
        if (
          other.status === status &&
          (victim < 0 || other.lastUs < routers[victim]!.lastUs)
        ) victim = i;
      }
      if (victim >= 0) break;
    }
    if (victim < 0) return;
    endIncident(link, routers[victim]!, sink);
    routers[victim] = router;
  }

  /** Counts a router new to the link (once per identity among the last `minFloodRouters`); true when that many came within the window. */
  function countNewRouter(link: Link, router: Router, nowUs: number): boolean {
    const ring = link.newRouterUs;
    const ids = link.newRouterIds;
    if (ids.includes(router.identity)) return false;
    const at = link.newRouters++ % ring.length;
    ring[at] = nowUs;
    ids[at] = router.identity;
    // The oldest of the last `minFloodRouters` new routers.
    return nowUs - ring[(at + 1) % ring.length]! <= config.floodWindowUs;
  }

  /**
   * Makes `router` one of the link's flood. A flood begins with the new
   * routers of its window (the ring's), and takes in the rogues still
   * waiting among them; later new routers join it while it lasts.
   */
  function joinFlood(link: Link, router: Router, nowUs: number): Flood {
    let flood = link.flood;
    if (flood === null) {
      const windowStartUs = nowUs - config.floodWindowUs;
      // It starts with the first of them that is not a router of the link's.
      const trusted = new Set(
        link.routers.filter((other) => other.status === TRUSTED).map((
          other,
        ) => other.identity),
      );
      let startUs = nowUs;
      let routers = 0;
      link.newRouterUs.forEach((us, i) => {
        if (us < windowStartUs) return;
        routers++;
        if (us < startUs && !trusted.has(link.newRouterIds[i]!)) startUs = us;
      });
      flood = {
        key: `${link.name} flood`,
        routers,
        advertisements: 0,
        startUs,
        lastNewUs: nowUs,
        peakRouters: routers,
        windowStartUs: startUs,
        windowRouters: routers,
        samples: [],
        reportedCount: 0,
        lastReportUs: -Infinity,
      };
      link.flood = flood;
      const waiting = link.routers.filter((other) =>
        other.status === PENDING && other.firstUs >= windowStartUs
      );
      for (const other of waiting) addToFlood(flood, other);
    } else {
      flood.routers++;
      flood.lastNewUs = nowUs;
      if (nowUs - flood.windowStartUs >= config.floodWindowUs) {
        flood.windowStartUs = nowUs;
        flood.windowRouters = 0;
      }
      flood.windowRouters++;
      if (flood.windowRouters > flood.peakRouters) {
        flood.peakRouters = flood.windowRouters;
      }
    }
    addToFlood(flood, router);
    return flood;
  }

  /** Counts `router`'s advertisement in the flood; its own judgment waits for its next one. */
  function addToFlood(flood: Flood, router: Router): void {
    router.status = FLOODING;
    router.incident = null;
    flood.advertisements++;
    if (flood.samples.length < MAX_LISTED) {
      flood.samples.push(`${router.address} ${macOf(router)}`);
    }
  }

  /** Opens `router`'s incident: reported now, or waiting when another rogue came within the window. */
  function openRogue(
    link: Link,
    router: Router,
    verdict: Verdict,
    victim: string,
    nowUs: number,
    mayWait: boolean,
  ): void {
    const waits = mayWait && link.routers.some((other) =>
      other !== router &&
      (other.status === ROGUE || other.status === PENDING) &&
      nowUs - other.firstUs <= config.floodWindowUs
    );
    const established = verdict.established!;
    router.status = waits ? PENDING : ROGUE;
    router.incident = {
      key: `${link.name} ${router.address} ${macOf(router)}`,
      reasons: verdict.reasons,
      newPrefixes: verdict.fresh.slice(0, MAX_LISTED),
      newRoutes: verdict.freshRoutes.slice(0, MAX_LISTED),
      newDnsServers: verdict.freshDns.slice(0, MAX_LISTED),
      withdrawnDnsServers: (verdict.reasons & WITHDRAWS_DNS) !== 0
        ? router.withdrawn.slice(0, MAX_LISTED)
        : [],
      advertisements: 1,
      startUs: nowUs,
      lastHarmfulUs: nowUs,
      preference: router.preference,
      lifetimeS: router.lifetimeS,
      prefixes: [...router.prefixes],
      victim,
      established: {
        address: established.address,
        mac: macOf(established),
        prefixes: [...established.prefixes],
        routes: [...established.routes],
        dnsServers: [...established.dnsServers],
        preference: Math.max(0, established.defaultPreference),
        firstUs: established.firstUs,
      },
      reportedCount: 0,
      lastReportUs: -Infinity,
    };
  }

  /** Counts a harmful advertisement of a rogue; reports a waiting one, a new reason, or growth. */
  function harmful(
    link: Link,
    router: Router,
    verdict: Verdict,
    nowUs: number,
    sink: FindingSink,
  ): void {
    const incident = router.incident!;
    incident.advertisements++;
    incident.lastHarmfulUs = nowUs;
    incident.preference = router.preference;
    incident.lifetimeS = router.lifetimeS;
    incident.prefixes = [...router.prefixes];
    addNew(incident.newPrefixes, verdict.fresh);
    addNew(incident.newRoutes, verdict.freshRoutes);
    addNew(incident.newDnsServers, verdict.freshDns);
    if ((verdict.reasons & WITHDRAWS_DNS) !== 0) {
      addNew(incident.withdrawnDnsServers, router.withdrawn);
    }
    const added = verdict.reasons & ~incident.reasons;
    incident.reasons |= verdict.reasons;
    if (
      added !== 0 ||
      isGrowthReportDue(
        incident,
        incident.advertisements,
        nowUs,
        config.reportIntervalUs,
      )
    ) reportRogue(link, router, nowUs, sink);
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
    const preference = PREFERENCE_NAMES[incident.preference]!;
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
      incident.newRoutes.length > 0
        ? `with routes ${incident.newRoutes.join(", ")}`
        : "",
      incident.newDnsServers.length > 0
        ? `naming ${incident.newDnsServers.join(", ")} as DNS server`
        : "",
      incident.withdrawnDnsServers.length > 0
        ? `withdrawing DNS server ${incident.withdrawnDnsServers.join(", ")}`
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
      summary: `${what}; ${countText(advertisements, "advertisement")}.`,
      evidence: {
        link: link.name,
        reasons,
        routerMac: mac,
        prefixes: [...incident.prefixes],
        newPrefixes: [...incident.newPrefixes],
        newRoutes: [...incident.newRoutes],
        newDnsServers: [...incident.newDnsServers],
        withdrawnDnsServers: [...incident.withdrawnDnsServers],
        routerLifetimeS: incident.lifetimeS,
        preference,
        advertisements,
        establishedRouter: established.address,
        establishedRouterMac: established.mac,
        establishedPrefixes: [...established.prefixes],
        establishedRoutes: [...established.routes],
        establishedDnsServers: [...established.dnsServers],
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
    sink({
      kind: "rogue_router",
      key: flood.key,
      timestampUs: nowUs,
      startUs: flood.startUs,
      severity: "critical",
      attacker: "",
      victim: "",
      domain: "",
      summary: `A router advertisement flood on ${link.title}: ${
        countText(flood.routers, "new router")
      } (${config.minFloodRouters} or more within ${
        config.floodWindowUs / 1e6
      } s), ${flood.advertisements} of them taken into it unjudged.`,
      evidence: {
        link: link.name,
        reasons: ["flood"],
        newRouters: flood.routers,
        floodRouters: flood.advertisements,
        peakNewRoutersPerWindow: flood.peakRouters,
        floodWindowUs: config.floodWindowUs,
        routerSamples: [...flood.samples],
      },
      mitre: FLOOD_TECHNIQUE,
    });
    markReported(flood, flood.advertisements, nowUs);
  }

  return {
    name: "rogue_router",
    packetKinds: PACKET_KIND.NEIGHBOR_DISCOVERY,
    observe(packet: PacketRecord, sink: FindingSink): void {
      if (
        !isAcceptedNeighborDiscovery(packet, ROUTER_ADVERTISEMENT) ||
        packet.ndRouterLifetimeS < 0 || !isLinkLocalAddress(packet.srcAddress)
      ) return;
      const nowUs = packet.timestampUs;
      const lifetimeS = packet.ndRouterLifetimeS;
      const prefixes = listOf(packet.ndPrefixes);
      const routes = listOf(packet.ndRoutes);
      const dnsServers = listOf(packet.ndDnsServers);
      const withdrawn = listOf(packet.ndDnsWithdrawn);
      // VLAN 0 (a priority tag) is the untagged link.
      const id = packet.vlanId > 0 ? packet.vlanId : 0;
      // An advertisement that gives nothing opens no link.
      if (
        lifetimeS === 0 && prefixes.length === 0 && routes.length === 0 &&
        dnsServers.length === 0 && withdrawn.length === 0 &&
        links.peek(id, 0, 0) === undefined
      ) return;
      const link = linkOf(id);
      expire(link, nowUs, sink);
      const address = packet.srcAddress;
      const frameMac = packet.srcMac;
      const linkMac = packet.ndLinkMac;
      const identity = `${address} ${frameMac} ${linkMac}`;
      const preference = PREFERENCE_RANKS[(packet.ndFlags >> 3) & 3]!;
      let router = link.routers.find((other) => other.identity === identity);
      const isNew = router === undefined;
      if (router === undefined) {
        router = {
          identity,
          address,
          frameMac,
          linkMac,
          firstUs: nowUs,
          lastUs: nowUs,
          prefixes,
          routes,
          dnsServers,
          routesSeen: routes.slice(0, MAX_LISTED),
          dnsSeen: dnsServers.slice(0, MAX_LISTED),
          withdrawn,
          lifetimeS,
          preference,
          defaultPreference: lifetimeS > 0 ? preference : -1,
          // Every MAC it shows is a known router's.
          known: known.has(frameMac) && (linkMac === "" || known.has(linkMac)),
          status: TRUSTED,
          incident: null,
        };
        if (
          !router.known &&
          (countNewRouter(link, router, nowUs) || link.flood !== null)
        ) {
          const flood = joinFlood(link, router, nowUs);
          remember(link, router, sink);
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
      } else {
        router.lastUs = nowUs;
        router.prefixes = prefixes;
        router.routes = routes;
        router.dnsServers = dnsServers;
        router.withdrawn = withdrawn.filter((dns) =>
          !router!.dnsSeen.includes(dns)
        );
        router.dnsSeen = router.dnsSeen.filter((dns) =>
          !withdrawn.includes(dns)
        );
        addNew(router.routesSeen, routes);
        addNew(router.dnsSeen, dnsServers);
        router.lifetimeS = lifetimeS;
        router.preference = preference;
        if (lifetimeS > 0) router.defaultPreference = preference;
      }
      if (router.known || router === link.anchor) {
        if (isNew) adopt(link, router, sink);
        else if (lifetimeS > 0) link.served = true;
        return;
      }
      const verdict = judge(link, router);
      if (router.status === ROGUE || router.status === PENDING) {
        if (verdict.reasons !== 0) harmful(link, router, verdict, nowUs, sink);
        return;
      }
      // A router of the link's, a new one, or a flood's, now judged.
      if (verdict.reasons === 0) {
        router.status = TRUSTED;
        if (isNew) adopt(link, router, sink);
        else if (lifetimeS > 0) link.served = true;
        return;
      }
      openRogue(link, router, verdict, packet.dstAddress, nowUs, isNew);
      if (isNew) remember(link, router, sink);
      if (router.status === ROGUE) reportRogue(link, router, nowUs, sink);
    },
    tables(): Record<string, TableStats> {
      return { rogue_router_links: links.stats() };
    },
    flush(_nowUs: number, sink: FindingSink): void {
      for (const link of links.values()) {
        for (const router of link.routers) finishRogue(link, router, sink);
        finishFlood(link, sink);
      }
    },
  };

  /** Remembers a new router of the link's: its first is the anchor, a default one serves it. */
  function adopt(link: Link, router: Router, sink: FindingSink): void {
    if (
      link.anchor === null &&
      !link.routers.some((other) => other.status === TRUSTED)
    ) {
      link.anchor = router;
      link.ghost = null;
    }
    remember(link, router, sink);
    if (router.lifetimeS > 0) link.served = true;
  }
}

/** A router's MAC as the evidence names it: its option's, else its frames'. */
function macOf(router: { linkMac: string; frameMac: string }): string {
  return router.linkMac !== "" ? router.linkMac : router.frameMac;
}
