/**
 * DHCP starvation detector, for DHCP over IPv4 (RFC 2131): clients that are
 * ever new asking a link's DHCP servers for leases faster than any real
 * network's hosts join, until the servers' pools are empty (dhcpstarv:
 * new client MACs from the attacker's own MAC; yersinia's DHCP discover
 * attack and DHCPig: new client MACs, each frame from one too), so that
 * real hosts get no address, or get one from the attacker's rogue server,
 * which the starvation clears the way for.
 *
 * Counted: clients' discovers and requests (DHCP types 1 and 3, to UDP port
 * 67, from port 68 or from a relay agent's 67), by who the client is to a
 * server (RFC 2131 section 4.2: its client identifier, option 61, else its
 * hardware address), per link (a VLAN; relayed requests count on the VLAN
 * they arrive on, whatever relay agent they name, which a client can
 * forge). A request with the client's own address set (renewing a lease it
 * holds) takes no new lease and is not counted. A starvation is
 * `minClients` clients not seen within `windowUs` that ask within it; it
 * ends when none has come for a sixth of a window, or fewer than a quarter
 * of that many came within a window.
 *
 * Findings (kind "dhcp_starvation", MITRE T1499.002, Service Exhaustion
 * Flood, as ATT&CK's DHCP Spoofing calls a DHCP exhaustion attack): one
 * incident per link, keyed by it (bursts close together are one alert);
 * attacker = the MAC that sent at least 90 % of the requests broadcast
 * from 0.0.0.0 (a client's own, not a relay's or a router's), when those
 * are most of them (dhcpstarv), else "" (yersinia forges every frame's
 * MAC); victim = the server that answered on the link last before it (its
 * identifier; else the first to answer while it lasts), else "". The
 * evidence counts the requests and the new clients, and how many requests
 * came from a MAC other than the client's (a spoofing sign DHCP snooping
 * checks). Reported when it starts, then as its new clients double, or at
 * most every `reportIntervalUs` while they grow, and with its final
 * figures when it ends (found at the next DHCP packet, on any link) or the
 * input does.
 *
 * Bounds: `maxLinks` links (the least recently active forgotten, with its
 * final figures), each remembering at most `minClients` clients: about
 * 25 MB with the defaults when every link is starved at once (measured:
 * 104 MB for 4 096 links of 200 MAC addresses).
 *
 * Limits: a starvation slower than `minClients` per `windowUs` is not seen;
 * a crowd of real hosts joining at once (after a power cut) above that rate
 * is reported, and so is a server's own link when relays bring it that many
 * new clients of many networks (raise `minClients` there); clients reused
 * after `minClients` others count again; an incident's requests are counted
 * from its start, besides one for each client in its window before.
 *
 * @module
 */

import type { PacketRecord } from "../capture/packet_record.ts";
import { countText, type FindingSink } from "./alert.ts";
import { BoundedMap } from "./bounded_map.ts";
import { type Detector, PACKET_KIND, type TableStats } from "./detector.ts";
import { requirePositive } from "./option_checks.ts";
import {
  isFinalReportDue,
  isGrowthReportDue,
  markReported,
  type ReportMark,
} from "./report_cadence.ts";

/** Options of {@linkcode createDhcpStarvationDetector}. */
export interface DhcpStarvationOptions {
  /** Window in which `minClients` new clients make a starvation, µs. */
  windowUs?: number;
  /** New clients within `windowUs` that make a starvation (an integer, 8 to 10 000). */
  minClients?: number;
  /** Links (VLANs) tracked at once. */
  maxLinks?: number;
  /** Packet time between repeated findings of one incident while it grows, µs. */
  reportIntervalUs?: number;
}

/**
 * Defaults of {@linkcode DhcpStarvationOptions}: 200 new clients within
 * 60 s (a /24's pool runs dry at about 250; a network's hosts join a few a
 * minute, a thousand booting at once a few a second; dhcpstarv and
 * yersinia ask hundreds to hundreds of thousands a second); 1 024 links
 * (VLANs; a sensor on a trunk sees more, at about 25 kB each while
 * starved); findings every 10 s at most while they grow, the alert
 * lifecycle's update interval.
 */
