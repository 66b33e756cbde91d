/**
 * The decoder's reading of the data DNS answers carry down (NULL records'
 * bytes, and TXT records whose text is encoded data: capture/decode/
 * dns_answers.ts), checked against tshark's reading of the same records on
 * the shared tunnel captures (iodine, dnscat2, dns2tcp, DNSExfiltrator,
 * sods). tshark gives the records and their strings; the test judges each
 * text with its own rule, written apart from the decoder's.
 *
 * Needs `tshark`.
 */

import assert from "node:assert/strict";
import { readPacketFile } from "../capture/packet_source.ts";
import { readsAnswerData } from "../capture/decode/dns_answers.ts";
import { tsharkFields } from "./cli_helpers.ts";

const FILES = [
  "dnsexfil_DNSExfiltrator_base64__dnsextrator.pcap",
  "dnstunnel_dns2tcp_TXT_tunnel.com__bug-1158.pcap",
  "dnstunnel_dns2tcp_short__dns2tcp.pcap",
  "dnstunnel_dnscat2_short__dnscat2.pcap",
  "dnstunnel_dnscat2_via_resolver_skullseclabs__bad-dns-traffic.pcap",
  "dnstunnel_dnscat_direct_mode__dns_exfiltration.pcap",
  "dnstunnel_iodine_NULL_pirate.sea__dns-tunnel-iodine.pcap",
  "dnstunnel_iodine_handshake_only__iodine.pcap",
  "dnstunnel_sods_tun.hsc.fr__sods.pcap",
].map((file) =>
  new URL(`../../shared/pcaps/attacks/${file}`, import.meta.url).pathname
);

/** Answer records the decoder reads in one response. */
const MAX_ANSWERS = 64;

/** Encoded data as the decoder's doc defines it: 32 characters or more of base64/base32/hex, "=" only at the end of a string, digits and letters. */
function isEncoded(strings: string[]): boolean {
  const text = strings.join("");
  return text.length >= 32 &&
    strings.every((string) => /^[A-Za-z0-9+/_-]*=*$/.test(string)) &&
    /[A-Za-z]/.test(text) && /[0-9]/.test(text);
}

Deno.test("DNS answers: the data each tunnel response carries down, as tshark reads its records", async () => {
  let carrying = 0;
  for (const file of FILES) {
    const ours: number[] = [];
    await readPacketFile(file, (packet) => {
      if (
        packet.transport !== "udp" || !packet.dnsResponse ||
        packet.dnsQuestionCount !== 1 || !readsAnswerData(packet.dnsQtype)
      ) return;
      ours.push(packet.dnsAnswerDataBytes);
    });
    const separator = "\u001f";
    const theirs = (await tsharkFields(
      file,
      [
        "dns.count.answers",
        "dns.resp.type",
        "dns.resp.len",
        "dns.txt.length",
        "dns.txt",
      ],
      "udp && dns.flags.response == 1 && dns.count.queries == 1 && " +
        "(dns.qry.type == 16 || dns.qry.type == 10 || dns.qry.type == 255 || " +
        "(dns.qry.type >= 65280 && dns.qry.type <= 65534))",
      ["-E", `aggregator=${separator}`],
    )).map((line) => {
      const [count, types, lengths, textLengths, texts] = line.split("\t");
      const split = (field = "") => field === "" ? [] : field.split(separator);
      const typeList = split(types);
      const lengthList = split(lengths).map(Number);
      const textLengthList = split(textLengths).map(Number);
      const textList = split(texts);
      let data = 0;
      let nextText = 0;
      typeList.forEach((type, i) => {
        // Strings of this record (tshark lists every TXT record's strings
        // in order): as many as its data holds.
        const strings: string[] = [];
        if (type === "16") {
          let left = lengthList[i]!;
          while (left > 0) {
            strings.push(textList[nextText]!);
            left -= 1 + textLengthList[nextText++]!;
          }
        }
        if (i >= Math.min(Number(count), MAX_ANSWERS)) return;
        const code = Number(type);
        if (code === 10 || (code >= 65280 && code <= 65534)) {
          data += lengthList[i]!;
        }
        if (code === 16 && isEncoded(strings)) {
          data += strings.join("").length;
        }
      });
      if (data > 0) carrying++;
      return data;
    });
    assert.ok(theirs.length > 0, `tshark found responses in ${file}`);
    assert.deepEqual(ours, theirs, file);
  }
  // iodine's NULL answers, dns2tcp's base64 TXT answers and sods' (each
  // string padded on its own).
  assert.ok(carrying > 200, `${carrying} responses carry data`);
});
