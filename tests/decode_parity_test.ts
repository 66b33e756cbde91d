/**
 * Decoder parity with tshark: every capture in ../shared/pcaps/formats and
 * benign, read with readCapture and decoded with decodePacket, gives the same
 * packet count and per-protocol counts (outer IPv4, IPv6, ARP, TCP, UDP, ICMP,
 * ICMPv6, DNS) as tshark's display filters in tests/fixtures/tshark_counts.json
 * (made, and its filter choices documented, by make_tshark_counts.ts).
 * Prints file → counts, with "ours/tshark" where they differ.
 */

import assert from "node:assert/strict";
import { AnomalyCounter } from "../capture/anomalies.ts";
import { decodePacket } from "../capture/decode/mod.ts";
import type { PacketRecord } from "../capture/packet_record.ts";
import { openCaptureSource, readCapture } from "../capture/read_capture.ts";

const PCAPS = new URL("../../shared/pcaps/", import.meta.url);
const FOLDERS = ["formats", "benign"];

/** Protocols compared, in fixture order. */
const COUNTED = [
  "packets",
  "ipv4",
  "ipv6",
  "arp",
  "tcp",
  "udp",
  "icmp",
  "icmpv6",
  "dns",
] as const;

type CountName = typeof COUNTED[number];
type Counts = Record<CountName, number>;

interface Fixture {
  counts: Record<string, Counts>;
}

const FIXTURE: Fixture = JSON.parse(
  await Deno.readTextFile(
    new URL("fixtures/tshark_counts.json", import.meta.url),
  ),
);

function emptyCounts(): Counts {
  return {
    packets: 0,
    ipv4: 0,
    ipv6: 0,
    arp: 0,
    tcp: 0,
    udp: 0,
    icmp: 0,
    icmpv6: 0,
    dns: 0,
  };
}

/** Adds one decoded packet to `counts`, by the same outer-layer rules as the fixture. */
function countPacket(counts: Counts, packet: PacketRecord): void {
  counts.packets++;
  if (packet.network === "ipv4") counts.ipv4++;
  if (packet.network === "ipv6") counts.ipv6++;
  if (packet.network === "arp") counts.arp++;
  if (packet.transport === "tcp") counts.tcp++;
  if (packet.transport === "udp") counts.udp++;
  if (packet.transport === "icmp") counts.icmp++;
  if (packet.transport === "icmpv6") counts.icmpv6++;
  if (packet.app === "dns") counts.dns++;
}

async function decodeFile(path: string): Promise<Counts> {
  const counts = emptyCounts();
  const anomalies = new AnomalyCounter();
  await readCapture(
    await openCaptureSource(path),
    (raw) => countPacket(counts, decodePacket(raw, anomalies)),
    { anomalies },
  );
  return counts;
}

async function captureNames(): Promise<string[]> {
  const names: string[] = [];
  for (const folder of FOLDERS) {
    for await (const entry of Deno.readDir(new URL(`${folder}/`, PCAPS))) {
      if (entry.isFile) names.push(`${folder}/${entry.name}`);
    }
  }
  return names.sort();
}

Deno.test("decodePacket() counts packets and protocols as tshark does on formats/ and benign/", async () => {
  const names = await captureNames();
  assert.ok(names.length > 0, "no captures in ../shared/pcaps");
  assert.deepEqual(
    Object.keys(FIXTURE.counts).sort(),
    names,
    "tests/fixtures/tshark_counts.json is stale: run `deno task tshark-counts`",
  );
  const rows = [
    `${"file".padEnd(84)} ${COUNTED.map((name) => name.padStart(9)).join("")}`,
  ];
  const failures: string[] = [];
  for (const name of names) {
    const ours = await decodeFile(new URL(name, PCAPS).pathname);
    const tshark = FIXTURE.counts[name]!;
    const cells = COUNTED.map((key) =>
      (ours[key] === tshark[key]
        ? String(ours[key])
        : `${ours[key]}/${tshark[key]}`).padStart(9)
    );
    rows.push(`${name.padEnd(84)} ${cells.join("")}`);
    for (const key of COUNTED) {
      if (ours[key] !== tshark[key]) {
        failures.push(
          `${name}: ${key} ours ${ours[key]}, tshark ${tshark[key]}`,
        );
      }
    }
  }
  console.log(rows.join("\n"));
  assert.deepEqual(failures, []);
});
