// filterThroughTcpdump() with real tcpdump on the captures in ../shared/pcaps.

import assert from "node:assert/strict";
import {
  type FilteredStream,
  filterThroughTcpdump,
  hasSubMicrosecondClock,
} from "./filter_stream.ts";
import { CaptureFormatError } from "./pcap_reader.ts";
import { openCaptureSource, readCapture } from "./read_capture.ts";
import { TcpdumpError } from "./tcpdump_errors.ts";
import { tcpdumpCount } from "../tests/cli_helpers.ts";

const PCAPS = new URL("../../shared/pcaps/", import.meta.url).pathname;
const TRUNCATED =
  `${PCAPS}malformed/truncated_file_cut_mid_record__http-fault-post.pcap`;
const MIXED_LINK_TYPES =
  `${PCAPS}formats/pcapng_multisection_mixed_linktypes_LE__test202.pcapng`;
const RAW_IP = `${PCAPS}formats/rawip_DLT101_tcp_session__tcp-opt.pcap`;
const IPHONE =
  `${PCAPS}benign/mixed_iphone_dns_tls_http_icmp_ipv6__iphone.pcap`;

/** A stream of `bytes` that stays open until cancelled, as a live pipe does. */
function neverEndingStream(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes);
    },
    pull() {
      return new Promise(() => {}); // no more bytes, and no end
    },
  });
}

/** Rejects with "timed out: <what>" after `ms` unless `work` settles first. */
async function within<T>(ms: number, what: string, work: Promise<T>) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

