/**
 * Every capture in ../shared/pcaps/{formats,benign,attacks} reads without an
 * error or a record-layer anomaly, with the record count capinfos reports
 * (tests/fixtures/record_counts.json, made by make_record_counts.ts), and
 * the first records of the tricky formats carry the times tshark shows.
 */

import assert from "node:assert/strict";
import { AnomalyCounter } from "../capture/anomalies.ts";
import { CaptureParser } from "../capture/pcap_reader.ts";
import { tsharkFields } from "./cli_helpers.ts";
import type { PcapRecord } from "../capture/pcap_record.ts";
import {
  openCaptureSource,
  readCapture,
  type ReadCaptureResult,
} from "../capture/read_capture.ts";

const PCAPS = new URL("../../shared/pcaps/", import.meta.url);
const FOLDERS = ["formats", "benign", "attacks"];

const RECORD_COUNTS: Record<string, number> = JSON.parse(
  await Deno.readTextFile(
    new URL("fixtures/record_counts.json", import.meta.url),
  ),
);

async function captureFiles(): Promise<string[]> {
  const files: string[] = [];
  for (const folder of FOLDERS) {
    for await (const entry of Deno.readDir(new URL(`${folder}/`, PCAPS))) {
      if (entry.isFile) files.push(`${folder}/${entry.name}`);
    }
  }
  return files.sort();
}

function pathOf(file: string): string {
  return new URL(file, PCAPS).pathname;
}

Deno.test("every capture in formats/, benign/ and attacks/ reads with capinfos' record count", async () => {
  const files = await captureFiles();
  assert.deepEqual(
    files,
    Object.keys(RECORD_COUNTS).sort(),
    "fixture is current",
  );
  const rows: string[] = [];
  for (const file of files) {
    const anomalies = new AnomalyCounter();
    let records = 0;
    let frameBytes = 0;
    const result: ReadCaptureResult = await readCapture(
      await openCaptureSource(pathOf(file)),
      (record) => {
        records++;
        frameBytes += record.capturedLength;
        assert.ok(
          record.offset + record.capturedLength <= record.bytes.length,
          `${file}: frame inside its buffer`,
        );
      },
      { anomalies },
    );
    assert.equal(result.records, RECORD_COUNTS[file], file);
    assert.equal(records, result.records, file);
    assert.equal(result.gzip, file.endsWith(".gz"), file);
    assert.deepEqual(anomalies.toJSON(), {}, `${file}: record anomalies`);
    rows.push(
      `${String(result.records).padStart(6)}  ${result.format.padEnd(6)}  ` +
        `${result.linkTypes.join(",").padEnd(6)}  ${file}`,
    );
    assert.ok(frameBytes <= result.bytesRead || result.gzip, file);
  }
  console.log(`records  format  links   file\n${rows.join("\n")}`);
});

/** [timestampUs, interfaceId, capturedLength, wireLength, linkType], from tshark -T fields. */
type Expected = [number, number, number, number, number];

/**
 * `tshark -r F -T fields -e frame.time_epoch -e frame.interface_id
 * -e frame.cap_len -e frame.len` (TShark 4.0.17), time truncated to µs.
 * Custom blocks, which tshark lists as frames, are left out. Simple Packet
 * Blocks have no time: they carry the previous record's.
 */
const TSHARK_RECORDS: Record<string, Expected[]> = {
  "formats/pcapng_multisection_mixed_linktypes_LE__test202.pcapng": [
    [1340954905298858, 0, 96, 314, 1],
    [1340954905298858, 0, 96, 342, 1],
    [1340954905301858, 1, 168, 168, 0],
    [1340954905301858, 0, 128, 314, 1], // SPB
    [1340954905298858, 0, 128, 342, 1],
    [1340954905298858, 0, 128, 314, 1], // SPB
    [1340954905298858, 0, 128, 342, 1],
    [1340954905301858, 1, 168, 168, 0],
  ],
  "formats/pcapng_multisection_mixed_linktypes_BIGENDIAN__test202.pcapng": [
    [1340954905298858, 0, 96, 314, 1],
    [1340954905298858, 0, 96, 342, 1],
    [1340954905301858, 1, 168, 168, 0],
    [1340954905301858, 0, 128, 314, 1], // SPB
    [1340954905298858, 0, 128, 342, 1],
    [1340954905298858, 0, 128, 314, 1], // SPB
    [1340954905298858, 0, 128, 342, 1],
    [1340954905301858, 1, 168, 168, 0],
  ],
  // Interface 0 has if_tsresol 9 (ns, values above 2^53), interface 1 µs.
  "formats/pcapng_2ifaces_mixed_tsresol__pcapng-multi-interface.pcapng": [
    [1767663089500330, 0, 96, 96, 1],
    [1767663089514291, 0, 214, 214, 1],
    [1767663437111897, 1, 70, 70, 1],
    [1767663437126460, 1, 166, 166, 1],
    [1767663437128303, 1, 70, 70, 1],
    [1767663437140942, 1, 182, 182, 1],
  ],
  // if_tsresol 0x88: 2^-8 s (tshark: 1519128000.195312500).
  "formats/pcapng_tsresol_power_of_2__test902.pcapng": [
    [1519128000195312, 0, 314, 314, 1],
  ],
  "formats/pcapng_3ifaces_dns__dns-google-nsid.pcapng": [
    [1690622872644843, 0, 106, 106, 1],
    [1690622872652124, 0, 314, 314, 1],
    [1690735119384155, 2, 87, 87, 1],
    [1690735119412632, 2, 144, 144, 1],
  ],
  "formats/nsec_pcap_sll_tcp_handshake__tcp-handshake-nano.pcap": [
    [1418145369924505, 0, 76, 76, 113],
    [1418145370052027, 0, 76, 76, 113],
    [1418145370052115, 0, 68, 68, 113],
  ],
  "formats/nsec_pcap_ethernet__get-to-ssh-server.pcap": [
    [1770126425732560, 0, 74, 74, 1],
    [1770126425733357, 0, 74, 74, 1],
    [1770126425879407, 0, 66, 66, 1],
  ],
  "formats/bigendian_pcap_pptp__pptp.pcap": [
    [954147395148077, 0, 62, 62, 1],
    [954147395148207, 0, 62, 62, 1],
    [954147395148313, 0, 62, 62, 1],
    [954147395148666, 0, 60, 60, 1],
  ],
  // Version 2.1: caplen and len stored swapped (equal here, as tshark shows).
  "formats/bigendian_pcap_v2.1_nfs__nfs3-01.pcap": [
    [944207397280000, 0, 106, 106, 1],
    [944207397280000, 0, 90, 90, 1],
    [944207397290000, 0, 82, 82, 1],
    [944207397290000, 0, 66, 66, 1],
  ],
  "formats/gzip_compressed_pcapng__portmapper-many-unanswered-calls.pcapng.gz":
    [
      [1782725176000000, 0, 54, 54, 1],
      [1782725176010000, 0, 54, 54, 1],
      [1782725176020000, 0, 54, 54, 1],
      [1782725176030000, 0, 1254, 1254, 1],
    ],
};

