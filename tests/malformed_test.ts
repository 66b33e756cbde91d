/**
 * Robustness of the record layer on ../shared/pcaps/malformed: readCapture
 * throws nothing but CaptureFormatError, never hangs, and delivers exactly the
 * good records before the damage (the ones `tcpdump -r` prints). Decoding of
 * the packet contents is tested elsewhere. Prints file → records → outcome.
 */

import assert from "node:assert/strict";
import { AnomalyCounter } from "../capture/anomalies.ts";
import { CaptureFormatError, CaptureParser } from "../capture/pcap_reader.ts";
import { openCaptureSource, readCapture } from "../capture/read_capture.ts";

const MALFORMED = new URL("../../shared/pcaps/malformed/", import.meta.url);

/** Seconds one file may take before the read is aborted as hung. */
const HANG_LIMIT_MS = 10_000;

interface Expectation {
  /** Records delivered (before the error, if any); tcpdump 4.99 / capinfos agree. */
  records: number;
  /** The error message, or undefined for a clean read. */
  error?: RegExp;
  /** Record-layer anomalies. */
  anomalies?: Record<string, number>;
  /** [timestampUs, capturedLength, wireLength] of the first and last records, from tshark. */
  firstLast?: [number, number, number][];
}

const EXPECTED: Record<string, Expectation> = {
  "arp_too_long_hw_addr__arp-too-long-tha.pcap": { records: 1 },
  // libpcap 1.10.5+ and Wireshark refuse it; libpcap 1.10.3 reads link type 3145728.
  "bad_header_linktype_reserved_bits__linktype-reserved-field-not-zero.pcap": {
    records: 0,
    error:
      /^Cannot parse capture: link-type field 0x00300000 has reserved bits set$/,
  },
  "bad_header_pcap_version1.4__pcap-invalid-version-1.pcap": {
    records: 0,
    error: /^Cannot parse capture: unsupported pcap version 1\.4/,
  },
  // libpcap refuses 2.5 (Wireshark 4.0 reads its one packet): we follow libpcap.
  "bad_header_pcap_version2.5__pcap-invalid-version-2.pcap": {
    records: 0,
    error: /^Cannot parse capture: unsupported pcap version 2\.5/,
  },
  "bad_header_pcapng_shb_option_too_long__shb-option-too-long.pcapng": {
    records: 0,
    error:
      /^Cannot parse capture: block at byte 0 has total length 52 in its header but 808464432 in its trailer$/,
  },
  "bad_header_pcapng_shb_version0.1__pcapng-invalid-vers-1.pcapng": {
    records: 0,
    error: /^Cannot parse capture: unsupported pcapng version 0\.1/,
  },
  "bad_header_pcapng_shb_version2.0_after_valid__test901.pcapng": {
    records: 1,
    error:
      /^Cannot parse capture: unsupported pcapng version 2\.0 in the section header at byte 480$/,
    firstLast: [[1340954905298858, 314, 314]],
  },
  "dns_bad_label__dns-badlabel.pcap": { records: 1 },
  "empty_header_only_0_packets__empty.pcap": { records: 0 },
  "empty_pcapng_0_packets__empty.pcapng": { records: 0 },
  "icmp_header_truncated__icmp-header-trunc.pcap": { records: 2 },
  // Fractions 999999999, 1000000000 and 0x80000000 ns: the last two counted.
  "invalid_nanosecond_timestamps__timestamp_invalid_nano.pcap": {
    records: 3,
    anomalies: { timestamp_fraction_out_of_range: 2 },
    firstLast: [
      [1418145369999999, 76, 76],
      [1418145370000000 + Math.floor(0x80000000 / 1000), 68, 68],
    ],
  },
  "ipv4_broken_header__ipv4-truncated-broken-header.pcap": { records: 1 },
  "ipv4_header_truncated__ip4-trunc.pcap": { records: 1 },
  "ipv4_invalid_header_length__ipv4_invalid_hdr_length.pcap": { records: 1 },
  "ipv4_total_length_exceeds_capture__truncated.pcap": { records: 1 },
  "ipv6_fragment_fuzz__ip6_frag_asan.pcap": { records: 1 },
  "ipv6_invalid_payload_length__ipv6_invalid_length.pcap": { records: 1 },
  // Header snap length 1, record caplen 8: delivered whole (as Wireshark does).
  "snaplen_1_truncated_record__trunc-hdr.pcap": {
    records: 1,
    anomalies: { record_exceeds_snaplen: 1 },
    firstLast: [[1404148886981015, 8, 78]],
  },
  "tcp_header_overflow__tcp_header_heapoverflow.pcap": { records: 1 },
  // tcpdump: "truncated dump file; tried to read 16 header bytes, only got 2".
  "truncated_file_cut_mid_record__http-fault-post.pcap": {
    records: 25,
    error:
      /^Cannot parse capture: file ends inside a record \(2 of 16 header bytes\)$/,
    firstLast: [[1164609054607618, 62, 62], [1164609193866536, 500, 500]],
  },
  // Version 2.0 (caplen/len swapped), link-type field 0x40000000 (FCS bits).
  "truncated_file_nsec_null__fuzz-2021-10-13.pcap": {
    records: 1,
    error:
      /^Cannot parse capture: file ends inside a record \(2 of 16 header bytes\)$/,
    anomalies: { timestamp_fraction_out_of_range: 1 },
    firstLast: [[980658803882137, 197, 524501]],
  },
  "udp_length_overflow__udp-length-heapoverflow.pcap": { records: 1 },
};

