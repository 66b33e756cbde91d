import assert from "node:assert/strict";
import { formatPacketLine, formatTcpFlags } from "./format_packet.ts";
import { isDnsMessage } from "./decode/dns.ts";
import { decodeFrame, hex, V4 } from "./decode/test_helpers.ts";
import { neighborFrame, udpFrame } from "./frame_builder.ts";
import { readPacketFile } from "./packet_source.ts";

const PCAPS = new URL("../../shared/pcaps/", import.meta.url).pathname;

/** The TCP flags tcpdump prints for each TCP packet of `file`, in order. */
async function tcpdumpFlags(file: string): Promise<string[]> {
  return (await tcpdumpLines(file, "tcp")).flatMap((line) => {
    const match = /Flags \[([^\]]*)\]/.exec(line);
    return match === null ? [] : [match[1]!];
  });
}

Deno.test("formatTcpFlags() writes every packet's flags as tcpdump does, in its order (S.E, FPU, SEW, none)", async () => {
  const seen = new Set<string>();
  for (
    const file of [
      "benign/mixed_iphone_dns_tls_http_icmp_ipv6__iphone.pcap",
      "attacks/portscan_nmap-sX-F_XMASscan__xmas_scan.pcap",
      "attacks/portscan_nmap-sN_NULLscan_1000ports__nmap_null.pcap",
      "attacks/synflood_spoofed_ECN-CWR_flags__pkt.TCP.DOMINATE.syn.ecn.cwr.pcapng",
    ]
  ) {
    const ours: string[] = [];
    await readPacketFile(`${PCAPS}${file}`, (packet) => {
      if (packet.transport === "tcp") {
        ours.push(formatTcpFlags(packet.tcpFlags));
      }
    });
    const theirs = await tcpdumpFlags(`${PCAPS}${file}`);
    assert.ok(theirs.length > 0, file);
    assert.deepEqual(ours, theirs, file);
    for (const flags of ours) seen.add(flags);
  }
  for (const flags of ["S.E", "FPU", "SEW", "none", "S.", "R.", "P."]) {
    assert.ok(seen.has(flags), `${flags} among ${[...seen].join(" ")}`);
  }
});

/** tcpdump's lines for `filter` (every packet when "") in `file`. */
async function tcpdumpLines(file: string, filter: string): Promise<string[]> {
  const output = await new Deno.Command("tcpdump", {
    args: ["-nn", "-r", file, ...(filter === "" ? [] : [filter])],
    stdout: "piped",
    stderr: "null",
  }).output();
  return new TextDecoder().decode(output.stdout).split("\n").filter((line) =>
    line !== ""
  );
}

Deno.test("formatPacketLine() names every ICMP and ICMPv6 message as tcpdump does, with echo ids and sequence numbers", async () => {
  const seen = new Set<string>();
  for (
    const file of [
      "benign/mixed_iphone_dns_tls_http_icmp_ipv6__iphone.pcap",
      "benign/icmp_traceroute__icmp_traceroute.pcapng",
      "attacks/icmpsweep_10.0.0.0-24_with_replies__hs-icmpScan.pcapng",
      "attacks/portscan_nmap-sU-F_UDPscan__udp_scan.pcap",
      "attacks/icmpv6flood_echo_with_ext_headers_35k__denial6-5.pcap",
      "formats/ipv6_neighbor_solicitation__icmpv6_neighbor_solicitation.pcapng",
    ]
  ) {
    const ours: string[] = [];
    const unreachable: boolean[] = [];
    await readPacketFile(`${PCAPS}${file}`, (packet) => {
      if (packet.transport === "icmp" || packet.transport === "icmpv6") {
        ours.push(formatPacketLine(packet));
        unreachable.push(
          packet.icmpType === (packet.transport === "icmp" ? 3 : 1),
        );
      }
    });
    // Every packet's line, not `icmp or icmp6`: that filter misses ICMPv6
    // behind extension headers (MLD reports after hop-by-hop options).
    const theirs = (await tcpdumpLines(`${PCAPS}${file}`, "")).filter((line) =>
      / ICMP6?[ ,]/.test(line)
    );
    assert.equal(ours.length, theirs.length, file);
    for (let i = 0; i < ours.length; i++) {
      const match =
        /: (ICMP6?) ([a-z0-9 ]+?)(?: id (\d+))?(?: seq (\d+))?(?:,|$)/
          .exec(ours[i]!);
      assert.ok(match, ours[i]);
      const [, family, name, id, seq] = match;
      const line = theirs[i]!;
      assert.ok(line.includes(`${family}`), `${line} / ${ours[i]}`);
      // tcpdump words each unreachable code its own way ("udp port 53
      // unreachable", "destination unreachable"); every other name is its.
      assert.ok(
        unreachable[i] ? line.includes("unreachable") : line.includes(name!),
        `${line} / ${ours[i]}`,
      );
      if (id !== undefined) assert.ok(line.includes(`id ${id},`), line);
      if (seq !== undefined) assert.ok(line.includes(`seq ${seq},`), line);
      seen.add(`${family} ${name}`);
    }
  }
  for (
    const name of [
      "ICMP echo request",
      "ICMP echo reply",
      "ICMP port unreachable",
      "ICMP time exceeded",
      "ICMP6 echo request",
      "ICMP6 neighbor solicitation",
      "ICMP6 router solicitation",
    ]
  ) assert.ok(seen.has(name), `${name} in ${[...seen]}`);
});

