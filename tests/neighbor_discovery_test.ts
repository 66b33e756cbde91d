/**
 * The decoder's reading of IPv6 Neighbor Discovery (target, advertisement
 * flags, link-layer address option, a router advertisement's flags,
 * lifetime, prefixes, routes and DNS servers), which the NDP spoofing and rogue router
 * detectors judge, checked against tshark's on every router solicitation and
 * advertisement, neighbor solicitation and advertisement and redirect in
 * the shared captures that hold neighbor solicitations; none of those
 * captures raises an NDP spoofing alert (tests/truth_test.ts checks that
 * they raise nothing unexpected at all).
 *
 * Needs `tshark`.
 */

import assert from "node:assert/strict";
import { neighborFrame } from "../capture/frame_builder.ts";
import { readPacketFile } from "../capture/packet_source.ts";
import { PcapBuilder } from "../capture/pcap_writer.ts";
import { tsharkFields } from "./cli_helpers.ts";

const PCAPS = new URL("../../shared/pcaps/", import.meta.url);

/** The shared captures with neighbor solicitations or advertisements (Ethernet, Linux, Windows, Apple and scapy hosts). */
const FILES = [
  "attacks/icmpflood_scapy_60pps_lan__icmp.pcapng",
  "attacks/icmpv6flood_echo_with_ext_headers_35k__denial6-5.pcap",
  "attacks/arpspoof_gateway_every2s_with_background__arp_spoofing.pcap",
  "attacks/synflood_spoofed_from_lan_host_with_background__tcp_syn_flood.pcap",
  "benign/mixed_iphone_dns_tls_http_icmp_ipv6__iphone.pcap",
  "benign/mixed_windows_lan_dhcp_nbns_llmnr_dns_smb__smb2-ntlmssp-negotiateflags.pcap",
  "formats/ipfrag_ipv6_fragments__ipv6_fragments.pcapng",
  "formats/ipv6_neighbor_solicitation__icmpv6_neighbor_solicitation.pcapng",
];

Deno.test("neighbor discovery: target, flags and link-layer address as tshark reads them, in every shared capture that has any", async () => {
  let total = 0;
  let withMac = 0;
  let routers = 0;
  let routerPrefixes = 0;
  const types = new Set<number>();
  for (const file of FILES) {
    const path = new URL(file, PCAPS).pathname;
    const ours: string[] = [];
    await readPacketFile(path, (packet) => {
      if (
        packet.transport !== "icmpv6" || packet.icmpType < 133 ||
        packet.icmpType > 137
      ) return;
      ours.push(
        [
          packet.icmpType,
          packet.ndTarget,
          packet.ndFlags,
          packet.ndLinkMac,
          packet.ndRouterLifetimeS,
          packet.ndPrefixes,
        ].join(" "),
      );
      if (packet.ndLinkMac !== "") withMac++;
      if (packet.ndRouterLifetimeS >= 0) routers++;
      if (packet.ndPrefixes !== "") routerPrefixes++;
      types.add(packet.icmpType);
    });
    const theirs = (await tsharkFields(path, [
      "icmpv6.type",
      "icmpv6.nd.ns.target_address",
      "icmpv6.nd.na.target_address",
      "icmpv6.nd.rd.target_address",
      "icmpv6.nd.na.flag",
      "icmpv6.opt.src_linkaddr",
      "icmpv6.opt.target_linkaddr",
      "icmpv6.nd.ra.flag",
      "icmpv6.nd.ra.router_lifetime",
      "icmpv6.opt.prefix",
      "icmpv6.opt.prefix.length",
      "icmpv6.opt.prefix.flag",
      "icmpv6.opt.prefix.valid_lifetime",
    ], "icmpv6.type >= 133 && icmpv6.type <= 137")).map((line) => {
      const [
        type,
        nsTarget,
        naTarget,
        rdTarget,
        flags,
        sourceMac,
        targetMac,
        raFlags,
        lifetime,
        prefix,
        prefixLength,
        prefixFlags,
        validLifetime,
      ] = line.split("\t");
      const targetOption = type === "136" || type === "137";
      // The first option of the message's own kind (tshark lists each).
      const mac = (targetOption ? targetMac : sourceMac)!.split(",")[0]!;
      const router = type === "134";
      // The prefixes hosts take: on-link or autonomous, still valid.
      const lengths = prefixLength!.split(",");
      const prefixFlagList = prefixFlags!.split(",");
      const valid = validLifetime!.split(",");
      const prefixes = prefix === ""
        ? []
        : prefix!.split(",").filter((_, i) =>
          (parseInt(prefixFlagList[i]!, 16) & 0xc0) !== 0 &&
          Number(valid[i]) > 0
        ).map((text, i) => `${text}/${lengths[i]}`);
      return [
        type,
        nsTarget || naTarget || rdTarget,
        type === "136"
          ? parseInt(flags!, 16) >>> 24
          : router
          ? parseInt(raFlags!, 16) & 0xf8
          : -1,
        mac,
        router ? Number(lifetime) : -1,
        prefixes.join(","),
      ].join(" ");
    });
    assert.ok(ours.length > 0, `${file} has no neighbor discovery`);
    assert.deepEqual(ours, theirs, file);
    total += ours.length;
  }
  // Router and neighbor messages, most with a MAC, some without.
  assert.ok(total >= 40, `${total} messages`);
  assert.ok(withMac > 0 && withMac < total, `${withMac} of ${total}`);
  // No redirect among them: the decoder's unit tests build those.
  assert.deepEqual([...types].sort(), [133, 134, 135, 136]);
  // Two router advertisements: a Huawei home router's without a prefix,
  // a THC test's with one.
  assert.equal(routers, 2);
  assert.equal(routerPrefixes, 1);
});

