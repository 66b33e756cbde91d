import assert from "node:assert/strict";
import { readPacketFile, reusedRecord } from "../../capture/packet_source.ts";
import { publicPacketFields } from "../../capture/packet_record.ts";
import { JsonBytes } from "../json_bytes.ts";
import { writePacketJson } from "./packet_json.ts";

const PCAPS = new URL("../../../shared/pcaps/", import.meta.url).pathname;

Deno.test("writePacketJson() writes JSON.stringify(publicPacketFields()) for every packet of real captures", async () => {
  // Every link type, IPv4 and IPv6, TCP, UDP, ICMP, ARP, DNS, fragments,
  // VLANs, truncated and malformed packets.
  const files: string[] = [];
  for (const folder of ["attacks", "benign", "formats", "malformed"]) {
    for await (const entry of Deno.readDir(`${PCAPS}${folder}`)) {
      if (entry.isFile) files.push(`${folder}/${entry.name}`);
    }
  }
  const out = new JsonBytes();
  let packets = 0;
  for (const file of files.sort()) {
    // The decoder's reused record, as `read --json` and `capture --json` see it.
    await readPacketFile(`${PCAPS}${file}`, (packet) => {
      out.length = 0;
      writePacketJson(out, packet);
      const expected = JSON.stringify(publicPacketFields(packet));
      if (out.text() !== expected) {
        assert.equal(out.text(), expected, `${file} packet ${packets}`);
      }
      packets++;
    }, { record: reusedRecord() }).catch((error) => {
      // A malformed file ends with an error after its good packets.
      if (!file.startsWith("malformed/")) throw error;
    });
  }
  assert.ok(packets > 100_000, `${packets} packets`);
});
