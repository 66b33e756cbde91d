import assert from "node:assert/strict";
import { formatTcpFlags } from "./format_packet.ts";
import { readPacketFile } from "./packet_source.ts";

const PCAPS = new URL("../../shared/pcaps/", import.meta.url).pathname;

/** The TCP flags tcpdump prints for each TCP packet of `file`, in order. */
async function tcpdumpFlags(file: string): Promise<string[]> {
  const output = await new Deno.Command("tcpdump", {
    args: ["-nn", "-r", file, "tcp"],
    stdout: "piped",
    stderr: "null",
  }).output();
  return [
    ...new TextDecoder().decode(output.stdout).matchAll(
      /Flags \[([^\]]*)\]/g,
    ),
  ].map((match) => match[1]!);
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
