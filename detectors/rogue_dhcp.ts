/**
 * Rogue DHCP server detector, for DHCP over IPv4 (RFC 2131): a server that
 * answers a link's clients beside the link's own server and gives them
 * another router, other DNS servers, other static routes or an address in
 * another subnet, so that the hosts that take its answer send their traffic
 * or their lookups through the attacker (Ettercap's and bettercap's DHCP
 * spoofing, yersinia, Responder's DHCP poisoning, TunnelVision's routes
 * past a VPN (CVE-2024-3661), a home router plugged into the office
 * network). A client takes the first offer it gets, so a rogue that
 * answers faster wins it.
 *
 * Who a link's server is:
 * - A server is the MAC its answers come from, on its VLAN (its link); its
 *   server identifier (option 54, else its source address) names it in
 *   the alerts.
 * - With `knownServers` (addresses or MACs) set, a server whose source
 *   MAC or source address is one of them is one of the link's servers (a
 *   relay agent's, for relayed answers); every other server that answers
 *   clients is rogue (reason `unknown_server`). The identifier it writes
 *   itself is no proof.
 * - Without, the first server to answer on a link is the link's server.
 *   Once it has been silent for `serverMemoryUs`, the next server to answer
 *   that gives what it gave takes its place; one that gives something else
 *   is judged as below, against what the link's servers gave.
 *
 * Judged: every offer and ack (DHCP types 2 and 5, to UDP port 68 from any
 * port: clients check only theirs) of any other server, against what the
 * link's servers have given (nothing is compared before one has answered):
 * - `other_router`: it names a router (option 3) they do not name;
 * - `other_dns`: it names a DNS server (option 6) they do not name;
 * - `other_routes`: it gives a classless static route (options 121, 249)
 *   they do not give (clients prefer those routes to the router option);
 * - `other_subnet`: it leases an address outside every subnet they lease
 *   in (their lease and mask; a /24 when they give no mask).
 * An answer that gives what the link's servers give is a second server of
 * the same network (a failover partner, another relay) and is not
 * reported, unless `knownServers` names the link's servers.
 *
 * DHCPv6 (RFC 8415) likewise, on a link of its own beside the DHCPv4 one:
 * advertise and reply messages (types 2 and 7, to UDP port 546) of a server
 * other than the link's DHCPv6 server, judged for `other_dns` (option 23)
 * and `other_subnet` (an address leased outside every /64 the link's
 * servers lease in); answers that lease link-local addresses (mitm6's) are
 * dhcp_spoof.ts's. A network that runs no DHCPv6 server has no link's
 * server to compare with: the first one to answer is it.
 *
 * Findings (kind "dhcp_spoof", MITRE T1557.003, DHCP Spoofing): one
 * incident per rogue server (its MAC on its link; the identifiers it used
 * are listed); attacker = its address, victim = the first client it
 * answered (the address it offered, else the client's MAC; the evidence
 * counts them all by MAC and lists some). Reported at its first harmful
 * answer and whenever a new reason shows, then as its harmful answers
 * double, or at most every `reportIntervalUs` while they grow, and with
 * its final figures at the input's end; the incident ends after
 * `windowUs` without one. Once `minFloodServers` new rogue servers came
 * on a link within `floodWindowUs` (a forger changing its MAC with every
 * answer), the ones after them are one flood incident of the link
 * ("<link> flood", attacker and victim ""), which ends likewise.
 *
 * Bounds: `maxLinks` links of about 2 KB (the least recently active
 * forgotten), `maxRogues` rogue servers (the least recently seen evicted,
 * with its final figures), each with at most 64 clients counted exactly;
 * each link remembers at most 16 routers, DNS servers, routes and subnets.
 *
 * Limits: a rogue seen before the link's server is taken for it (its
 * answers define the link, and the real server's are reported), and so is
 * a rogue that sends from the link's server's MAC: `knownServers` removes
 * the first, not the second; a second server that gives the same router,
 * DNS servers, routes and subnet is not reported without `knownServers`,
 * though it may lease addresses that clash; other options (WPAD, option
 * 252; the domain; lease times; another mask within the link's subnet) are
 * not compared; a relayed answer is judged like a server's (the relay's
 * address and MAC are named); a reply without a DHCP message type (BOOTP)
 * and a rogue that sends NAKs to make clients start over are not judged;
 * DHCPv6 options other than DNS servers and leases, and prefix delegation
 * (IA_PD), are not compared; router advertisements are rogue_router.ts's.
 *
 * @module
 */

