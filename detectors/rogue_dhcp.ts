/**
 * Rogue DHCP server detector, for DHCP over IPv4 (RFC 2131): a server that
 * answers a link's clients beside the link's own server and gives them
 * another router, other DNS servers or an address in another subnet, so
 * that the hosts that take its answer send their traffic or their lookups
 * through the attacker (Ettercap's and bettercap's DHCP spoofing, yersinia,
 * Responder's DHCP poisoning, a forgotten home router plugged into the
 * office network). A client takes the first offer it gets, so a rogue that
 * answers faster wins it.
 *
 * Who a link's server is:
 * - A server is its server identifier (option 54; its source address when
 *   it names none) and the MAC it sends from, on its VLAN (its link).
 * - With `knownServers` (addresses or MACs) set, a server that shows one
 *   of them (its identifier, source address or MAC) is one of the link's
 *   servers; every other server that answers clients is rogue (reason
 *   `unknown_server`).
 * - Without, the first server to answer on a link is the link's server,
 *   until it has been silent for `serverMemoryUs`; then the next one is.
 *
 * Judged: every offer and ack (DHCP types 2 and 5, UDP from port 67 to
 * 68) of any other server, against what the link's servers have given:
 * - `other_router`: it names a router (option 3) they do not name;
 * - `other_dns`: it names a DNS server (option 6) they do not name;
 * - `other_subnet`: it leases an address outside every subnet they lease
 *   in (their lease and mask; a /24 when they give no mask).
 * Nothing is compared before one of the link's servers has answered.
 * An answer that gives what the link's servers give is a second server of
 * the same network (a failover partner, another relay) and is not
 * reported, unless `knownServers` names the link's servers.
 *
 * Findings (kind "dhcp_spoof", MITRE T1557.003, DHCP Spoofing): one
 * incident per rogue server; attacker = its address, victim = the first
 * client it answered (the address it offered, else the client's MAC; the
 * evidence counts them all by MAC and lists some). Reported at its first
 * harmful answer, then as its harmful answers double, or at most every
 * `reportIntervalUs` while they grow, and with its final figures at the
 * input's end; the incident ends after `windowUs` without one.
 *
 * Bounds: `maxLinks` links of about 1 KB (the least recently active
 * forgotten), `maxRogues` rogue servers (the least recently seen evicted,
 * with its final figures), each with at most 64 clients counted exactly;
 * each link remembers at most 16 routers, DNS servers and subnets.
 *
 * Limits: a rogue seen before the link's server is taken for it (its
 * answers define the link, and the real server's are reported):
 * `knownServers` removes this; a second server that gives the same router,
 * DNS servers and subnet is not reported without `knownServers`, though it
 * may lease addresses that clash; other options (WPAD, option 252; domain;
 * lease times; static routes, option 121) are not compared; a relayed
 * answer is judged like a server's (the relay's address and MAC are named);
 * a rogue that sends NAKs to make clients start over is not judged; a
 * rogue that changes its identifier or MAC with every answer is one
 * incident per answer; DHCPv6 servers are judged by dhcp_spoof.ts (mitm6)
 * and rogue_router.ts (router advertisements).
 *
 * @module
 */

import type { PacketRecord } from "../capture/packet_record.ts";
import { parseIpv4 } from "./addresses.ts";
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
  /** Packet time after which a link's server that has not answered is forgotten (the next server to answer is the link's), µs. */
  serverMemoryUs?: number;
  /** Packet time without a harmful answer after which a rogue server's incident ends, µs. */
  windowUs?: number;
  /** Links (VLANs) tracked at once. */
  maxLinks?: number;
  /** Rogue servers tracked at once; beyond this the least recently seen is forgotten. */
  maxRogues?: number;
  /** Packet time between repeated findings of one incident while it grows, µs. */
  reportIntervalUs?: number;
  /** The network's DHCP servers: addresses (a server identifier or a source address) or MACs ("aa:bb:cc:dd:ee:ff"); any other server that answers is rogue. */
  knownServers?: string[];
}

/**
 * Defaults of {@linkcode RogueDhcpOptions}.
 *
 * - `serverMemoryUs` 24 h: a link's server answers whenever a client
 *   joins or renews (at half its lease, often a day or less).
 * - `windowUs` 1 h.
 * - `maxLinks` 4 096, every VLAN id; `maxRogues` 256 of about 2 KB.
 * - `reportIntervalUs` 10 s, the alert lifecycle's update interval.
 * - `knownServers` none.
 */
