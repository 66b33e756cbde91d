/**
 * The attacks the demo injects, one script per detector family, each shaped
 * like the tool it imitates and sized to cross the default thresholds of
 * `detectors/` within seconds:
 *
 * - port_scan: nmap -sS of 200 ports of the NAS (open ports answer SYN/ACK
 *   and are reset, the rest answer RST); every other round nmap -sY, an
 *   SCTP INIT scan of the same ports, which the NAS, without SCTP, refuses
 *   with ICMP protocol unreachable as its kernel rate-limits them (the
 *   first 6, then one a second).
 * - syn_flood: hping3 -S --flood --rand-source at the intranet server's port
 *   80 through the gateway: 6 000 SYNs in 2.4 s, each answered by a SYN/ACK
 *   that no one completes.
 * - reflection_flood, in syn_flood's place every other round: a DNS
 *   amplification at the intranet server: 2 000 answers of about 1 KB (TXT
 *   records an ANY or TXT query drew) from 300 open resolvers in 2 s, to
 *   queries the attacker sent them in the server's name.
 * - arp_scan: arp-scan --localnet: who-has for all 253 other addresses.
 * - arp_spoof: arpspoof -t <workstation> <gateway>: a reply every second
 *   that the gateway's IP is at the rogue MAC; the victim re-resolves the
 *   gateway in between and the real gateway answers, so the binding flips.
 * - ndp_scan, in arp_scan's place every other round: nmap -6 -sn of
 *   fd00::/120 from the rogue device's link-local address, a neighbor
 *   solicitation for each address, answered by the dual-stack hosts among
 *   them.
 * - ndp_spoof: THC's fake_advertise6 from the rogue device's link-local
 *   address: an unsolicited neighbor advertisement every second telling a
 *   dual-stack laptop that the gateway's IPv6 address is at the rogue MAC,
 *   after the rogue asked for the gateway itself; the laptop re-resolves
 *   the gateway in between, as for ARP.
 * - dhcp_spoof, in arp_spoof's place every other round: mitm6 from the
 *   rogue device's link-local address, answering three Windows hosts'
 *   DHCPv6 solicitations with link-local leases and itself as DNS server.
 * - rogue_router, in ndp_spoof's place every other round: THC's
 *   fake_router6 from the rogue device's link-local address, right after the gateway answered a laptop's router
 *   solicitation with the LAN's prefix fd00::/64: an advertisement every
 *   5 s of fd00:bad::/64 and of itself as the default router at high
 *   preference.
 * - dhcp_starvation: yersinia's DHCP discover attack from the rogue device: DHCP discovers
 *   from 300 random MACs in 3 s (frames and client addresses alike); the
 *   gateway offers the first 60 of them addresses, then its pool is empty.
 * - dhcp_spoof, in dhcp_starvation's place every other round: a rogue DHCP
 *   server (Ettercap's dhcp_spoof) on the rogue device, after a workstation
 *   renewed its lease with the gateway: three joining hosts' discovers
 *   answered, faster than the gateway, with an address and the rogue
 *   device as their router and DNS server.
 * - icmp_flood: ping -f at the intranet server, 1 000 requests a second.
 * - icmp_tunnel, in icmp_flood's place every other round: ptunnel from the
 *   compromised workstation to an external proxy, a TCP session carried in
 *   echo requests and answered in echo replies of the proxy's own data.
 * - icmp_sweep: nmap -sn -PE of a routed /24 behind the gateway.
 * - name_poisoning, in icmp_sweep's place every other round: Responder on
 *   the rogue device answering workstations' LLMNR queries (names DNS
 *   could not resolve: a typo, a retired server, WPAD) with its own
 *   address.
 * - dns_tunnel: iodine from a compromised workstation: NULL (and some TXT)
 *   queries with long base32 names under one domain; every other round,
 *   iodine's default raw mode instead: a four-query handshake through the
 *   resolver, then its own protocol straight to the tunnel's name server on
 *   UDP port 53 (MITRE T1571).
 * - data_exfil: the compromised workstation uploads 60 MB over TLS to one
 *   external host in about 10 s.
 * - brute_force: hydra ssh from the rogue device at the NAS, 36
 *   connections of four wrong passwords each in about 4 s; every other
 *   round hydra ftp at the intranet server, 40 logins refused with 530 and,
 *   on the last connection, a 41st accepted (a critical alert: a guess
 *   was right).
 * - udp_flood: hping3 --udp --flood from the compromised workstation (a
 *   bot) at the intranet server's closed port 9: 12 000 datagrams in 0.8 s, from source ports
 *   counting up from a random one, answered by the server's kernel with
 *   one ICMP port unreachable a second.
 * - mac_flood: macof from the rogue device: 6 000 frames in 0.6 s, each
 *   from a random source MAC (half of them multicast ones) to a random one,
 *   carrying a TCP SYN between random addresses and ports (window 512).
 *
 * @module
 */

import {
  arpFrame,
  dhcpv4Message,
  dhcpv6Message,
  duidOfMac,
  neighborFrame,
  parseMac,
  sctpChunk,
  sctpInitValue,
  solicitedNodeAddress,
} from "../../capture/frame_builder.ts";
import { SCTP_CHUNK } from "../../capture/decode/sctp.ts";
import { formatIpv6, formatMac } from "../../capture/decode/address.ts";
import { TCP_FLAGS } from "../../capture/packet_record.ts";
import type { AlertKind } from "../../detectors/alert.ts";
import {
  neighbourDiscovery,
  pingPayload,
  sshEncrypted,
  sshHandshake,
} from "./background.ts";
import type { DemoContext } from "./demo_context.ts";
import {
  aRecord,
  DNS_TYPE,
  type DnsAnswer,
  dnsPayload,
  nullRecord,
  txtRecord,
} from "./dns_payload.ts";
import {
  EXFIL_SERVER,
  ICMP_TUNNEL_SERVER,
  type LanHost,
  SWEEP_SUBNET,
  TUNNEL_DOMAIN,
  TUNNEL_SERVER,
} from "./lan.ts";
import type { Session, SessionScript } from "./scheduler.ts";
import {
  closeByClient,
  frameGapUs,
  handshake,
  MS,
  SECOND,
  sendToServer,
  type SubScript,
  tlsHandshake,
  tlsSegments,
} from "./transfers.ts";
import {
  type Endpoint,
  icmpFrame,
  sctpFrame,
  TcpConnection,
  tcpFrame,
  udpFrame,
} from "./wire.ts";

/** Attack families in the order the demo injects them (the slow-to-detect exfiltration early). */
export const ATTACK_SCHEDULE: readonly AlertKind[] = [
  "port_scan",
  "data_exfil",
  "syn_flood",
  "arp_scan",
  "arp_spoof",
  "icmp_flood",
  // Between the flood and the sweep, which come from one host: a sweep's
  // window must not reach back to the flood's echo requests.
  "brute_force",
  "icmp_sweep",
  "dns_tunnel",
  "ndp_spoof",
  "dhcp_starvation",
  "udp_flood",
  "mac_flood",
];

/** Ground truth of one injected attack. */
export interface InjectedAttack {
  /** The family, also the label of its frames. */
  kind: AlertKind;
  /** Packet time of its first frame, µs. */
  startUs: number;
  /** The attacking host's IP ("" when its sources are spoofed). */
  attacker: string;
  /** The attacked host's IP ("" when it targets many hosts). */
  victim: string;
  /** One line for people: what the attack does. */
  description: string;
}

/** An attack ready to start: its ground truth and its script. */
export interface AttackPlan extends InjectedAttack {
  script: (session: Session) => SessionScript;
}

/** Bytes the exfiltration uploads (TLS ciphertext): above the detector's 50 MB default with headroom for headers. */
export const EXFIL_BYTES = 60_000_000;

