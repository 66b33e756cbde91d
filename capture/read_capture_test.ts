import assert from "node:assert/strict";
import { AnomalyCounter } from "./anomalies.ts";
import { CaptureFormatError } from "./pcap_reader.ts";
import type { PcapRecord } from "./pcap_record.ts";
import {
  isRegularFileSource,
  openCaptureSource,
  readCapture,
  sniffCaptureFormat,
} from "./read_capture.ts";

const PCAPS = new URL("../../shared/pcaps/", import.meta.url);

/** A little-endian µs pcap of `count` records of `frameBytes` bytes each. */
function pcapBytes(count: number, frameBytes = 60): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(24 + count * (16 + frameBytes));
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 0xa1b2c3d4, true);
  view.setUint16(4, 2, true);
  view.setUint16(6, 4, true);
  view.setUint32(16, 65535, true);
  view.setUint32(20, 1, true);
  let offset = 24;
  for (let i = 0; i < count; i++) {
    view.setUint32(offset, 1_700_000_000 + i, true);
    view.setUint32(offset + 4, i % 1_000_000, true);
    view.setUint32(offset + 8, frameBytes, true);
    view.setUint32(offset + 12, frameBytes, true);
    bytes.fill(i & 0xff, offset + 16, offset + 16 + frameBytes);
    offset += 16 + frameBytes;
  }
  return bytes;
}

/** A default (non-byte) stream of the given chunks. */
function chunkStream(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return ReadableStream.from(chunks);
}

/** A byte stream (BYOB-capable) that serves `bytes` in reads of at most `readBytes`. */
function byteStream(
  bytes: Uint8Array,
  readBytes = 1000,
): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    type: "bytes",
    pull(controller) {
      const request = controller.byobRequest;
      if (offset >= bytes.length) {
        controller.close();
        request?.respond(0);
        return;
      }
      if (request?.view) {
        const target = new Uint8Array(
          request.view.buffer,
          request.view.byteOffset,
          request.view.byteLength,
        );
        const n = Math.min(target.length, readBytes, bytes.length - offset);
        target.set(bytes.subarray(offset, offset + n));
        offset += n;
        request.respond(n);
      } else {
        const n = Math.min(readBytes, bytes.length - offset);
        controller.enqueue(bytes.slice(offset, offset + n));
        offset += n;
      }
    },
  });
}

async function gzipped(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function split(bytes: Uint8Array, pieceBytes: number): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += pieceBytes) {
    pieces.push(bytes.subarray(i, i + pieceBytes));
  }
  return pieces;
}

function timestamps(): { list: number[]; onRecord: (r: PcapRecord) => void } {
  const list: number[] = [];
  return { list, onRecord: (record) => list.push(record.timestampUs) };
}

Deno.test("readCapture() reads a default stream and reports what it read", async () => {
  const bytes = pcapBytes(100);
  const seen = timestamps();
  const result = await readCapture(
    chunkStream(split(bytes, 333)),
    seen.onRecord,
  );
  assert.deepEqual(result, {
    format: "pcap",
    linkTypes: [1],
    records: 100,
    bytesRead: bytes.length,
    gzip: false,
  });
  assert.equal(seen.list.length, 100);
  assert.equal(seen.list[99], 1_700_000_099_000_099);
});

Deno.test("readCapture() reads a byte stream through a BYOB reader", async () => {
  const bytes = pcapBytes(500, 200);
  const frames: number[] = [];
  const result = await readCapture(byteStream(bytes, 777), (record) => {
    frames.push(record.bytes[record.offset + 199]!);
  });
  assert.equal(result.records, 500);
  assert.deepEqual(frames, Array.from({ length: 500 }, (_, i) => i & 0xff));
});

