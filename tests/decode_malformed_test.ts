/**
 * Robustness of the decoders on ../shared/pcaps/malformed: every record the
 * reader delivers decodes without throwing, and the damage each file was made
 * to show becomes the named decode anomalies below (each checked against
 * tshark's expert info), and headers only the snap length cut become cuts,
 * not anomalies. The record layer itself is tested in malformed_test.ts.
 * Prints file → records → decode anomalies and cuts.
 */

import assert from "node:assert/strict";
import { AnomalyCounter } from "../capture/anomalies.ts";
import { decodePacket } from "../capture/decode/mod.ts";
import { openCaptureSource, readCapture } from "../capture/read_capture.ts";

const MALFORMED = new URL("../../shared/pcaps/malformed/", import.meta.url);

/** Milliseconds one file may take before the read is aborted as hung. */
const HANG_LIMIT_MS = 10_000;

/**
 * Decode anomalies expected per file (absent files: only "never throws"),
 * besides the cuts of {@linkcode EXPECTED_CUTS}. Comments give tshark 4.0's
 * view of the same packet.
 */
const EXPECTED_ANOMALIES: Record<string, Record<string, number>> = {
  // Hardware address length 14, not 6 (tshark reads 14-byte addresses).
  "arp_too_long_hw_addr__arp-too-long-tha.pcap": {
    arp_unsupported_addresses: 1,
  },
  // "Unknown operation (15) … <Name too long>[Malformed Packet]".
  "dns_bad_label__dns-badlabel.pcap": { dns_name_too_long: 1 },
  // Two pings, 40 of 98 bytes captured: cut inside the ICMP header (no damage).
  "icmp_header_truncated__icmp-header-trunc.pcap": {},
  // "Bogus IP length (20, less than header length 60)".
  "ipv4_broken_header__ipv4-truncated-broken-header.pcap": {
    ipv4_bad_total_length: 1,
  },
  // 20 of 46 bytes captured: a cut, no damage.
  "ipv4_header_truncated__ip4-trunc.pcap": {},
  // "Bogus IP header length (16, must be at least 20)".
  "ipv4_invalid_header_length__ipv4_invalid_hdr_length.pcap": {
    ipv4_bad_header_length: 1,
  },
  // "IPv4 total length exceeds packet length (1516 bytes)".
  "ipv4_total_length_exceeds_capture__truncated.pcap": {
    ipv4_total_length_exceeds_frame: 1,
  },
  // 60 bytes of a 262144-byte frame: a cut, no damage in what is there.
  "ipv6_fragment_fuzz__ip6_frag_asan.pcap": {},
  // "Invalid IPv6 header (39 bytes, need exactly 40)".
  "ipv6_invalid_payload_length__ipv6_invalid_length.pcap": {
    ipv6_header_truncated: 1,
  },
  // Captured length 8 of a 78-byte frame: a cut.
  "snaplen_1_truncated_record__trunc-hdr.pcap": {},
  // 46 and 38 bytes of 262144-byte frames: cuts.
  "tcp_header_overflow__tcp_header_heapoverflow.pcap": {},
  "udp_length_overflow__udp-length-heapoverflow.pcap": {},
  "invalid_nanosecond_timestamps__timestamp_invalid_nano.pcap": {},
  "truncated_file_cut_mid_record__http-fault-post.pcap": {},
};

/**
 * Headers cut by the snap length per file (the capture kept fewer bytes than
 * the wire carried): counted apart from anomalies. Files absent here have
 * none.
 */
const EXPECTED_CUTS: Record<string, Record<string, number>> = {
  "icmp_header_truncated__icmp-header-trunc.pcap": {
    icmp_header_truncated: 2,
    ipv4_truncated: 2,
  },
  "ipv4_header_truncated__ip4-trunc.pcap": { ipv4_header_truncated: 1 },
  "ipv6_fragment_fuzz__ip6_frag_asan.pcap": {
    ipv6_truncated: 1,
    ipv6_extension_header_truncated: 1,
  },
  "snaplen_1_truncated_record__trunc-hdr.pcap": { ethernet_truncated: 1 },
  "tcp_header_overflow__tcp_header_heapoverflow.pcap": {
    ipv4_truncated: 1,
    tcp_header_truncated: 1,
  },
  "udp_length_overflow__udp-length-heapoverflow.pcap": {
    ipv4_truncated: 1,
    udp_header_truncated: 1,
  },
};

interface Outcome {
  records: number;
  anomalies: Record<string, number>;
  cuts: Record<string, number>;
  /** Errors thrown by decodePacket (must stay empty). */
  decodeErrors: string[];
}

async function decodeFile(name: string): Promise<Outcome> {
  const anomalies = new AnomalyCounter();
  const decodeErrors: string[] = [];
  let records = 0;
  const timeout = new AbortController();
  const timer = setTimeout(
    () => timeout.abort(new Error(`${name}: read hung`)),
    HANG_LIMIT_MS,
  );
  try {
    await readCapture(
      await openCaptureSource(new URL(name, MALFORMED).pathname),
      (raw) => {
        records++;
        try {
          decodePacket(raw, anomalies);
        } catch (error) {
          decodeErrors.push(`record ${records}: ${error}`);
        }
      },
      { signal: timeout.signal },
    );
  } catch {
    // Record-layer errors (CaptureFormatError) are malformed_test.ts's concern.
  } finally {
    clearTimeout(timer);
  }
  return {
    records,
    anomalies: anomalies.toJSON(),
    cuts: anomalies.cutsJSON(),
    decodeErrors,
  };
}

Deno.test("decodePacket() never throws on malformed captures and names their damage", async () => {
  const names: string[] = [];
  for await (const entry of Deno.readDir(MALFORMED)) {
    if (entry.isFile) names.push(entry.name);
  }
  names.sort();
  assert.ok(names.length > 0, "no files in ../shared/pcaps/malformed");
  const rows: string[] = [];
  const failures: string[] = [];
  for (const name of names) {
    const outcome = await decodeFile(name);
    const anomalyText = [
      ...Object.entries(outcome.anomalies),
      ...Object.entries(outcome.cuts).map((
        [key, count],
      ) => [`cut:${key}`, count]),
    ].map(([key, count]) => `${key}=${count}`).join(" ");
    rows.push(
      `${name.padEnd(76)} ${String(outcome.records).padStart(3)}  ${
        anomalyText || "-"
      }`,
    );
    failures.push(...outcome.decodeErrors.map((error) => `${name}: ${error}`));
    const expected = {
      cuts: EXPECTED_CUTS[name] ?? {},
      anomalies: EXPECTED_ANOMALIES[name] ?? outcome.anomalies,
    };
    try {
      assert.deepEqual(
        { cuts: outcome.cuts, anomalies: outcome.anomalies },
        expected,
      );
    } catch {
      failures.push(
        `${name}: cuts ${JSON.stringify(outcome.cuts)}, anomalies ${
          JSON.stringify(outcome.anomalies)
        }, expected ${JSON.stringify(expected)}`,
      );
    }
  }
  console.log(`file → records → decode anomalies and cuts\n${rows.join("\n")}`);
  assert.deepEqual(failures, []);
});