const { SYN, ACK, RST } = TCP_FLAGS;

/**
 * Plans the attack of `kind` starting at `startUs`, in the variant of
 * schedule round `round` (0, 1, …: the DNS tunnel alternates between names
 * and raw mode).
 */
export function planAttack(
  ctx: DemoContext,
  kind: AlertKind,
  startUs: number,
  round = 0,
): AttackPlan {
  const { lan } = ctx;
  const rogue = lan.rogue.v4.ip;
  // Its IPv6 scripts speak from its link-local address.
  const rogueLinkLocal = linkLocalOf(lan.rogue.v4.mac);
  switch (kind) {
    case "port_scan":
      if (round % 2 === 1) {
        return {
          kind,
          startUs,
          attacker: rogue,
          victim: lan.nas.v4.ip,
          description:
            `nmap -sY: SCTP INIT scan of 200 ports of ${lan.nas.v4.ip} from ${rogue}`,
          script: (s) => sctpPortScan(ctx, s, startUs),
        };
      }
      return {
        kind,
        startUs,
        attacker: rogue,
        victim: lan.nas.v4.ip,
        description:
          `nmap -sS: SYN scan of 200 ports of ${lan.nas.v4.ip} from ${rogue}`,
        script: (s) => portScan(ctx, s, startUs),
      };
    case "syn_flood":
      if (round % 2 === 1) {
        return planAttack(ctx, "reflection_flood", startUs, round);
      }
      return {
        kind,
        startUs,
        attacker: "",
        victim: lan.intranet.v4.ip,
        description:
          `hping3 --rand-source: 6 000 spoofed SYNs to ${lan.intranet.v4.ip}:80 in 2.4 s`,
        script: (s) => synFlood(ctx, s, startUs),
      };
    case "reflection_flood":
      return {
        kind,
        startUs,
        attacker: "",
        victim: lan.intranet.v4.ip,
        description:
          `DNS amplification: ${REFLECTION_ANSWERS} answers of about 1 KB from ${REFLECTION_RESOLVERS} open resolvers to ${lan.intranet.v4.ip} in 2 s, which it never asked`,
        script: () => reflectionFlood(ctx, startUs),
      };
    case "arp_scan":
      if (round % 2 === 1) return planAttack(ctx, "ndp_scan", startUs, round);
      return {
        kind,
        startUs,
        attacker: rogue,
        victim: "",
        description:
          `arp-scan --localnet: who-has for 192.168.1.0/24 from ${rogue}`,
        script: (s) => arpScan(ctx, s, startUs),
      };
    case "arp_spoof": {
      if (round % 2 === 1) {
        return planAttack(ctx, "dhcp_spoof", startUs, round);
      }
      const victim = lan.host("ws-anna").v4.ip;
      return {
        kind,
        startUs,
        attacker: rogue,
        victim,
        description:
          `arpspoof: ${rogue} tells ${victim} that the gateway ${lan.gateway.v4.ip} is at ${lan.rogue.v4.mac}`,
        script: (s) => arpSpoof(ctx, s, startUs),
      };
    }
    case "ndp_scan":
      return {
        kind,
        startUs,
        attacker: rogueLinkLocal,
        victim: "",
        description:
          `nmap -6 -sn: neighbor solicitations for fd00::/120 from ${rogueLinkLocal}`,
        script: (s) => ndpScan(ctx, s, startUs),
      };
    case "ndp_spoof": {
      if (round % 2 === 1) {
        return planAttack(ctx, "rogue_router", startUs, round);
      }
      const victim = ndpVictim(ctx).v6!.ip;
      return {
        kind,
        startUs,
        attacker: rogueLinkLocal,
        victim,
        description:
          `fake_advertise6: ${rogueLinkLocal} tells ${victim} that the gateway ${
            lan.gateway.v6!.ip
          } is at ${lan.rogue.v4.mac}`,
        script: (s) => ndpSpoof(ctx, s, startUs),
      };
    }
    case "dhcp_spoof":
      return {
        kind,
        startUs,
        attacker: rogueLinkLocal,
        victim: linkLocalOf(lan.host(MITM6_VICTIMS[0]!).v4.mac),
        description:
          `mitm6: ${rogueLinkLocal} answers the Windows hosts' DHCPv6 solicitations with link-local leases and itself as DNS server`,
        script: (s) => mitm6(ctx, s, startUs),
      };
    case "rogue_router":
      return {
        kind,
        startUs,
        attacker: rogueLinkLocal,
        victim: "ff02::1",
        description:
          `fake_router6: ${rogueLinkLocal} advertises ${ROGUE_PREFIX}/64 and itself as the preferred default router, where the gateway ${
            linkLocalOf(lan.gateway.v4.mac)
          } gives fd00::/64`,
        script: () => rogueRouter(ctx, startUs),
      };
    case "dhcp_starvation":
      if (round % 2 === 1) {
        return {
          kind: "dhcp_spoof",
          startUs,
          attacker: rogue,
          victim: ROGUE_DHCP_POOL + "1",
          description:
            `Ettercap dhcp_spoof: ${rogue} answers joining hosts' DHCP discovers before the gateway, naming itself their router and DNS server`,
          script: (s) => rogueDhcp(ctx, s, startUs),
        };
      }
      return {
        kind,
        startUs,
        attacker: "",
        victim: lan.gateway.v4.ip,
        description:
          `yersinia dhcp -attack 1: DHCP discovers from ${STARVATION_CLIENTS} random MACs in 3 s, emptying the pool of ${lan.gateway.v4.ip}`,
        script: (s) => dhcpStarvation(ctx, s, startUs),
      };
    case "icmp_flood":
      if (round % 2 === 1) {
        return planAttack(ctx, "icmp_tunnel", startUs, round);
      }
      return {
        kind,
        startUs,
        attacker: rogue,
        victim: lan.intranet.v4.ip,
        description:
          `ping -f: 3 500 echo requests to ${lan.intranet.v4.ip} in 3.5 s from ${rogue}`,
        script: (s) => icmpFlood(ctx, s, startUs),
      };
    case "icmp_tunnel":
      return {
        kind,
        startUs,
        attacker: lan.compromised.v4.ip,
        victim: ICMP_TUNNEL_SERVER,
        description:
          `ptunnel: a TCP session from ${lan.compromised.v4.ip} through ${ICMP_TUNNEL_SERVER} in ${ICMP_TUNNEL_EXCHANGES} echo requests, answered by replies of other data`,
        script: (s) => icmpTunnel(ctx, s, startUs),
      };
    case "icmp_sweep":
      if (round % 2 === 1) {
        return planAttack(ctx, "name_poisoning", startUs, round);
      }
      return {
        kind,
        startUs,
        attacker: rogue,
        victim: "",
        description:
          `nmap -sn -PE: ping sweep of ${SWEEP_SUBNET}.0/24 from ${rogue}`,
        script: (s) => icmpSweep(ctx, s, startUs),
      };
    case "name_poisoning":
      return {
        kind,
        startUs,
        attacker: rogue,
        victim: "",
        description:
          `Responder: ${rogue} answers workstations' LLMNR queries for ${LLMNR_NAMES.length} names (WPAD among them) with its own address`,
        script: (s) => namePoisoning(ctx, s, startUs),
      };
    case "dns_tunnel":
      if (round % 2 === 1) {
        return {
          kind,
          startUs,
          attacker: lan.compromised.v4.ip,
          victim: TUNNEL_SERVER,
          description:
            `iodine (raw mode): its own protocol from ${lan.compromised.v4.ip} straight to ${TUNNEL_SERVER}:53 after a four-query handshake`,
          script: (s) => rawDnsTunnel(ctx, s, startUs),
        };
      }
      return {
        kind,
        startUs,
        attacker: lan.compromised.v4.ip,
        victim: lan.gateway.v4.ip,
        description:
          `iodine: NULL/TXT queries with encoded names under ${TUNNEL_DOMAIN} from ${lan.compromised.v4.ip}`,
        script: (s) => dnsTunnel(ctx, s, startUs),
      };
    case "brute_force":
      if (round % 2 === 1) {
        return {
          kind,
          startUs,
          attacker: rogue,
          victim: lan.intranet.v4.ip,
          description:
            `hydra ftp: ${BRUTE_FORCE_LOGINS} passwords for admin at ${lan.intranet.v4.ip}:21 from ${rogue}, each refused with 530 but the last`,
          script: (s) => ftpGuessing(ctx, s, startUs),
        };
      }
      return {
        kind,
        startUs,
        attacker: rogue,
        victim: lan.nas.v4.ip,
        description:
          `hydra ssh: ${BRUTE_FORCE_CONNECTIONS} connections of four wrong passwords each to ${lan.nas.v4.ip}:22 from ${rogue}`,
        script: (s) => sshGuessing(ctx, s, startUs),
      };
    case "udp_flood":
      return {
        kind,
        startUs,
        attacker: lan.compromised.v4.ip,
        victim: lan.intranet.v4.ip,
        description:
          `hping3 --udp --flood: ${UDP_FLOOD_DATAGRAMS} datagrams to ${lan.intranet.v4.ip}:9 in 0.8 s from ${lan.compromised.v4.ip}`,
        script: (s) => udpFlood(ctx, s, startUs),
      };
    case "mac_flood":
      return {
        kind,
        startUs,
        attacker: "",
        victim: "",
        description:
          `macof: ${MAC_FLOOD_FRAMES} frames from random source MACs in 0.6 s from ${rogue}'s port, filling the switch's MAC table`,
        script: () => macFlood(ctx, startUs),
      };
    case "data_exfil":
      return {
        kind,
        startUs,
        attacker: lan.compromised.v4.ip,
        victim: EXFIL_SERVER,
        description: `${lan.compromised.v4.ip} uploads ${
          EXFIL_BYTES / 1e6
        } MB over TLS to ${EXFIL_SERVER}:443`,
        script: (s) => dataExfil(ctx, s, startUs),
      };
  }
}

