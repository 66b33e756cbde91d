/**
 * DHCP spoofing detector, for DHCPv6 (RFC 8415): a host that answers
 * DHCPv6 clients as a server and leases them *link-local* addresses. No
 * DHCPv6 server does that (hosts make their link-local addresses
 * themselves); mitm6 does, on the Windows networks that run no DHCPv6 at
 * all, where every Windows host still solicits a DHCPv6 server: it answers
 * each with a link-local address (so that routing is not disturbed) and
 * names itself as the host's DNS server, which Windows then prefers over its
 * IPv4 one, and relays or spoofs what the hosts resolve (WPAD, NTLM relay).
 * THC's fake_dhcps6 with a link-local range does the same.
 *
 * Judged: a server's advertise or reply (DHCPv6 types 2 and 7, UDP to port
 * 546 from any port, over IPv6: clients take them so) that leases an address (IA_NA, IA_TA) in
 * fe80::/10: reason `link_local_lease`. The DNS servers it names are in the
 * evidence, and whether any is link-local (mitm6 names its own link-local
 * address).
 *
 * Findings (kind "dhcp_spoof", MITRE T1557.003, DHCP Spoofing): one
 * incident per server (its address and MAC); attacker = its address,
 * victim = the first client it answered (its address; the evidence counts
 * them all and lists some). Reported at its first
 * such answer, then as its answers double, or at most every
 * `reportIntervalUs` while they grow, and with its final figures at the
 * input's end; the incident ends after `windowUs` without one.
 *
 * Bounds: `maxServers` servers (the least recently seen evicted, with its
 * final figures; only servers that leased a link-local address are kept,
 * so a network's own servers take no place), each with at most 64 clients
 * counted exactly and eight listed. A lease counts while its valid lifetime
 * is above 0 and its IA reports no failure: a real server that ends mitm6's
 * lease, returning the address with lifetime 0 (RFC 8415 section 18.3.5),
 * leases nothing.
 *
 * Limits: a DHCPv6 server that leases global or unique-local addresses
 * is rogue_dhcp.ts's (the same kind), which compares it with the link's
 * DHCPv6 server, when there is one; a DHCPv6 answer relayed to the client
 * by a relay agent is judged like one from a server (the relay's address
 * is named); mitm6's answers to information requests only (stateless
 * DHCPv6: DNS servers without a lease) carry no lease and are not judged;
 * nor do answers that lease prefixes (IA_PD) rather than addresses, as a
 * mitm6 fork does; an answer whose leases are past its first IP fragment is
 * not judged (NetMirror does not reassemble datagrams); a server that
 * changes its address or MAC with every answer is one incident per
 * answer.
 *
 * @module
 */

import type { PacketRecord } from "../capture/packet_record.ts";
import { isLinkLocalAddress } from "./addresses.ts";
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

/** Options of {@linkcode createDhcpSpoofDetector}. */
export interface DhcpSpoofOptions {
  /** Packet time without a spoofed answer after which a server's incident ends, µs. */
  windowUs?: number;
  /** Servers tracked at once; beyond this the least recently seen is forgotten. */
  maxServers?: number;
  /** Packet time between repeated findings of one incident while it grows, µs. */
  reportIntervalUs?: number;
}

/**
 * Defaults of {@linkcode DhcpSpoofOptions}: an incident ends after 1 h
 * without a spoofed answer (Windows solicits again at boot and when its
 * lease runs out, mitm6's last 300 s); 256 servers of about 2 KB; findings
 * every 10 s at most while they grow, the alert lifecycle's update interval.
 */
export const DHCP_SPOOF_DEFAULTS: Readonly<Required<DhcpSpoofOptions>> = Object
  .freeze({
    windowUs: 3_600_000_000,
    maxServers: 256,
    reportIntervalUs: 10_000_000,
  });

/** DHCPv6 message types of a server's answers (RFC 8415 section 7.3). */
const ADVERTISE = 2;
const REPLY = 7;
/** Clients listen on 546, and take answers from any port (mitm6 sends from 547, THC's fake_dhcps6 from another). */
const CLIENT_PORT = 546;

/** Clients counted exactly per server, and samples listed. */
const MAX_CLIENTS = 64;
const MAX_LISTED = 8;

/** One server's spoofed answers. */
interface Server extends ReportMark {
  key: string;
  address: string;
  mac: string;
  serverId: string;
  answers: number;
  clients: Set<string>;
  leases: string[];
  dnsServers: string[];
  firstUs: number;
  lastUs: number;
}

/**
 * Creates the DHCP spoofing detector (kind "dhcp_spoof"): one incident per
 * DHCPv6 server that leases link-local addresses, as mitm6 does.
 *
 * @example
 * ```ts
 * const detector = createDhcpSpoofDetector();
 * detector.observe(packet, (finding) => console.log(finding.summary));
 * ```
 */