function fields(record: PcapRecord): Expected {
  return [
    record.timestampUs,
    record.interfaceId,
    record.capturedLength,
    record.wireLength,
    record.linkType,
  ];
}

Deno.test("records carry the times, interfaces and lengths tshark shows", async () => {
  for (const [file, expected] of Object.entries(TSHARK_RECORDS)) {
    const seen: Expected[] = [];
    await readCapture(await openCaptureSource(pathOf(file)), (record) => {
      if (seen.length < expected.length) seen.push(fields(record));
    });
    assert.deepEqual(seen, expected, file);
  }
});

Deno.test("real captures parse the same in chunks of 1, 7 and 4096 bytes", async () => {
  for (const file of await captureFiles()) {
    if (file.endsWith(".gz")) continue;
    const bytes = await Deno.readFile(pathOf(file));
    if (bytes.length > 400_000) continue; // keep the 1-byte runs quick
    const read = (chunkBytes: number): string[] => {
      const parser = new CaptureParser();
      const out: string[] = [];
      for (let i = 0; i < bytes.length; i += chunkBytes) {
        parser.push(bytes.subarray(i, i + chunkBytes), (record) => {
          const frame = record.bytes.subarray(
            record.offset,
            record.offset + record.capturedLength,
          );
          let sum = 0;
          for (const byte of frame) sum = (sum * 31 + byte) >>> 0;
          out.push(`${fields(record)}:${sum}`);
        });
      }
      parser.finish();
      return out;
    };
    const whole = read(bytes.length);
    assert.equal(whole.length, RECORD_COUNTS[file], file);
    for (const chunkBytes of [1, 7, 4096]) {
      assert.deepEqual(read(chunkBytes), whole, `${file} in ${chunkBytes}`);
    }
  }
});

/** Captures, and whether their times can fall between microseconds (every record then carries its nanoseconds; the others, -1). */
const SUB_MICROSECOND_CAPTURES: Record<string, boolean> = {
  "formats/nsec_pcap_sll_tcp_handshake__tcp-handshake-nano.pcap": true,
  "formats/nsec_pcap_ethernet__get-to-ssh-server.pcap": true,
  // Interface 0 if_tsresol 9 (ns), interface 1 µs (whose records carry 0).
  "formats/pcapng_2ifaces_mixed_tsresol__pcapng-multi-interface.pcapng": true,
  // 2^-8 s: 0.1953125 s is 195,312 µs and 500 ns.
  "formats/pcapng_tsresol_power_of_2__test902.pcapng": true,
  // Interface 0 in ns, 1 and 2 in µs (merged by mergecap).
  "formats/pcapng_3ifaces_dns__dns-google-nsid.pcapng": true,
  "formats/bigendian_pcap_pptp__pptp.pcap": false,
};

Deno.test("records of nanosecond captures carry the nanoseconds tshark shows; microsecond ones none", async () => {
  let between = 0;
  for (
    const [file, subMicrosecond] of Object.entries(
      SUB_MICROSECOND_CAPTURES,
    )
  ) {
    // "1418145369.924505488": nine fraction digits.
    const expected = (await tsharkFields(pathOf(file), ["frame.time_epoch"]))
      .map((line) => {
        const [seconds, fraction] = line.split(".");
        return {
          timestampUs: Number(seconds) * 1_000_000 +
            Number(fraction!.slice(0, 6)),
          subMicrosecondNs: subMicrosecond ? Number(fraction!.slice(6, 9)) : -1,
        };
      });
    const seen: typeof expected = [];
    await readCapture(await openCaptureSource(pathOf(file)), (record) => {
      seen.push({
        timestampUs: record.timestampUs,
        subMicrosecondNs: record.subMicrosecondNs,
      });
    });
    assert.deepEqual(seen, expected, file);
    between += expected.filter((time) => time.subMicrosecondNs > 0).length;
  }
  // The nanosecond handshake's three, each pcapng's two and the 2^-8 s one.
  assert.equal(between, 8);
});
