/**
 * The simulated office: a /24 LAN behind one gateway (which is also the DNS
 * resolver and holds the IPv6 ULA prefix fd00::/64), about twenty hosts, the
 * Internet services they use, and the hosts the attacks come from. Addresses
 * outside the LAN are reached through the gateway, so on the wire their
 * frames carry the gateway's MAC.
 *
 * @module
 */

import type { Prng } from "./prng.ts";
import type { Endpoint } from "./wire.ts";

/** Operating system family of a host: sets its TTL, ephemeral ports and client software. */
export type HostOs = "windows" | "macos" | "linux" | "embedded";

/** A host on the LAN. */
export interface LanHost {
  /** Host name (also its DNS name under office.lan). */
  readonly name: string;
  readonly os: HostOs;
  /** Its IPv4 identity. */
  readonly v4: Endpoint;
  /** Its IPv6 ULA identity, for dual-stack hosts. */
  readonly v6: Endpoint | undefined;
  /** True for hosts that start background sessions (workstations). */
  readonly client: boolean;
}

/** A service beyond the gateway. */
export interface InternetService {
  /** DNS name. */
  readonly name: string;
  readonly ipv4: string;
  /** Published AAAA (answered to AAAA lookups; the LAN has no global IPv6 route). */
  readonly ipv6: string | undefined;
  /** A CNAME the name resolves through, if any. */
  readonly cname: string | undefined;
  /** Hops between the service and the LAN (lowers the TTL seen). */
  readonly hops: number;
}

const GATEWAY_MAC = "24:5a:4c:6b:10:01";

function endpoint(
  ip: string,
  mac: string,
  ttl: number,
  ipId: number,
): Endpoint {
  return { ip, mac, ttl, ipId };
}

function initialTtl(os: HostOs): number {
  return os === "windows" ? 128 : os === "embedded" ? 255 : 64;
}

interface HostSpec {
  name: string;
  os: HostOs;
  octet: number;
  mac: string;
  v6?: string;
  client?: boolean;
}

const HOST_SPECS: readonly HostSpec[] = [
  { name: "gateway", os: "linux", octet: 1, mac: GATEWAY_MAC, v6: "fd00::1" },
  {
    name: "nas",
    os: "linux",
    octet: 5,
    mac: "00:11:32:a4:5e:21",
    v6: "fd00::5",
  },
  { name: "printer", os: "embedded", octet: 6, mac: "3c:d9:2b:77:0a:3f" },
  { name: "intranet", os: "linux", octet: 8, mac: "b8:ca:3a:61:90:08" },
  {
    name: "ws-anna",
    os: "windows",
    octet: 10,
    mac: "54:e1:ad:3c:11:0a",
    client: true,
  },
  {
    name: "mbp-ben",
    os: "macos",
    octet: 11,
    mac: "a4:83:e7:12:4b:0b",
    v6: "fd00::11",
    client: true,
  },
  {
    name: "ws-carla",
    os: "windows",
    octet: 12,
    mac: "54:e1:ad:3c:11:0c",
    v6: "fd00::12",
    client: true,
  },
  {
    name: "ws-dan",
    os: "windows",
    octet: 13,
    mac: "8c:8d:28:5e:02:0d",
    client: true,
  },
  {
    name: "mbp-eva",
    os: "macos",
    octet: 14,
    mac: "a4:83:e7:12:4b:0e",
    client: true,
  },
  {
    name: "ws-farid",
    os: "windows",
    octet: 15,
    mac: "8c:8d:28:5e:02:0f",
    client: true,
  },
  {
    name: "dev-gus",
    os: "linux",
    octet: 16,
    mac: "dc:a6:32:8e:51:10",
    v6: "fd00::16",
    client: true,
  },
  {
    name: "ws-hana",
    os: "windows",
    octet: 17,
    mac: "54:e1:ad:3c:11:11",
    client: true,
  },
  {
    name: "mbp-ivan",
    os: "macos",
    octet: 18,
    mac: "a4:83:e7:12:4b:12",
    client: true,
  },
  {
    name: "ws-jo",
    os: "windows",
    octet: 19,
    mac: "8c:8d:28:5e:02:13",
    client: true,
  },
  {
    name: "dev-kim",
    os: "linux",
    octet: 20,
    mac: "f0:2f:74:aa:19:14",
    v6: "fd00::20",
    client: true,
  },
  {
    name: "ws-lea",
    os: "windows",
    octet: 21,
    mac: "54:e1:ad:3c:11:15",
    client: true,
  },
  {
    name: "mbp-max",
    os: "macos",
    octet: 22,
    mac: "a4:83:e7:12:4b:16",
    client: true,
  },
  {
    name: "ws-nora",
    os: "windows",
    octet: 23,
    mac: "8c:8d:28:5e:02:17",
    client: true,
  },
  {
    name: "ws-omar",
    os: "windows",
    octet: 24,
    mac: "54:e1:ad:3c:11:18",
    client: true,
  },
  {
    name: "ws-pia",
    os: "windows",
    octet: 25,
    mac: "8c:8d:28:5e:02:19",
    client: true,
  },
  {
    name: "pi-sensors",
    os: "linux",
    octet: 30,
    mac: "dc:a6:32:8e:51:1e",
    client: true,
  },
];

