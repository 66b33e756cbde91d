/**
 * The decoder's reading of mDNS responses (the A, AAAA and CNAME records
 * among the answers, which the name poisoning detector judges), checked against tshark's on the shared captures that hold mDNS
 * responses (a Mac's, Avahi's and Windows' announcements).
 *
 * Needs `tshark`.
 */

import assert from "node:assert/strict";
import { readPacketFile } from "../capture/packet_source.ts";
import { tsharkFields } from "./cli_helpers.ts";

const FILES = [
  "benign/mixed_iphone_dns_tls_http_icmp_ipv6__iphone.pcap",
  "benign/mixed_wiki_browse_dns_http_arp_ipv6__wikipedia.pcap",
  "attacks/arpspoof_gateway_every2s_with_background__arp_spoofing.pcap",
  "attacks/arpscan_sweep_with_replies__arp_scan.pcap",
].map((file) =>
  new URL(`../../shared/pcaps/${file}`, import.meta.url).pathname
);

/** Answer records the decoder looks through, and records it keeps (capture/decode/mdns.ts). */
const MAX_RECORDS = 16;
const MAX_KEPT = 8;

Deno.test("mDNS: every response's A, AAAA and CNAME answers as tshark reads them", async () => {
  let found = 0;
  for (const file of FILES) {
    const ours: string[] = [];
    await readPacketFile(file, (packet) => {
      if (packet.srcPort !== 5353 || !packet.dnsResponse) return;
      ours.push(packet.mdnsRecords);
    });
    const theirs = (await tsharkFields(
      file,
      [
        "dns.count.answers",
        "dns.resp.type",
        "dns.resp.name",
        "dns.a",
        "dns.aaaa",
        "dns.cname",
      ],
      "udp.srcport == 5353 && dns.flags.response == 1",
      [
        "-E",
        "aggregator=|",
      ],
    )).map((line) => {
      const [count, types, names, a, aaaa, cname] = line.split("\t");
      const values: Record<string, string[]> = {
        "1": a ? a.split("|") : [],
        "28": aaaa ? aaaa.split("|") : [],
        "5": cname ? cname.split("|") : [],
      };
      const seen: Record<string, number> = { "1": 0, "28": 0, "5": 0 };
      const nameList = names!.split("|");
      const kept: string[] = [];
      // tshark names an SRV record's owner in fields of its own, not in
      // dns.resp.name.
      let nameAt = -1;
      types!.split("|").forEach((type, i) => {
        if (type !== "33") nameAt++;
        if (!(type in seen)) return;
        const value = values[type]![seen[type]!++]!;
        if (i >= Math.min(Number(count), MAX_RECORDS)) return;
        if (kept.length >= MAX_KEPT) return;
        kept.push(
          `${nameList[nameAt]!.toLowerCase()}\t${
            type === "1" ? "A" : type === "28" ? "AAAA" : "CNAME"
          }\t${type === "5" ? value.toLowerCase() : value}`,
        );
      });
      found += kept.length;
      return kept.join("\n");
    });
    assert.ok(theirs.length > 0, `tshark found mDNS responses in ${file}`);
    assert.deepEqual(ours, theirs, file);
  }
  assert.ok(found > 0, "address records among the answers");
});