export const ROGUE_DHCP_DEFAULTS: Readonly<Required<RogueDhcpOptions>> = Object
  .freeze({
    serverMemoryUs: 86_400_000_000,
    windowUs: 3_600_000_000,
    maxLinks: 4_096,
    maxRogues: 256,
    reportIntervalUs: 10_000_000,
    knownServers: [],
  });

/** DHCP message types of a server's answers (RFC 2132 section 9.6). */
const OFFER = 2;
const ACK = 5;
const SERVER_PORT = 67;
const CLIENT_PORT = 68;

/** Routers, DNS servers and subnets a link remembers, each. */
const MAX_REMEMBERED = 16;
/** Clients counted exactly per rogue, and samples listed. */
const MAX_CLIENTS = 64;
const MAX_LISTED = 8;
/** The subnet taken for a lease given without a mask. */
const DEFAULT_PREFIX_LENGTH = 24;

/** A MAC as the decoder writes it. */
const MAC_PATTERN = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/** What the link's own servers give its clients. */
interface Link {
  /** "untagged" or "vlan <id>". */
  name: string;
  /** The key ("<identifier> <MAC>") of the link's server, without `knownServers`; "" when none. */
  server: string;
  /** Its identifier, for the summaries; "" when none. */
  serverId: string;
  /** Packet time of its last answer, µs. */
  serverLastUs: number;
  /** Whether one of the link's servers has answered (there is something to compare with). */
  heard: boolean;
  routers: Set<string>;
  dnsServers: Set<string>;
  /** Subnets as [network, prefix length]. */
  subnets: [number, number][];
}

/** One rogue server's harmful answers. */
interface Rogue extends ReportMark {
  key: string;
  link: string;
  address: string;
  mac: string;
  serverId: string;
  /** The link's server's identifier when first judged ("" with `knownServers` or none seen). */
  linkServer: string;
  answers: number;
  reasons: Set<string>;
  clients: Set<string>;
  /** The first client: the address offered to it, else its MAC. */
  victim: string;
  leases: string[];
  routers: string[];
  dnsServers: string[];
  /** What the link's servers gave when last judged. */
  linkRouters: string[];
  linkDnsServers: string[];
  firstUs: number;
  lastUs: number;
}