Deno.test("neighbor discovery: a router advertisement's routes (RFC 4191) and DNS servers (RFC 8106) as tshark reads them (fake_router26 -R and -D)", async () => {
  const adverts = [
    { routes: ["::/1", "8000::/1"], dnsServers: ["fd00:77::1"] },
    { routes: ["::/0", "2001:db8::ffff:0:0/96"] },
    { dnsServers: ["fe80::bad", "2001:db8::53"] },
    // Lifetime 0: the DNS servers are withdrawn.
    { dnsServers: ["2001:db8::53"], dnsLifetimeS: 0 },
  ];
  const pcap = new PcapBuilder(1);
  adverts.forEach((advert, i) =>
    pcap.add(
      1_700_000_000_000_000 + i,
      neighborFrame({
        srcMac: "08:00:27:c3:5a:42",
        src: "fe80::a00:27ff:fec3:5a42",
        dst: "ff02::1",
        type: 134,
        linkMac: null,
        ...advert,
      }),
    )
  );
  const path = await Deno.makeTempFile({ suffix: ".pcap" });
  try {
    await Deno.writeFile(path, pcap.toBytes());
    const ours: string[] = [];
    await readPacketFile(path, (packet) => {
      ours.push(`${packet.ndRoutes} ${packet.ndDnsServers}`);
    });
    // With no prefix information option, tshark's prefix fields are the
    // routes'.
    const theirs = (await tsharkFields(path, [
      "icmpv6.opt.prefix",
      "icmpv6.opt.prefix.length",
      "icmpv6.opt.rdnss",
      "icmpv6.opt.rdnss.lifetime",
    ], "icmpv6.type == 134")).map((line) => {
      const [prefixes, lengths, dns, dnsLifetime] = line.split("\t") as [
        string,
        string,
        string,
        string,
      ];
      // A /0 route has no prefix field (its option is 8 bytes).
      const prefixList = prefixes === "" ? [] : prefixes.split(",");
      const routes = lengths === ""
        ? []
        : lengths.split(",").map((length) =>
          length === "0" ? "::/0" : `${prefixList.shift()}/${length}`
        );
      return `${routes.join(",")} ${Number(dnsLifetime) > 0 ? dns : ""}`;
    });
    assert.equal(ours.length, 4);
    assert.deepEqual(ours, theirs);
  } finally {
    await Deno.remove(path);
  }
});