Deno.test("filterThroughTcpdump() hands on the packets before damage, then rejects with tcpdump's reason as a CaptureFormatError", async () => {
  const expected = await tcpdumpCount(TRUNCATED, ["tcp"]);
  assert.ok(expected > 0);
  const filtered = await filterThroughTcpdump(
    await openCaptureSource(TRUNCATED),
    "tcp",
  );
  let records = 0;
  await readCapture(filtered.stream, () => records++);
  assert.equal(records, expected);
  await assert.rejects(filtered.done, (error: unknown) => {
    assert.ok(error instanceof CaptureFormatError, String(error));
    assert.match(
      error.message,
      /^Cannot parse capture: truncated dump file; tried to read 16 header bytes, only got 2 \(tcpdump/,
    );
    return true;
  });
});

Deno.test("filterThroughTcpdump() reports a pcapng of mixed link types as such, not as a bad filter", async () => {
  const filtered = await filterThroughTcpdump(
    await openCaptureSource(MIXED_LINK_TYPES),
    "udp",
  );
  await readCapture(filtered.stream, () => {});
  await assert.rejects(filtered.done, (error: unknown) => {
    assert.ok(error instanceof CaptureFormatError, String(error));
    assert.match(
      error.message,
      /an interface has a type 0 different from the type of the first interface/,
    );
    return true;
  });
});

Deno.test("filterThroughTcpdump() rejects a filter the capture's link type cannot take as a bad filter", async () => {
  const filtered = await filterThroughTcpdump(
    await openCaptureSource(RAW_IP),
    "arp",
  );
  await readCapture(filtered.stream, () => {}).catch(() => {});
  await assert.rejects(filtered.done, (error: unknown) => {
    assert.ok(error instanceof TcpdumpError, String(error));
    assert.equal(error.code, "bad_filter");
    assert.equal(
      error.message,
      'Bad BPF filter "arp" for link type RAW (Raw IP): expression rejects all packets',
    );
    return true;
  });
});

Deno.test("filterThroughTcpdump() passes each packet of a pipe on at once, not when tcpdump's buffer fills", async () => {
  const expected = await tcpdumpCount(IPHONE, ["tcp"]);
  const filtered = await filterThroughTcpdump(
    neverEndingStream(await Deno.readFile(IPHONE)),
    "tcp",
  );
  let records = 0;
  const allArrived = Promise.withResolvers<void>();
  const reading = readCapture(filtered.stream, () => {
    if (++records === expected) allArrived.resolve();
  }).catch(() => {}); // ends when tcpdump is stopped
  try {
    await within(10_000, "every packet", allArrived.promise).catch(() => {
      assert.fail(`${records} of ${expected} packets came through in 10 s`);
    });
  } finally {
    filtered.stop();
    await filtered.done.catch(() => {});
    await reading;
  }
});

Deno.test("filterThroughTcpdump() settles when tcpdump fails on a pipe that never ends", async () => {
  const filtered = await filterThroughTcpdump(
    neverEndingStream(await Deno.readFile(MIXED_LINK_TYPES)),
    "udp",
  );
  const reading = readCapture(filtered.stream, () => {});
  try {
    await within(10_000, "the filter's end", filtered.done).then(
      () => assert.fail("tcpdump should have failed"),
      (error: unknown) => {
        assert.ok(error instanceof CaptureFormatError, String(error));
      },
    );
  } finally {
    filtered.stop();
    await reading.catch(() => {});
  }
});

Deno.test("hasSubMicrosecondClock() tells a nanosecond pcap, and a pcapng whose first interface counts finer than 1 µs, from their first bytes", async () => {
  const head = async (file: string) =>
    (await Deno.readFile(`${PCAPS}${file}`)).subarray(0, 4096);
  for (
    const [file, expected] of [
      ["formats/nsec_pcap_sll_tcp_handshake__tcp-handshake-nano.pcap", true],
      ["formats/nsec_pcap_ethernet__get-to-ssh-server.pcap", true],
      // if_tsresol 9 on interface 0.
      [
        "formats/pcapng_2ifaces_mixed_tsresol__pcapng-multi-interface.pcapng",
        true,
      ],
      // if_tsresol 0x88: 2^-8 s.
      ["formats/pcapng_tsresol_power_of_2__test902.pcapng", true],
      ["formats/bigendian_pcap_pptp__pptp.pcap", false],
      // Interface 0 in ns, 1 and 2 in µs (merged by mergecap).
      ["formats/pcapng_3ifaces_dns__dns-google-nsid.pcapng", true],
      [
        "formats/pcapng_multisection_mixed_linktypes_BIGENDIAN__test202.pcapng",
        false,
      ],
    ] as const
  ) {
    assert.equal(hasSubMicrosecondClock(await head(file)), expected, file);
  }
  // Too short to tell, or no capture at all: microseconds.
  const nano = await head(
    "formats/pcapng_2ifaces_mixed_tsresol__pcapng-multi-interface.pcapng",
  );
  for (let cut = 0; cut < 64; cut++) {
    assert.equal(
      hasSubMicrosecondClock(nano.subarray(0, cut)),
      false,
      `${cut}`,
    );
  }
  assert.equal(hasSubMicrosecondClock(new Uint8Array(4096).fill(0x0a)), false);
});

Deno.test("filterThroughTcpdump() keeps a nanosecond file's nanoseconds, and a pipe's times in microseconds", async () => {
  const file =
    `${PCAPS}formats/nsec_pcap_sll_tcp_handshake__tcp-handshake-nano.pcap`;
  const timesOf = async (filtered: FilteredStream) => {
    const times: string[] = [];
    await readCapture(
      filtered.stream,
      (r) => times.push(`${r.timestampUs}.${r.subMicrosecondNs}`),
    );
    await filtered.done;
    return times;
  };
  assert.deepEqual(
    await timesOf(
      await filterThroughTcpdump(await openCaptureSource(file), "tcp"),
    ),
    [
      "1418145369924505.488",
      "1418145370052027.262",
      "1418145370052115.157",
    ],
  );
  const bytes = await Deno.readFile(file);
  const pipe = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
  assert.deepEqual(
    await timesOf(await filterThroughTcpdump(pipe, "tcp")),
    ["1418145369924505.-1", "1418145370052027.-1", "1418145370052115.-1"],
  );
});
