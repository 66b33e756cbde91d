/**
 * The decoder's reading of the NetBIOS name service (UDP 137: transaction
 * id, flags, answer count and the name asked for or answered), which the
 * name poisoning detector judges, checked against tshark's on the shared
 * captures that hold NBNS (a Windows LAN, and a browsing session).
 *
 * Needs `tshark`.
 */

import assert from "node:assert/strict";
import { readPacketFile } from "../capture/packet_source.ts";
import { tsharkFields } from "./cli_helpers.ts";

const FILES = [
  "benign/mixed_windows_lan_dhcp_nbns_llmnr_dns_smb__smb2-ntlmssp-negotiateflags.pcap",
  "benign/mixed_wiki_browse_dns_http_arp_ipv6__wikipedia.pcap",
].map((file) =>
  new URL(`../../shared/pcaps/${file}`, import.meta.url).pathname
);

for (const file of FILES) {
  Deno.test(`NBNS: every message's id, flags, answers and name as tshark reads them (${file.split("/").at(-1)})`, async () => {
    const ours: string[] = [];
    await readPacketFile(file, (packet) => {
      if (packet.nbnsId < 0) return;
      ours.push(
        [
          packet.nbnsId,
          packet.nbnsFlags,
          packet.nbnsAnswerCount,
          packet.nbnsName,
        ].join(" "),
      );
    });
    const theirs = (await tsharkFields(file, [
      "nbns.id",
      "nbns.flags",
      "nbns.count.answers",
      "nbns.name",
    ], "nbns")).map((line) => {
      const [id, flags, answers, names] = line.split("\t");
      // "WPAD<00>,WPAD<00> (Workstation/Redirector)", or an answer's
      // "SCV<20> (Server service)": the name, without its suffix, padding
      // and description, lower-case.
      const name = (names ?? "").split(",")[0]!.replace(/ \(.*\)$/, "")
        .replace(/<[0-9a-f]{2}>$/i, "").trimEnd().toLowerCase();
      return [Number(id), Number(flags), Number(answers), name].join(" ");
    });
    assert.ok(theirs.length > 0, "tshark found NBNS");
    assert.deepEqual(ours, theirs);
  });
}
