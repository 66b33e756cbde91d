/**
 * The decoder's reading of DHCPv6 (the message type of every datagram to or
 * from the DHCPv6 ports, a server's leases and DNS servers), which the DHCP
 * spoofing detector judges, checked against tshark's: on the shared capture
 * of a Windows LAN (52 solicitations from three hosts that no server
 * answers, the network mitm6 preys on; tests/truth_test.ts checks that it
 * raises no alert), and on the demo's mitm6 and a server's reply.
 *
 * Needs `tshark`.
 */

import assert from "node:assert/strict";
import {
  dhcpv6Message,
  duidOfMac,
  udpFrame,
} from "../capture/frame_builder.ts";
import { readPacketFile } from "../capture/packet_source.ts";
import { PcapBuilder } from "../capture/pcap_writer.ts";
import {
  DEMO_TRAFFIC_DEFAULTS,
  DemoTraffic,
} from "../server/demo/demo_traffic.ts";
import { tsharkFields } from "./cli_helpers.ts";

const FILE = new URL(
  "../../shared/pcaps/benign/mixed_windows_lan_dhcp_nbns_llmnr_dns_smb__smb2-ntlmssp-negotiateflags.pcap",
  import.meta.url,
).pathname;

Deno.test("DHCPv6: every message's type as tshark reads it, in the shared Windows LAN capture", async () => {
  const ours: string[] = [];
  await readPacketFile(FILE, (packet) => {
    if (packet.dhcpMessageType < 0 || packet.network !== "ipv6") return;
    ours.push(
      [packet.srcAddress, packet.dhcpMessageType, packet.dhcpLeaseAddresses]
        .join(" "),
    );
  });
  const theirs = (await tsharkFields(FILE, [
    "ipv6.src",
    "dhcpv6.msgtype",
    "dhcpv6.iaaddr.ip",
  ], "dhcpv6")).map((line) => line.split("\t").join(" "));
  assert.equal(ours.length, 52);
  assert.deepEqual(ours, theirs);
});

Deno.test("DHCPv6: a server's answers (the demo's mitm6, and a server leasing global addresses) as tshark reads them", async () => {
  const demo = new DemoTraffic({ seed: DEMO_TRAFFIC_DEFAULTS.seed });
  const pcap = new PcapBuilder(1);
  // Two rounds: mitm6 stands in for the ARP spoofing of the second.
  for (let s = 1; s <= 125; s++) {
    for (const frame of demo.framesUntil(demo.startUs + s * 1_000_000)) {
      if (frame.label === "arp_spoof") pcap.add(frame.timestampUs, frame.bytes);
    }
  }
  pcap.add(
    demo.startUs + 126_000_000,
    udpFrame(
      {
        src: "fe80::1",
        dst: "fe80::2",
        srcMac: "00:0c:29:00:00:01",
        dstMac: "02:00:00:00:00:02",
      },
      { srcPort: 547, dstPort: 546 },
      dhcpv6Message({
        type: 7,
        transactionId: 5,
        serverDuid: duidOfMac("00:0c:29:00:00:01"),
        leases: ["2001:db8::10", "2001:db8::11"],
        dnsServers: ["2001:db8::53"],
      }),
    ),
  );
  const path = await Deno.makeTempFile({ suffix: ".pcap" });
  try {
    await Deno.writeFile(path, pcap.toBytes());
    const ours: string[] = [];
    await readPacketFile(path, (packet) => {
      if (packet.dhcpMessageType < 0) return;
      ours.push(
        [
          packet.dhcpMessageType,
          packet.dhcpLeaseAddresses,
          packet.dhcpDnsServers,
        ].join(" "),
      );
    });
    const theirs = (await tsharkFields(path, [
      "dhcpv6.msgtype",
      "dhcpv6.iaaddr.ip",
      "dhcpv6.dns_server",
    ], "dhcpv6")).map((line) => line.split("\t").join(" "));
    // Three hosts' solicit, advertise, request and reply, and the reply.
    assert.equal(ours.length, 13);
    assert.deepEqual(ours, theirs);
  } finally {
    await Deno.remove(path);
  }
});