Deno.test("readCapture() awaits the gate before each read; a rejecting gate ends the read with its error", async () => {
  const bytes = pcapBytes(500, 200); // 108 024 bytes
  let gates = 0;
  let records = 0;
  let recordsAtGate = -1;
  const result = await readCapture(byteStream(bytes, 10_000), () => {
    records++;
  }, {
    gate: async () => {
      gates++;
      recordsAtGate = records;
      await new Promise((resolve) => setTimeout(resolve, 1));
      // Nothing is read while the gate is shut.
      assert.equal(records, recordsAtGate);
    },
  });
  assert.equal(result.records, 500);
  // One gate per 10 000-byte read, plus the read that finds the end.
  assert.equal(gates, Math.ceil(bytes.length / 10_000) + 1);

  const delivered: number[] = [];
  let calls = 0;
  await assert.rejects(
    readCapture(byteStream(bytes, 10_000), () => {
      delivered.push(1);
    }, {
      gate: () =>
        ++calls === 3
          ? Promise.reject(new Error("disk full"))
          : Promise.resolve(),
    }),
    /disk full/,
  );
  assert.ok(delivered.length > 0 && delivered.length < 500);
});

Deno.test("readCapture() decompresses gzip, whatever the first chunk holds", async () => {
  const bytes = pcapBytes(2000);
  const compressed = await gzipped(bytes);
  const expected = timestamps();
  await readCapture(chunkStream([bytes]), expected.onRecord);
  for (
    const pieces of [[compressed], split(compressed, 1), split(compressed, 7)]
  ) {
    const seen = timestamps();
    const result = await readCapture(chunkStream(pieces), seen.onRecord);
    assert.deepEqual(result, {
      format: "pcap",
      linkTypes: [1],
      records: 2000,
      bytesRead: compressed.length,
      gzip: true,
    });
    assert.deepEqual(seen.list, expected.list);
  }
  const viaBytes = await readCapture(byteStream(compressed, 100), () => {});
  assert.equal(viaBytes.records, 2000);
});

/** The gzip of a pcap header and then `mebibytes` MiB of zeros (records of no bytes, 16 zero bytes each): a gzip bomb, 1 000 to 1. */
async function gzipBomb(mebibytes: number): Promise<Uint8Array> {
  let sent = -1;
  const zeros = new ReadableStream<BufferSource>({
    pull(controller) {
      if (sent === -1) controller.enqueue(pcapBytes(0));
      else if (sent < mebibytes) controller.enqueue(new Uint8Array(1 << 20));
      else controller.close();
      sent++;
    },
  });
  return new Uint8Array(
    await new Response(zeros.pipeThrough(new CompressionStream("gzip")))
      .arrayBuffer(),
  );
}

Deno.test("readCapture() of a gzip bomb waits at the gate between inflated chunks, lets timers run, and stops on abort", async () => {
  const bomb = await gzipBomb(64); // 4 194 304 empty records from 64 KiB
  // The gate holds back inflated data too, not only the compressed reads.
  let gates = 0;
  let records = 0;
  const result = await readCapture(ReadableStream.from([bomb]), () => {
    records++;
  }, {
    gate: () => {
      gates++;
      return Promise.resolve();
    },
  });
  assert.equal(result.records, 64 * 65_536);
  // At most about 16 MiB inflated between two (2 gates in all before: the
  // compressed 64 KiB took one read).
  assert.ok(gates >= 4, `${gates} gates for 64 MiB inflated`);
  // Timers (and a server's requests) run while it inflates: an abort that a
  // timer sends stops it long before the end.
  const stop = new AbortController();
  let ticks = 0;
  const ticker = setInterval(() => {
    if (++ticks === 2) stop.abort(new Error("stopped"));
  }, 1);
  records = 0;
  try {
    await assert.rejects(
      readCapture(ReadableStream.from([bomb]), () => records++, {
        signal: stop.signal,
      }),
      /stopped/,
    );
  } finally {
    clearInterval(ticker);
  }
  assert.ok(records < 64 * 65_536, `${records} records before the stop`);
});

Deno.test("readCapture() with an abort signal keeps no inflated data it has read (memory stays below the inflated size)", async () => {
  // Each race against the signal once kept its chunk until the read ended:
  // 811 MB more for these 384 MiB, against 141 MB now.
  const bomb = await gzipBomb(384);
  const before = Deno.memoryUsage().rss;
  let most = before;
  let records = 0;
  await readCapture(ReadableStream.from([bomb]), () => {
    if (++records % 1_000_000 === 0) {
      most = Math.max(most, Deno.memoryUsage().rss);
    }
  }, { signal: new AbortController().signal });
  assert.equal(records, 384 * 65_536);
  const grewMiB = (most - before) / (1 << 20);
  assert.ok(grewMiB < 384, `RSS grew by ${Math.round(grewMiB)} MiB`);
});

