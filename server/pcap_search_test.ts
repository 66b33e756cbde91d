import assert from "node:assert/strict";
import { openCaptureSource } from "../capture/read_capture.ts";
import { PcapBuilder, pcapFileHeader } from "../capture/pcap_writer.ts";
import { tsharkFields } from "../tests/cli_helpers.ts";
import { udpFrame } from "../capture/frame_builder.ts";
import { V4 } from "../capture/decode/test_helpers.ts";
import { CaptureParser } from "../capture/pcap_reader.ts";
import { TcpdumpError } from "../capture/tcpdump_errors.ts";
import { joinSessionFiles } from "./pcap_store.ts";
import {
  isPcapSearch,
  type PcapSearchQuery,
  searchSessionPcap,
} from "./pcap_search.ts";

const PCAPS = new URL("../../shared/pcaps/", import.meta.url).pathname;
/** 500 packets: DNS, TLS, HTTP, ICMP and IPv6 of one phone on a home LAN. */
const IPHONE =
  `${PCAPS}benign/mixed_iphone_dns_tls_http_icmp_ipv6__iphone.pcap`;
/** Fields that tell frames apart: their time and lengths. */
const FRAME_FIELDS = ["frame.time_epoch", "frame.len", "frame.cap_len"];

/** Searches `source` (a file's bytes or path) and writes the answer to a temporary file; returns its path. */
async function searchToFile(
  source: string | Uint8Array,
  query: PcapSearchQuery,
  emptyHeader?: Uint8Array,
): Promise<string> {
  const input = typeof source === "string"
    ? await openCaptureSource(source)
    : ReadableStream.from([source]);
  const stream = await searchSessionPcap(
    input,
    query,
    emptyHeader ? { sessionHeader: emptyHeader } : {},
  );
  const out = await Deno.makeTempFile({ suffix: ".pcap" });
  await Deno.writeFile(out, stream);
  return out;
}

/** Asserts that `out` holds exactly the frames of IPHONE that tshark's `displayFilter` keeps (and at least `least`). */
async function assertSameFrames(
  out: string,
  displayFilter: string,
  least: number,
): Promise<void> {
  try {
    const expected = await tsharkFields(IPHONE, FRAME_FIELDS, displayFilter);
    assert.ok(
      expected.length >= least,
      `the oracle keeps ${expected.length} frames of "${displayFilter}", fewer than ${least}`,
    );
    assert.deepEqual(await tsharkFields(out, FRAME_FIELDS), expected);
  } finally {
    await Deno.remove(out);
  }
}

Deno.test("pcap search: an endpoint keeps exactly its frames, as tshark's filter does, whole and in order", async () => {
  const out = await searchToFile(IPHONE, { q: "17.248.176.75:443" });
  await assertSameFrames(
    out,
    "(ip.src == 17.248.176.75 && tcp.srcport == 443) || (ip.dst == 17.248.176.75 && tcp.dstport == 443)",
    50,
  );
});

Deno.test("pcap search: TCP flag words keep the frames with those flags", async () => {
  const syn = await searchToFile(IPHONE, { q: "SYN" });
  await assertSameFrames(syn, "tcp.flags.syn == 1 && !icmp && !icmpv6", 20);
  const synAck = await searchToFile(IPHONE, { q: "SYN/ACK" });
  await assertSameFrames(
    synAck,
    "tcp.flags.syn == 1 && tcp.flags.ack == 1 && !icmp && !icmpv6",
    10,
  );
});

Deno.test("pcap search: a BPF filter runs in tcpdump, then the search words", async () => {
  const port = await searchToFile(IPHONE, { filter: "tcp port 443" });
  await assertSameFrames(port, "tcp.port == 443 && !icmp && !icmpv6", 300);
  const both = await searchToFile(IPHONE, {
    filter: "tcp port 443",
    q: "SYN/ACK",
  });
  await assertSameFrames(
    both,
    "tcp.port == 443 && tcp.flags.syn == 1 && tcp.flags.ack == 1 && !icmp && !icmpv6",
    5,
  );
});

Deno.test("pcap search: the protocol chip and a source address filter as the packet table does", async () => {
  const dns = await searchToFile(IPHONE, {
    protocol: "dns",
    src: "192.168.2.1",
  });
  await assertSameFrames(
    dns,
    "dns && ip.src == 192.168.2.1 && !icmp && !icmpv6",
    10,
  );
});

