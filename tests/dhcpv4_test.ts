/**
 * The decoder's reading of DHCP for IPv4 (every message's type, client
 * hardware address and relay agent; an offer's or ack's address, server,
 * mask, routers and DNS servers), which the rogue DHCP server and
 * starvation detectors judge, checked against tshark's: on the shared
 * capture of a Windows LAN (a VMware network's DHCP server renewing and
 * granting two hosts' leases; tests/truth_test.ts checks that it raises no
 * alert), and on the demo's rogue DHCP server and starvation.
 *
 * Needs `tshark`.
 */

import assert from "node:assert/strict";
import { dhcpv4Message, udpFrame } from "../capture/frame_builder.ts";
import { readPacketFile } from "../capture/packet_source.ts";
import { prefixLengthOf } from "../capture/decode/dhcpv4.ts";
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

const TSHARK_FIELDS = [
  "dhcp.option.dhcp",
  "dhcp.option.dhcp_server_id",
  "dhcp.ip.your",
  "dhcp.option.subnet_mask",
  "dhcp.option.router",
  "dhcp.option.domain_name_server",
  "dhcp.hw.mac_addr",
  "dhcp.ip.relay",
  "dhcp.option.classless_static_route",
];

/** Our fields of every DHCPv4 message in `path`, one line each. */
async function ourLines(path: string): Promise<string[]> {
  const lines: string[] = [];
  await readPacketFile(path, (packet) => {
    if (packet.dhcpMessageType < 0 || packet.network !== "ipv4") return;
    lines.push(
      [
        packet.dhcpMessageType,
        packet.dhcpServerId,
        packet.dhcpLeaseAddresses,
        packet.dhcpPrefixLength,
        packet.dhcpRouters,
        packet.dhcpDnsServers,
        packet.dhcpClientMac,
        packet.dhcpRelayAddress,
        packet.dhcpRoutes.replaceAll(" via ", "-"),
      ].join(" "),
    );
  });
  return lines;
}

/** tshark's fields of every DHCPv4 message in `path`, as ours are written (what we read of offers and acks only; none of 0.0.0.0; a mask as its length). */
async function tsharkLines(path: string): Promise<string[]> {
  const lines = await tsharkFields(path, TSHARK_FIELDS, "dhcp");
  return lines.map((line) => {
    const [type, server, your, mask, routers, dns, macs, relay, routes] = line
      .split("\t") as string[] & { length: 9 };
    const answer = type === "2" || type === "5";
    const maskBytes = (mask ?? "").split(".").map(Number);
    return [
      type,
      server,
      answer && your !== "0.0.0.0" ? your : "",
      answer && mask !== ""
        ? prefixLengthOf(
          ((maskBytes[0]! << 24) | (maskBytes[1]! << 16) |
            (maskBytes[2]! << 8) | maskBytes[3]!) >>> 0,
        )
        : -1,
      answer ? routers : "",
      answer ? dns : "",
      // tshark lists chaddr, then the client identifier's MAC.
      (macs ?? "").split(",")[0],
      relay === "0.0.0.0" ? "" : relay,
      answer ? (routes ?? "").split(",").filter(Boolean).map(routeOf) : "",
    ].join(" ");
  });
}

/** tshark's hex of one RFC 3442 route (width, significant bytes, router) as ours reads: "10.0.0.0/8-192.168.1.1". */
function routeOf(hex: string): string {
  const bytes = hex.match(/../g)!.map((pair) => parseInt(pair, 16));
  const width = bytes[0]!;
  const significant = (width + 7) >> 3;
  const prefix = [0, 1, 2, 3].map((i) => i < significant ? bytes[1 + i]! : 0);
  return `${prefix.join(".")}/${width}-${
    bytes.slice(1 + significant, 5 + significant).join(".")
  }`;
}

Deno.test("DHCPv4: every message as tshark reads it, in the shared Windows LAN capture", async () => {
  const ours = await ourLines(FILE);
  // Two hosts' discover, offer, requests and acks.
  assert.equal(ours.length, 12);
  assert.ok(ours.some((line) => line.startsWith("2 192.168.199.254 ")));
  assert.deepEqual(ours, await tsharkLines(FILE));
});

Deno.test("DHCPv4: the demo's starvation and rogue DHCP server as tshark reads them", async () => {
  const demo = new DemoTraffic({ seed: DEMO_TRAFFIC_DEFAULTS.seed });
  const pcap = new PcapBuilder(1);
  // Two rounds: the rogue server stands in for the starvation in the second.
  for (let s = 1; s <= 125; s++) {
    for (const frame of demo.framesUntil(demo.startUs + s * 1_000_000)) {
      if (frame.label === "dhcp_starvation") {
        pcap.add(frame.timestampUs, frame.bytes);
      }
    }
  }
  // And a rogue's offer as TunnelVision sends it (CVE-2024-3661: routes
  // through itself that win over the default route), its DNS servers in two
  // options (RFC 3396).
  pcap.add(
    demo.startUs + 126_000_000,
    udpFrame(
      {
        src: "192.168.1.66",
        dst: "255.255.255.255",
        srcMac: "08:00:27:c3:5a:42",
        dstMac: "02:00:00:00:00:07",
      },
      { srcPort: 67, dstPort: 68 },
      dhcpv4Message({
        type: 2,
        transactionId: 7,
        clientMac: "02:00:00:00:00:07",
        yourAddress: "192.168.1.207",
        serverId: "192.168.1.66",
        subnetMask: "255.255.255.0",
        routers: ["192.168.1.1"],
        dnsServers: ["192.168.1.1"],
        routes: ["0.0.0.0/1 via 192.168.1.66", "128.0.0.0/1 via 192.168.1.66"],
        rawOptions: new Uint8Array([6, 4, 192, 168, 1, 66]),
      }),
    ),
  );
  const path = await Deno.makeTempFile({ suffix: ".pcap" });
  try {
    await Deno.writeFile(path, pcap.toBytes());
    const ours = await ourLines(path);
    // 300 discovers and 60 offers; a renewal (request, ack) and three
    // hosts' discover, two offers, request and ack; the rogue's offer.
    assert.equal(ours.length, 360 + 2 + 3 * 5 + 1);
    assert.match(
      ours.at(-1)!,
      / 192\.168\.1\.1,192\.168\.1\.66 .* 0\.0\.0\.0\/1-192/,
    );
    assert.deepEqual(ours, await tsharkLines(path));
  } finally {
    await Deno.remove(path);
  }
});
