/**
 * The decoder's reading of DHCPv6 (the message type of every datagram to or
 * from the DHCPv6 ports), which the DHCP spoofing detector judges, checked
 * against tshark's on the shared capture of a Windows LAN: 52 solicitations
 * from three hosts that no server answers, the network mitm6 preys on;
 * tests/truth_test.ts checks that it raises no alert.
 *
 * Needs `tshark`.
 */

import assert from "node:assert/strict";
import { readPacketFile } from "../capture/packet_source.ts";
import { tsharkFields } from "./cli_helpers.ts";

const FILE = new URL(
  "../../shared/pcaps/benign/mixed_windows_lan_dhcp_nbns_llmnr_dns_smb__smb2-ntlmssp-negotiateflags.pcap",
  import.meta.url,
).pathname;

Deno.test("DHCPv6: every message's type as tshark reads it, in the shared Windows LAN capture", async () => {
  const ours: string[] = [];
  await readPacketFile(FILE, (packet) => {
    if (packet.dhcpMessageType < 0) return;
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
