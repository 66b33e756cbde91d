/**
 * The decoder's reading of failed logins (`PacketRecord.authFailure`,
 * capture/decode/auth_reply.ts), which the brute force detector counts,
 * checked against tshark's dissectors: server replies of every service it
 * reads, refusals and their look-alikes (a success, another error), built
 * here and written to a pcap; each must be what tshark reads it as (the
 * reply code, status or error it names), and we must take exactly the
 * refusals. Then the shared captures: the FTP brute force's refusals and
 * the Windows LAN's five SMB logon failures, frame by frame as tshark reads
 * them.
 *
 * Needs `tshark`.
 */

import assert from "node:assert/strict";
import { tcpFrame, udpFrame } from "../capture/frame_builder.ts";
import { readPacketFile } from "../capture/packet_source.ts";
import { PcapBuilder } from "../capture/pcap_writer.ts";
import { tsharkFields } from "./cli_helpers.ts";
import { REPLIES } from "../capture/decode/test_auth_replies.ts";

const SERVER = {
  src: "10.0.0.2",
  dst: "10.0.0.1",
  srcMac: "02:00:00:00:00:02",
  dstMac: "02:00:00:00:00:01",
};

/** Our `authFailure` (or, with `success`, `authSuccess`) of every packet in `path`, by frame number (1-based), where not "". */
async function ourReplies(
  path: string,
  success = false,
): Promise<Map<number, string>> {
  const replies = new Map<number, string>();
  let frame = 0;
  await readPacketFile(path, (packet) => {
    frame++;
    const service = success ? packet.authSuccess : packet.authFailure;
    if (service !== "") replies.set(frame, service);
  });
  return replies;
}

Deno.test("failed logins: each built reply is what tshark reads, and we take exactly the refusals (and the logins that succeeded)", async () => {
  const pcap = new PcapBuilder(1);
  REPLIES.forEach((reply, i) => {
    const ports = { srcPort: reply.port, dstPort: 50_000 + i };
    pcap.add(
      1_700_000_000_000_000 + i * 1_000,
      reply.udp ? udpFrame(SERVER, ports, reply.payload) : tcpFrame(
        SERVER,
        { ...ports, flags: 0x18, seq: 1000, ack: 2000 },
        reply.payload,
      ),
    );
  });
  const path = await Deno.makeTempFile({ suffix: ".pcap" });
  try {
    await Deno.writeFile(path, pcap.toBytes());
    const fields = [...new Set(REPLIES.map((reply) => reply.field))];
    const lines = await tsharkFields(path, fields);
    assert.equal(lines.length, REPLIES.length);
    const ours = await ourReplies(path);
    const logins = await ourReplies(path, true);
    REPLIES.forEach((reply, i) => {
      const values = lines[i]!.split("\t");
      const read = values[fields.indexOf(reply.field)]!.toLowerCase();
      assert.equal(
        read,
        reply.value.toLowerCase(),
        `tshark reads reply ${
          i + 1
        } (port ${reply.port}) as ${reply.field} ${read}`,
      );
      assert.equal(
        ours.get(i + 1) ?? "",
        reply.expected,
        `reply ${i + 1}: port ${reply.port}, ${reply.field} ${reply.value}`,
      );
      assert.equal(
        logins.get(i + 1) ?? "",
        reply.success ?? "",
        `reply ${
          i + 1
        } as a login: port ${reply.port}, ${reply.field} ${reply.value}`,
      );
    });
  } finally {
    await Deno.remove(path);
  }
});

const PCAPS = new URL("../../shared/pcaps/", import.meta.url);

Deno.test("failed logins: the shared FTP brute force's 530 replies and the Windows LAN's SMB logon failures, frame by frame as tshark reads them", async () => {
  for (
    const [file, filter, service] of [
      [
        "attacks/bruteforce_ftp_1400conns_not_flood__ftp-crack.pcap",
        "ftp.response.code == 530",
        "ftp",
      ],
      [
        "benign/mixed_windows_lan_dhcp_nbns_llmnr_dns_smb__smb2-ntlmssp-negotiateflags.pcap",
        "smb2.cmd == 1 && smb2.nt_status == 0xc000006d",
        "smb",
      ],
    ] as const
  ) {
    const path = new URL(file, PCAPS).pathname;
    // The FTP capture holds its packets twice; tshark takes the copies for
    // retransmissions and dissects no FTP in them unless told not to.
    const theirs = (await tsharkFields(path, ["frame.number"], filter, [
      "-o",
      "tcp.analyze_sequence_numbers:FALSE",
    ])).map(Number);
    const ours = await ourReplies(path);
    assert.ok(theirs.length >= 5, `${file}: tshark found ${theirs.length}`);
    assert.deepEqual([...ours.keys()], theirs, file);
    assert.ok([...ours.values()].every((name) => name === service), file);
  }
});