/** The rogue host asks who has `target` and gets the answer: a LAN attacker's first step. */
function* resolve(
  ctx: DemoContext,
  asker: LanHost,
  target: LanHost,
  startUs: number,
): SubScript {
  yield {
    atUs: startUs,
    bytes: arpFrame({
      operation: 1,
      senderMac: asker.v4.mac,
      senderIp: asker.v4.ip,
      targetMac: "00:00:00:00:00:00",
      targetIp: target.v4.ip,
    }),
  };
  const replyUs = startUs + Math.round(ctx.prng.uniform(0.1, 0.8) * MS);
  yield {
    atUs: replyUs,
    bytes: arpFrame(
      {
        operation: 2,
        senderMac: target.v4.mac,
        senderIp: target.v4.ip,
        targetMac: asker.v4.mac,
        targetIp: asker.v4.ip,
      },
      asker.v4.mac,
    ),
  };
  return replyUs;
}

/** nmap's most common ports first, as in its services frequency list. */
const TOP_PORTS = [
  80,
  23,
  443,
  21,
  22,
  25,
  3389,
  110,
  445,
  139,
  143,
  53,
  135,
  3306,
  8080,
  1723,
  111,
  995,
  993,
  5900,
  1025,
  587,
  8888,
  199,
  1720,
  465,
  548,
  113,
  81,
  6001,
  10000,
  514,
  5060,
  179,
  1026,
  2000,
  8443,
  8000,
  32768,
  554,
  26,
  1433,
  49152,
  2001,
  515,
  8008,
  49154,
  1027,
  5666,
  646,
  5000,
  5631,
  631,
  49153,
  8081,
  2049,
  88,
  79,
  5800,
  106,
  2121,
  1110,
  49155,
  6000,
  513,
  990,
  5357,
  427,
  49156,
  543,
  544,
  5101,
  144,
  7,
  389,
  8009,
  3128,
  444,
  9999,
  5009,
  7070,
  5190,
  3000,
  5432,
  1900,
  3986,
  13,
  1029,
  9,
  5051,
  6646,
  49157,
  1028,
  873,
  1755,
  2717,
  4899,
  9100,
  119,
  37,
  5001,
];

/** Ports the NAS listens on. */
const NAS_OPEN_PORTS = new Set([22, 80, 111, 139, 443, 445, 2049, 5000, 5001]);

function* portScan(
  ctx: DemoContext,
  session: Session,
  startUs: number,
): SessionScript {
  const { prng, lan } = ctx;
  const rogue = lan.rogue.v4;
  const nas = lan.nas.v4;
  let t = yield* resolve(ctx, lan.rogue, lan.nas, startUs);
  const order = scanPorts(ctx);
  const srcPort = prng.int(40_000, 65_000);
  for (const port of order) {
    t += Math.round(prng.uniform(2, 6) * MS);
    const seq = prng.uint32();
    yield {
      atUs: t,
      bytes: tcpFrame(rogue, nas, {
        srcPort,
        dstPort: port,
        flags: SYN,
        seq,
        window: 1024,
      }),
    };
    const answerUs = t + Math.round(prng.uniform(0.15, 0.6) * MS);
    if (NAS_OPEN_PORTS.has(port)) {
      session.emit(
        answerUs,
        tcpFrame(nas, rogue, {
          srcPort: port,
          dstPort: srcPort,
          flags: SYN | ACK,
          seq: prng.uint32(),
          ack: (seq + 1) >>> 0,
          window: 65_160,
        }),
      );
      session.emit(
        answerUs + 40,
        tcpFrame(rogue, nas, {
          srcPort,
          dstPort: port,
          flags: RST,
          seq: (seq + 1) >>> 0,
          window: 0,
        }),
      );
    } else {
      session.emit(
        answerUs,
        tcpFrame(nas, rogue, {
          srcPort: port,
          dstPort: srcPort,
          flags: RST | ACK,
          seq: 0,
          ack: (seq + 1) >>> 0,
          window: 0,
        }),
      );
    }
  }
}

/** ICMP errors a Linux host sends at once before its rate limit (net.ipv4.icmp_msgs_burst), then one per `ICMP_ERROR_GAP_US`. */
const ICMP_ERROR_BURST = 6;
const ICMP_ERROR_GAP_US = 1_000_000;