export const DHCP_STARVATION_DEFAULTS: Readonly<
  Required<DhcpStarvationOptions>
> = Object.freeze({
  windowUs: 60_000_000,
  minClients: 200,
  maxLinks: 1_024,
  reportIntervalUs: 10_000_000,
});

/** DHCP message types (RFC 2132 section 9.6). */
const DISCOVER = 1;
const OFFER = 2;
const REQUEST = 3;
const ACK = 5;
const NAK = 6;
const SERVER_PORT = 67;
const CLIENT_PORT = 68;
/** Most `minClients` may be. */
const MAX_MIN_CLIENTS = 10_000;
/** Clients listed in the evidence. */
const MAX_LISTED = 8;
/** Frame MACs counted per incident, for the attacker. */
const MAX_FRAME_MACS = 16;
/** The share of a client's own requests one MAC must have sent to be named. */
const ATTACKER_SHARE = 0.9;

/** One starvation of a link. */
interface Starvation extends ReportMark {
  key: string;
  requests: number;
  newClients: number;
  /** Requests broadcast by a client itself (from 0.0.0.0, port 68). */
  ownRequests: number;
  /** Of those, per frame MAC (at most {@linkcode MAX_FRAME_MACS}). */
  frameMacs: Map<string, number>;
  /** Requests from a MAC other than the client's. */
  foreignFrames: number;
  samples: string[];
  /** The server whose pool it empties (see the module doc), "" while none is known. */
  server: string;
  /** Packet time of the last new client, µs. */
  lastNewUs: number;
  firstUs: number;
  lastUs: number;
}

/** One link's clients: a ring of the last `minClients` new ones, and a set of them. */
interface Link {
  /** "untagged" or "vlan <id>". */
  name: string;
  clients: string[];
  /** When each asked first, µs. */
  clientUs: Float64Array;
  /** The frame MAC of each one's first request, "" when not its own broadcast. */
  frameMacs: string[];
  /** Whether each one's first request came from a MAC other than the client's. */
  foreign: Uint8Array;
  head: number;
  size: number;
  known: Set<string>;
  /** The server that answered last, "" while none did. */
  server: string;
  starvation: Starvation | null;
}

/**
 * Creates the DHCP starvation detector (kind "dhcp_starvation"): one
 * incident per link whose clients keep changing faster than hosts join.
 *
 * @example
 * ```ts
 * const detector = createDhcpStarvationDetector({ minClients: 100 });
 * detector.observe(packet, (finding) => console.log(finding.summary));
 * ```
 */