import type { PacketRecord } from "../capture/packet_record.ts";
import { parseIpv6Text } from "../capture/decode/address_key.ts";
import { formatIpv6Words } from "../capture/decode/address.ts";
import { isLinkLocalAddress, parseIpv4, subnetOf } from "./addresses.ts";
import { addUnique, listOf } from "./evidence_list.ts";
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

/** Options of {@linkcode createRogueDhcpDetector}. */
export interface RogueDhcpOptions {
  /** Packet time after which a link's server that has not answered may give way to another that gives what it gave, µs. */
  serverMemoryUs?: number;
  /** Packet time without a harmful answer after which a rogue server's incident ends, µs. */
  windowUs?: number;
  /** Window in which `minFloodServers` new rogue servers on a link make the next ones a flood, µs. */
  floodWindowUs?: number;
  /** New rogue servers on a link within `floodWindowUs` after which the next ones are one flood incident (an integer, 2 to 1 000). */
  minFloodServers?: number;
  /** Links (VLANs) tracked at once. */
  maxLinks?: number;
  /** Rogue servers tracked at once; beyond this the least recently seen is forgotten. */
  maxRogues?: number;
  /** Packet time between repeated findings of one incident while it grows, µs. */
  reportIntervalUs?: number;
  /** The network's DHCP (and DHCPv6) servers and the relay agents that relay their answers: addresses (IPv4 or IPv6) or MACs ("aa:bb:cc:dd:ee:ff"); any other server that answers is rogue. */
  knownServers?: string[];
}

/**
 * Defaults of {@linkcode RogueDhcpOptions}.
 *
 * - `serverMemoryUs` 24 h: a link's server answers whenever a client
 *   joins or renews (at half its lease, often a day or less).
 * - `windowUs` 1 h.
 * - `floodWindowUs` 60 s and `minFloodServers` 8: a network has a server
 *   or two per link.
 * - `maxLinks` 4 096, every VLAN id; `maxRogues` 256 of about 2 KB.
 * - `reportIntervalUs` 10 s, the alert lifecycle's update interval.
 * - `knownServers` none.
 */
export const ROGUE_DHCP_DEFAULTS: Readonly<Required<RogueDhcpOptions>> = Object
  .freeze({
    serverMemoryUs: 86_400_000_000,
    windowUs: 3_600_000_000,
    floodWindowUs: 60_000_000,
    minFloodServers: 8,
    maxLinks: 4_096,
    maxRogues: 256,
    reportIntervalUs: 10_000_000,
    knownServers: [],
  });

/** DHCP message types of a server's answers (RFC 2132 section 9.6). */
const OFFER = 2;
const ACK = 5;
/** Clients listen on 68, and take answers from any port. */
const CLIENT_PORT = 68;
/** DHCPv6's: advertise and reply (RFC 8415 section 7.3), to port 546. */
const ADVERTISE = 2;
const REPLY = 7;
const CLIENT_PORT_V6 = 546;

/** Routers, DNS servers, routes and subnets a link remembers, each. */
const MAX_REMEMBERED = 16;
/** Clients counted exactly per rogue, and samples listed. */
const MAX_CLIENTS = 64;
const MAX_LISTED = 8;
/** The subnet taken for a lease given without a mask. */
const DEFAULT_PREFIX_LENGTH = 24;
/** Most `minFloodServers` may be. */
const MAX_FLOOD_SERVERS = 1_000;

/** A MAC as the decoder writes it. */
const MAC_PATTERN = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/** What the link's own servers give its clients. */
interface Link {
  /** "untagged" or "vlan <id>". */
  name: string;
  /** The MAC of the link's server, without `knownServers`; "" while none (or it was silent for `serverMemoryUs`). */
  serverMac: string;
  /** Its identifier, for the summaries; "" before any. */
  serverId: string;
  /** Packet time of its last answer, µs. */
  serverLastUs: number;
  /** Whether one of the link's servers has answered (there is something to compare with). */
  heard: boolean;
  routers: Set<string>;
  dnsServers: Set<string>;
  routes: Set<string>;
  /** IPv4 subnets as [network, prefix length]. */
  subnets: [number, number][];
  /** DHCPv6 links: the /64s leased in. */
  subnets6: Set<string>;
  /** Whether it is a DHCPv6 link (its servers answer over IPv6). */
  v6: boolean;
  /** Packet times of the last `minFloodServers` new rogues, a ring. */
  newRogueUs: Float64Array;
  newRogues: number;
  /** The link's flood incident, while one lasts. */
  flood: Rogue | null;
}