/** The rogue device on the LAN most attacks come from (a Kali VM on a visitor's laptop). */
const ROGUE_SPEC: HostSpec = {
  name: "rogue",
  os: "linux",
  octet: 66,
  mac: "08:00:27:c3:5a:42",
};

/** Host name of the workstation that a remote attacker controls (DNS tunnel, exfiltration). */
export const COMPROMISED_HOST = "ws-nora";

/** The external host that receives exfiltrated data. */
export const EXFIL_SERVER = "203.0.113.50";

/** The domain whose name server is the DNS tunnel's far end. */
export const TUNNEL_DOMAIN = "t.tunnelbox.net";

/** That name server's address, which iodine's raw mode talks to directly on UDP port 53. */
export const TUNNEL_SERVER = "198.51.100.53";

/** The external host that the compromised workstation's ICMP tunnel (ptunnel) runs to. */
export const ICMP_TUNNEL_SERVER = "198.51.100.77";

/** The routed subnet behind the gateway that the ICMP sweep probes (its first three octets). */
export const SWEEP_SUBNET = "10.10.20";

/** Internet services for browsing (port 443), by name. */
export const WEB_SERVICES: readonly InternetService[] = [
  service("www.google.com", "142.250.185.68", "2a00:1450:4001:82a::2004", 12),
  service("mail.google.com", "142.250.185.101", "2a00:1450:4001:829::2005", 12),
  service("github.com", "140.82.121.3", undefined, 14),
  service("api.github.com", "140.82.121.6", undefined, 14),
  service("www.wikipedia.org", "185.15.59.224", "2a02:ec80:300:ed1a::1", 11),
  service("outlook.office365.com", "52.97.146.178", "2603:1026:c0b:10::2", 10),
  service(
    "teams.microsoft.com",
    "52.113.194.132",
    undefined,
    10,
    "teams.office.com",
  ),
  service(
    "app.slack.com",
    "3.77.199.56",
    undefined,
    13,
    "app.slack.com.cdn.cloudflare.net",
  ),
  service("www.bbc.co.uk", "151.101.0.81", "2a04:4e42::81", 9),
  service("cdn.jsdelivr.net", "151.101.1.229", "2a04:4e42:200::485", 9),
  service("zoom.us", "170.114.52.2", undefined, 15),
  service("www.nytimes.com", "151.101.193.164", "2a04:4e42:600::164", 9),
  service("login.microsoftonline.com", "20.190.160.20", undefined, 11),
  service("www.linkedin.com", "13.107.42.14", "2620:1ec:21::14", 10),
  service("docs.google.com", "142.250.186.46", "2a00:1450:4001:812::200e", 12),
];

/** Services that serve large files (downloads of a few hundred KB). */
export const DOWNLOAD_SERVICES: readonly InternetService[] = [
  service("download.mozilla.org", "34.117.35.28", undefined, 13),
  service("dl.google.com", "142.250.186.78", "2a00:1450:4001:80e::200e", 12),
  service("objects.githubusercontent.com", "185.199.108.133", undefined, 10),
];

/** Plain-HTTP services (port 80). */
export const HTTP_SERVICES: readonly InternetService[] = [
  service("neverssl.com", "34.223.124.45", undefined, 17),
  service("detectportal.firefox.com", "34.107.221.82", undefined, 13),
  service("connectivitycheck.gstatic.com", "142.250.186.67", undefined, 12),
  service("ocsp.digicert.com", "72.21.91.29", undefined, 11),
  service("archive.ubuntu.com", "91.189.91.82", undefined, 12),
];

