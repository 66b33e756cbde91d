/**
 * The decoder's reading of SCTP (ports and the first chunk's type, which
 * the port scan detector judges), checked against tshark's on a capture of
 * frames built here: the chunks of an association's start and of nmap's
 * scans and their answers, over IPv4 and IPv6. tshark also checks the
 * frames' CRC32c checksums, so the builder's SCTP is SCTP.
 *
 * Needs `tshark`.
 */

import assert from "node:assert/strict";
import { readPacketFile } from "../capture/packet_source.ts";
import { PcapBuilder } from "../capture/pcap_writer.ts";
import { LINK_TYPE } from "../capture/pcap_record.ts";
import {
  sctpChunk,
  sctpFrame,
  sctpInitValue,
} from "../capture/frame_builder.ts";
import { SCTP_CHUNK } from "../capture/decode/sctp.ts";
import { V4, V6 } from "../capture/decode/test_helpers.ts";
import { tsharkFields } from "./cli_helpers.ts";

Deno.test("SCTP: every packet's ports and first chunk type as tshark reads them, with valid checksums", async () => {
  const builder = new PcapBuilder(LINK_TYPE.ETHERNET);
  let atUs = 1_700_000_000_000_000;
  for (const ends of [V4, V6]) {
    const back = {
      srcMac: ends.dstMac,
      dstMac: ends.srcMac,
      src: ends.dst,
      dst: ends.src,
    };
    const out = { srcPort: 40_001, dstPort: 3868 };
    const reply = { srcPort: 3868, dstPort: 40_001 };
    for (
      const frame of [
        sctpFrame(ends, out, sctpChunk(SCTP_CHUNK.INIT, sctpInitValue(11))),
        sctpFrame(
          back,
          { ...reply, tag: 11 },
          sctpChunk(SCTP_CHUNK.INIT_ACK, sctpInitValue(22)),
        ),
        sctpFrame(
          ends,
          { ...out, tag: 22 },
          sctpChunk(SCTP_CHUNK.COOKIE_ECHO, new Uint8Array(24)),
          sctpChunk(SCTP_CHUNK.DATA, new Uint8Array(20)),
        ),
        sctpFrame(
          back,
          { ...reply, tag: 11 },
          sctpChunk(SCTP_CHUNK.COOKIE_ACK),
        ),
        sctpFrame(back, { ...reply, tag: 11 }, sctpChunk(4, new Uint8Array(8))),
        sctpFrame(back, { ...reply, tag: 11 }, sctpChunk(SCTP_CHUNK.ABORT)),
      ]
    ) builder.add(atUs++, frame);
  }
  const file = await Deno.makeTempFile({ suffix: ".pcap" });
  try {
    await Deno.writeFile(file, new Blob(builder.parts()).stream());
    const ours: string[] = [];
    await readPacketFile(file, (packet) => {
      ours.push(
        [packet.srcPort, packet.dstPort, packet.sctpChunkType].join(" "),
      );
    });
    const theirs = await tsharkFields(
      file,
      [
        "sctp.srcport",
        "sctp.dstport",
        "sctp.chunk_type",
        "sctp.checksum.status",
      ],
      "sctp",
      ["-o", "sctp.checksum:CRC-32C"],
    );
    assert.equal(theirs.length, 12);
    assert.deepEqual(
      theirs.map((line) => line.split("\t")[3]),
      Array(12).fill("1"),
      "tshark finds every checksum good",
    );
    assert.deepEqual(
      ours,
      theirs.map((line) => {
        const [src, dst, types] = line.split("\t");
        return [src, dst, types!.split(",")[0]].join(" ");
      }),
    );
  } finally {
    await Deno.remove(file);
  }
});
