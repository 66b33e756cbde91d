import assert from "node:assert/strict";
import { openCaptureSource } from "../capture/read_capture.ts";
import { pcapFileHeader } from "../capture/pcap_writer.ts";
import { tsharkFields } from "../tests/cli_helpers.ts";
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
    emptyHeader ? { emptyHeader } : {},
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
