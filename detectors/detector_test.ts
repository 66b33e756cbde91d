import assert from "node:assert/strict";
import { PACKET_KIND, packetKindsOf } from "./detector.ts";
import { AnomalyCounter } from "../capture/anomalies.ts";
import { decodePacket } from "../capture/decode/mod.ts";
import {
  arpRequestFrame,
  rawRecord,
  V4,
  V6,
} from "../capture/decode/test_helpers.ts";
import {
  dhcpv4Message,
  dhcpv6Message,
  dnsMessage,
  icmpFrame,
  neighborFrame,
  tcpFrame,
  udpFrame,
} from "../capture/frame_builder.ts";

function decoded(frame: Uint8Array) {
  return decodePacket(rawRecord(frame), new AnomalyCounter());
}

Deno.test("packetKindsOf() names the transport, ARP or other, the IP version, and DNS, DHCP and neighbor discovery besides", () => {
  const ports = { srcPort: 40000, dstPort: 80 };
  const query = dnsMessage({ id: 7, name: "example.com", qtype: 1 });
  const cases: [string, Uint8Array, number][] = [
    [
      "TCP",
      tcpFrame(V4, { ...ports, flags: 0x02 }),
      PACKET_KIND.TCP | PACKET_KIND.IPV4,
    ],
    [
      "UDP",
      udpFrame(V6, ports, new Uint8Array(8)),
      PACKET_KIND.UDP | PACKET_KIND.IPV6,
    ],
    [
      "DNS over UDP",
      udpFrame(V4, { srcPort: 40000, dstPort: 53 }, query),
      PACKET_KIND.UDP | PACKET_KIND.DNS | PACKET_KIND.IPV4,
    ],
    [
      "DHCPv4 discover",
      udpFrame(
        V4,
        { srcPort: 68, dstPort: 67 },
        dhcpv4Message({ type: 1, transactionId: 1, clientMac: V4.srcMac }),
      ),
      PACKET_KIND.UDP | PACKET_KIND.DHCP | PACKET_KIND.IPV4,
    ],
    [
      "DHCPv6 solicit",
      udpFrame(
        V6,
        { srcPort: 546, dstPort: 547 },
        dhcpv6Message({ type: 1, transactionId: 1 }),
      ),
      PACKET_KIND.UDP | PACKET_KIND.DHCP | PACKET_KIND.IPV6,
    ],
    [
      "ICMP",
      icmpFrame(V4, { type: 8, code: 0, id: 1, seq: 1 }),
      PACKET_KIND.ICMP | PACKET_KIND.IPV4,
    ],
    [
      "ICMPv6",
      icmpFrame(V6, { type: 128, code: 0, id: 1, seq: 1 }),
      PACKET_KIND.ICMP | PACKET_KIND.IPV6,
    ],
    [
      "ICMPv6 router advertisement",
      neighborFrame({
        srcMac: V6.srcMac,
        src: "fe80::1",
        dst: "ff02::1",
        type: 134,
      }),
      PACKET_KIND.ICMP | PACKET_KIND.NEIGHBOR_DISCOVERY | PACKET_KIND.IPV6,
    ],
    [
      "ICMPv6 neighbor solicitation",
      neighborFrame({
        srcMac: V6.srcMac,
        src: V6.src,
        dst: "ff02::1:ff00:2",
        type: 135,
        target: V6.dst,
      }),
      PACKET_KIND.ICMP | PACKET_KIND.NEIGHBOR_DISCOVERY | PACKET_KIND.IPV6,
    ],
    [
      "ICMPv6 packet too big, type 2",
      icmpFrame(V6, { type: 2, code: 0 }, new Uint8Array(48)),
      PACKET_KIND.ICMP | PACKET_KIND.IPV6,
    ],
    [
      "ARP",
      arpRequestFrame(),
      PACKET_KIND.ARP,
    ],
  ];
  for (const [what, frame, kinds] of cases) {
    assert.equal(packetKindsOf(decoded(frame)), kinds, what);
  }
  // GRE (IP protocol 47) has no transport NetMirror decodes.
  const gre = decoded(
    tcpFrame(V4, { ...ports, flags: 0x02 }).map((byte, i) =>
      i === 23 ? 47 : byte
    ),
  );
  assert.equal(gre.network, "ipv4");
  assert.equal(packetKindsOf(gre), PACKET_KIND.OTHER | PACKET_KIND.IPV4);
});