Deno.test("pcap search: nothing matching is a valid empty capture with the input's link type", async () => {
  const out = await searchToFile(IPHONE, { q: "no-such-word-anywhere" });
  try {
    const bytes = await Deno.readFile(out);
    assert.equal(bytes.length, 24);
    const view = new DataView(bytes.buffer);
    assert.equal(view.getUint32(0, true), 0xa1b2c3d4);
    assert.equal(view.getUint32(20, true), 1); // Ethernet, as the input
    assert.deepEqual(await tsharkFields(out, FRAME_FIELDS), []);
  } finally {
    await Deno.remove(out);
  }
  // An input without a record takes the header it is given.
  const header = pcapFileHeader(113, undefined, true); // Linux cooked, ns
  const empty = await searchToFile(pcapFileHeader(113), { q: "x" }, header);
  try {
    assert.deepEqual(await Deno.readFile(empty), header);
  } finally {
    await Deno.remove(empty);
  }
});

Deno.test("pcap search: a record cut at the end (a file caught mid-write) ends the answer with the frames before it", async () => {
  const whole = await Deno.readFile(IPHONE);
  const cut = whole.subarray(0, whole.length - 10);
  const out = await searchToFile(cut, { q: "192.168.2.17" });
  try {
    const expected = await tsharkFields(
      IPHONE,
      FRAME_FIELDS,
      // A host matches whole as a source, destination, or a word of Info
      // (an ARP question's target).
      "ip.addr == 192.168.2.17 || arp.src.proto_ipv4 == 192.168.2.17 || arp.dst.proto_ipv4 == 192.168.2.17",
    );
    // The last frame is the phone's, cut: every other one is there.
    assert.ok(expected.length > 400);
    assert.deepEqual(
      await tsharkFields(out, FRAME_FIELDS),
      expected.slice(0, -1),
    );
  } finally {
    await Deno.remove(out);
  }
});

Deno.test("pcap search: answers are chunked, and a reader that leaves stops the read and tcpdump", async () => {
  // Many copies of the capture: far more matching bytes than one chunk.
  const whole = await Deno.readFile(IPHONE);
  const body = whole.subarray(24);
  const copies = 100;
  const big = new Uint8Array(24 + body.length * copies);
  big.set(whole.subarray(0, 24));
  for (let i = 0; i < copies; i++) big.set(body, 24 + i * body.length);
  let pulled = 0;
  const source = new ReadableStream<Uint8Array>({
    pull(controller) {
      // 64 KiB at a time, as a file is read.
      if (pulled >= big.length) return controller.close();
      controller.enqueue(big.slice(pulled, pulled + 65536));
      pulled += 65536;
    },
  });
  const stream = await searchSessionPcap(source, {
    filter: "tcp",
    q: "17.248.185.87",
  });
  const reader = stream.getReader();
  const first = await reader.read();
  assert.equal(first.done, false);
  assert.ok(first.value!.length > 24);
  // A reader that takes nothing more holds the search back: given time,
  // it reads only what the chunks waiting for the reader need (and what
  // tcpdump's pipes hold).
  await new Promise((resolve) => setTimeout(resolve, 500));
  const pulledWhileHeld = pulled;
  await reader.cancel();
  assert.ok(
    pulledWhileHeld < big.length / 2,
    `read ${pulledWhileHeld} of ${big.length} bytes while the reader waited`,
  );
});

Deno.test("isPcapSearch: any filter makes a search; none is the whole PCAP", () => {
  assert.equal(isPcapSearch({}), false);
  assert.equal(isPcapSearch({ q: "  " }), false);
  assert.equal(isPcapSearch({ q: "SYN" }), true);
  assert.equal(isPcapSearch({ protocol: "dns" }), true);
  assert.equal(isPcapSearch({ src: "10.0.0.1" }), true);
  assert.equal(isPcapSearch({ filter: "tcp" }), true);
});

/** The time of test frame 0, in µs since the epoch. */
const BASE_US = 1_700_000_000_000_000;

/**
 * Writes session files (`netmirror-s1-0000.pcap`, …) of `framesPerFile`
 * UDP frames each to a temporary directory, as SessionPcapWriter does:
 * frame n at µs n past BASE_US, and in a nanosecond session n + 1 ns past
 * that. Returns their paths, oldest first.
 */
async function writeSession(
  files: number,
  framesPerFile: number,
  nanosecond = false,
): Promise<string[]> {
  const dir = await Deno.makeTempDir({ prefix: "netmirror-search-" });
  const paths: string[] = [];
  for (let file = 0; file < files; file++) {
    const builder = new PcapBuilder(1, { nanosecond });
    for (let k = 0; k < framesPerFile; k++) {
      const n = file * framesPerFile + k;
      const frame = udpFrame(
        V4,
        { srcPort: 1000, dstPort: 2000 + n },
        new Uint8Array(100).fill(n),
      );
      builder.add(BASE_US + n, frame, frame.length, nanosecond ? n + 1 : -1);
    }
    const path = `${dir}/netmirror-s1-${String(file).padStart(4, "0")}.pcap`;
    await Deno.writeFile(path, builder.toBytes());
    paths.push(path);
  }
  return paths;
}