Deno.test("readCapture() turns corrupt or truncated gzip into CaptureFormatError after the good records", async () => {
  const compressed = await gzipped(pcapBytes(5000));
  let count = 0;
  await assert.rejects(
    readCapture(
      chunkStream([compressed.subarray(0, compressed.length - 100)]),
      () => count++,
    ),
    (error: unknown) =>
      error instanceof CaptureFormatError &&
      /^Cannot parse capture: gzip data is corrupt or truncated/.test(
        error.message,
      ),
  );
  assert.ok(count > 0 && count < 5000, `${count} records before the damage`);

  const garbage = new Uint8Array([0x1f, 0x8b, 0xff, 0xff, 1, 2, 3, 4, 5, 6]);
  await assert.rejects(
    readCapture(chunkStream([garbage]), () => {}),
    CaptureFormatError,
  );
});

Deno.test("readCapture() rejects empty and truncated input, after the good records", async () => {
  await assert.rejects(
    readCapture(chunkStream([]), () => {}),
    {
      name: "CaptureFormatError",
      message: "Cannot parse capture: input is empty",
    },
  );
  const bytes = pcapBytes(10);
  let count = 0;
  await assert.rejects(
    readCapture(
      chunkStream(split(bytes.subarray(0, bytes.length - 5), 64)),
      () => count++,
    ),
    {
      name: "CaptureFormatError",
      message:
        "Cannot parse capture: file ends inside a record (55 of 60 captured bytes)",
    },
  );
  assert.equal(count, 9);
});

Deno.test("readCapture() counts anomalies in the given counter", async () => {
  const bytes = pcapBytes(3);
  new DataView(bytes.buffer).setUint32(24 + 4, 2_000_000, true); // µs fraction
  const anomalies = new AnomalyCounter();
  await readCapture(chunkStream([bytes]), () => {}, { anomalies });
  assert.deepEqual(anomalies.toJSON(), { timestamp_fraction_out_of_range: 1 });
});

Deno.test("readCapture() reports progress about every MiB and at the end", async () => {
  const bytes = pcapBytes(50_000); // 3.8 MB
  const progress: number[] = [];
  await readCapture(chunkStream(split(bytes, 64 * 1024)), () => {}, {
    onProgress: (bytesRead) => progress.push(bytesRead),
  });
  assert.equal(progress.length, 4);
  assert.deepEqual(progress.slice(0, 3).map((b) => Math.floor(b / 2 ** 20)), [
    1,
    2,
    3,
  ]);
  assert.equal(progress.at(-1), bytes.length);
});

/** `count` records of `frameBytes` bytes that hardly compress (an LCG's bytes), as a pcap. */
function noisyPcapBytes(
  count: number,
  frameBytes = 200,
): Uint8Array<ArrayBuffer> {
  const bytes = pcapBytes(count, frameBytes);
  let seed = 12345;
  for (let i = 0; i < count; i++) {
    const start = 24 + i * (16 + frameBytes) + 16;
    for (let j = start; j < start + frameBytes; j++) {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
      bytes[j] = seed >>> 24;
    }
  }
  return bytes;
}

