/**
 * Each built-in detector declares the packet kinds it looks at
 * (`Detector.packetKinds`), and the engine passes it no others. Over every
 * real capture in ../shared/pcaps/attacks and benign, a detector fed every
 * packet and one fed only the packets of its declared kinds must report the
 * same findings and end with the same tables: the declaration leaves out
 * nothing the detector reacts to.
 */

import assert from "node:assert/strict";
import { readPacketFile, reusedRecord } from "../capture/packet_source.ts";
import type { Finding } from "../detectors/alert.ts";
import { packetKindsOf } from "../detectors/detector.ts";
import { createDetectors } from "../detectors/engine.ts";

const PCAPS = new URL("../../shared/pcaps/", import.meta.url);

async function captures(folder: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(new URL(folder, PCAPS))) {
    if (entry.isFile && /\.pcap(ng)?$/.test(entry.name)) {
      names.push(`${folder}${entry.name}`);
    }
  }
  return names.sort();
}

Deno.test("detectors see the same findings and state when fed only the packet kinds they declare", async () => {
  const files = [
    ...await captures("attacks/"),
    ...await captures("benign/"),
  ];
  assert.ok(files.length >= 50, `only ${files.length} captures found`);
  let skippedPackets = 0;
  for (const file of files) {
    const everything = createDetectors();
    const declared = createDetectors();
    const findings = everything.map(() => [] as Finding[]);
    const declaredFindings = declared.map(() => [] as Finding[]);
    await readPacketFile(new URL(file, PCAPS).pathname, (packet) => {
      const kinds = packetKindsOf(packet);
      for (let i = 0; i < everything.length; i++) {
        everything[i]!.observe(packet, (f) => findings[i]!.push(f));
        const detector = declared[i]!;
        if (((detector.packetKinds ?? kinds) & kinds) !== 0) {
          detector.observe(packet, (f) => declaredFindings[i]!.push(f));
        } else {
          skippedPackets++;
        }
      }
    }, { record: reusedRecord() });
    for (let i = 0; i < everything.length; i++) {
      const name = everything[i]!.name;
      assert.deepEqual(declaredFindings[i], findings[i], `${file}: ${name}`);
      assert.deepEqual(
        declared[i]!.tables(),
        everything[i]!.tables(),
        `${file}: ${name} tables`,
      );
    }
  }
  // The declarations do spare the detectors most packets.
  assert.ok(skippedPackets > 0);
});