/** The frames of a pcap stream: their numbers (µs past BASE_US) and ns past the µs (-1 for a µs file), and its magic. */
async function framesOf(
  stream: ReadableStream<Uint8Array>,
): Promise<{ magic: number; frames: [number, number][] }> {
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  const frames: [number, number][] = [];
  const parser = new CaptureParser();
  parser.push(
    bytes,
    (r) => frames.push([r.timestampUs - BASE_US, r.subMicrosecondNs]),
  );
  parser.finish();
  return { magic: new DataView(bytes.buffer).getUint32(0, true), frames };
}

/** Frame numbers `from` to `to`, each with `ns` (or its number + 1 when "n+1"). */
function numbered(
  from: number,
  to: number,
  ns: number | "n+1" = -1,
): [number, number][] {
  const frames: [number, number][] = [];
  for (let n = from; n <= to; n++) frames.push([n, ns === "n+1" ? n + 1 : ns]);
  return frames;
}

Deno.test("pcap search: a session file rotated away before it is read is skipped, and the later files' frames still come, with a BPF filter or without", async () => {
  const paths = await writeSession(3, 5);
  const dir = paths[0]!.slice(0, paths[0]!.lastIndexOf("/"));
  try {
    await Deno.remove(paths[1]!); // the store's size limit took it
    for (const query of [{ filter: "udp" }, { q: "10.0.0.1" }]) {
      const skipped: number[] = [];
      const stream = await searchSessionPcap(
        joinSessionFiles(paths, { onSkipped: (files) => skipped.push(files) }),
        query,
      );
      const { frames } = await framesOf(stream);
      assert.deepEqual(
        frames,
        [...numbered(0, 4), ...numbered(10, 14)],
        JSON.stringify(query),
      );
      assert.deepEqual(skipped, [1], JSON.stringify(query));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("pcap search: an input that fails mid-read fails the answer, with a BPF filter or without, rather than end as if whole", async () => {
  const paths = await writeSession(1, 20);
  const dir = paths[0]!.slice(0, paths[0]!.lastIndexOf("/"));
  const bytes = await Deno.readFile(paths[0]!);
  await Deno.remove(dir, { recursive: true });
  for (const query of [{ filter: "udp" }, { q: "10.0.0.1" }]) {
    let sent = false;
    const source = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent) {
          controller.error(new Deno.errors.Interrupted("the disk failed"));
          return;
        }
        // Ten whole frames, then the failure.
        const frameBytes = new DataView(bytes.buffer).getUint32(32, true);
        controller.enqueue(bytes.slice(0, 24 + 10 * (16 + frameBytes)));
        sent = true;
      },
    });
    const stream = await searchSessionPcap(source, query);
    await assert.rejects(
      () => new Response(stream).arrayBuffer(),
      /the disk failed/,
      JSON.stringify(query),
    );
  }
});

Deno.test("pcap search: a BPF filter the session's link type cannot take fails the answer with tcpdump's reason, not as an empty capture", async () => {
  const raw =
    `${PCAPS}formats/rawipv4_DLT228_tcp_icmp__timeout-with-pings.pcap`;
  for (const filter of ["vlan", "ether src 00:11:22:33:44:55"]) {
    const stream = await searchSessionPcap(await openCaptureSource(raw), {
      filter,
    });
    await assert.rejects(
      () => new Response(stream).arrayBuffer(),
      (error: unknown) =>
        error instanceof TcpdumpError && error.code === "bad_filter" &&
        /Raw IPv4|ethernet addresses/i.test(error.message),
      filter,
    );
  }
});

Deno.test("pcap search: a BPF filter keeps a nanosecond session's nanoseconds", async () => {
  const paths = await writeSession(2, 5, true);
  const dir = paths[0]!.slice(0, paths[0]!.lastIndexOf("/"));
  try {
    const header = await Deno.readFile(paths[0]!);
    const stream = await searchSessionPcap(joinSessionFiles(paths), {
      filter: "udp",
    }, { sessionHeader: header.subarray(0, 24) });
    const { magic, frames } = await framesOf(stream);
    assert.equal(magic, 0xa1b23c4d);
    assert.deepEqual(frames, numbered(0, 9, "n+1"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