Deno.test("readCapture() of gzip reports progress as it inflates: the compressed bytes consumed, moving with the records", async () => {
  // Hardly compressible: read in 1 MiB reads, as a file is, the source runs
  // ahead of inflating; the progress must not (it once said 1 MiB read of a
  // 1.4 MiB file for the whole time the first MiB inflated).
  const noisy = noisyPcapBytes(20_000); // 4.3 MB, about as much compressed
  const compressed = await gzipped(noisy);
  const calls: [number, number][] = [];
  let records = 0;
  await readCapture(byteStream(compressed, 1 << 20), () => records++, {
    onProgress: (bytesRead) => calls.push([bytesRead, records]),
  });
  const middle = calls.slice(0, -1);
  assert.ok(middle.length >= 3, `${middle.length} reports before the end`);
  for (const [bytesRead, seen] of middle) {
    const readShare = bytesRead / compressed.length;
    const recordShare = seen / 20_000;
    assert.ok(
      Math.abs(readShare - recordShare) < 0.05,
      `${bytesRead} bytes read with ${seen} records`,
    );
  }
  assert.deepEqual(calls.at(-1), [compressed.length, 20_000]);

  // Highly compressible: 3.8 MB from about 100 KB still reports each MiB
  // inflated, with records rising.
  const plain = pcapBytes(50_000);
  const small = await gzipped(plain);
  const counts: number[] = [];
  const sizes: number[] = [];
  records = 0;
  await readCapture(byteStream(small, 1 << 20), () => records++, {
    onProgress: (bytesRead) => {
      counts.push(records);
      sizes.push(bytesRead);
    },
  });
  assert.ok(counts.length >= 4, `${counts.length} reports`);
  for (let i = 1; i < counts.length; i++) {
    assert.ok(counts[i]! > counts[i - 1]!, `records ${counts}`);
    assert.ok(sizes[i]! >= sizes[i - 1]!, `bytes ${sizes}`);
  }
  assert.equal(sizes.at(-1), small.length);
});

Deno.test("readCapture() cancels the source when it stops early", async () => {
  let cancelled = false;
  const bytes = pcapBytes(10);
  bytes[24 + 8 + 3] = 0x7f; // caplen of the first record: about 2 GB
  const source = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes);
    },
    cancel() {
      cancelled = true;
    },
  });
  await assert.rejects(readCapture(source, () => {}), CaptureFormatError);
  assert.ok(cancelled);
});

Deno.test("readCapture() passes a source error through unchanged", async () => {
  const failure = new Deno.errors.ConnectionReset("pipe broke");
  for (const compress of [false, true]) {
    const head = compress ? await gzipped(pcapBytes(100)) : pcapBytes(100);
    let sent = false;
    const source = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (!sent) {
          sent = true;
          controller.enqueue(head.subarray(0, 1000));
        } else {
          controller.error(failure);
        }
      },
    });
    await assert.rejects(readCapture(source, () => {}), (error) => {
      assert.equal(error, failure, `gzip=${compress}`);
      return true;
    });
  }
});

Deno.test("readCapture() stops on abort, even while the source stalls", async () => {
  const aborted = new AbortController();
  aborted.abort();
  await assert.rejects(
    readCapture(chunkStream([pcapBytes(1)]), () => {}, {
      signal: aborted.signal,
    }),
    { name: "AbortError" },
  );

  const controller = new AbortController();
  let cancelled = false;
  let pulls = 0;
  const stalled = new ReadableStream<Uint8Array>({
    pull(streamController) {
      pulls++;
      if (pulls === 1) streamController.enqueue(pcapBytes(5));
      return new Promise(() => {}); // never answers again
    },
    cancel() {
      cancelled = true;
    },
  });
  let count = 0;
  const reading = readCapture(stalled, () => {
    if (++count === 5) queueMicrotask(() => controller.abort());
  }, { signal: controller.signal });
  await assert.rejects(reading, { name: "AbortError" });
  assert.equal(count, 5);
  assert.equal(
    cancelled,
    false,
    "a pending read keeps the lock; no cancel yet",
  );
});

Deno.test("openCaptureSource() opens a file as a stream readCapture reads", async () => {
  const path = new URL("formats/bigendian_pcap_pptp__pptp.pcap", PCAPS);
  const result = await readCapture(
    await openCaptureSource(path.pathname),
    () => {},
  );
  assert.equal(result.records, 23);
  assert.equal(result.bytesRead, 2464);
});