/** The 200 ports of a scan of the NAS: nmap's top ports, then random ones, shuffled. */
function scanPorts(ctx: DemoContext): number[] {
  const { prng } = ctx;
  const ports = new Set(TOP_PORTS);
  while (ports.size < 200) ports.add(prng.int(1, 10_000));
  const order = [...ports];
  for (let i = order.length - 1; i > 0; i--) {
    const j = prng.int(0, i);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/** nmap -sY at the NAS: an INIT to each port; the NAS has no SCTP and refuses the first few with ICMP protocol unreachable quoting them. */
function* sctpPortScan(
  ctx: DemoContext,
  session: Session,
  startUs: number,
): SessionScript {
  const { prng, lan } = ctx;
  const rogue = lan.rogue.v4;
  const nas = lan.nas.v4;
  let t = yield* resolve(ctx, lan.rogue, lan.nas, startUs);
  const srcPort = prng.int(40_000, 65_000);
  let refused = 0;
  let lastRefusalUs = -Infinity;
  for (const port of scanPorts(ctx)) {
    t += Math.round(prng.uniform(2, 6) * MS);
    const init = sctpFrame(
      rogue,
      nas,
      { srcPort, dstPort: port },
      sctpChunk(SCTP_CHUNK.INIT, sctpInitValue(prng.uint32())),
    );
    yield { atUs: t, bytes: init };
    if (refused < ICMP_ERROR_BURST || t - lastRefusalUs >= ICMP_ERROR_GAP_US) {
      refused++;
      lastRefusalUs = t;
      // The IP header and the first 8 bytes of the INIT (RFC 792).
      session.emit(
        t + Math.round(prng.uniform(0.1, 0.4) * MS),
        icmpFrame(nas, rogue, { type: 3, code: 2 }, init.subarray(14, 14 + 28)),
      );
    }
  }
}

/** First octets of public IPv4 space (spoofed sources are drawn from these /8s). */
const PUBLIC_FIRST_OCTETS = [
  5,
  23,
  31,
  37,
  41,
  45,
  46,
  62,
  77,
  78,
  79,
  80,
  81,
  82,
  83,
  84,
  85,
  86,
  87,
  88,
  89,
  90,
  91,
  92,
  93,
  94,
  95,
  101,
  103,
  104,
  109,
  113,
  118,
  119,
  121,
  122,
  125,
  131,
  134,
  138,
  141,
  145,
  151,
  154,
  161,
  176,
  178,
  180,
  185,
  186,
  188,
  190,
  193,
  194,
  195,
  197,
  200,
  201,
  210,
  211,
  212,
  213,
  217,
  218,
];

function spoofedEndpoint(ctx: DemoContext): Endpoint {
  const { prng, lan } = ctx;
  const ip = `${prng.pick(PUBLIC_FIRST_OCTETS)}.${prng.int(0, 255)}.${
    prng.int(0, 255)
  }.${prng.int(1, 254)}`;
  return {
    ip,
    mac: lan.gateway.v4.mac,
    ttl: prng.int(40, 60),
    ipId: prng.int(0, 0xffff),
  };
}

function* synFlood(
  ctx: DemoContext,
  session: Session,
  startUs: number,
): SessionScript {
  const { prng, lan } = ctx;
  const victim = lan.intranet.v4;
  let t = startUs;
  for (let i = 0; i < 6_000; i++) {
    const source = spoofedEndpoint(ctx);
    const srcPort = prng.int(1_024, 65_535);
    const seq = prng.uint32();
    yield {
      atUs: t,
      bytes: tcpFrame(source, victim, {
        srcPort,
        dstPort: 80,
        flags: SYN,
        seq,
        window: 512,
      }),
    };
    session.emit(
      t + prng.int(30, 120),
      tcpFrame(victim, source, {
        srcPort: 80,
        dstPort: srcPort,
        flags: SYN | ACK,
        seq: prng.uint32(),
        ack: (seq + 1) >>> 0,
        window: 64_240,
      }),
    );
    t += prng.int(250, 550);
  }
}

/** Answers and resolvers of the demo's DNS amplification. */
const REFLECTION_ANSWERS = 2_000;
const REFLECTION_RESOLVERS = 300;

function* reflectionFlood(ctx: DemoContext, startUs: number): SessionScript {
  const { prng, lan } = ctx;
  const victim = lan.intranet.v4;
  const resolvers = Array.from(
    { length: REFLECTION_RESOLVERS },
    () => spoofedEndpoint(ctx),
  );
  // The attacker's name under its own domain: four TXT strings of 250 bytes.
  const answers = Array.from(
    { length: 4 },
    () => txtRecord("v=spf1 " + "ip4:203.0.113.0/24 ".repeat(13), 3_600),
  );
  const dstPort = prng.int(1_024, 65_535);
  let t = startUs;
  for (let i = 0; i < REFLECTION_ANSWERS; i++) {
    const resolver = prng.pick(resolvers);
    const payload = dnsPayload({
      id: prng.int(0, 0xffff),
      name: "amp.example.net",
      qtype: DNS_TYPE.TXT,
      response: true,
      answers,
    });
    yield { atUs: t, bytes: udpFrame(resolver, victim, 53, dstPort, payload) };
    t += prng.int(500, 1_500);
  }
}

function* arpScan(
  ctx: DemoContext,
  session: Session,
  startUs: number,
): SessionScript {
  const { prng, lan } = ctx;
  const rogue = lan.rogue.v4;
  let t = startUs;
  for (let octet = 1; octet <= 254; octet++) {
    const targetIp = `192.168.1.${octet}`;
    if (targetIp === rogue.ip) continue;
    yield {
      atUs: t,
      bytes: arpFrame({
        operation: 1,
        senderMac: rogue.mac,
        senderIp: rogue.ip,
        targetMac: "00:00:00:00:00:00",
        targetIp,
      }),
    };
    const host = lan.hostByIpv4(targetIp);
    if (host !== undefined) {
      session.emit(
        t + Math.round(prng.uniform(0.1, 1.5) * MS),
        arpFrame({
          operation: 2,
          senderMac: host.v4.mac,
          senderIp: host.v4.ip,
          targetMac: rogue.mac,
          targetIp: rogue.ip,
        }, rogue.mac),
      );
    }
    t += Math.round(prng.uniform(3, 5) * MS);
  }
}

function* ndpScan(
  ctx: DemoContext,
  session: Session,
  startUs: number,
): SessionScript {
  const { prng, lan } = ctx;
  const rogue = lan.rogue.v4;
  const rogueIp = linkLocalOf(rogue.mac);
  const dualStack = lan.hosts.filter((host) => host.v6 !== undefined);
  let t = startUs;
  for (let last = 1; last <= 0xff; last++) {
    const targetIp = `fd00::${last.toString(16)}`;
    yield {
      atUs: t,
      bytes: neighborFrame({
        srcMac: rogue.mac,
        src: rogueIp,
        dst: solicitedNodeAddress(targetIp),
        type: 135,
        target: targetIp,
      }),
    };
    const host = dualStack.find((candidate) => candidate.v6!.ip === targetIp);
    if (host !== undefined) {
      session.emit(
        t + Math.round(prng.uniform(0.1, 1.5) * MS),
        neighborFrame({
          srcMac: host.v4.mac,
          dstMac: rogue.mac,
          src: targetIp,
          dst: rogueIp,
          type: 136,
          target: targetIp,
          flags: host === lan.gateway ? ROUTER_ADVERTISED : HOST_ADVERTISED,
        }),
      );
    }
    t += Math.round(prng.uniform(3, 5) * MS);
  }
}

function* arpSpoof(
  ctx: DemoContext,
  _session: Session,
  startUs: number,
): SessionScript {
  const { prng, lan } = ctx;
  const rogue = lan.rogue;
  const gateway = lan.gateway;
  const victim = lan.host("ws-anna");
  let t = yield* resolve(ctx, rogue, victim, startUs);
  t = yield* resolve(
    ctx,
    rogue,
    gateway,
    t + Math.round(prng.uniform(2, 8) * MS),
  );
  const forged = () =>
    arpFrame(
      {
        operation: 2,
        senderMac: rogue.v4.mac,
        senderIp: gateway.v4.ip,
        targetMac: victim.v4.mac,
        targetIp: victim.v4.ip,
      },
      victim.v4.mac,
    );
  yield* poisonEverySecond(
    ctx,
    t,
    forged,
    (askUs) => resolve(ctx, victim, gateway, askUs),
  );
}

/**
 * Twelve forged claims from `startUs` on, one a second; after the 3rd, 7th
 * and 11th the victim's cache entry goes stale, it asks again (`reAsk`) and
 * the real gateway answers, until the next forged claim takes it back.
 */
function* poisonEverySecond(
  ctx: DemoContext,
  startUs: number,
  forged: () => Uint8Array<ArrayBuffer>,
  reAsk: (atUs: number) => SubScript,
): SessionScript {
  const { prng } = ctx;
  let t = startUs;
  for (let i = 0; i < 12; i++) {
    t += i === 0
      ? Math.round(prng.uniform(20, 60) * MS)
      : SECOND + prng.int(0, 2_000);
    yield { atUs: t, bytes: forged() };
    if (i === 2 || i === 6 || i === 10) {
      yield* reAsk(t + Math.round(prng.uniform(300, 600) * MS));
    }
  }
}

/** Neighbor advertisement flags of a host's answer (solicited, override) and a router's (router too). */
const HOST_ADVERTISED = 0x60;
const ROUTER_ADVERTISED = 0xe0;

/** The dual-stack laptop that the NDP spoofing demo poisons. */
function ndpVictim(ctx: DemoContext): LanHost {
  return ctx.lan.host("mbp-ben");
}

/** The EUI-64 link-local IPv6 address of `mac` (RFC 4291 appendix A), as the decoder writes it. */
function linkLocalOf(mac: string): string {
  const address = new Uint8Array(16);
  const bytes = parseMac(mac);
  address.set([0xfe, 0x80], 0);
  address.set(bytes.subarray(0, 3), 8);
  address.set([0xff, 0xfe], 11);
  address.set(bytes.subarray(3), 13);
  address[8]! ^= 0x02; // Non-null: within the 16 bytes.
  return formatIpv6(address, 0);
}

function* ndpSpoof(
  ctx: DemoContext,
  _session: Session,
  startUs: number,
): SessionScript {
  const { lan } = ctx;
  const rogue = lan.rogue;
  const rogueIp = linkLocalOf(rogue.v4.mac);
  const gateway = lan.gateway;
  const gatewayIp = gateway.v6!.ip;
  const victim = ndpVictim(ctx);
  const victimIp = victim.v6!.ip;
  // The rogue asks from its link-local address; the gateway answers as a
  // router.
  const t = yield* neighbourDiscovery(
    ctx,
    { ...rogue.v4, ip: rogueIp },
    gateway.v6!,
    startUs,
    ROUTER_ADVERTISED,
  );
  // fake_advertise6 -r -w 1 <iface> <gateway> <victim>: router and
  // override flags, from the advertised address, the rogue's MAC inside.
  const forged = () =>
    neighborFrame({
      srcMac: rogue.v4.mac,
      dstMac: victim.v4.mac,
      src: gatewayIp,
      dst: victimIp,
      type: 136,
      target: gatewayIp,
      flags: 0xa0,
    });
  yield* poisonEverySecond(
    ctx,
    t,
    forged,
    (askUs) =>
      neighbourDiscovery(
        ctx,
        victim.v6!,
        gateway.v6!,
        askUs,
        ROUTER_ADVERTISED,
      ),
  );
}

/** The Windows hosts whose DHCPv6 solicitations the demo's mitm6 answers. */
const MITM6_VICTIMS = ["ws-anna", "ws-carla", "ws-dan"];

function* mitm6(
  ctx: DemoContext,
  session: Session,
  startUs: number,
): SessionScript {
  const { lan, prng } = ctx;
  const rogueMac = lan.rogue.v4.mac;
  const rogue: Endpoint = {
    ip: linkLocalOf(rogueMac),
    mac: rogueMac,
    ttl: 255,
    ipId: 0,
  };
  const allServers: Endpoint = {
    ip: "ff02::1:2",
    mac: "33:33:00:01:00:02",
    ttl: 1,
    ipId: 0,
  };
  let t = startUs;
  let n = 0;
  for (const name of MITM6_VICTIMS) {
    const host = lan.host(name);
    const client: Endpoint = {
      ip: linkLocalOf(host.v4.mac),
      mac: host.v4.mac,
      ttl: 1,
      ipId: 0,
    };
    const clientDuid = duidOfMac(host.v4.mac);
    const serverDuid = duidOfMac(rogueMac);
    const lease = [`fe80::1:${(++n).toString(16)}`];
    // Solicit and advertise, then request and reply (RFC 8415 section
    // 18), the lease link-local and mitm6 itself the DNS server.
    for (const [ask, answer] of [[1, 2], [3, 7]] as const) {
      const transactionId = prng.int(0, 0xffffff);
      yield {
        atUs: t,
        bytes: udpFrame(
          client,
          allServers,
          546,
          547,
          dhcpv6Message({ type: ask, transactionId, clientDuid }),
        ),
      };
      session.emit(
        t + prng.int(1 * MS, 5 * MS),
        udpFrame(
          rogue,
          { ...client, ttl: 255 },
          547,
          546,
          dhcpv6Message({
            type: answer,
            transactionId,
            clientDuid,
            serverDuid,
            leases: lease,
            dnsServers: [rogue.ip],
          }),
        ),
      );
      t += prng.int(20 * MS, 60 * MS);
    }
    t += prng.int(300 * MS, 900 * MS);
  }
}

/** Client addresses the demo's starvation makes up, and how many the gateway's pool still has. */
const STARVATION_CLIENTS = 300;
const POOL_LEFT = 60;
/** The gateway's pool (its offers' addresses start here) and the rogue server's. */
const GATEWAY_POOL = "192.168.1.";
const GATEWAY_POOL_FIRST = 100;
const ROGUE_DHCP_POOL = "10.66.0.";
/** A DHCP message's broadcast destination and a client's source before it has an address. */
const BROADCAST: Endpoint = {
  ip: "255.255.255.255",
  mac: "ff:ff:ff:ff:ff:ff",
  ttl: 64,
  ipId: 0,
};

/** A random locally administered unicast MAC for a made-up client. */
function randomMac(ctx: DemoContext): string {
  const bytes = ctx.prng.bytes(6);
  bytes[0] = (bytes[0]! & 0xfc) | 0x02;
  return formatMac(bytes, 0);
}

/** The gateway's answer of `type` to a client, leasing `address`. */
function gatewayAnswer(
  ctx: DemoContext,
  type: number,
  transactionId: number,
  clientMac: string,
  address: string,
): Uint8Array<ArrayBuffer> {
  const gateway = ctx.lan.gateway.v4;
  return udpFrame(
    { ip: gateway.ip, mac: gateway.mac, ttl: 64, ipId: 0 },
    { ...BROADCAST, mac: clientMac },
    67,
    68,
    dhcpv4Message({
      type,
      transactionId,
      clientMac,
      yourAddress: address,
      serverId: gateway.ip,
      subnetMask: "255.255.255.0",
      routers: [gateway.ip],
      dnsServers: [gateway.ip],
    }),
  );
}

/** A client's discover (1) or request (3), broadcast from `mac` (the frame's source `frameMac`, the client's own unless set). */
function clientAsk(
  type: number,
  transactionId: number,
  mac: string,
  frameMac = mac,
  serverId?: string,
): Uint8Array<ArrayBuffer> {
  return udpFrame(
    { ip: "0.0.0.0", mac: frameMac, ttl: 64, ipId: 0 },
    BROADCAST,
    68,
    67,
    dhcpv4Message({
      type,
      transactionId,
      clientMac: mac,
      ...(serverId === undefined ? {} : { serverId }),
    }),
  );
}

function* dhcpStarvation(
  ctx: DemoContext,
  session: Session,
  startUs: number,
): SessionScript {
  const { prng } = ctx;
  let t = startUs;
  for (let i = 0; i < STARVATION_CLIENTS; i++) {
    const mac = randomMac(ctx);
    const transactionId = prng.int(0, 0xffffffff);
    yield { atUs: t, bytes: clientAsk(1, transactionId, mac) };
    if (i < POOL_LEFT) {
      session.emit(
        t + prng.int(1 * MS, 3 * MS),
        gatewayAnswer(
          ctx,
          2,
          transactionId,
          mac,
          GATEWAY_POOL + (GATEWAY_POOL_FIRST + 100 + i % 50),
        ),
      );
    }
    t += prng.int(5 * MS, 15 * MS);
  }
}

/** The hosts that join while the demo's rogue DHCP server listens (new MACs, a phone each). */
const JOINING_HOSTS = 3;

function* rogueDhcp(
  ctx: DemoContext,
  session: Session,
  startUs: number,
): SessionScript {
  const { lan, prng } = ctx;
  const rogue: Endpoint = {
    ip: lan.rogue.v4.ip,
    mac: lan.rogue.v4.mac,
    ttl: 64,
    ipId: 0,
  };
  // A workstation renews its lease: the gateway acknowledges it.
  const renewing = lan.host("ws-dan").v4;
  let transactionId = prng.int(0, 0xffffffff);
  yield {
    atUs: startUs,
    bytes: clientAsk(3, transactionId, renewing.mac),
  };
  session.emit(
    startUs + prng.int(1 * MS, 3 * MS),
    gatewayAnswer(ctx, 5, transactionId, renewing.mac, renewing.ip),
  );
  let t = startUs + prng.int(300 * MS, 600 * MS);
  for (let i = 1; i <= JOINING_HOSTS; i++) {
    const mac = randomMac(ctx);
    transactionId = prng.int(0, 0xffffffff);
    const lease = ROGUE_DHCP_POOL + i;
    const rogueAnswer = (type: number) =>
      udpFrame(
        rogue,
        { ...BROADCAST, mac },
        67,
        68,
        dhcpv4Message({
          type,
          transactionId,
          clientMac: mac,
          yourAddress: lease,
          serverId: rogue.ip,
          subnetMask: "255.255.255.0",
          routers: [rogue.ip],
          dnsServers: [rogue.ip],
        }),
      );
    // Discover; the rogue offers first, the gateway a little later.
    yield { atUs: t, bytes: clientAsk(1, transactionId, mac) };
    session.emit(t + prng.int(200, 800), rogueAnswer(2));
    session.emit(
      t + prng.int(2 * MS, 4 * MS),
      gatewayAnswer(
        ctx,
        2,
        transactionId,
        mac,
        GATEWAY_POOL + (GATEWAY_POOL_FIRST + i),
      ),
    );
    // The client takes the first offer: it requests the rogue's lease.
    t += prng.int(10 * MS, 30 * MS);
    yield { atUs: t, bytes: clientAsk(3, transactionId, mac, mac, rogue.ip) };
    session.emit(t + prng.int(200, 800), rogueAnswer(5));
    t += prng.int(400 * MS, 900 * MS);
  }
}

/** The prefix the demo's rogue router gives. */
const ROGUE_PREFIX = "fd00:bad::";

/** The LAN's IPv6 prefix, which the gateway gives (lan.ts). */
const LAN_PREFIX = "fd00::";

/** Router advertisement flags: default router preference high (RFC 4191), as fake_router6 sends. */
const PREFERENCE_HIGH = 0x08;

function* rogueRouter(ctx: DemoContext, startUs: number): SessionScript {
  const { lan, prng } = ctx;
  const laptop = ndpVictim(ctx).v6!;
  const laptopLinkLocal = linkLocalOf(laptop.mac);
  const gatewayMac = lan.gateway.v4.mac;
  const rogueMac = lan.rogue.v4.mac;
  // The laptop wakes and solicits a router; the gateway answers all hosts.
  yield {
    atUs: startUs,
    bytes: neighborFrame({
      srcMac: laptop.mac,
      src: laptopLinkLocal,
      dst: "ff02::2",
      type: 133,
    }),
  };
  let t = startUs + Math.round(prng.uniform(1, 5) * MS);
  yield {
    atUs: t,
    bytes: neighborFrame({
      srcMac: gatewayMac,
      src: linkLocalOf(gatewayMac),
      dst: "ff02::1",
      type: 134,
      routerLifetimeS: 1800,
      prefixes: [{ prefix: LAN_PREFIX, length: 64 }],
    }),
  };
  // atk6-fake_router6 <iface> fd00:bad::/64: every 5 s.
  for (let i = 0; i < 4; i++) {
    t += i === 0 ? 500 * MS : 5 * SECOND;
    yield {
      atUs: t,
      bytes: neighborFrame({
        srcMac: rogueMac,
        src: linkLocalOf(rogueMac),
        dst: "ff02::1",
        type: 134,
        flags: PREFERENCE_HIGH,
        routerLifetimeS: 1800,
        prefixes: [{ prefix: ROGUE_PREFIX, length: 64 }],
      }),
    };
  }
}

function* icmpFlood(
  ctx: DemoContext,
  session: Session,
  startUs: number,
): SessionScript {
  const { prng, lan } = ctx;
  const rogue = lan.rogue;
  const victim = lan.intranet;
  let t = yield* resolve(ctx, rogue, victim, startUs);
  const id = prng.int(1, 0xffff);
  for (let seq = 1; seq <= 3_500; seq++) {
    t += prng.int(800, 1_200);
    const payload = pingPayload(rogue, t);
    yield {
      atUs: t,
      bytes: icmpFrame(rogue.v4, victim.v4, { type: 8, id, seq }, payload),
    };
    session.emit(
      t + prng.int(40, 150),
      icmpFrame(victim.v4, rogue.v4, { type: 0, id, seq }, payload),
    );
  }
}

/** Datagrams of the demo's UDP flood. */
const UDP_FLOOD_DATAGRAMS = 12_000;

function* udpFlood(
  ctx: DemoContext,
  session: Session,
  startUs: number,
): SessionScript {
  const { prng, lan } = ctx;
  const bot = lan.compromised;
  const victim = lan.intranet;
  let t = yield* resolve(ctx, bot, victim, startUs);
  // hping3 counts its source port up from a random one.
  const firstPort = prng.int(40_000, 50_000);
  const empty = new Uint8Array(0);
  let nextUnreachableUs = t;
  for (let i = 0; i < UDP_FLOOD_DATAGRAMS; i++) {
    t += prng.int(55, 80);
    const datagram = udpFrame(bot.v4, victim.v4, firstPort + i, 9, empty);
    yield { atUs: t, bytes: datagram };
    // Linux answers a closed port once a second per source (icmp_ratelimit).
    if (t >= nextUnreachableUs) {
      session.emit(
        t + prng.int(20, 60),
        icmpFrame(
          victim.v4,
          bot.v4,
          { type: 3, code: 3 },
          datagram.subarray(14, 14 + 28),
        ),
      );
      nextUnreachableUs = t + SECOND;
    }
  }
}

/** Echo requests (each answered) the demo's ICMP tunnel sends. */
const ICMP_TUNNEL_EXCHANGES = 60;

/** ptunnel's magic number, at the start of each of its messages. */
const PTUNNEL_MAGIC = 0xd5200880;

/**
 * One ptunnel message (its 28-byte header: magic, destination address and
 * port, state, acknowledgment, data length, sequence number, session id;
 * then `dataBytes` of the TCP session's ciphertext).
 */
function ptunnelMessage(
  ctx: DemoContext,
  sequence: number,
  sessionId: number,
  dataBytes: number,
): Uint8Array<ArrayBuffer> {
  const message = new Uint8Array(28 + dataBytes);
  const view = new DataView(message.buffer);
  view.setUint32(0, PTUNNEL_MAGIC);
  view.setUint32(4, 0x0a0a0005); // the SSH server the proxy connects to
  view.setUint32(8, 22);
  view.setUint32(12, dataBytes > 0 ? 2 : 3); // data, or an ack
  view.setUint32(16, sequence - 1);
  view.setUint32(20, dataBytes);
  view.setUint16(24, sequence);
  view.setUint16(26, sessionId);
  message.set(ctx.prng.bytes(dataBytes), 28);
  return message;
}

function* icmpTunnel(
  ctx: DemoContext,
  session: Session,
  startUs: number,
): SessionScript {
  const { prng, lan } = ctx;
  const client = lan.compromised.v4;
  const proxy = lan.remote(ICMP_TUNNEL_SERVER, 9, prng);
  const id = prng.int(1, 0xffff);
  let t = startUs;
  for (let seq = 1; seq <= ICMP_TUNNEL_EXCHANGES; seq++) {
    t += prng.int(100, 400) * MS;
    // The client's keystrokes and acks up, the shell's output down.
    const up = ptunnelMessage(
      ctx,
      seq,
      id,
      prng.chance(0.3) ? 0 : prng.int(32, 96),
    );
    yield {
      atUs: t,
      bytes: icmpFrame(client, proxy, { type: 8, id, seq }, up),
    };
    const down = ptunnelMessage(ctx, seq, id, prng.int(48, 1_000));
    session.emit(
      t + prng.int(30, 60) * MS,
      icmpFrame(proxy, client, { type: 0, id, seq }, down),
    );
  }
}

function* icmpSweep(
  ctx: DemoContext,
  session: Session,
  startUs: number,
): SessionScript {
  const { prng, lan } = ctx;
  const rogue = lan.rogue.v4;
  const live = new Set<number>();
  while (live.size < 14) live.add(prng.int(1, 254));
  let t = startUs;
  for (let octet = 1; octet <= 254; octet++) {
    const target = lan.remote(`${SWEEP_SUBNET}.${octet}`, 1, prng);
    const id = prng.int(1, 0xffff);
    yield { atUs: t, bytes: icmpFrame(rogue, target, { type: 8, id, seq: 0 }) };
    if (live.has(octet)) {
      session.emit(
        t + Math.round(prng.uniform(0.8, 3) * MS),
        icmpFrame(target, rogue, { type: 0, id, seq: 0 }),
      );
    }
    t += Math.round(prng.uniform(2, 6) * MS);
  }
}

/** Names the workstations ask LLMNR for (DNS has none of them): typos, a retired server, the proxy's. */
const LLMNR_NAMES = [
  "fileserv",
  "wpad",
  "printsrv01",
  "sharepiont",
  "nas-old",
  "wpad",
];

/** LLMNR's IPv4 group (RFC 4795), as a frame's destination. */
const LLMNR_GROUP: Endpoint = {
  ip: "224.0.0.252",
  mac: "01:00:5e:00:00:fc",
  ttl: 1,
  ipId: 0,
};

function* namePoisoning(
  ctx: DemoContext,
  session: Session,
  startUs: number,
): SessionScript {
  const { prng, lan } = ctx;
  const rogue = lan.rogue.v4;
  let t = startUs;
  for (const name of LLMNR_NAMES) {
    const client = prng.pick(lan.clients).v4;
    const port = prng.int(49_152, 65_535);
    const id = prng.int(0, 0xffff);
    // Windows asks twice, 100 ms apart, unless answered first.
    yield {
      atUs: t,
      bytes: udpFrame(
        client,
        LLMNR_GROUP,
        port,
        5355,
        dnsPayload({ id, name, qtype: DNS_TYPE.A, response: false }),
      ),
    };
    session.emit(
      t + Math.round(prng.uniform(0.3, 1.5) * MS),
      udpFrame(
        rogue,
        client,
        5355,
        port,
        dnsPayload({
          id,
          name,
          qtype: DNS_TYPE.A,
          response: true,
          answers: [aRecord(rogue.ip, 30)],
        }),
      ),
    );
    t += Math.round(prng.uniform(0.4, 1.2) * SECOND);
  }
}

/** iodine's base32 alphabet (lower-case letters and 0–5). */
const BASE32 = "abcdefghijklmnopqrstuvwxyz012345";

function* dnsTunnel(
  ctx: DemoContext,
  session: Session,
  startUs: number,
): SessionScript {
  const { prng, lan } = ctx;
  const client = lan.compromised.v4;
  const resolver = lan.gateway.v4;
  const port = prng.int(49_152, 65_535);
  let id = prng.int(0, 0xffff);
  let t = startUs;
  for (let i = 0; i < 200; i++) {
    const dataChars = prng.int(90, 180);
    const encoded = prng.string(dataChars, BASE32);
    const labels: string[] = [];
    for (let offset = 0; offset < encoded.length; offset += 57) {
      labels.push(encoded.slice(offset, offset + 57));
    }
    const name = `${labels.join(".")}.${TUNNEL_DOMAIN}`;
    const qtype = prng.chance(0.85) ? DNS_TYPE.NULL : DNS_TYPE.TXT;
    id = (id + 1) & 0xffff;
    const exchange = { client, resolver, port, id, name, qtype };
    yield { atUs: t, bytes: tunnelQuery(exchange) };
    const answer = qtype === DNS_TYPE.NULL
      ? nullRecord(prng.bytes(prng.int(100, 250)), 0)
      : txtRecord(prng.string(prng.int(100, 250), BASE32), 0);
    session.emit(
      t + Math.round(prng.uniform(20, 80) * MS),
      tunnelAnswer(exchange, answer),
    );
    t += Math.round(prng.uniform(20, 60) * MS);
  }
}

/** One DNS exchange of a tunnel's client with its resolver. */
interface TunnelExchange {
  client: Endpoint;
  resolver: Endpoint;
  /** The client's port. */
  port: number;
  id: number;
  name: string;
  qtype: number;
}

/** The query of `exchange`. */
function tunnelQuery(exchange: TunnelExchange): Uint8Array<ArrayBuffer> {
  const { client, resolver, port, id, name, qtype } = exchange;
  return udpFrame(
    client,
    resolver,
    port,
    53,
    dnsPayload({ id, name, qtype, response: false }),
  );
}

/** The resolver's answer to `exchange`, holding `answer`. */
function tunnelAnswer(
  exchange: TunnelExchange,
  answer: DnsAnswer,
): Uint8Array<ArrayBuffer> {
  const { client, resolver, port, id, name, qtype } = exchange;
  return udpFrame(
    resolver,
    client,
    53,
    port,
    dnsPayload({ id, name, qtype, response: true, answers: [answer] }),
  );
}

/**
 * The first bytes of an iodine raw-mode packet (read as DNS: opcode 3, none
 * assigned), a command byte, then what DNS would read as its four counts,
 * zero here: real iodine data follows at once, which a decoder reading it
 * as DNS counts as anomalies, and the demo decodes without any.
 */
const IODINE_RAW_HEADER = [0x10, 0xd1, 0x9e, 0x20, 0, 0, 0, 0, 0, 0, 0, 0];

function* rawDnsTunnel(
  ctx: DemoContext,
  session: Session,
  startUs: number,
): SessionScript {
  const { prng, lan } = ctx;
  const client = lan.compromised.v4;
  const resolver = lan.gateway.v4;
  const server = lan.remote(TUNNEL_SERVER, 12, prng);
  let t = startUs;
  // The handshake through the resolver: version, login, options, raw probe.
  let id = prng.int(0, 0xffff);
  const port = prng.int(49_152, 65_535);
  for (let i = 0; i < 4; i++) {
    const name = `${"vlios"[i]}${prng.string(12, BASE32)}.${TUNNEL_DOMAIN}`;
    id = (id + 1) & 0xffff;
    const exchange = { client, resolver, port, id, name, qtype: DNS_TYPE.NULL };
    yield { atUs: t, bytes: tunnelQuery(exchange) };
    session.emit(
      t + Math.round(prng.uniform(20, 80) * MS),
      tunnelAnswer(exchange, nullRecord(prng.bytes(prng.int(8, 40)), 0)),
    );
    t += Math.round(prng.uniform(90, 110) * MS);
  }
  // Then its own protocol to the server's port 53, both ways.
  const rawPort = prng.int(49_152, 65_535);
  for (let i = 0; i < 120; i++) {
    const payload = prng.bytes(prng.int(24, 200));
    payload.set(IODINE_RAW_HEADER);
    yield { atUs: t, bytes: udpFrame(client, server, rawPort, 53, payload) };
    if (prng.chance(0.6)) {
      const reply = prng.bytes(prng.int(24, 400));
      reply.set(IODINE_RAW_HEADER);
      session.emit(
        t + Math.round(prng.uniform(30, 60) * MS),
        udpFrame(server, client, 53, rawPort, reply),
      );
    }
    t += Math.round(prng.uniform(20, 60) * MS);
  }
}

function* dataExfil(
  ctx: DemoContext,
  _session: Session,
  startUs: number,
): SessionScript {
  const { prng, lan } = ctx;
  const rttUs = Math.round(prng.uniform(30, 50) * MS);
  const conn = new TcpConnection({
    client: lan.compromised.v4,
    server: lan.remote(EXFIL_SERVER, 14, prng),
    clientPort: prng.int(49_152, 65_535),
    serverPort: 443,
    clientIsn: prng.uint32(),
    serverIsn: prng.uint32(),
  });
  let t = yield* handshake(ctx, conn, startUs, rttUs);
  t = yield* tlsHandshake(
    ctx,
    conn,
    "sync.cloudstore-backup.net",
    t + 300,
    rttUs,
    frameGapUs(50e6),
  );
  // About 48 Mbit/s: 60 MB in 10 s.
  t = yield* sendToServer(
    ctx,
    conn,
    tlsSegments(ctx, EXFIL_BYTES),
    t + 2 * MS,
    frameGapUs(48e6),
    rttUs,
  );
  t += Math.round(prng.uniform(5, 20) * MS);
  yield { atUs: t, bytes: conn.fin(true) };
  t += rttUs;
  yield { atUs: t, bytes: conn.fin(false) };
  yield { atUs: t + 50, bytes: conn.ack(true) };
}

/** Connections the demo's SSH guessing opens: above the detector's 30. */
const BRUTE_FORCE_CONNECTIONS = 36;
/** Logins the demo's FTP guessing tries, each on its own connection: above the detector's 30 refusals. */
const BRUTE_FORCE_LOGINS = 40;

/** A new connection of the rogue device's guesser to `server`'s `port`. */
function guesserConnection(
  ctx: DemoContext,
  server: LanHost,
  port: number,
): TcpConnection {
  const { prng, lan } = ctx;
  return new TcpConnection({
    client: lan.rogue.v4,
    server: server.v4,
    clientPort: prng.int(40_000, 60_000),
    serverPort: port,
    clientIsn: prng.uint32(),
    serverIsn: prng.uint32(),
  });
}

/** hydra ssh: connection after connection, each a key exchange, four refused passwords (USERAUTH_REQUEST, USERAUTH_FAILURE) and the client's FIN. */
function* sshGuessing(
  ctx: DemoContext,
  _session: Session,
  startUs: number,
): SessionScript {
  const { prng, lan } = ctx;
  let t = yield* resolve(ctx, lan.rogue, lan.nas, startUs);
  const rttUs = Math.round(prng.uniform(0.2, 0.6) * MS);
  for (let i = 0; i < BRUTE_FORCE_CONNECTIONS; i++) {
    const conn = guesserConnection(ctx, lan.nas, 22);
    t = yield* sshHandshake(
      ctx,
      conn,
      t + Math.round(prng.uniform(2, 8) * MS),
      rttUs,
      "OpenSSH_9.2p1 Debian-2+deb12u3",
    );
    for (let guess = 0; guess < 4; guess++) {
      t += Math.round(prng.uniform(0.5, 2) * MS);
      yield { atUs: t, bytes: conn.data(true, sshEncrypted(ctx, 90)) };
      // sshd's delay after a wrong password.
      t += rttUs + Math.round(prng.uniform(15, 25) * MS);
      yield { atUs: t, bytes: conn.data(false, sshEncrypted(ctx, 30)) };
    }
    t = yield* closeByClient(ctx, conn, t + MS, rttUs);
  }
}

/** hydra ftp: a connection per login, the banner, USER, 331, PASS and 530, then QUIT; on the last connection a second password, which is right (230). */
function* ftpGuessing(
  ctx: DemoContext,
  _session: Session,
  startUs: number,
): SessionScript {
  const { prng, lan } = ctx;
  let t = yield* resolve(ctx, lan.rogue, lan.intranet, startUs);
  const rttUs = Math.round(prng.uniform(0.2, 0.6) * MS);
  const text = (line: string) => new TextEncoder().encode(line + "\r\n");
  for (let i = 0; i < BRUTE_FORCE_LOGINS; i++) {
    const conn = guesserConnection(ctx, lan.intranet, 21);
    t = yield* handshake(
      ctx,
      conn,
      t + Math.round(prng.uniform(2, 8) * MS),
      rttUs,
    );
    const exchanges: [string, string][] = [
      ["", "220 (vsFTPd 3.0.3)"],
      ["USER admin", "331 Please specify the password."],
      [
        `PASS ${PASSWORD_GUESSES[i % PASSWORD_GUESSES.length]}`,
        "530 Login incorrect.",
      ],
      // On the last connection a second guess, which is right.
      ...(i === BRUTE_FORCE_LOGINS - 1
        ? [
          ["USER admin", "331 Please specify the password."],
          ["PASS Summer2026!", "230 Login successful."],
        ] as [string, string][]
        : []),
      ["QUIT", "221 Goodbye."],
    ];
    for (const [request, reply] of exchanges) {
      if (request !== "") {
        t += Math.round(prng.uniform(0.1, 0.5) * MS);
        yield { atUs: t, bytes: conn.data(true, text(request)) };
      }
      // vsftpd waits a moment before refusing a password.
      t += rttUs +
        Math.round(
          prng.uniform(
            reply.startsWith("530") ? 20 : 0.2,
            reply.startsWith("530") ? 40 : 1,
          ) * MS,
        );
      yield { atUs: t, bytes: conn.data(false, text(reply)) };
    }
    t = yield* closeByClient(ctx, conn, t + MS, rttUs);
  }
}

/** The passwords the demo's FTP guessing tries, from the top of every wordlist. */
const PASSWORD_GUESSES = [
  "123456",
  "password",
  "12345678",
  "qwerty",
  "admin",
  "letmein",
  "welcome",
  "monkey",
];

/** Frames the demo's MAC flood sends, each from a new source MAC. */
const MAC_FLOOD_FRAMES = 6_000;

/** A random IPv4 address, as macof writes them. */
function randomIpv4(ctx: DemoContext): string {
  return [...ctx.prng.bytes(4)].join(".");
}

/** A random MAC, group bit and all (macof's: libnet_get_prand of each byte). */
function anyMac(ctx: DemoContext): string {
  return formatMac(ctx.prng.bytes(6), 0);
}

function* macFlood(ctx: DemoContext, startUs: number): SessionScript {
  const { prng } = ctx;
  let t = startUs;
  for (let i = 0; i < MAC_FLOOD_FRAMES; i++) {
    t += prng.int(80, 120);
    yield {
      atUs: t,
      bytes: tcpFrame(
        { ip: randomIpv4(ctx), mac: anyMac(ctx), ttl: 64, ipId: 0 },
        { ip: randomIpv4(ctx), mac: anyMac(ctx), ttl: 64, ipId: 0 },
        {
          srcPort: prng.int(1, 65_535),
          dstPort: prng.int(1, 65_535),
          seq: prng.int(0, 0xffffffff),
          flags: SYN,
          window: 512,
        },
      ),
    };
  }
}