Deno.test("formatPacketLine() names each DNS query's type as tcpdump does (TYPE65, which tcpdump calls Type65, is HTTPS)", async () => {
  const seen = new Set<string>();
  for (
    const file of [
      "benign/dns_ipv4_ipv6_udp_tcp_edns__dns-edns-ecs.pcap",
      "benign/mixed_windows_lan_dhcp_nbns_llmnr_dns_smb__smb2-ntlmssp-negotiateflags.pcap",
      "attacks/dnstunnel_sods_tun.hsc.fr__sods.pcap",
      "attacks/dnstunnel_dnscat2_short__dnscat2.pcap",
      "attacks/arpspoof_gateway_every2s_with_background__arp_spoofing.pcap",
      "formats/sll_linux_cooked_mixed_dns_tls_http__KakaoTalk_chat.pcap",
      "formats/pcapng_3ifaces_dns__dns-google-nsid.pcapng",
    ]
  ) {
    const ours: string[] = [];
    await readPacketFile(`${PCAPS}${file}`, (packet) => {
      if (
        packet.transport === "udp" && isDnsMessage(packet) &&
        !packet.dnsResponse &&
        (packet.srcPort === 53 || packet.dstPort === 53)
      ) {
        const match = / DNS query id (\d+) \S+ qtype (\S+)/.exec(
          formatPacketLine(packet),
        );
        assert.ok(match, formatPacketLine(packet));
        ours.push(`${match[1]} ${match[2]}`);
      }
    });
    const theirs = (await tcpdumpLines(`${PCAPS}${file}`, "udp port 53"))
      .flatMap((line) => {
        const match = / (\d+)\+?%? \[?[^ ]*?\]? ?(\S+?)\? /.exec(line) ??
          / (\d+)\+?%? (\S+?)\? /.exec(line);
        if (match === null) return [];
        const type = match[2]!.replace(
          /^Type(\d+)$/,
          (_, n) => n === "65" ? "HTTPS" : `TYPE${n}`,
        );
        return [`${match[1]} ${type}`];
      });
    assert.ok(theirs.length > 0, file);
    assert.deepEqual(ours.toSorted(), theirs.toSorted(), file);
    for (const entry of ours) seen.add(entry.split(" ")[1]!);
  }
  for (
    const type of [
      "A",
      "AAAA",
      "TXT",
      "CNAME",
      "NULL",
      "MX",
      "SRV",
      "PTR",
      "NS",
      "SOA",
      "DNSKEY",
      "HTTPS",
    ]
  ) assert.ok(seen.has(type), `${type} in ${[...seen]}`);
});

Deno.test("formatPacketLine() says a DNS message without a question has none", () => {
  const bare = decodeFrame(
    udpFrame(
      V4,
      { srcPort: 40000, dstPort: 53 },
      hex("000701000000000000000000"),
    ),
  ).packet;
  assert.match(formatPacketLine(bare), / DNS query id 7 \(no question\)$/);
});

Deno.test("formatPacketLine() says what a neighbor solicitation asks, an advertisement answers and a router offers", () => {
  const line = (fields: Parameters<typeof neighborFrame>[0]) =>
    formatPacketLine(decodeFrame(neighborFrame(fields)).packet);
  assert.match(
    line({
      srcMac: "02:00:00:00:00:01",
      src: "fe80::1",
      dst: "ff02::1:ff00:2",
      type: 135,
      target: "fe80::2",
    }),
    /: ICMP6 neighbor solicitation, who has fe80::2 \(from 02:00:00:00:00:01\)$/,
  );
  assert.match(
    line({
      srcMac: "02:00:00:00:00:02",
      src: "fe80::2",
      dst: "fe80::1",
      type: 136,
      target: "fe80::2",
      flags: 0xe0,
    }),
    /: ICMP6 neighbor advertisement, fe80::2 is at 02:00:00:00:00:02 \[RSO\]$/,
  );
  assert.match(
    line({
      srcMac: "02:00:00:00:00:02",
      src: "fe80::2",
      dst: "fe80::1",
      type: 136,
      target: "fe80::2",
      linkMac: null,
    }),
    /: ICMP6 neighbor advertisement, fe80::2 is at \(no address\)$/,
  );
  // A router advertisement: lifetime, preference, flags, prefixes.
  assert.match(
    line({
      srcMac: "02:00:00:00:00:02",
      src: "fe80::2",
      dst: "ff02::1",
      type: 134,
      flags: 0xc8,
      routerLifetimeS: 1800,
      prefixes: [
        { prefix: "2001:db8:1::", length: 64 },
        { prefix: "2001:db8:2::", length: 64 },
      ],
    }),
    /: ICMP6 router advertisement, router lifetime 1800s, prf high \[MO\], prefixes 2001:db8:1::\/64 2001:db8:2::\/64 \(from 02:00:00:00:00:02\)$/,
  );
  assert.match(
    line({
      srcMac: "02:00:00:00:00:02",
      src: "fe80::2",
      dst: "ff02::1",
      type: 134,
      flags: 0x18,
      linkMac: null,
    }),
    /: ICMP6 router advertisement, router lifetime 0s, prf low$/,
  );
});