/** One rogue server's harmful answers, or a link's flood of them. */
interface Rogue extends ReportMark {
  key: string;
  link: Link;
  /** Its address ("" for a flood). */
  address: string;
  /** Its MAC ("" for a flood). */
  mac: string;
  /** The identifiers it used (a flood: its servers' addresses), at most eight. */
  serverIds: string[];
  /** Servers counted: 1, or a flood's rogues. */
  servers: number;
  /** Whether it counts in its link's flood rather than on its own. */
  inFlood: boolean;
  answers: number;
  reasons: string[];
  clients: Set<string>;
  /** The first client: the address offered to it, else its MAC ("" for a flood). */
  victim: string;
  leases: string[];
  routers: string[];
  dnsServers: string[];
  routes: string[];
  firstUs: number;
  lastUs: number;
}

/**
 * Creates the rogue DHCP server detector (kind "dhcp_spoof"): one incident
 * per DHCPv4 server that answers a link's clients beside its own server
 * with another router, DNS server, route or subnet.
 *
 * @example
 * ```ts
 * const detector = createRogueDhcpDetector({ knownServers: ["10.0.0.1"] });
 * detector.observe(packet, (finding) => console.log(finding.summary));
 * ```
 */
export function createRogueDhcpDetector(
  options: RogueDhcpOptions = {},
): Detector {
  const config = { ...ROGUE_DHCP_DEFAULTS, ...options };
  requirePositive("rogue DHCP server detector", config, [
    "serverMemoryUs",
    "windowUs",
    "floodWindowUs",
    "minFloodServers",
    "maxLinks",
    "maxRogues",
    "reportIntervalUs",
  ]);
  const minFlood = config.minFloodServers;
  if (
    !Number.isInteger(minFlood) || minFlood < 2 || minFlood > MAX_FLOOD_SERVERS
  ) {
    throw new RangeError(
      `Cannot create rogue DHCP server detector: minFloodServers must be an integer from 2 to ${MAX_FLOOD_SERVERS}, got ${minFlood}`,
    );
  }
  const known = new Set<string>();
  for (const server of config.knownServers) {
    const lower = server.toLowerCase();
    if (MAC_PATTERN.test(lower) || parseIpv4(lower) >= 0) {
      known.add(lower);
    } else if (lower.includes(":") && parseIpv6Text(lower, words)) {
      // As the decoder writes addresses (RFC 5952).
      known.add(formatIpv6Words(words[0]!, words[1]!, words[2]!, words[3]!));
    } else {
      throw new RangeError(
        `Cannot create rogue DHCP server detector: knownServers holds "${server}", neither an IP address nor a MAC address (aa:bb:cc:dd:ee:ff)`,
      );
    }
  }
  const links = new BoundedMap<number, Link>(config.maxLinks);
  /** Rogues evicted from the full table, their final findings due at the next packet (or the input's end). */
  const evicted: Rogue[] = [];
  const rogues = new BoundedMap<string, Rogue>(
    config.maxRogues,
    (_key, rogue) => {
      if (!rogue.inFlood) evicted.push(rogue);
    },
  );

  function linkOf(vlanId: number, v6: boolean): Link {
    const id = vlanId * 2 + (v6 ? 1 : 0);
    let link = links.get(id);
    if (link === undefined) {
      link = {
        name: vlanId === 0 ? "untagged" : `vlan ${vlanId}`,
        serverMac: "",
        serverId: "",
        serverLastUs: -Infinity,
        heard: false,
        routers: new Set(),
        dnsServers: new Set(),
        routes: new Set(),
        subnets: [],
        subnets6: new Set(),
        v6,
        newRogueUs: new Float64Array(minFlood).fill(-Infinity),
        newRogues: 0,
        flood: null,
      };
      links.set(id, link);
    }
    return link;
  }

  /** Adds what a server of the link gave in `packet` to what the link gives. */
  function learn(link: Link, packet: PacketRecord): void {
    link.heard = true;
    addAll(link.routers, packet.dhcpRouters);
    addAll(link.dnsServers, packet.dhcpDnsServers);
    addAll(link.routes, packet.dhcpRoutes);
    if (link.v6) {
      for (const lease of listOf(packet.dhcpLeaseAddresses)) {
        if (link.subnets6.size < MAX_REMEMBERED) {
          link.subnets6.add(subnetOf(lease));
        }
      }
      return;
    }
    const lease = parseIpv4(packet.dhcpLeaseAddresses);
    if (lease < 0 || link.subnets.length >= MAX_REMEMBERED) return;
    const length = packet.dhcpPrefixLength >= 0
      ? packet.dhcpPrefixLength
      : DEFAULT_PREFIX_LENGTH;
    const network = networkOf(lease, length);
    if (
      !link.subnets.some(([other, otherLength]) =>
        other === network && otherLength === length
      )
    ) link.subnets.push([network, length]);
  }

  /** The reasons `packet`, a server's answer, is harmful on `link` (besides `unknown_server`). */
  function reasonsOf(link: Link, packet: PacketRecord): string[] {
    const reasons: string[] = [];
    if (!link.heard) return reasons;
    if (someMissing(packet.dhcpRouters, link.routers)) {
      reasons.push("other_router");
    }
    if (someMissing(packet.dhcpDnsServers, link.dnsServers)) {
      reasons.push("other_dns");
    }
    if (someMissing(packet.dhcpRoutes, link.routes)) {
      reasons.push("other_routes");
    }
    if (link.v6) {
      if (
        link.subnets6.size > 0 &&
        listOf(packet.dhcpLeaseAddresses).some((lease) =>
          !link.subnets6.has(subnetOf(lease))
        )
      ) reasons.push("other_subnet");
      return reasons;
    }
    const lease = parseIpv4(packet.dhcpLeaseAddresses);
    if (
      lease >= 0 && link.subnets.length > 0 &&
      !link.subnets.some(([network, length]) =>
        networkOf(lease, length) === network
      )
    ) reasons.push("other_subnet");
    return reasons;
  }

  function finish(rogue: Rogue, sink: FindingSink): void {
    if (isFinalReportDue(rogue, rogue.answers, rogue.lastUs)) {
      report(rogue, rogue.lastUs, sink);
    }
  }

  function reportEvicted(sink: FindingSink): void {
    for (const rogue of evicted.splice(0)) finish(rogue, sink);
  }

  function report(rogue: Rogue, nowUs: number, sink: FindingSink): void {
    const clients = rogue.clients.size;
    const clientsText = clients >= MAX_CLIENTS
      ? `${MAX_CLIENTS}+`
      : String(clients);
    const gave: string[] = [];
    if (rogue.routers.length > 0) {
      gave.push(`router ${rogue.routers.join(", ")}`);
    }
    if (rogue.dnsServers.length > 0) {
      gave.push(`DNS ${rogue.dnsServers.join(", ")}`);
    }
    if (rogue.routes.length > 0) {
      gave.push(`routes ${rogue.routes.join(", ")}`);
    }
    if (rogue.leases.length > 0) {
      gave.push(`addresses such as ${rogue.leases[0]}`);
    }
    const link = rogue.link;
    const beside = known.size > 0 || link.serverId === ""
      ? ""
      : ` beside the link's server ${link.serverId}`;
    const who = rogue.mac === ""
      ? `${rogue.servers} rogue DHCP servers (such as ${
        rogue.serverIds.slice(0, 3).join(", ")
      }) within ${Math.round(config.floodWindowUs / 1e6)} s of each other`
      : `${rogue.address} (${rogue.mac})`;
    sink({
      kind: "dhcp_spoof",
      key: rogue.key,
      timestampUs: nowUs,
      startUs: rogue.firstUs,
      severity: "high",
      attacker: rogue.address,
      victim: rogue.victim,
      domain: "",
      summary: `${who} answered ${clientsText} DHCP${
        link.v6 ? "v6" : ""
      } client${
        clients === 1 ? "" : "s"
      } on the ${link.name} link${beside}, giving ${
        gave.length > 0 ? gave.join(", ") : "nothing"
      } (${rogue.reasons.join(", ")}): ${
        rogue.mac === ""
          ? "a flood of rogue DHCP servers, or one changing its MAC with every answer"
          : "a rogue DHCP server"
      }; ${countText(rogue.answers, "answer")}.`,
      evidence: {
        reasons: [...rogue.reasons],
        link: link.name,
        serverMac: rogue.mac,
        serverIds: [...rogue.serverIds],
        servers: rogue.servers,
        linkServer: known.size > 0 ? "" : link.serverId,
        answers: rogue.answers,
        clients: clientsText,
        clientSamples: [...rogue.clients].slice(0, MAX_LISTED),
        leaseSamples: [...rogue.leases],
        routers: [...rogue.routers],
        dnsServers: [...rogue.dnsServers],
        routes: [...rogue.routes],
        linkRouters: [...link.routers].slice(0, MAX_LISTED),
        linkDnsServers: [...link.dnsServers].slice(0, MAX_LISTED),
        windowUs: config.windowUs,
      },
    });
    markReported(rogue, rogue.answers, nowUs);
  }

  function newRogue(
    key: string,
    link: Link,
    packet: PacketRecord,
    flood: boolean,
  ): Rogue {
    const nowUs = packet.timestampUs;
    return {
      key,
      link,
      address: flood ? "" : packet.srcAddress,
      mac: flood ? "" : packet.srcMac,
      serverIds: [],
      servers: flood ? 0 : 1,
      inFlood: false,
      answers: 0,
      reasons: [],
      clients: new Set(),
      victim: flood
        ? ""
        : packet.dhcpLeaseAddresses !== ""
        ? listOf(packet.dhcpLeaseAddresses)[0]!
        : clientOf(packet),
      leases: [],
      routers: [],
      dnsServers: [],
      routes: [],
      firstUs: nowUs,
      lastUs: nowUs,
      reportedCount: 0,
      lastReportUs: -Infinity,
    };
  }

  /** Whether a new rogue on `link` at `nowUs` comes after `minFloodServers` others within `floodWindowUs` (and counts it). */
  function isFlooding(link: Link, nowUs: number): boolean {
    const slot = link.newRogues % minFlood;
    const flooding = nowUs - link.newRogueUs[slot]! <= config.floodWindowUs;
    link.newRogueUs[slot] = nowUs;
    link.newRogues++;
    return flooding;
  }

  /** Counts a rogue's harmful answer `packet`, for `reasons`. */
  function count(
    link: Link,
    packet: PacketRecord,
    serverId: string,
    reasons: readonly string[],
    sink: FindingSink,
  ): void {
    const nowUs = packet.timestampUs;
    const key = `${link.name} ${packet.srcMac}`;
    let rogue = rogues.get(key);
    if (rogue !== undefined && nowUs - rogue.lastUs > config.windowUs) {
      if (!rogue.inFlood) finish(rogue, sink);
      rogues.delete(key);
      rogue = undefined;
    }
    if (rogue === undefined) {
      rogue = newRogue(key, link, packet, false);
      rogue.inFlood = isFlooding(link, nowUs);
      rogues.set(key, rogue);
    }
    let incident = rogue;
    if (rogue.inFlood) {
      rogue.lastUs = nowUs;
      let flood = link.flood;
      if (flood !== null && nowUs - flood.lastUs > config.windowUs) {
        finish(flood, sink);
        flood = null;
      }
      if (flood === null) {
        flood = newRogue(`${link.name} flood`, link, packet, true);
        link.flood = flood;
      }
      if (rogue.answers === 0 || flood.servers === 0) {
        flood.servers++;
        addListed(flood.serverIds, packet.srcAddress);
      }
      rogue.answers++;
      incident = flood;
    }
    incident.answers++;
    incident.lastUs = nowUs;
    const reasonCount = incident.reasons.length;
    for (const reason of reasons) {
      if (!incident.reasons.includes(reason)) incident.reasons.push(reason);
    }
    if (!rogue.inFlood) addListed(incident.serverIds, serverId);
    const client = clientOf(packet);
    if (client !== "" && incident.clients.size < MAX_CLIENTS) {
      incident.clients.add(client);
    }
    addListed(incident.leases, packet.dhcpLeaseAddresses);
    addListed(incident.routers, packet.dhcpRouters);
    addListed(incident.dnsServers, packet.dhcpDnsServers);
    addListed(incident.routes, packet.dhcpRoutes);
    if (
      incident.reasons.length > reasonCount && incident.reportedCount > 0 ||
      isGrowthReportDue(
        incident,
        incident.answers,
        nowUs,
        config.reportIntervalUs,
      )
    ) report(incident, nowUs, sink);
  }

  /** Whether `packet` comes from one of the link's servers (and so teaches what the link gives). */
  function isLinkServer(link: Link, packet: PacketRecord): boolean {
    if (known.size > 0) {
      return known.has(packet.srcMac) || known.has(packet.srcAddress);
    }
    const nowUs = packet.timestampUs;
    const mac = packet.srcMac;
    if (
      link.serverMac !== "" && link.serverMac !== mac &&
      nowUs - link.serverLastUs > config.serverMemoryUs
    ) link.serverMac = ""; // gone: the next that gives what it gave is the link's
    if (link.serverMac === "" && reasonsOf(link, packet).length === 0) {
      link.serverMac = mac;
    }
    if (link.serverMac !== mac) return false;
    link.serverId = serverIdOf(packet);
    link.serverLastUs = nowUs;
    return true;
  }

  return {
    name: "rogue_dhcp",
    packetKinds: PACKET_KIND.DHCP,
    observe(packet: PacketRecord, sink: FindingSink): void {
      if (evicted.length > 0) reportEvicted(sink);
      const type = packet.dhcpMessageType;
      const v6 = packet.network === "ipv6";
      if (
        v6
          // mitm6's link-local leases are dhcp_spoof.ts's.
          ? (type !== ADVERTISE && type !== REPLY) ||
            packet.dstPort !== CLIENT_PORT_V6 ||
            listOf(packet.dhcpLeaseAddresses).some(isLinkLocalAddress)
          : (type !== OFFER && type !== ACK) || packet.network !== "ipv4" ||
            packet.dstPort !== CLIENT_PORT
      ) return;
      const link = linkOf(packet.vlanId > 0 ? packet.vlanId : 0, v6);
      if (isLinkServer(link, packet)) {
        learn(link, packet);
        return;
      }
      const reasons = reasonsOf(link, packet);
      if (known.size > 0) reasons.unshift("unknown_server");
      if (reasons.length === 0) return;
      count(link, packet, serverIdOf(packet), reasons, sink);
    },
    tables(): Record<string, TableStats> {
      return {
        rogue_dhcp_links: {
          size: links.size,
          capacity: links.capacity,
          evictions: links.evictions,
        },
        rogue_dhcp_servers: {
          size: rogues.size,
          capacity: rogues.capacity,
          evictions: rogues.evictions,
        },
      };
    },
    flush(_nowUs: number, sink: FindingSink): void {
      reportEvicted(sink);
      for (const rogue of rogues.values()) {
        if (!rogue.inFlood) finish(rogue, sink);
      }
      for (const link of links.values()) {
        if (link.flood !== null) finish(link.flood, sink);
      }
    },
  };
}

