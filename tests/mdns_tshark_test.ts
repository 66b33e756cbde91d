/**
 * The decoder's reading of mDNS responses (the first address record among
 * the answers: its name and address, which the name poisoning detector
 * judges), checked against tshark's on the shared captures that hold mDNS
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

/** Answer records the decoder looks through (capture/decode/mdns.ts). */
const MAX_RECORDS = 16;

Deno.test("mDNS: every response's first address record as tshark reads it", async () => {
  let found = 0;
  for (const file of FILES) {
    const ours: string[] = [];
    await readPacketFile(file, (packet) => {
      if (packet.srcPort !== 5353 || !packet.dnsResponse) return;
      ours.push(`${packet.mdnsAnswerName} ${packet.mdnsAnswerAddress}`);
    });
    const theirs = (await tsharkFields(
      file,
      [
        "dns.count.answers",
        "dns.resp.type",
        "dns.resp.name",
        "dns.a",
        "dns.aaaa",
      ],
      "udp.srcport == 5353 && dns.flags.response == 1",
      [
        "-E",
        "aggregator=|",
      ],
    )).map((line) => {
      const [count, types, names, a, aaaa] = line.split("\t");
      const typeList = types!.split("|").map(Number);
      const limit = Math.min(Number(count), MAX_RECORDS);
      const at = typeList.findIndex((type, i) =>
        i < limit && (type === 1 || type === 28)
      );
      if (at < 0) return " ";
      found++;
      const address = typeList[at] === 1 ? a! : aaaa!;
      return `${names!.split("|")[at]!.toLowerCase()} ${address.split("|")[0]}`;
    });
    assert.ok(theirs.length > 0, `tshark found mDNS responses in ${file}`);
    assert.deepEqual(ours, theirs, file);
  }
  assert.ok(found > 0, "an address record among the answers");
});