interface Outcome {
  records: number;
  firstLast: [number, number, number][];
  error: unknown;
  anomalies: Record<string, number>;
}

async function readFile(name: string): Promise<Outcome> {
  const anomalies = new AnomalyCounter();
  const seen: [number, number, number][] = [];
  const timeout = new AbortController();
  const timer = setTimeout(
    () => timeout.abort(new Error(`${name}: read hung`)),
    HANG_LIMIT_MS,
  );
  let error: unknown;
  try {
    await readCapture(
      await openCaptureSource(new URL(name, MALFORMED).pathname),
      (record) => {
        seen.push([
          record.timestampUs,
          record.capturedLength,
          record.wireLength,
        ]);
      },
      { anomalies, signal: timeout.signal },
    );
  } catch (caught) {
    error = caught;
  } finally {
    clearTimeout(timer);
  }
  const firstLast = seen.length <= 1 ? seen : [seen[0]!, seen.at(-1)!];
  return {
    records: seen.length,
    firstLast,
    error,
    anomalies: anomalies.toJSON(),
  };
}

async function malformedFiles(): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(MALFORMED)) {
    if (entry.isFile) names.push(entry.name);
  }
  return names.sort();
}

Deno.test("malformed captures: only CaptureFormatError, and the good records before it", async () => {
  const names = await malformedFiles();
  assert.ok(names.length > 0, "no files in ../shared/pcaps/malformed");
  const rows: string[] = [];
  const failures: string[] = [];
  for (const name of names) {
    const outcome = await readFile(name);
    const message = outcome.error instanceof Error ? outcome.error.message : "";
    const anomalyText = Object.entries(outcome.anomalies)
      .map(([key, count]) => `${key}=${count}`).join(" ");
    rows.push(
      `${name.padEnd(76)} ${String(outcome.records).padStart(3)}  ` +
        `${message || "ok"}${anomalyText ? `  [${anomalyText}]` : ""}`,
    );
    if (
      outcome.error !== undefined &&
      !(outcome.error instanceof CaptureFormatError)
    ) {
      failures.push(`${name}: threw ${outcome.error}`);
      continue;
    }
    const expected = EXPECTED[name];
    if (expected === undefined) continue; // a new file: the invariant above only
    try {
      assert.equal(outcome.records, expected.records, "records");
      if (expected.error === undefined) {
        assert.equal(outcome.error, undefined, "error");
      } else {
        assert.match(message, expected.error);
      }
      assert.deepEqual(
        outcome.anomalies,
        expected.anomalies ?? {},
        "anomalies",
      );
      if (expected.firstLast) {
        assert.deepEqual(outcome.firstLast, expected.firstLast, "records");
      }
    } catch (error) {
      failures.push(
        `${name}: ${error instanceof Error ? error.message : error}`,
      );
    }
  }
  console.log(`file → records → outcome [anomalies]\n${rows.join("\n")}`);
  assert.deepEqual(failures, []);
});

/** mulberry32: a small seeded PRNG, so failures reproduce. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Parses `bytes` in `chunkBytes` pieces; returns the records' count and any error. */
function parseBytes(
  bytes: Uint8Array,
  chunkBytes: number,
): { records: number; error: unknown } {
  const parser = new CaptureParser({ anomalies: new AnomalyCounter() });
  let records = 0;
  try {
    for (let i = 0; i < bytes.length; i += chunkBytes) {
      parser.push(bytes.subarray(i, i + chunkBytes), () => records++);
    }
    parser.finish();
    return { records, error: undefined };
  } catch (error) {
    return { records, error };
  }
}

Deno.test("cut and corrupted malformed captures still throw only CaptureFormatError", async () => {
  const random = seededRandom(2024);
  for (const name of await malformedFiles()) {
    const original = await Deno.readFile(new URL(name, MALFORMED));
    const variants: Uint8Array[] = [];
    const step = Math.max(1, Math.floor(original.length / 200));
    for (let cut = 0; cut < original.length; cut += step) {
      variants.push(original.subarray(0, cut));
    }
    for (let round = 0; round < 100; round++) {
      const mutated = original.slice();
      const flips = 1 + Math.floor(random() * 4);
      for (let i = 0; i < flips; i++) {
        // Mostly the headers, where the lengths are.
        const limit = random() < 0.7
          ? Math.min(mutated.length, 64)
          : mutated.length;
        mutated[Math.floor(random() * limit)] = Math.floor(random() * 256);
      }
      variants.push(mutated);
    }
    for (const [i, bytes] of variants.entries()) {
      const whole = parseBytes(bytes, Math.max(1, bytes.length));
      const label = `${name} variant ${i}`;
      if (whole.error !== undefined) {
        assert.ok(
          whole.error instanceof CaptureFormatError,
          `${label}: ${whole.error}`,
        );
      }
      const chunked = parseBytes(bytes, 5);
      assert.equal(chunked.records, whole.records, label);
      assert.equal(String(chunked.error), String(whole.error), label);
    }
  }
});