/** Scratch words of a parsed IPv6 address. */
const words = new Int32Array(4);

/** Who an answer is for: the client's MAC (DHCPv4), else its address (DHCPv6 answers go to its link-local address). */
function clientOf(packet: PacketRecord): string {
  return packet.network === "ipv6" ? packet.dstAddress : packet.dhcpClientMac;
}

/** How a server names itself in the alerts: a DHCPv4 server identifier (option 54), else its address (a DHCPv6 server's DUID is in no one's inventory). */
function serverIdOf(packet: PacketRecord): string {
  return packet.network === "ipv4" && packet.dhcpServerId !== ""
    ? packet.dhcpServerId
    : packet.srcAddress;
}

/** The network of `address` (a 32-bit number) with a `length`-bit prefix. */
function networkOf(address: number, length: number): number {
  return length === 0 ? 0 : (address & (~0 << (32 - length))) >>> 0;
}

/** Adds the comma-separated `list` to `set`, while it holds fewer than {@linkcode MAX_REMEMBERED}. */
function addAll(set: Set<string>, list: string): void {
  if (list === "") return;
  for (const item of list.split(",")) {
    if (set.size < MAX_REMEMBERED) set.add(item);
  }
}

/** Whether the comma-separated `list` names something `set` does not hold. */
function someMissing(list: string, set: ReadonlySet<string>): boolean {
  return list !== "" && list.split(",").some((item) => !set.has(item));
}

/** Adds the comma-separated `list`'s new items to `listed`, at most {@linkcode MAX_LISTED}. */
function addListed(listed: string[], list: string): void {
  addUnique(listed, listOf(list), MAX_LISTED);
}
