/**
 * DHCP starvation detector, for DHCP over IPv4 (RFC 2131): clients with
 * ever new hardware addresses asking a link's DHCP servers for leases
 * faster than any real network's hosts join, until the servers' pools are
 * empty (dhcpstarv, yersinia's DHCP discover attack, DHCPig), so that real
 * hosts get no address, or get one from the attacker's rogue server, which
 * the starvation clears the way for.
 *
 * Counted: clients' discovers and requests (DHCP types 1 and 3, UDP to
 * port 67 from port 68, or from a relay agent) by their client hardware
 * address (chaddr), per link: a VLAN, or the relay agent's address for
 * relayed ones (a server behind relays sees each relay's link apart).
 * A starvation is `minClients` addresses not seen within `windowUs` that
 * ask within it; it ends when fewer than a quarter of that many new
 * addresses ask within a window, or none for a sixth of a window.
 *
 * Findings (kind "dhcp_starvation", MITRE T1499.002, Service Exhaustion
 * Flood, as ATT&CK's DHCP Spoofing calls a DHCP exhaustion attack): one
 * incident per starvation of a link; attacker = the MAC that sent every
 * frame of it, when one did (dhcpstarv and yersinia forge the frames'
 * source MAC too, so there is none), else ""; victim = the server that
 * answered on the link last before it (its address; else the first to
 * answer while it lasts), else "". The evidence counts
 * the requests and the new addresses, and how many frames came from a MAC
 * other than the address they ask for. Reported when it starts, then as
 * its new addresses double, or at most every `reportIntervalUs` while they
 * grow, and with its final figures when it ends or the input does.
 *
 * Bounds: `maxLinks` links (the least recently active forgotten, with its
 * final figures), each remembering at most `minClients` addresses.
 *
 * Limits: a starvation slower than `minClients` per `windowUs` is not
 * seen; a crowd of real hosts joining at once (after a power cut) above
 * that rate is reported; a starvation that reuses a few hundred addresses
 * in turn is counted once per address per window; requests renewing a
 * lease (a client address set, RFC 2131 section 4.3.2) count like the
 * others.
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
  /** Window in which `minClients` new client addresses make a starvation, µs. */
  windowUs?: number;
  /** New client addresses within `windowUs` that make a starvation (an integer, 8 to 100 000). */
  minClients?: number;
  /** Links (VLANs, relay agents) tracked at once. */
  maxLinks?: number;
  /** Packet time between repeated findings of one incident while it grows, µs. */
  reportIntervalUs?: number;
}

/**
 * Defaults of {@linkcode DhcpStarvationOptions}: 200 new client addresses
 * within 60 s (a /24's pool runs dry at about 250; a network's hosts join
 * a few a minute, a thousand booting at once a few a second; dhcpstarv
 * asks hundreds a second); 1 024 links of at most 200 addresses (about
 * 30 MB at most); findings every 10 s at most while they grow, the alert
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
const MAX_MIN_CLIENTS = 100_000;
/** Client addresses listed in the evidence. */
const MAX_LISTED = 8;

/** One starvation of a link. */
interface Starvation extends ReportMark {
  key: string;
  /** The one MAC every frame came from so far; "" once two did. */
  frameMac: string;
  requests: number;
  newClients: number;
  /** Frames from a MAC other than the client address they ask for. */
  foreignFrames: number;
  samples: string[];
  /** The server whose pool it empties (see the module doc), "" while none is known. */
  server: string;
  /** Packet time of the last new client address, µs. */
  lastNewUs: number;
  firstUs: number;
  lastUs: number;
}

/** One link's clients. */
interface Link {
  /** "untagged", "vlan <id>" or "relay <address>". */
  name: string;
  /** Client addresses not older than the window, by first request time (oldest first). */
  recent: Map<string, number>;
  /** The server that answered last, "" while none did. */
  server: string;
  /** The MAC the last request's frame came from, and since when every one did, µs. */
  frameMac: string;
  frameMacSinceUs: number;
  starvation: Starvation | null;
}