Deno.test("openCaptureSource() names a missing path and refuses a folder", async () => {
  await assert.rejects(
    openCaptureSource("/nonexistent/capture.pcap"),
    (error: unknown) => {
      assert.ok(error instanceof Deno.errors.NotFound);
      assert.equal(
        error.message,
        'Cannot open capture: no such file "/nonexistent/capture.pcap"',
      );
      return true;
    },
  );
  // A name whose bytes were not UTF-8 arrives with U+FFFD in their place.
  await assert.rejects(
    openCaptureSource("/tmp/bad\ufffd\ufffdname.pcap"),
    /is not a valid UTF-8 name, which NetMirror cannot open by name; give it on stdin/,
  );
  await assert.rejects(
    openCaptureSource(PCAPS.pathname),
    Deno.errors.IsADirectory,
  );
});

Deno.test("readCapture() closes the file after an error", async () => {
  // The resource sanitizer fails this test if the file stays open.
  const path = new URL(
    "malformed/bad_header_pcap_version2.5__pcap-invalid-version-2.pcap",
    PCAPS,
  );
  await assert.rejects(
    readCapture(await openCaptureSource(path.pathname), () => {}),
    /unsupported pcap version 2\.5/,
  );
});

Deno.test("isRegularFileSource() tells a file from a FIFO and from other streams", async () => {
  const file = new URL("formats/bigendian_pcap_pptp__pptp.pcap", PCAPS);
  const fromFile = await openCaptureSource(file.pathname);
  assert.equal(isRegularFileSource(fromFile), true);
  await fromFile.cancel();
  assert.equal(isRegularFileSource(chunkStream([pcapBytes(1)])), false);

  const dir = await Deno.makeTempDir();
  try {
    const fifo = `${dir}/capture.fifo`;
    const made = await new Deno.Command("mkfifo", { args: [fifo] }).output();
    assert.ok(made.success);
    // Opening either end of a FIFO waits for the other.
    const [fromFifo, writer] = await Promise.all([
      openCaptureSource(fifo),
      Deno.open(fifo, { write: true }),
    ]);
    assert.equal(isRegularFileSource(fromFifo), false);
    await writer.write(pcapBytes(3));
    writer.close();
    assert.equal((await readCapture(fromFifo, () => {})).records, 3);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sniffCaptureFormat() reads a file's format from its first bytes, through gzip", async () => {
  const cases: [
    string,
    { format: string | undefined; gzip: boolean; headError: string },
  ][] = [
    ["formats/bigendian_pcap_pptp__pptp.pcap", {
      format: "pcap",
      gzip: false,
      headError: "",
    }],
    [
      "formats/nsec_pcap_ethernet__get-to-ssh-server.pcap",
      { format: "pcap", gzip: false, headError: "" },
    ],
    [
      "formats/pcapng_3ifaces_dns__dns-google-nsid.pcapng",
      { format: "pcapng", gzip: false, headError: "" },
    ],
    [
      "formats/gzip_compressed_pcapng__portmapper-many-unanswered-calls.pcapng.gz",
      { format: "pcapng", gzip: true, headError: "" },
    ],
    // Its first section is good; readCapture fails at the second.
    [
      "malformed/bad_header_pcapng_shb_version2.0_after_valid__test901.pcapng",
      { format: "pcapng", gzip: false, headError: "" },
    ],
    ["MANIFEST.md", { format: undefined, gzip: false, headError: "" }],
    ["malformed/empty_header_only_0_packets__empty.pcap", {
      format: "pcap",
      gzip: false,
      headError: "",
    }],
  ];
  for (const [name, expected] of cases) {
    // The resource sanitizer fails this test if a file stays open.
    assert.deepEqual(
      await sniffCaptureFormat(new URL(name, PCAPS).pathname),
      expected,
      name,
    );
  }
});

Deno.test("sniffCaptureFormat() says gzip, format unknown, for corrupt gzip, and format unknown for an empty file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/bad.pcap.gz`;
    await Deno.writeFile(path, new Uint8Array([0x1f, 0x8b, 0x08, 0, 1, 2, 3]));
    const { headError, ...rest } = await sniffCaptureFormat(path);
    assert.deepEqual(rest, { format: undefined, gzip: true });
    assert.match(
      headError,
      /^Cannot parse capture: gzip data is corrupt or truncated \(/,
    );
    await Deno.writeFile(path, new Uint8Array(0));
    assert.deepEqual(await sniffCaptureFormat(path), {
      format: undefined,
      gzip: false,
      headError: "",
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sniffCaptureFormat() tells a header no reader takes, and leaves later errors to the reader", async () => {
  const cases: [string, RegExp | ""][] = [
    ["bad_header_pcap_version1.4__pcap-invalid-version-1.pcap", /version 1\.4/],
    ["bad_header_pcap_version2.5__pcap-invalid-version-2.pcap", /version 2\.5/],
    [
      "bad_header_linktype_reserved_bits__linktype-reserved-field-not-zero.pcap",
      /Cannot parse capture/,
    ],
    [
      "bad_header_pcapng_shb_version0.1__pcapng-invalid-vers-1.pcapng",
      /Cannot parse capture/,
    ],
    [
      "bad_header_pcapng_shb_option_too_long__shb-option-too-long.pcapng",
      /Cannot parse capture/,
    ],
    // Records first: the session reads them, then ends with the error.
    ["bad_header_pcapng_shb_version2.0_after_valid__test901.pcapng", ""],
    ["truncated_file_cut_mid_record__http-fault-post.pcap", ""],
  ];
  for (const [name, expected] of cases) {
    const { headError } = await sniffCaptureFormat(
      new URL(`malformed/${name}`, PCAPS).pathname,
    );
    if (expected === "") assert.equal(headError, "", name);
    else assert.match(headError, expected, name);
  }
});

Deno.test("sniffCaptureFormat() judges a truncated gzip by what inflated before the stream broke", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const whole = await Deno.readFile(
      new URL(
        "formats/gzip_compressed_pcapng__portmapper-many-unanswered-calls.pcapng.gz",
        PCAPS,
      ),
    );
    const path = `${dir}/cut.pcapng.gz`;
    // 3 000 bytes: 32 records, then the stream ends; the reader reads them.
    await Deno.writeFile(path, whole.subarray(0, 3000));
    assert.deepEqual(await sniffCaptureFormat(path), {
      format: "pcapng",
      gzip: true,
      headError: "",
    });
    // Cut inside the first block: no record before the stream broke.
    await Deno.writeFile(path, whole.subarray(0, 40));
    const cut = await sniffCaptureFormat(path);
    assert.equal(cut.gzip, true);
    assert.match(
      cut.headError,
      /^Cannot parse capture: gzip data is corrupt or truncated \(/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sniffCaptureFormat() tells a file that ends before its first record, and not one that ends after it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const bytes = pcapBytes(3); // records of 76 bytes after the 24-byte header
    const ng = await Deno.readFile(
      new URL("formats/pcapng_3ifaces_dns__dns-google-nsid.pcapng", PCAPS),
    );
    const cases: [string, Uint8Array, boolean, RegExp | ""][] = [
      [
        "10 bytes",
        bytes.subarray(0, 10),
        false,
        /inside the file header \(10 of 24 bytes\)$/,
      ],
      [
        "header and half a record",
        bytes.subarray(0, 60),
        false,
        /file ends inside a record/,
      ],
      ["the header alone", bytes.subarray(0, 24), false, ""],
      ["a record, then half of one", bytes.subarray(0, 140), false, ""],
      [
        "pcapng, 30 bytes",
        ng.subarray(0, 30),
        false,
        /inside the file header \(30 of 148 bytes\)$/,
      ],
      [
        "gzip of 10 bytes",
        bytes.subarray(0, 10),
        true,
        /inside the file header \(10 of 24 bytes\)$/,
      ],
      ["gzip of the header alone", bytes.subarray(0, 24), true, ""],
    ];
    for (const [name, head, compress, expected] of cases) {
      const path = `${dir}/cut`;
      await Deno.writeFile(
        path,
        compress ? await gzipped(head.slice()) : head,
      );
      const sniffed = await sniffCaptureFormat(path);
      assert.equal(sniffed.gzip, compress, name);
      assert.notEqual(sniffed.format, undefined, name);
      if (expected === "") assert.equal(sniffed.headError, "", name);
      else assert.match(sniffed.headError, expected, name);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
