/**
 * What each alert kind means for an analyst: title, MITRE ATT&CK technique,
 * a plain description and a recommendation.
 *
 * @module
 */

import type { AlertKind, MitreTechnique } from "./alert.ts";

/** The fixed text of one alert kind. */
export interface AlertKindInfo {
  title: string;
  mitre: MitreTechnique;
  description: string;
  recommendation: string;
}

/** Title, MITRE technique, description and recommendation of every alert kind. */
export const ALERT_CATALOG: Readonly<Record<AlertKind, AlertKindInfo>> = {
  "port_scan": {
    title: "Port scan",
    mitre: {
      id: "T1046",
      name: "Network Service Discovery",
      tactic: "Discovery",
    },
    description:
      "One host probed many ports or many hosts (TCP SYN, FIN/NULL/XMAS, ACK or connect probes, UDP, SCTP INIT or COOKIE ECHO probes, or IP protocols), mapping which services answer.",
    recommendation:
      "Confirm whether the scanner is an authorised tool; if not, isolate or block it, and review which probed services answered (they are now known to the attacker).",
  },
  "syn_flood": {
    title: "SYN flood",
    mitre: {
      id: "T1499.001",
      name: "Endpoint Denial of Service: OS Exhaustion Flood",
      tactic: "Impact",
    },
    description:
      "Many TCP connection attempts to one host were never completed, filling its half-open connection queue (at flood rate, or slowly: attempts it answered and held for up to a minute), or came at flood rate to a closed port that refused each one; the sources may be spoofed.",
    recommendation:
      "Enable SYN cookies on the victim (net.ipv4.tcp_syncookies=1), rate-limit SYNs at the edge, and ask the upstream provider for filtering if the flood is volumetric.",
  },
  "arp_scan": {
    title: "ARP scan",
    mitre: {
      id: "T1018",
      name: "Remote System Discovery",
      tactic: "Discovery",
    },
    description:
      "One host asked for the MAC addresses of many IP addresses on the local segment, discovering which hosts are alive.",
    recommendation:
      "Identify the host behind the sender MAC (switch port, DHCP lease); if it is not an inventory or monitoring tool, isolate it and look for other discovery activity.",
  },
  "arp_spoof": {
    title: "ARP spoofing",
    mitre: {
      id: "T1557.002",
      name: "Adversary-in-the-Middle: ARP Cache Poisoning",
      tactic: "Credential Access",
    },
    description:
      "A MAC address claimed IP addresses that belong to other hosts (often the gateway), so their traffic is sent through it: a man-in-the-middle position.",
    recommendation:
      "Locate the attacker MAC on the switch and disconnect it; enable Dynamic ARP Inspection / DHCP snooping, use static ARP entries for the gateway on critical hosts, and treat credentials sent in clear during the incident as exposed.",
  },
  "ndp_scan": {
    title: "NDP scan",
    mitre: {
      id: "T1018",
      name: "Remote System Discovery",
      tactic: "Discovery",
    },
    description:
      "One host asked for the MAC addresses of many IPv6 addresses on the local link with neighbor solicitations (nmap -6 -sn of an on-link range), discovering which hosts are alive: IPv6's ARP scan.",
    recommendation:
      "Identify the host behind the sender address or MAC (switch port, DHCPv6 or SLAAC records); if it is not an inventory or monitoring tool, isolate it and look for other discovery activity.",
  },
  "dhcp_spoof": {
    title: "DHCP spoofing",
    mitre: {
      id: "T1557.003",
      name: "Adversary-in-the-Middle: DHCP Spoofing",
      tactic: "Credential Access",
    },
    description:
      "A rogue DHCP server answered the hosts' requests for addresses. Over IPv4: a server beside the link's own gave its clients another router, other DNS servers, static routes (TunnelVision, CVE-2024-3661: routes that take traffic past a VPN) or an address in another subnet (or, with knownServers set, any server not listed answered), so the hosts that take its answer send their traffic or their lookups through it (Ettercap, bettercap, yersinia, Responder, or a home router plugged into the network); many new rogue servers on a link within a minute are one flood alert. Over IPv6: a DHCPv6 server beside the link's own leased addresses in another /64 or named other DNS servers; or a host leased DHCPv6 clients link-local addresses, which no DHCPv6 server does: mitm6's way (or THC's fake_dhcps6) to become the DNS server of the Windows hosts on a network that runs no DHCPv6, then spoof what they resolve (WPAD) and relay their NTLM authentication.",
    recommendation:
      "Find the port of the server's MAC on the switch and disconnect it; turn on DHCP snooping (DHCPv6 Guard for IPv6) so that server messages (UDP 67 to 68, 547 to 546) are dropped from host ports; check the hosts it answered for the router and DNS servers it gave (renew their leases), and treat what they sent meanwhile as exposed. For mitm6, also disable IPv6 on Windows hosts that do not use it (or prefer IPv4 over IPv6 by policy), disable WPAD and enforce SMB and LDAP signing. If the reported server is the real one (it answered later in the capture), the other is the rogue; a redundant pair (two DHCP servers splitting one scope, each naming itself the DNS server, as a Pi-hole pair does) looks the same on the wire: list the network's servers in knownServers.",
  },
  "rogue_router": {
    title: "Rogue IPv6 router",
    mitre: {
      id: "T1557",
      name: "Adversary-in-the-Middle",
      tactic: "Credential Access",
    },
    description:
      "A host sent IPv6 router advertisements on a link where another router already serves, giving the hosts a prefix or a route that router does not give, naming another DNS server (RDNSS), or making itself their preferred default router (THC's fake_router6, a misconfigured radvd, a shared connection), so their off-link traffic or their addresses go through it; or new routers flooded the link with advertisements (flood_router6), which stalls the hosts that configure them. A flood is filed under T1499, Endpoint Denial of Service.",
    recommendation:
      "Find the port of the rogue router's MAC on the switch and disconnect it; turn on RA Guard (or an ACL that drops ICMPv6 type 134 from host ports) on access switches, and check the hosts for addresses, routes or DNS servers taken from it. If the reported router is the real one (it advertised later in the capture), the other is the rogue.",
  },
  "ndp_spoof": {
    title: "NDP spoofing",
    mitre: {
      id: "T1557",
      name: "Adversary-in-the-Middle",
      tactic: "Credential Access",
    },
    description:
      "A MAC address claimed IPv6 addresses that belong to other hosts (often the router) in neighbor solicitations and advertisements, so their traffic is sent through it: IPv6's ARP spoofing, a man-in-the-middle position. ATT&CK files ARP cache poisoning as T1557.002 and has no sub-technique for IPv6 neighbor discovery.",
    recommendation:
      "Locate the attacker MAC on the switch and disconnect it; enable IPv6 ND inspection / RA Guard (or SAVI) on the access switches, use static neighbor entries for the gateway on critical hosts, and treat credentials sent in clear during the incident as exposed.",
  },
  "icmp_flood": {
    title: "ICMP flood",
    mitre: {
      id: "T1498.001",
      name: "Network Denial of Service: Direct Network Flood",
      tactic: "Impact",
    },
    description:
      "A host received echo requests at a rate far above any ordinary ping, from one or many (possibly spoofed) sources.",
    recommendation:
      "Rate-limit ICMP echo at the edge and on the victim (e.g. net.ipv4.icmp_ratelimit), drop echo to broadcast/multicast, and block the source if it is one host.",
  },
  "icmp_sweep": {
    title: "ICMP sweep",
    mitre: {
      id: "T1018",
      name: "Remote System Discovery",
      tactic: "Discovery",
    },
    description:
      "One host sent echo requests to many different addresses, discovering which hosts are alive (ping sweep).",
    recommendation:
      "Confirm whether the source is an authorised monitoring or inventory tool; if not, investigate the host and watch for the port scans that usually follow.",
  },
  "dns_tunnel": {
    title: "DNS tunnelling",
    mitre: {
      id: "T1071.004",
      name: "Application Layer Protocol: DNS",
      tactic: "Command and Control",
    },
    description:
      "A client sent DNS queries with long, high-entropy, mostly unique names (often TXT/NULL/CNAME) under one domain: data or a command channel encoded in DNS (iodine, dnscat2, dns2tcp and similar; T1048.003 when used for exfiltration). Or a client and a server exchanged UDP datagrams on port 53 that are not DNS at all (T1571): a tunnel that uses the DNS port to pass the firewall (iodine's raw mode, a VPN on port 53).",
    recommendation:
      "For a tunnel in query names, block the domain at the resolver. Either way, force clients to use the internal resolvers only (block outbound port 53 to anything else: a tunnel on the port itself, T1571, needs a direct path to its server), and investigate the client for the tunnelling tool and what it sent.",
  },
  "data_exfil": {
    title: "Data exfiltration",
    mitre: {
      id: "T1048",
      name: "Exfiltration Over Alternative Protocol",
      tactic: "Exfiltration",
    },
    description:
      "An internal host sent far more data to one external host than it received from it, above the configured volume within the window.",
    recommendation:
      "Identify the process and data behind the transfer on the internal host, check whether the destination is a sanctioned service, and block it while you investigate.",
  },
  "icmp_tunnel": {
    title: "ICMP tunnel",
    mitre: {
      id: "T1095",
      name: "Non-Application Layer Protocol",
      tactic: "Command and Control",
    },
    description:
      "A host's echo requests were answered with echo replies that carry other data than the requests did. Every IP stack returns an echo's data unchanged, so the replies come from a program that uses ping as a channel: ptunnel, icmpsh, hans, icmptunnel or a C2 framework's ICMP listener, carrying a shell, a proxied TCP session or stolen data past firewalls that let ping through.",
    recommendation:
      "Look for the tunnel's client program on the reported client (a process with a raw ICMP socket, or run as root) and for the server's role (it is the tunnel's far end: an external host is the attacker's relay); block echo traffic between them and, at the perimeter, limit echo requests to known monitoring hosts and small payloads; treat what the client could reach as exposed.",
  },
  "brute_force": {
    title: "Brute force",
    mitre: {
      id: "T1110",
      name: "Brute Force",
      tactic: "Credential Access",
    },
    description:
      "A client tried many passwords at a login service: servers refused its logins again and again (FTP, SMTP, POP3, IMAP, SMB, MySQL, PostgreSQL, LDAP and Kerberos say so in clear), or it opened connection after connection to a login service that encrypts (SSH, Telnet, RDP, VNC), each good for a few guesses. Hydra, Medusa, Ncrack, Metasploit's login scanners, kerbrute and worms guess this way; refusals from many servers are password spraying (T1110.003), one password tried across many hosts. Critical when a server that refused the client then accepted its login (FTP, SMTP, IMAP and PostgreSQL say so in clear): a guess was right.",
    recommendation:
      "Block the client at the firewall and find out what runs on it; check the servers' logs for a successful login from it during or after the incident (change that account's password and look at what it did), turn on account lockout or fail2ban-style throttling, and keep the service off networks that do not need it (SSH keys only, RDP behind a VPN or gateway). If the client is an automation host that logs in often (Ansible, backups, CI over git+ssh) or a front end that logs in for its users (webmail, a gateway), allowlist it. Kerberos over UDP answers the address a request names, so a spoofer can make the KDC refuse a host it frames: before blocking a domain member for Kerberos refusals, check the domain controller's own records of them (event 4771).",
  },
  "reflection_flood": {
    title: "Reflection/amplification flood",
    mitre: {
      id: "T1498.002",
      name: "Network Denial of Service: Reflection Amplification",
      tactic: "Impact",
    },
    description:
      "A host was flooded with replies it never asked for, from many servers at once: DNS answers, NTP monlist lists, memcached values, SSDP, CLDAP, SNMP or CharGEN replies, or TCP SYN/ACKs. An attacker sent those servers small requests with the victim's address forged as their source, and each server answered the victim, often with tens of times the bytes it was sent; the flood fills the victim's link, not only the host. The servers are reflectors, abused themselves; the attacker is not in the capture.",
    recommendation:
      "Ask the upstream provider to filter or rate-limit the reported service's source port toward the victim (or to divert its traffic to a scrubbing service) before the link fills; drop it at the edge meanwhile (for example UDP from port 53 that answers no query of the victim's, or all UDP from port 11211 and 19). Keep the victim's own resolvers, NTP servers and memcached from answering the Internet so they cannot be used in turn. If the victim is a resolver, proxy or NAT gateway seen in one direction only (a one-way tap), the replies may be its own answers: capture both directions or allowlist it.",
  },
  "dhcp_starvation": {
    title: "DHCP starvation",
    mitre: {
      id: "T1499.002",
      name: "Endpoint Denial of Service: Service Exhaustion Flood",
      tactic: "Impact",
    },
    description:
      "Clients that are ever new (new hardware addresses or client identifiers) asked a link's DHCP servers for leases far faster than hosts join (dhcpstarv, yersinia, DHCPig), until the servers' address pools are empty: real hosts then get no address, or take one from a rogue DHCP server that the starvation clears the way for. ATT&CK describes this DHCP exhaustion under DHCP Spoofing (T1557.003).",
    recommendation:
      "Find the switch port the requests come from (the reported MAC, else the port whose MAC count jumped) and shut it; turn on DHCP snooping on access ports with a rate limit and its check that a request's client address is the frame's source MAC (which stops a tool such as dhcpstarv that sends from its own MAC), and port security (a MAC limit per port, which stops one that forges every frame's MAC, such as yersinia); watch for a rogue DHCP server (a dhcp_spoof alert) on the same link, and let the servers' pools recover (clear the attacker's leases).",
  },
  "name_poisoning": {
    title: "LLMNR/NBT-NS/mDNS poisoning",
    mitre: {
      id: "T1557.001",
      name: "Adversary-in-the-Middle: LLMNR/NBT-NS Poisoning and SMB Relay",
      tactic: "Credential Access",
    },
    description:
      "A host answered other hosts' LLMNR, NetBIOS name service (NBT-NS) or mDNS queries (the multicast and broadcast name lookups Windows makes when DNS cannot resolve a name, and the .local lookups of macOS, Linux and Windows) for many different names with one address, or for WPAD, the proxy auto-configuration name: a host answers only for its own names (over mDNS, a host that publishes aliases of itself answers for several: allowlist it), while a poisoner (Responder, Inveigh) answers every query with its own address, so the asking hosts send it the SMB, HTTP or proxy connections meant for those names, with their NTLM authentication, which it captures for offline cracking or relays to other servers.",
    recommendation:
      "Find the switch port of the answering host and disconnect it; treat the accounts of the hosts it answered (the queriers) as exposed and reset their passwords, starting with privileged ones. Disable LLMNR (Group Policy: Turn off multicast name resolution), NetBIOS over TCP/IP and, where it is not needed, mDNS on Windows hosts, disable WPAD or publish a real wpad entry in DNS, and enforce SMB signing and LDAP signing and channel binding so captured authentication cannot be relayed.",
  },
  "udp_flood": {
    title: "UDP flood",
    mitre: {
      id: "T1498.001",
      name: "Network Denial of Service: Direct Network Flood",
      tactic: "Impact",
    },
    description:
      "A host received UDP datagrams at a rate no exchange explains (tens of thousands a second, or 200 Mbit/s and more) and answered few of them: a direct flood (hping3 --udp --flood, LOIC, a botnet's UDP flood) that fills the victim's link or keeps its stack busy with packets to ports that are closed or to a service that cannot keep up. Sent from one host (named as the attacker) or from many, often with forged sources.",
    recommendation:
      "Block or rate-limit UDP from the named source at the edge (or, for a spoofed or distributed flood, UDP to the victim's flooded port), and ask the upstream provider to filter or divert it before the link fills; find the sending host if it is inside (a compromised host, a bot) and isolate it. If the receiver is a collector of one-way UDP (syslog, NetFlow, sFlow, StatsD) or the capture sees one direction only, the datagrams may be ordinary: allowlist it or raise the threshold.",
  },
  "mac_flood": {
    title: "MAC flood",
    mitre: {
      id: "T1040",
      name: "Network Sniffing",
      tactic: "Credential Access",
    },
    description:
      "Frames from thousands of source MACs the link never saw, each sending once and never again (macof, yersinia, scapy): a MAC flood, which fills a switch's MAC address table (its CAM table) until the switch floods every frame to every port of the VLAN, so that the flooding host can capture traffic meant for others (passwords in clear text, sessions to relay). Half of a random flood's source MACs are multicast ones, which no interface sends from.",
    recommendation:
      "Find the switch port the frames come in on (the one whose MAC count jumped: show mac address-table count) and shut it; enable port security (a few MACs per access port, shutdown or restrict on violation) or MAC limits on every access port, and DHCP snooping with dynamic ARP inspection. Treat clear-text credentials used on the VLAN during the flood as exposed.",
  },
};