/**
 * Creates the DHCP starvation detector (kind "dhcp_starvation"): one
 * incident per link whose clients' hardware addresses keep changing faster
 * than hosts join.
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
  if (
    !Number.isInteger(config.minClients) || config.minClients < 8 ||
    config.minClients > MAX_MIN_CLIENTS
  ) {
    throw new RangeError(
      `Cannot create DHCP starvation detector: minClients must be an integer from 8 to ${MAX_MIN_CLIENTS}, got ${config.minClients}`,
    );
  }
  /** New addresses within a window below which a starvation ends. */
  const endClients = Math.ceil(config.minClients / 4);
  /** Packet time without a new address after which a starvation ends, µs. */
  const quietUs = config.windowUs / 6;
  /** Links evicted from the full table with a starvation, their final findings due at the next packet (or the input's end). */
  const evicted: Link[] = [];
  const links = new BoundedMap<string, Link>(
    config.maxLinks,
    (_key, link) => {
      if (link.starvation !== null) evicted.push(link);
    },
  );

  function linkOf(name: string): Link {
    let link = links.get(name);
    if (link === undefined) {
      link = {
        name,
        recent: new Map(),
        server: "",
        frameMac: "",
        frameMacSinceUs: 0,
        starvation: null,
      };
      links.set(name, link);
    }
    return link;
  }

  function report(link: Link, nowUs: number, sink: FindingSink): void {
    const starvation = link.starvation!;
    const server = starvation.server === ""
      ? ""
      : ` (server ${starvation.server})`;
    sink({
      kind: "dhcp_starvation",
      key: starvation.key,
      timestampUs: nowUs,
      startUs: starvation.firstUs,
      severity: "high",
      attacker: starvation.frameMac,
      victim: starvation.server,
      domain: "",
      summary:
        `${starvation.newClients} new client addresses asked for DHCP leases on the ${link.name} link${server} within ${
          Math.round((starvation.lastUs - starvation.firstUs) / 1e6)
        } s${
          starvation.frameMac === ""
            ? ""
            : `, every frame from ${starvation.frameMac}`
        }: a DHCP starvation, emptying the servers' pools; ${
          countText(starvation.requests, "request")
        }.`,
      evidence: {
        link: link.name,
        requests: starvation.requests,
        newClients: starvation.newClients,
        foreignFrames: starvation.foreignFrames,
        clientSamples: [...starvation.samples],
        frameMac: starvation.frameMac,
        server: starvation.server,
        minClients: config.minClients,
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
    // A next starvation needs `minClients` addresses of its own.
    link.recent.clear();
  }

  function reportEvicted(sink: FindingSink): void {
    for (const link of evicted.splice(0)) end(link, sink);
  }

  return {
    name: "dhcp_starvation",
    packetKinds: PACKET_KIND.DHCP,
    observe(packet: PacketRecord, sink: FindingSink): void {
      if (evicted.length > 0) reportEvicted(sink);
      const type = packet.dhcpMessageType;
      if (packet.network !== "ipv4") return;
      const relay = packet.dhcpRelayAddress;
      const name = relay !== ""
        ? `relay ${relay}`
        : packet.vlanId > 0
        ? `vlan ${packet.vlanId}`
        : "untagged";
      if (
        (type === OFFER || type === ACK || type === NAK) &&
        packet.srcPort === SERVER_PORT
      ) {
        // Answers go to clients (port 68) or to their relay (67).
        const link = links.get(name);
        if (link === undefined) return;
        link.server = packet.srcAddress;
        if (link.starvation !== null && link.starvation.server === "") {
          link.starvation.server = packet.srcAddress;
        }
        return;
      }
      const client = packet.dhcpClientMac;
      if (
        (type !== DISCOVER && type !== REQUEST) ||
        packet.dstPort !== SERVER_PORT || client === "" ||
        (packet.srcPort !== CLIENT_PORT &&
          (relay === "" || packet.srcPort !== SERVER_PORT))
      ) return;
      const nowUs = packet.timestampUs;
      const link = linkOf(name);
      const recent = link.recent;
      // Forget the addresses that asked first more than a window ago.
      for (const [address, firstUs] of recent) {
        if (nowUs - firstUs <= config.windowUs) break;
        recent.delete(address);
      }
      let starvation = link.starvation;
      if (
        starvation !== null &&
        (recent.size < endClients ||
          nowUs - starvation.lastNewUs > quietUs)
      ) {
        end(link, sink);
        starvation = null;
      }
      if (packet.srcMac !== link.frameMac) {
        link.frameMac = packet.srcMac;
        link.frameMacSinceUs = nowUs;
      }
      const isNew = !recent.has(client);
      if (isNew) {
        recent.set(client, nowUs);
        if (recent.size > config.minClients) {
          // Full: the oldest goes (the count only needs to reach the threshold).
          recent.delete(recent.keys().next().value!);
        }
      }
      if (starvation === null) {
        if (recent.size < config.minClients || !isNew) return;
        const firstUs = recent.values().next().value!;
        starvation = {
          key: `${name} ${nowUs}`,
          // The window's requests all came from one MAC, or not.
          frameMac: link.frameMacSinceUs <= firstUs ? link.frameMac : "",
          // Each address asked once at least (requests are counted from here).
          requests: recent.size - 1,
          newClients: recent.size - 1,
          foreignFrames: 0,
          samples: [...recent.keys()].slice(0, MAX_LISTED - 1),
          server: link.server,
          lastNewUs: nowUs,
          firstUs,
          lastUs: nowUs,
          reportedCount: 0,
          lastReportUs: -Infinity,
        };
        link.starvation = starvation;
      }
      starvation.requests++;
      starvation.lastUs = nowUs;
      if (isNew) {
        starvation.newClients++;
        starvation.lastNewUs = nowUs;
        if (starvation.samples.length < MAX_LISTED) {
          starvation.samples.push(client);
        }
      }
      if (packet.srcMac !== client && relay === "") starvation.foreignFrames++;
      if (starvation.frameMac !== packet.srcMac) starvation.frameMac = "";
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
      for (const link of links.values()) {
        if (link.starvation !== null) end(link, sink);
      }
    },
  };
}