export function createDhcpStarvationDetector(
  options: DhcpStarvationOptions = {},
): Detector {
  const config = { ...DHCP_STARVATION_DEFAULTS, ...options };
  requirePositive("DHCP starvation detector", config, [
    "windowUs",
    "minClients",
    "maxLinks",
    "reportIntervalUs",
  ]);
  const capacity = config.minClients;
  if (
    !Number.isInteger(capacity) || capacity < 8 || capacity > MAX_MIN_CLIENTS
  ) {
    throw new RangeError(
      `Cannot create DHCP starvation detector: minClients must be an integer from 8 to ${MAX_MIN_CLIENTS}, got ${capacity}`,
    );
  }
  /** New clients within a window below which a starvation ends. */
  const endClients = Math.ceil(capacity / 4);
  /** Packet time without a new client after which a starvation ends, µs. */
  const quietUs = config.windowUs / 6;
  /** Links evicted from the full table with a starvation, their final findings due at the next packet (or the input's end). */
  const evicted: Link[] = [];
  const links = new BoundedMap<number, Link>(
    config.maxLinks,
    (_id, link) => {
      if (link.starvation !== null) evicted.push(link);
    },
  );
  /** Links with a starvation, the one with the oldest new client first: checked for a quiet end at every packet, from the front. */
  const starving = new Set<Link>();

  function linkOf(id: number): Link {
    let link = links.get(id);
    if (link === undefined) {
      link = {
        name: id === 0 ? "untagged" : `vlan ${id}`,
        clients: [],
        clientUs: new Float64Array(capacity),
        frameMacs: [],
        foreign: new Uint8Array(capacity),
        head: 0,
        size: 0,
        known: new Set(),
        server: "",
        starvation: null,
      };
      links.set(id, link);
    }
    return link;
  }

  /** Forgets the clients of `link` that asked first more than a window before `nowUs`. */
  function expire(link: Link, nowUs: number): void {
    while (
      link.size > 0 && nowUs - link.clientUs[link.head]! > config.windowUs
    ) forgetOldest(link);
  }

  function forgetOldest(link: Link): void {
    link.known.delete(link.clients[link.head]!);
    link.head = (link.head + 1) % capacity;
    link.size--;
  }

  /** The MAC that sent {@linkcode ATTACKER_SHARE} of the clients' own requests, when those are most; else "". */
  function attackerOf(starvation: Starvation): string {
    const own = starvation.ownRequests;
    if (own < starvation.requests / 2) return "";
    for (const [mac, count] of starvation.frameMacs) {
      if (count >= ATTACKER_SHARE * own) return mac;
    }
    return "";
  }

  function report(link: Link, nowUs: number, sink: FindingSink): void {
    const starvation = link.starvation!;
    const server = starvation.server === ""
      ? ""
      : ` (server ${starvation.server})`;
    const attacker = attackerOf(starvation);
    sink({
      kind: "dhcp_starvation",
      key: starvation.key,
      timestampUs: nowUs,
      startUs: starvation.firstUs,
      severity: "high",
      attacker,
      victim: starvation.server,
      domain: "",
      summary:
        `${starvation.newClients} new DHCP clients asked for leases on the ${link.name} link${server} within ${
          Math.max(
            1,
            Math.round((starvation.lastUs - starvation.firstUs) / 1e6),
          )
        } s${
          attacker === "" ? "" : `, their requests from ${attacker}`
        }: a DHCP starvation, emptying the servers' pools; ${
          countText(starvation.requests, "request")
        }, ${starvation.foreignFrames} from a MAC not the client's.`,
      evidence: {
        link: link.name,
        requests: starvation.requests,
        newClients: starvation.newClients,
        foreignFrames: starvation.foreignFrames,
        clientSamples: [...starvation.samples],
        frameMac: attacker,
        server: starvation.server,
        minClients: capacity,
        windowUs: config.windowUs,
      },
    });
    markReported(starvation, starvation.newClients, nowUs);
  }

  /** Reports a starvation's final figures when due, and ends it. */
  function end(link: Link, sink: FindingSink): void {
    const starvation = link.starvation!;
    if (
      isFinalReportDue(starvation, starvation.newClients, starvation.lastUs)
    ) report(link, starvation.lastUs, sink);
    link.starvation = null;
    starving.delete(link);
    // A next starvation needs `minClients` clients of its own.
    while (link.size > 0) forgetOldest(link);
  }

  function reportEvicted(sink: FindingSink): void {
    for (const link of evicted.splice(0)) {
      starving.delete(link);
      end(link, sink);
    }
  }

  /** Ends the starvations that have gone quiet by `nowUs` (the few new clients of one that goes on are seen at its own next request). */
  function endQuiet(nowUs: number, sink: FindingSink): void {
    for (const link of starving) {
      if (nowUs - link.starvation!.lastNewUs <= quietUs) return;
      end(link, sink);
    }
  }

  function start(link: Link, nowUs: number): Starvation {
    const first = link.head;
    const starvation: Starvation = {
      key: link.name,
      // Each client asked once at least.
      requests: link.size,
      newClients: link.size,
      ownRequests: 0,
      frameMacs: new Map(),
      foreignFrames: 0,
      samples: [],
      server: link.server,
      lastNewUs: nowUs,
      firstUs: link.clientUs[first]!,
      lastUs: nowUs,
      reportedCount: 0,
      lastReportUs: -Infinity,
    };
    for (let i = 0; i < link.size; i++) {
      const at = (first + i) % capacity;
      if (starvation.samples.length < MAX_LISTED) {
        starvation.samples.push(link.clients[at]!);
      }
      starvation.foreignFrames += link.foreign[at]!;
      countFrameMac(starvation, link.frameMacs[at]!);
    }
    link.starvation = starvation;
    starving.add(link);
    return starvation;
  }

  function countFrameMac(starvation: Starvation, mac: string): void {
    if (mac === "") return;
    starvation.ownRequests++;
    const count = starvation.frameMacs.get(mac);
    if (count !== undefined) starvation.frameMacs.set(mac, count + 1);
    else if (starvation.frameMacs.size < MAX_FRAME_MACS) {
      starvation.frameMacs.set(mac, 1);
    }
  }

  return {
    name: "dhcp_starvation",
    packetKinds: PACKET_KIND.DHCP,
    observe(packet: PacketRecord, sink: FindingSink): void {
      if (evicted.length > 0) reportEvicted(sink);
      if (packet.network !== "ipv4") return;
      const nowUs = packet.timestampUs;
      if (starving.size > 0) endQuiet(nowUs, sink);
      const type = packet.dhcpMessageType;
      const id = packet.vlanId > 0 ? packet.vlanId : 0;
      if (
        (type === OFFER || type === ACK || type === NAK) &&
        packet.dstPort === CLIENT_PORT
      ) {
        const link = links.peek(id);
        if (link === undefined) return;
        const server = packet.dhcpServerId !== ""
          ? packet.dhcpServerId
          : packet.srcAddress;
        link.server = server;
        if (link.starvation !== null && link.starvation.server === "") {
          link.starvation.server = server;
        }
        return;
      }
      if (
        (type !== DISCOVER && type !== REQUEST) ||
        packet.dstPort !== SERVER_PORT || packet.dhcpClientAddress !== "" ||
        (packet.srcPort !== CLIENT_PORT &&
          (packet.srcPort !== SERVER_PORT || packet.dhcpRelayAddress === ""))
      ) return;
      const client = packet.dhcpClientId !== ""
        ? packet.dhcpClientId
        : packet.dhcpClientMac;
      if (client === "") return;
      const link = linkOf(id);
      expire(link, nowUs);
      // A client's own broadcast, and whether its frame is from another MAC.
      const own = packet.srcPort === CLIENT_PORT &&
        packet.srcAddress === "0.0.0.0";
      const frameMac = own ? packet.srcMac : "";
      const foreign = own && packet.dhcpClientMac !== "" &&
          packet.srcMac !== packet.dhcpClientMac
        ? 1
        : 0;
      const isNew = !link.known.has(client);
      if (isNew) {
        if (link.size === capacity) forgetOldest(link);
        const at = (link.head + link.size) % capacity;
        link.clients[at] = client;
        link.clientUs[at] = nowUs;
        link.frameMacs[at] = frameMac;
        link.foreign[at] = foreign;
        link.size++;
        link.known.add(client);
      }
      let starvation = link.starvation;
      if (starvation !== null && link.size < endClients) {
        end(link, sink);
        starvation = null;
      }
      if (starvation === null) {
        if (!isNew || link.size < capacity) return;
        start(link, nowUs);
        starvation = link.starvation!;
      } else {
        starvation.requests++;
        starvation.foreignFrames += foreign;
        countFrameMac(starvation, frameMac);
        if (isNew) {
          starvation.newClients++;
          if (starvation.samples.length < MAX_LISTED) {
            starvation.samples.push(client);
          }
        }
      }
      starvation.lastUs = nowUs;
      if (isNew) {
        starvation.lastNewUs = nowUs;
        // To the back of the quiet check's order.
        starving.delete(link);
        starving.add(link);
      }
      if (
        isGrowthReportDue(
          starvation,
          starvation.newClients,
          nowUs,
          config.reportIntervalUs,
        )
      ) report(link, nowUs, sink);
    },
    tables(): Record<string, TableStats> {
      return {
        dhcp_starvation_links: {
          size: links.size,
          capacity: links.capacity,
          evictions: links.evictions,
        },
      };
    },
    flush(_nowUs: number, sink: FindingSink): void {
      reportEvicted(sink);
      for (const link of starving) end(link, sink);
    },
  };
}
