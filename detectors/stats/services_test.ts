import assert from "node:assert/strict";
import {
  type AppHint,
  emptyPacketRecord,
  type NetworkKind,
  type PacketRecord,
  type TransportKind,
} from "../../capture/packet_record.ts";
import { classifyService, SERVICE_NAMES, serviceName } from "./services.ts";

function packet(
  transport: TransportKind,
  srcPort: number,
  dstPort: number,
  app: AppHint = "",
  network: NetworkKind = "ipv4",
): PacketRecord {
  return { ...emptyPacketRecord(), network, transport, srcPort, dstPort, app };
}

function name(p: PacketRecord): string {
  return serviceName(classifyService(p));
}

Deno.test("classifyService names well-known TCP and UDP ports from either side", () => {
  const cases: [TransportKind, number, number, string][] = [
    ["tcp", 40_000, 22, "SSH"],
    ["tcp", 23, 40_000, "Telnet"],
    ["tcp", 40_000, 21, "FTP"],
    ["tcp", 40_000, 25, "SMTP"],
    ["tcp", 40_000, 80, "HTTP"],
    ["tcp", 40_000, 8080, "HTTP"],
    ["tcp", 443, 40_000, "HTTPS/TLS"],
    ["tcp", 40_000, 445, "SMB"],
    ["tcp", 40_000, 3389, "RDP"],
    ["tcp", 40_000, 53, "DNS"],
    ["udp", 68, 67, "DHCP"],
    ["udp", 40_000, 123, "NTP"],
    ["udp", 138, 138, "NetBIOS"],
    ["udp", 40_000, 161, "SNMP"],
    ["udp", 5353, 5353, "mDNS"],
    ["udp", 40_000, 5355, "LLMNR"],
    ["udp", 40_000, 1900, "SSDP"],
    ["udp", 40_000, 443, "QUIC"],
    ["tcp", 40_000, 40_001, "Other TCP"],
    ["udp", 40_000, 40_001, "Other UDP"],
  ];
  for (const [transport, src, dst, expected] of cases) {
    assert.equal(
      name(packet(transport, src, dst)),
      expected,
      `${transport} ${src}→${dst}`,
    );
  }
});

Deno.test("classifyService prefers the decoder's app hint over ports", () => {
  assert.equal(name(packet("udp", 40_000, 5_300, "dns")), "DNS");
  assert.equal(name(packet("udp", 5353, 5353, "dns")), "mDNS");
  assert.equal(name(packet("udp", 40_000, 5355, "dns")), "LLMNR");
  assert.equal(name(packet("udp", 137, 137, "dns")), "NetBIOS");
  assert.equal(name(packet("tcp", 40_000, 3128, "http_request")), "HTTP");
  assert.equal(name(packet("tcp", 443, 40_000, "http_response")), "HTTP");
  assert.equal(
    name(packet("tcp", 40_000, 993, "tls_client_hello")),
    "HTTPS/TLS",
  );
  assert.equal(name(packet("tcp", 40_000, 22, "tls")), "HTTPS/TLS");
});

Deno.test("classifyService names ARP, ICMP, ICMPv6, SCTP and other traffic", () => {
  assert.equal(name(packet("none", -1, -1, "", "arp")), "ARP");
  assert.equal(name(packet("icmp", -1, -1)), "ICMP");
  assert.equal(name(packet("icmpv6", -1, -1, "", "ipv6")), "ICMPv6");
  assert.equal(name(packet("other", -1, -1)), "Other IP");
  assert.equal(name(packet("sctp", 40_000, 2905)), "SCTP");
  assert.equal(name(packet("none", -1, -1, "", "other")), "Other");
  assert.equal(serviceName(999), "Other");
  assert.equal(new Set(SERVICE_NAMES).size, SERVICE_NAMES.length);
});