export function createDhcpSpoofDetector(
  options: DhcpSpoofOptions = {},
): Detector {
  const config = { ...DHCP_SPOOF_DEFAULTS, ...options };
  requirePositive("DHCP spoofing detector", config, [
    "windowUs",
    "maxServers",
    "reportIntervalUs",
  ]);
  /** Servers evicted from the full table, their final findings due at the next packet (or the input's end). */
  const evicted: Server[] = [];
  const servers = new BoundedMap<string, Server>(
    config.maxServers,
    (_key, server) => evicted.push(server),
  );

  /** Reports a server's final figures when due. */
  function finish(server: Server, sink: FindingSink): void {
    if (isFinalReportDue(server, server.answers, server.lastUs)) {
      report(server, server.lastUs, sink);
    }
  }

  function reportEvicted(sink: FindingSink): void {
    for (const server of evicted.splice(0)) finish(server, sink);
  }

  function report(server: Server, nowUs: number, sink: FindingSink): void {
    const clients = server.clients.size;
    const clientsText = clients >= MAX_CLIENTS
      ? `${MAX_CLIENTS}+`
      : String(clients);
    const listed = [...server.clients].slice(0, MAX_LISTED);
    const ownDns = server.dnsServers.some(isLinkLocalAddress);
    const linkLocal = server.leases.filter(isLinkLocalAddress);
    sink({
      kind: "dhcp_spoof",
      key: server.key,
      timestampUs: nowUs,
      startUs: server.firstUs,
      severity: "high",
      attacker: server.address,
      victim: listed[0]!,
      domain: "",
      summary:
        `${server.address} (${server.mac}) answered ${clientsText} DHCPv6 client${
          clients === 1 ? "" : "s"
        } with link-local addresses (${linkLocal.join(", ")})${
          server.dnsServers.length > 0
            ? `, naming ${server.dnsServers.join(", ")} as DNS server`
            : ""
        }: mitm6's way to become the hosts' DNS server; ${
          countText(server.answers, "answer")
        }.`,
      evidence: {
        reasons: ["link_local_lease"],
        serverMac: server.mac,
        serverId: server.serverId,
        answers: server.answers,
        clients: clientsText,
        clientSamples: listed,
        leaseSamples: [...server.leases],
        dnsServers: [...server.dnsServers],
        linkLocalDnsServer: ownDns,
        windowUs: config.windowUs,
      },
    });
    markReported(server, server.answers, nowUs);
  }

  return {
    name: "dhcp_spoof",
    packetKinds: PACKET_KIND.DHCP,
    observe(packet: PacketRecord, sink: FindingSink): void {
      if (evicted.length > 0) reportEvicted(sink);
      const type = packet.dhcpMessageType;
      if (
        (type !== ADVERTISE && type !== REPLY) ||
        packet.dstPort !== CLIENT_PORT ||
        packet.dhcpLeaseAddresses === ""
      ) return;
      const leases = packet.dhcpLeaseAddresses.split(",");
      if (!leases.some(isLinkLocalAddress)) return;
      const nowUs = packet.timestampUs;
      const address = packet.srcAddress;
      const mac = packet.srcMac;
      const key = `${address} ${mac}`;
      let server = servers.get(key);
      if (server !== undefined && nowUs - server.lastUs > config.windowUs) {
        finish(server, sink);
        servers.delete(key);
        server = undefined;
      }
      if (server === undefined) {
        server = {
          key,
          address,
          mac,
          serverId: packet.dhcpServerId,
          answers: 0,
          clients: new Set(),
          leases: [],
          dnsServers: [],
          firstUs: nowUs,
          lastUs: nowUs,
          reportedCount: 0,
          lastReportUs: -Infinity,
        };
        servers.set(key, server);
      }
      server.answers++;
      server.lastUs = nowUs;
      if (server.serverId === "") server.serverId = packet.dhcpServerId;
      if (server.clients.size < MAX_CLIENTS) {
        server.clients.add(packet.dstAddress);
      }
      addUnique(server.leases, leases, MAX_LISTED);
      addUnique(server.dnsServers, listOf(packet.dhcpDnsServers), MAX_LISTED);
      if (
        isGrowthReportDue(
          server,
          server.answers,
          nowUs,
          config.reportIntervalUs,
        )
      ) report(server, nowUs, sink);
    },
    tables(): Record<string, TableStats> {
      return {
        dhcp_spoof_servers: {
          size: servers.size,
          capacity: servers.capacity,
          evictions: servers.evictions,
        },
      };
    },
    flush(_nowUs: number, sink: FindingSink): void {
      reportEvicted(sink);
      for (const server of servers.values()) finish(server, sink);
    },
  };
}