/** NTP servers. */
export const NTP_SERVICES: readonly InternetService[] = [
  service("0.pool.ntp.org", "162.159.200.1", undefined, 9),
  service("1.pool.ntp.org", "185.125.190.56", undefined, 12),
  service("time.windows.com", "20.101.57.9", undefined, 11),
  service("time.apple.com", "17.253.34.125", undefined, 10),
];

/** Hosts that answer pings beyond the gateway. */
export const PING_TARGETS: readonly InternetService[] = [
  service("dns.google", "8.8.8.8", undefined, 10),
  service("one.one.one.one", "1.1.1.1", undefined, 8),
];

/** Git over SSH. */
export const SSH_SERVICES: readonly InternetService[] = [
  service("github.com", "140.82.121.4", undefined, 14),
];

function service(
  name: string,
  ipv4: string,
  ipv6: string | undefined,
  hops: number,
  cname?: string,
): InternetService {
  return { name, ipv4, ipv6, cname, hops };
}

/** The whole office: hosts by role and the endpoints of far hosts. */
export class OfficeLan {
  /** The router (DNS resolver, NTP relay not used). */
  readonly gateway: LanHost;
  /** Every host on the LAN except the rogue device, gateway included. */
  readonly hosts: readonly LanHost[];
  /** Workstations that start background sessions. */
  readonly clients: readonly LanHost[];
  /** Dual-stack workstations. */
  readonly v6Clients: readonly LanHost[];
  /** The file server (SSH, HTTPS over IPv4 and IPv6). */
  readonly nas: LanHost;
  /** The intranet web server (HTTP). */
  readonly intranet: LanHost;
  /** The rogue device. */
  readonly rogue: LanHost;
  /** The workstation a remote attacker controls. */
  readonly compromised: LanHost;
  readonly #byName: Map<string, LanHost>;

  /** Builds the office; `prng` only picks the hosts' first IP ids. */
  constructor(prng: Prng) {
    const make = (spec: HostSpec): LanHost => {
      const ttl = initialTtl(spec.os);
      return {
        name: spec.name,
        os: spec.os,
        client: spec.client ?? false,
        v4: endpoint(
          `192.168.1.${spec.octet}`,
          spec.mac,
          ttl,
          prng.int(0, 0xffff),
        ),
        v6: spec.v6 === undefined
          ? undefined
          : endpoint(spec.v6, spec.mac, spec.os === "windows" ? 128 : 64, 0),
      };
    };
    this.hosts = HOST_SPECS.map(make);
    this.#byName = new Map(this.hosts.map((host) => [host.name, host]));
    this.gateway = this.host("gateway");
    this.nas = this.host("nas");
    this.intranet = this.host("intranet");
    this.compromised = this.host(COMPROMISED_HOST);
    this.rogue = make(ROGUE_SPEC);
    this.clients = this.hosts.filter((host) => host.client);
    this.v6Clients = this.clients.filter((host) => host.v6 !== undefined);
  }

  /** The LAN host called `name`; throws RangeError for an unknown name. */
  host(name: string): LanHost {
    const host = this.#byName.get(name);
    if (host === undefined) {
      throw new RangeError(`Cannot find demo host: "${name}"`);
    }
    return host;
  }

  /** The LAN host with IPv4 `address`, if any. */
  hostByIpv4(address: string): LanHost | undefined {
    return this.hosts.find((host) => host.v4.ip === address);
  }

  /** An endpoint beyond the gateway at `ip`, `hops` routers away from a host with initial TTL `initialTtl`. */
  remote(ip: string, hops: number, prng: Prng, initialTtl = 64): Endpoint {
    return endpoint(ip, GATEWAY_MAC, initialTtl - hops, prng.int(0, 0xffff));
  }
}

/** Ephemeral source port ranges by OS (IANA/Windows 49152–65535, Linux 32768–60999). */
export function ephemeralPort(os: HostOs, prng: Prng): number {
  return os === "linux" || os === "embedded"
    ? prng.int(32_768, 60_999)
    : prng.int(49_152, 65_535);
}

/** A browser-like User-Agent for a host's OS. */
export function userAgent(os: HostOs): string {
  switch (os) {
    case "windows":
      return "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
    case "macos":
      return "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15";
    default:
      return "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
  }
}