/**
 * Creates the rogue DHCP server detector (kind "dhcp_spoof"): one incident
 * per DHCPv4 server that answers a link's clients beside its own server
 * with another router, DNS server or subnet.
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
    "maxLinks",
    "maxRogues",
    "reportIntervalUs",
  ]);
  const known = new Set<string>();
  for (const server of config.knownServers) {
    const lower = server.toLowerCase();
    if (!MAC_PATTERN.test(lower) && parseIpv4(lower) < 0) {
      throw new RangeError(
        `Cannot create rogue DHCP server detector: knownServers holds "${server}", neither an IPv4 address nor a MAC address (aa:bb:cc:dd:ee:ff)`,
      );
    }
    known.add(lower);
  }
  const links = new BoundedMap<number, Link>(config.maxLinks);
  /** Rogues evicted from the full table, their final findings due at the next packet (or the input's end). */
  const evicted: Rogue[] = [];
  const rogues = new BoundedMap<string, Rogue>(
    config.maxRogues,
    (_key, rogue) => evicted.push(rogue),
  );

  function linkOf(id: number): Link {
    let link = links.get(id);
    if (link === undefined) {
      link = {
        name: id === 0 ? "untagged" : `vlan ${id}`,
        server: "",
        serverId: "",
        serverLastUs: -Infinity,
        heard: false,
        routers: new Set(),
        dnsServers: new Set(),
        subnets: [],
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

  /** The reasons `packet`, a server's answer, is harmful on `link`. */
  function reasonsOf(link: Link, packet: PacketRecord): string[] {
    const reasons: string[] = [];
    if (known.size > 0) reasons.push("unknown_server");
    if (!link.heard) return reasons;
    if (someMissing(packet.dhcpRouters, link.routers)) {
      reasons.push("other_router");
    }
    if (someMissing(packet.dhcpDnsServers, link.dnsServers)) {
      reasons.push("other_dns");
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
    if (rogue.leases.length > 0) {
      gave.push(`addresses such as ${rogue.leases[0]}`);
    }
    const beside = rogue.linkServer === ""
      ? ""
      : ` beside the link's server ${rogue.linkServer}`;
    sink({
      kind: "dhcp_spoof",
      key: rogue.key,
      timestampUs: nowUs,
      startUs: rogue.firstUs,
      severity: "high",
      attacker: rogue.address,
      victim: rogue.victim,
      domain: "",
      summary:
        `${rogue.address} (${rogue.mac}) answered ${clientsText} DHCP client${
          clients === 1 ? "" : "s"
        } on the ${rogue.link} link${beside}, giving ${
          gave.length > 0 ? gave.join(", ") : "nothing"
        } (${[...rogue.reasons].join(", ")}): a rogue DHCP server; ${
          countText(rogue.answers, "answer")
        }.`,
      evidence: {
        reasons: [...rogue.reasons],
        link: rogue.link,
        serverMac: rogue.mac,
        serverId: rogue.serverId,
        linkServer: rogue.linkServer,
        answers: rogue.answers,
        clients: clientsText,
        clientSamples: [...rogue.clients].slice(0, MAX_LISTED),
        leaseSamples: [...rogue.leases],
        routers: [...rogue.routers],
        dnsServers: [...rogue.dnsServers],
        linkRouters: [...rogue.linkRouters],
        linkDnsServers: [...rogue.linkDnsServers],
        windowUs: config.windowUs,
      },
    });
    markReported(rogue, rogue.answers, nowUs);
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
    const mac = packet.srcMac;
    const key = `${link.name} ${serverId} ${mac}`;
    let rogue = rogues.get(key);
    if (rogue !== undefined && nowUs - rogue.lastUs > config.windowUs) {
      finish(rogue, sink);
      rogues.delete(key);
      rogue = undefined;
    }
    const client = packet.dhcpClientMac;
    if (rogue === undefined) {
      rogue = {
        key,
        link: link.name,
        address: packet.srcAddress,
        mac,
        serverId,
        linkServer: known.size > 0 ? "" : link.serverId,
        answers: 0,
        reasons: new Set(),
        clients: new Set(),
        victim: packet.dhcpLeaseAddresses !== ""
          ? packet.dhcpLeaseAddresses
          : client,
        leases: [],
        routers: [],
        dnsServers: [],
        linkRouters: [],
        linkDnsServers: [],
        firstUs: nowUs,
        lastUs: nowUs,
        reportedCount: 0,
        lastReportUs: -Infinity,
      };
      rogues.set(key, rogue);
    }
    rogue.answers++;
    rogue.lastUs = nowUs;
    for (const reason of reasons) rogue.reasons.add(reason);
    if (client !== "" && rogue.clients.size < MAX_CLIENTS) {
      rogue.clients.add(client);
    }
    addListed(rogue.leases, packet.dhcpLeaseAddresses);
    addListed(rogue.routers, packet.dhcpRouters);
    addListed(rogue.dnsServers, packet.dhcpDnsServers);
    rogue.linkRouters = [...link.routers].slice(0, MAX_LISTED);
    rogue.linkDnsServers = [...link.dnsServers].slice(0, MAX_LISTED);
    if (
      isGrowthReportDue(rogue, rogue.answers, nowUs, config.reportIntervalUs)
    ) report(rogue, nowUs, sink);
  }

  return {
    name: "rogue_dhcp",
    packetKinds: PACKET_KIND.DHCP,
    observe(packet: PacketRecord, sink: FindingSink): void {
      if (evicted.length > 0) reportEvicted(sink);
      const type = packet.dhcpMessageType;
      if (
        (type !== OFFER && type !== ACK) || packet.network !== "ipv4" ||
        packet.srcPort !== SERVER_PORT || packet.dstPort !== CLIENT_PORT
      ) return;
      const nowUs = packet.timestampUs;
      const link = linkOf(packet.vlanId > 0 ? packet.vlanId : 0);
      const serverId = packet.dhcpServerId !== ""
        ? packet.dhcpServerId
        : packet.srcAddress;
      const mac = packet.srcMac;
      if (known.size > 0) {
        if (
          known.has(serverId) || known.has(packet.srcAddress) || known.has(mac)
        ) {
          learn(link, packet);
          return;
        }
      } else {
        const key = `${serverId} ${mac}`;
        if (
          link.server !== key &&
          nowUs - link.serverLastUs > config.serverMemoryUs
        ) {
          // The link's server is gone (or there was none): this one is.
          link.server = key;
          link.serverId = serverId;
          link.heard = false;
          link.routers.clear();
          link.dnsServers.clear();
          link.subnets.length = 0;
        }
        if (link.server === key) {
          link.serverLastUs = nowUs;
          learn(link, packet);
          return;
        }
      }
      const reasons = reasonsOf(link, packet);
      if (reasons.length > 0) count(link, packet, serverId, reasons, sink);
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
      for (const rogue of rogues.values()) finish(rogue, sink);
    },
  };
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
  if (list === "") return;
  for (const item of list.split(",")) {
    if (listed.length < MAX_LISTED && !listed.includes(item)) listed.push(item);
  }
}
