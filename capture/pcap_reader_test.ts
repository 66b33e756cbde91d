import assert from "node:assert/strict";
import { AnomalyCounter } from "./anomalies.ts";
import { concat } from "./decode/test_helpers.ts";
import {
  CaptureFormatError,
  CaptureParser,
  linkTypeOfPcapHeader,
} from "./pcap_reader.ts";
import { pcapFileHeader } from "./pcap_writer.ts";
import type { PcapRecord } from "./pcap_record.ts";

// ---------------------------------------------------------------------------
// Builders: capture bytes made in code.

/** Appends integers in one byte order. */
class ByteWriter {
  readonly #littleEndian: boolean;
  readonly #parts: number[] = [];
  constructor(littleEndian: boolean) {
    this.#littleEndian = littleEndian;
  }
  u8(value: number): this {
    this.#parts.push(value & 0xff);
    return this;
  }
  u16(value: number): this {
    const bytes = [value & 0xff, (value >>> 8) & 0xff];
    this.#parts.push(...(this.#littleEndian ? bytes : bytes.reverse()));
    return this;
  }
  u32(value: number): this {
    const bytes = [0, 8, 16, 24].map((shift) => (value >>> shift) & 0xff);
    this.#parts.push(...(this.#littleEndian ? bytes : bytes.reverse()));
    return this;
  }
  u64(value: bigint): this {
    const high = Number((value >> 32n) & 0xffffffffn);
    const low = Number(value & 0xffffffffn);
    return this.#littleEndian
      ? this.u32(low).u32(high)
      : this.u32(high).u32(low);
  }
  /** A pcapng packet timestamp: high 32 bits first, whatever the byte order. */
  timestamp(units: bigint): this {
    return this.u32(Number((units >> 32n) & 0xffffffffn)).u32(
      Number(units & 0xffffffffn),
    );
  }
  bytes(data: Uint8Array): this {
    for (const byte of data) this.#parts.push(byte);
    return this;
  }
  pad4(): this {
    while (this.#parts.length % 4 !== 0) this.#parts.push(0);
    return this;
  }
  get length(): number {
    return this.#parts.length;
  }
  done(): Uint8Array<ArrayBuffer> {
    return new Uint8Array(this.#parts);
  }
}

function frame(length: number, seed: number): Uint8Array<ArrayBuffer> {
  const data = new Uint8Array(length);
  for (let i = 0; i < length; i++) data[i] = (seed * 31 + i * 7) & 0xff;
  return data;
}

interface PcapHeaderSpec {
  littleEndian?: boolean;
  nanoseconds?: boolean;
  major?: number;
  minor?: number;
  snapLength?: number;
  network?: number;
}

interface PcapRecordSpec {
  seconds: number;
  fraction: number;
  data: Uint8Array;
  /** Defaults to data.length. */
  wireLength?: number;
  /** The two length fields exactly as stored (for swapped-order files). */
  storedLengths?: [number, number];
}

function pcapHeader(spec: PcapHeaderSpec = {}): Uint8Array<ArrayBuffer> {
  const littleEndian = spec.littleEndian ?? true;
  return new ByteWriter(littleEndian)
    .u32(spec.nanoseconds ? 0xa1b23c4d : 0xa1b2c3d4)
    .u16(spec.major ?? 2)
    .u16(spec.minor ?? 4)
    .u32(0)
    .u32(0)
    .u32(spec.snapLength ?? 65535)
    .u32(spec.network ?? 1)
    .done();
}

function pcapRecord(
  spec: PcapRecordSpec,
  littleEndian = true,
): Uint8Array<ArrayBuffer> {
  const [first, second] = spec.storedLengths ??
    [spec.data.length, spec.wireLength ?? spec.data.length];
  return new ByteWriter(littleEndian)
    .u32(spec.seconds)
    .u32(spec.fraction)
    .u32(first)
    .u32(second)
    .bytes(spec.data)
    .done();
}

function pcapFile(
  header: PcapHeaderSpec,
  records: PcapRecordSpec[],
): Uint8Array<ArrayBuffer> {
  const littleEndian = header.littleEndian ?? true;
  return concat(
    pcapHeader(header),
    ...records.map((record) => pcapRecord(record, littleEndian)),
  );
}

function block(
  littleEndian: boolean,
  type: number,
  body: Uint8Array,
): Uint8Array<ArrayBuffer> {
  const padded = (body.length + 3) & ~3;
  const total = 12 + padded;
  return new ByteWriter(littleEndian)
    .u32(type)
    .u32(total)
    .bytes(body)
    .pad4()
    .u32(total)
    .done();
}

function shb(
  littleEndian: boolean,
  major = 1,
  minor = 0,
): Uint8Array<ArrayBuffer> {
  const body = new ByteWriter(littleEndian)
    .u32(0x1a2b3c4d)
    .u16(major)
    .u16(minor)
    .u64(0xffffffffffffffffn) // section length: unknown
    .done();
  return block(littleEndian, 0x0a0d0d0a, body);
}

type OptionSpec = [code: number, value: Uint8Array];

function options(
  littleEndian: boolean,
  list: OptionSpec[],
): Uint8Array<ArrayBuffer> {
  const writer = new ByteWriter(littleEndian);
  for (const [code, value] of list) {
    writer.u16(code).u16(value.length).bytes(value).pad4();
  }
  if (list.length > 0) writer.u16(0).u16(0);
  return writer.done();
}

function idb(
  littleEndian: boolean,
  linkType: number,
  snapLength: number,
  list: OptionSpec[] = [],
): Uint8Array<ArrayBuffer> {
  const body = new ByteWriter(littleEndian)
    .u16(linkType)
    .u16(0)
    .u32(snapLength)
    .bytes(options(littleEndian, list))
    .done();
  return block(littleEndian, 1, body);
}

function tsresol(value: number): OptionSpec {
  return [9, new Uint8Array([value])];
}

function tsoffset(littleEndian: boolean, seconds: bigint): OptionSpec {
  return [
    14,
    new ByteWriter(littleEndian).u64(BigInt.asUintN(64, seconds)).done(),
  ];
}

function epb(
  littleEndian: boolean,
  interfaceId: number,
  units: bigint,
  data: Uint8Array,
  wireLength = data.length,
  list: OptionSpec[] = [],
): Uint8Array<ArrayBuffer> {
  const body = new ByteWriter(littleEndian)
    .u32(interfaceId)
    .timestamp(units)
    .u32(data.length)
    .u32(wireLength)
    .bytes(data)
    .pad4()
    .bytes(options(littleEndian, list))
    .done();
  return block(littleEndian, 6, body);
}

function obsoletePacketBlock(
  littleEndian: boolean,
  interfaceId: number,
  units: bigint,
  data: Uint8Array,
): Uint8Array<ArrayBuffer> {
  const body = new ByteWriter(littleEndian)
    .u16(interfaceId)
    .u16(0)
    .timestamp(units)
    .u32(data.length)
    .u32(data.length)
    .bytes(data)
    .done();
  return block(littleEndian, 2, body);
}

function spb(
  littleEndian: boolean,
  wireLength: number,
  data: Uint8Array,
): Uint8Array<ArrayBuffer> {
  const body = new ByteWriter(littleEndian).u32(wireLength).bytes(data).done();
  return block(littleEndian, 3, body);
}

/** A block the record layer skips (NRB, ISB, custom, ...). */
function otherBlock(
  littleEndian: boolean,
  type: number,
  bodyBytes: number,
): Uint8Array<ArrayBuffer> {
  return block(littleEndian, type, frame(bodyBytes, type));
}

// ---------------------------------------------------------------------------
// Reading helpers.

interface SeenRecord {
  timestampUs: number;
  capturedLength: number;
  wireLength: number;
  linkType: number;
  interfaceId: number;
  data: string;
}

function snapshot(record: PcapRecord): SeenRecord {
  const bytes = record.bytes.subarray(
    record.offset,
    record.offset + record.capturedLength,
  );
  assert.equal(bytes.length, record.capturedLength, "frame inside its buffer");
  return {
    timestampUs: record.timestampUs,
    capturedLength: record.capturedLength,
    wireLength: record.wireLength,
    linkType: record.linkType,
    interfaceId: record.interfaceId,
    data: Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(""),
  };
}

interface ParseResult {
  records: SeenRecord[];
  error: unknown;
  parser: CaptureParser;
  anomalies: AnomalyCounter;
}

/**
 * Feeds `pieces` through one reused buffer (as a BYOB reader does) and
 * scribbles over it after each push, so a parser that kept a reference to a
 * chunk would deliver garbage.
 */
function parsePieces(pieces: Uint8Array[]): ParseResult {
  const anomalies = new AnomalyCounter();
  const parser = new CaptureParser({ anomalies });
  const records: SeenRecord[] = [];
  const scratch = new Uint8Array(
    Math.max(1, ...pieces.map((piece) => piece.length)),
  );
  let error: unknown;
  try {
    for (const piece of pieces) {
      const chunk = scratch.subarray(0, piece.length);
      chunk.set(piece);
      parser.push(chunk, (record) => records.push(snapshot(record)));
      chunk.fill(0xee);
    }
    parser.finish();
  } catch (caught) {
    error = caught;
  }
  return { records, error, parser, anomalies };
}

function parseAll(bytes: Uint8Array): ParseResult {
  return parsePieces([bytes]);
}

function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    pieces.push(bytes.subarray(start, cut));
    start = cut;
  }
  return pieces;
}

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

function assertFormatError(error: unknown, pattern: RegExp): void {
  assert.ok(
    error instanceof CaptureFormatError,
    `expected CaptureFormatError, got ${error}`,
  );
  assert.ok(error instanceof SyntaxError);
  assert.equal(error.name, "CaptureFormatError");
  assert.match(error.message, /^Cannot parse capture: .*[^.]$/);
  assert.match(error.message, pattern);
}

// ---------------------------------------------------------------------------
// Classic pcap.

const THREE_RECORDS: PcapRecordSpec[] = [
  { seconds: 1_700_000_000, fraction: 1, data: frame(60, 1) },
  { seconds: 1_700_000_001, fraction: 999_999, data: frame(1514, 2) },
  { seconds: 1_700_000_002, fraction: 500_000, data: frame(42, 3) },
];

Deno.test("CaptureParser reads every field of a little-endian µs pcap", () => {
  const { records, error, parser } = parseAll(pcapFile({}, THREE_RECORDS));
  assert.equal(error, undefined);
  assert.equal(parser.format, "pcap");
  assert.deepEqual(parser.linkTypes, [1]);
  assert.equal(parser.recordCount, 3);
  assert.deepEqual(records.map((r) => r.timestampUs), [
    1_700_000_000_000_001,
    1_700_000_001_999_999,
    1_700_000_002_500_000,
  ]);
  assert.deepEqual(records.map((r) => r.capturedLength), [60, 1514, 42]);
  assert.deepEqual(records.map((r) => r.wireLength), [60, 1514, 42]);
  assert.deepEqual(records.map((r) => r.interfaceId), [0, 0, 0]);
  assert.equal(records[1]!.data, snapshotHex(frame(1514, 2)));
});

function snapshotHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

Deno.test("CaptureParser reads big-endian and nanosecond pcaps (all four magics)", () => {
  for (const littleEndian of [true, false]) {
    for (const nanoseconds of [false, true]) {
      const fraction = nanoseconds ? 123_456_789 : 123_456;
      const bytes = pcapFile(
        { littleEndian, nanoseconds, network: 113, snapLength: 262144 },
        [{ seconds: 1_418_145_369, fraction, data: frame(76, 9) }],
      );
      const { records, error, parser } = parseAll(bytes);
      const label = `littleEndian=${littleEndian} nanoseconds=${nanoseconds}`;
      assert.equal(error, undefined, label);
      assert.deepEqual(parser.linkTypes, [113], label);
      assert.equal(records[0]!.timestampUs, 1_418_145_369_123_456, label);
      assert.equal(records[0]!.capturedLength, 76, label);
    }
  }
});

Deno.test("CaptureParser hands on views of the chunk, copying only a straddling record", () => {
  const bytes = pcapFile({}, THREE_RECORDS);
  const parser = new CaptureParser();
  const buffers: Uint8Array[] = [];
  const offsets: number[] = [];
  const cut = 24 + 16 + 60 + 100; // inside the second record
  const first = bytes.subarray(0, cut);
  const second = bytes.subarray(cut);
  parser.push(first, (record) => {
    buffers.push(record.bytes);
    offsets.push(record.offset);
  });
  parser.push(second, (record) => {
    buffers.push(record.bytes);
    offsets.push(record.offset);
  });
  parser.finish();
  assert.equal(buffers.length, 3);
  assert.equal(buffers[0], first, "whole record: the chunk itself");
  assert.equal(offsets[0], 40);
  assert.notEqual(buffers[1], second, "straddling record: assembled");
  assert.equal(buffers[2], second, "whole record after it: the chunk again");
  assert.equal(offsets[2], 1530 - 100 + 16);
});

Deno.test("CaptureParser reuses one record object", () => {
  const seen = new Set<PcapRecord>();
  const parser = new CaptureParser();
  parser.push(pcapFile({}, THREE_RECORDS), (record) => seen.add(record));
  parser.finish();
  assert.equal(seen.size, 1);
});

Deno.test("CaptureParser swaps caplen and len before pcap 2.3, and in 2.3 when caplen > len", () => {
  for (const minor of [0, 1, 2]) {
    const { records, error } = parseAll(pcapFile({ minor }, [
      // Stored as (len, caplen): 60 bytes captured of a 1514-byte frame.
      {
        seconds: 1,
        fraction: 0,
        data: frame(60, 1),
        storedLengths: [1514, 60],
      },
      { seconds: 2, fraction: 0, data: frame(60, 2), storedLengths: [60, 60] },
    ]));
    assert.equal(error, undefined, `2.${minor}`);
    assert.deepEqual(
      records.map((r) => [r.capturedLength, r.wireLength]),
      [[60, 1514], [60, 60]],
      `2.${minor}`,
    );
  }
  const { records, error } = parseAll(pcapFile({ minor: 3 }, [
    { seconds: 1, fraction: 0, data: frame(60, 1), storedLengths: [1514, 60] },
    { seconds: 2, fraction: 0, data: frame(60, 2), storedLengths: [60, 1514] },
  ]));
  assert.equal(error, undefined);
  assert.deepEqual(
    records.map((r) => [r.capturedLength, r.wireLength]),
    [[60, 1514], [60, 1514]],
  );
});

Deno.test("CaptureParser rejects pcap versions other than 2.0 to 2.4", () => {
  for (
    const [major, minor] of [[1, 4], [2, 5], [3, 0], [543, 0]] as const
  ) {
    const { error, records } = parseAll(
      pcapFile({ major, minor }, THREE_RECORDS),
    );
    assertFormatError(
      error,
      new RegExp(`unsupported pcap version ${major}\\.${minor}`),
    );
    assert.equal(records.length, 0);
  }
});

Deno.test("CaptureParser rejects reserved link-type bits and ignores the FCS bits", () => {
  const reserved = parseAll(pcapFile({ network: 0x00300000 }, THREE_RECORDS));
  assertFormatError(
    reserved.error,
    /link-type field 0x00300000 has reserved bits set/,
  );
  for (const network of [0x30000001, 0x04000001, 0xf4000001]) {
    const { error, records, parser } = parseAll(
      pcapFile({ network }, THREE_RECORDS),
    );
    assert.equal(error, undefined);
    assert.deepEqual(parser.linkTypes, [1]);
    assert.equal(records[0]!.linkType, 1);
  }
});

Deno.test("CaptureParser counts an out-of-range timestamp fraction and still delivers the record", () => {
  const micro = parseAll(pcapFile({}, [
    { seconds: 10, fraction: 999_999, data: frame(8, 1) },
    { seconds: 10, fraction: 1_000_000, data: frame(8, 2) },
  ]));
  assert.deepEqual(micro.records.map((r) => r.timestampUs), [
    10_999_999,
    11_000_000,
  ]);
  assert.equal(micro.anomalies.count("timestamp_fraction_out_of_range"), 1);

  const nano = parseAll(pcapFile({ nanoseconds: true }, [
    { seconds: 10, fraction: 999_999_999, data: frame(8, 1) },
    { seconds: 10, fraction: 1_000_000_000, data: frame(8, 2) },
    { seconds: 10, fraction: 0x80000000, data: frame(8, 3) },
  ]));
  assert.deepEqual(nano.records.map((r) => r.timestampUs), [
    10_999_999,
    11_000_000,
    10_000_000 + Math.floor(0x80000000 / 1000),
  ]);
  assert.equal(nano.anomalies.count("timestamp_fraction_out_of_range"), 2);
});

Deno.test("CaptureParser counts records over the snap length or longer than on the wire", () => {
  const { records, error, anomalies } = parseAll(pcapFile({ snapLength: 64 }, [
    { seconds: 1, fraction: 0, data: frame(64, 1), wireLength: 1514 },
    { seconds: 2, fraction: 0, data: frame(100, 2), wireLength: 1514 },
    { seconds: 3, fraction: 0, data: frame(50, 3), wireLength: 40 },
  ]));
  assert.equal(error, undefined);
  assert.deepEqual(records.map((r) => r.capturedLength), [64, 100, 50]);
  assert.deepEqual(records.map((r) => r.wireLength), [1514, 1514, 40]);
  assert.equal(anomalies.count("record_exceeds_snaplen"), 1);
  assert.equal(anomalies.count("caplen_exceeds_wirelen"), 1);

  const unlimited = parseAll(pcapFile({ snapLength: 0 }, THREE_RECORDS));
  assert.equal(unlimited.error, undefined);
  assert.equal(unlimited.anomalies.total(), 0);
});

Deno.test("CaptureParser stops at a record larger than 262144 bytes and the snap length, after the good ones", () => {
  const header = pcapHeader({ snapLength: 65535 });
  const bogus = new ByteWriter(true).u32(5).u32(0).u32(524_501).u32(524_501)
    .done();
  const bytes = concat(
    header,
    pcapRecord(THREE_RECORDS[0]!),
    pcapRecord(THREE_RECORDS[1]!),
    bogus,
    frame(4000, 4),
  );
  for (const pieces of [[bytes], splitAt(bytes, [50, 1700])]) {
    const { records, error } = parsePieces(pieces);
    assert.equal(records.length, 2);
    assertFormatError(
      error,
      /record at byte 1630 claims 524501 captured bytes \(at most 262144\)/,
    );
  }

  const big = frame(300_000, 5);
  const allowed = parseAll(pcapFile({ snapLength: 400_000 }, [
    { seconds: 1, fraction: 0, data: big },
  ]));
  assert.equal(allowed.error, undefined);
  assert.equal(allowed.records[0]!.capturedLength, 300_000);
});

Deno.test("CaptureParser reads a header-only pcap as zero records", () => {
  const { records, error, parser } = parseAll(pcapHeader());
  assert.equal(error, undefined);
  assert.equal(records.length, 0);
  assert.equal(parser.format, "pcap");
});

Deno.test("CaptureParser rejects empty, too short and unknown input", () => {
  assertFormatError(
    parsePieces([]).error,
    /^Cannot parse capture: input is empty$/,
  );
  assertFormatError(
    parseAll(new Uint8Array([0xd4, 0xc3])).error,
    /input is too short for a capture file header \(2 bytes\)/,
  );
  assertFormatError(
    parseAll(pcapHeader().subarray(0, 10)).error,
    /file ends inside the file header \(10 of 24 bytes\)/,
  );
  assertFormatError(
    parseAll(new Uint8Array([0x12, 0x34, 0x56, 0x78, 0, 0, 0, 0])).error,
    /^Cannot parse capture: not a pcap or pcapng file \(unknown magic number 0x12345678\)$/,
  );
  assertFormatError(
    parseAll(new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0])).error,
    /gzip-compressed/,
  );
});

Deno.test("CaptureParser reports a file cut inside a record header or its data", () => {
  const bytes = pcapFile({}, THREE_RECORDS);
  const cutHeader = parseAll(bytes.subarray(0, bytes.length - 42 - 4));
  assert.equal(cutHeader.records.length, 2);
  assertFormatError(
    cutHeader.error,
    /^Cannot parse capture: file ends inside a record \(12 of 16 header bytes\)$/,
  );
  const cutData = parseAll(bytes.subarray(0, bytes.length - 2));
  assert.equal(cutData.records.length, 2);
  assertFormatError(
    cutData.error,
    /file ends inside a record \(40 of 42 captured bytes\)/,
  );
});

Deno.test("CaptureParser stays failed after an error", () => {
  const parser = new CaptureParser();
  const bad = new Uint8Array([0x12, 0x34, 0x56, 0x78]);
  assert.throws(() => parser.push(bad, () => {}), CaptureFormatError);
  assert.throws(() => parser.push(pcapHeader(), () => {}), /unknown magic/);
  assert.throws(() => parser.finish(), /unknown magic/);
});

Deno.test("CaptureParser passes on an error thrown by onRecord", () => {
  const parser = new CaptureParser();
  assert.throws(
    () =>
      parser.push(pcapFile({}, THREE_RECORDS), () => {
        throw new RangeError("consumer failed");
      }),
    RangeError,
  );
  assert.throws(() => parser.finish(), RangeError);
});

// ---------------------------------------------------------------------------
// pcapng.

const LE = true;
const BE = false;
const NS_2024 = 1_718_000_000_123_456_789n; // > 2^53: needs the split division

/** Two sections, LE then BE, every packet block kind and some skipped blocks. */
function mixedPcapng(): Uint8Array<ArrayBuffer> {
  return concat(
    shb(LE),
    idb(LE, 1, 0, [tsresol(9)]),
    otherBlock(LE, 4, 20), // name resolution block
    idb(LE, 0, 96, [[2, new TextEncoder().encode("lo0")]]),
    epb(LE, 0, NS_2024, frame(60, 1), 60),
    spb(LE, 314, frame(120, 2)), // snap length 0 on interface 0: keeps 120
    epb(LE, 1, 1_718_000_000_500_000n, frame(96, 3), 342),
    otherBlock(LE, 5, 24), // interface statistics block
    otherBlock(LE, 0x40000bad, 13), // custom block
    epb(LE, 7, 0n, frame(10, 9)), // unknown interface: counted, skipped
    shb(BE),
    idb(BE, 113, 128, [tsresol(3), tsoffset(BE, 1_000n)]),
    spb(BE, 314, frame(128, 4)),
    epb(BE, 0, 42n, frame(128, 5), 342, [[1, new TextEncoder().encode("hi")]]),
    obsoletePacketBlock(BE, 0, 43n, frame(33, 6)),
  );
}

const MIXED_EXPECTED: Omit<SeenRecord, "data">[] = [
  {
    timestampUs: 1_718_000_000_123_456,
    capturedLength: 60,
    wireLength: 60,
    linkType: 1,
    interfaceId: 0,
  },
  {
    timestampUs: 1_718_000_000_123_456, // SPB: the previous record's time
    capturedLength: 120,
    wireLength: 314,
    linkType: 1,
    interfaceId: 0,
  },
  {
    timestampUs: 1_718_000_000_500_000,
    capturedLength: 96,
    wireLength: 342,
    linkType: 0,
    interfaceId: 1,
  },
  {
    timestampUs: 1_718_000_000_500_000,
    capturedLength: 128,
    wireLength: 314,
    linkType: 113,
    interfaceId: 0,
  },
  {
    timestampUs: 1_000_042_000, // 42 ms + if_tsoffset 1000 s
    capturedLength: 128,
    wireLength: 342,
    linkType: 113,
    interfaceId: 0,
  },
  {
    timestampUs: 1_000_043_000,
    capturedLength: 33,
    wireLength: 33,
    linkType: 113,
    interfaceId: 0,
  },
];

Deno.test("CaptureParser reads multi-section pcapng of both byte orders and every packet block", () => {
  const { records, error, parser, anomalies } = parseAll(mixedPcapng());
  assert.equal(error, undefined);
  assert.equal(parser.format, "pcapng");
  assert.deepEqual(parser.linkTypes, [1, 0, 113]);
  assert.equal(parser.recordCount, 6);
  assert.deepEqual(
    records.map(({ data: _data, ...rest }) => rest),
    MIXED_EXPECTED,
  );
  assert.equal(records[0]!.data, snapshotHex(frame(60, 1)));
  assert.equal(records[1]!.data, snapshotHex(frame(120, 2)));
  assert.equal(records[5]!.data, snapshotHex(frame(33, 6)));
  assert.deepEqual(anomalies.toJSON(), { pcapng_unknown_interface: 1 });
});

Deno.test("CaptureParser gives the same records whatever the chunking", () => {
  const files = {
    pcap: pcapFile({}, THREE_RECORDS),
    pcapng: mixedPcapng(),
    truncated: pcapFile({}, THREE_RECORDS).subarray(0, 1000),
    corrupt: concat(mixedPcapng().subarray(0, 500), frame(64, 7)),
  };
  for (const [name, bytes] of Object.entries(files)) {
    const whole = parseAll(bytes);
    const expected = {
      records: whole.records,
      error: String(whole.error),
      anomalies: whole.anomalies.toJSON(),
    };
    const check = (pieces: Uint8Array[], label: string): void => {
      const result = parsePieces(pieces);
      assert.deepEqual(
        {
          records: result.records,
          error: String(result.error),
          anomalies: result.anomalies.toJSON(),
        },
        expected,
        `${name}: ${label}`,
      );
    };
    for (let cut = 0; cut <= bytes.length; cut++) {
      check(splitAt(bytes, [cut]), `split at ${cut}`);
    }
    const random = seededRandom(0x5eed + bytes.length);
    for (let round = 0; round < 200; round++) {
      const cuts = Array.from(
        { length: 1 + Math.floor(random() * 12) },
        () => Math.floor(random() * (bytes.length + 1)),
      ).sort((a, b) => a - b);
      check(splitAt(bytes, cuts), `cuts ${cuts}`);
    }
    check(splitAt(bytes, Array.from(bytes.keys()).slice(1)), "1-byte chunks");
  }
});

Deno.test("CaptureParser converts pcapng timestamps of every resolution to µs exactly", () => {
  const random = seededRandom(42);
  const randomBigint = (below: bigint): bigint => {
    let value = 0n;
    for (let i = 0; i < 4; i++) {
      value = (value << 16n) | BigInt(Math.floor(random() * 65536));
    }
    return value % below;
  };
  const resolutions = [
    0,
    1,
    3,
    5,
    6,
    7,
    9,
    12,
    15,
    18,
    19,
    0x80,
    0x88,
    0x94,
    0xa0,
    0xa8,
    0xbf,
  ];
  for (const resolution of resolutions) {
    const exponent = BigInt(resolution & 0x7f);
    const unitsPerSecond = (resolution & 0x80) !== 0
      ? 1n << exponent
      : 10n ** exponent;
    // Keep the µs result within classic pcap's range, 2^32 s (and the
    // units within 64 bits).
    let limit = (1n << 32n) * unitsPerSecond;
    if (limit > 1n << 64n) limit = 1n << 64n;
    if (limit < 1n) limit = 1n;
    const values = [0n, 1n, limit - 1n, unitsPerSecond - 1n, unitsPerSecond]
      .filter((value) => value >= 0n && value < limit);
    for (let i = 0; i < 200; i++) values.push(randomBigint(limit));
    const blocks = [shb(LE), idb(LE, 1, 0, [tsresol(resolution)])];
    for (const value of values) blocks.push(epb(LE, 0, value, frame(4, 0)));
    const { records, error } = parseAll(concat(...blocks));
    assert.equal(error, undefined);
    records.forEach((record, i) => {
      const expected = Number(values[i]! * 1_000_000n / unitsPerSecond);
      assert.equal(
        record.timestampUs,
        expected,
        `if_tsresol 0x${resolution.toString(16)}, ${values[i]} units`,
      );
    });
    // And the nanoseconds past the µs, where times can fall between
    // microseconds (decimal finer than 10^-6 s, binary from 2^-7 s).
    const between = (resolution & 0x80) !== 0 ? exponent >= 7n : exponent > 6n;
    const nanoseconds: number[] = [];
    const parser = new CaptureParser();
    parser.push(
      concat(...blocks),
      (record) => nanoseconds.push(record.subMicrosecondNs),
    );
    parser.finish();
    assert.deepEqual(
      nanoseconds,
      values.map((value) =>
        between ? Number(value * 1_000_000_000n / unitsPerSecond % 1000n) : -1
      ),
      `if_tsresol 0x${resolution.toString(16)}`,
    );
  }
});

Deno.test("CaptureParser gives a pcapng's microsecond interface 0 ns, not -1, once a nanosecond one is described", () => {
  const seen: [number, number, number][] = [];
  const parser = new CaptureParser();
  parser.push(
    concat(
      shb(LE),
      idb(LE, 1, 0),
      idb(LE, 1, 0, [tsresol(9)]),
      epb(LE, 0, 1_700_000_000_000_007n, frame(4, 0)),
      epb(LE, 1, 1_700_000_000_000_007_123n, frame(4, 1)),
    ),
    (r) => seen.push([r.interfaceId, r.timestampUs, r.subMicrosecondNs]),
  );
  parser.finish();
  assert.deepEqual(seen, [
    [0, 1_700_000_000_000_007, 0],
    [1, 1_700_000_000_000_007, 123],
  ]);
  // A microsecond capture's records carry -1.
  const micro: number[] = [];
  const plain = new CaptureParser();
  plain.push(
    concat(shb(LE), idb(LE, 1, 0), epb(LE, 0, 7n, frame(4, 0))),
    (r) => micro.push(r.subMicrosecondNs),
  );
  plain.finish();
  assert.deepEqual(micro, [-1]);
});

Deno.test("CaptureParser counts a pcapng timestamp past 2106 or before 1970 and gives the packet the one before", () => {
  const { records, error, anomalies } = parseAll(concat(
    shb(LE),
    idb(LE, 1, 0),
    epb(LE, 0, 5_000_000n, frame(4, 0)),
    // A corrupt high word: 2^64 - 1 µs, far past what a Date can show.
    epb(LE, 0, (1n << 64n) - 1n, frame(4, 1)),
    // One µs past 2^32 s, the end of classic pcap's seconds field.
    epb(LE, 0, (1n << 32n) * 1_000_000n, frame(4, 2)),
    epb(LE, 0, (1n << 32n) * 1_000_000n - 1n, frame(4, 3)),
    idb(LE, 1, 0, [tsoffset(LE, -10n)]),
    epb(LE, 1, 9_000_000n, frame(4, 4)),
  ));
  assert.equal(error, undefined);
  assert.deepEqual(records.map((record) => record.timestampUs), [
    5_000_000,
    5_000_000,
    5_000_000,
    2 ** 32 * 1_000_000 - 1,
    2 ** 32 * 1_000_000 - 1,
  ]);
  assert.equal(anomalies.count("timestamp_out_of_range"), 3);
});

Deno.test("CaptureParser applies a negative if_tsoffset", () => {
  const { records, error } = parseAll(concat(
    shb(BE),
    idb(BE, 1, 0, [tsoffset(BE, -5n)]),
    epb(BE, 0, 7_000_001n, frame(4, 0)),
  ));
  assert.equal(error, undefined);
  assert.equal(records[0]!.timestampUs, 2_000_001);
});

Deno.test("CaptureParser restarts interface ids in each section", () => {
  const { records, anomalies } = parseAll(concat(
    shb(LE),
    idb(LE, 1, 0),
    idb(LE, 101, 0),
    epb(LE, 1, 1n, frame(4, 0)),
    shb(LE),
    idb(LE, 228, 0),
    epb(LE, 0, 2n, frame(4, 0)),
    epb(LE, 1, 3n, frame(4, 0)), // interface 1 belonged to the first section
  ));
  assert.deepEqual(records.map((r) => [r.interfaceId, r.linkType]), [
    [1, 101],
    [0, 228],
  ]);
  assert.equal(anomalies.count("pcapng_unknown_interface"), 1);
});

Deno.test("CaptureParser counts pcapng records over the interface snap length", () => {
  const { records, anomalies } = parseAll(concat(
    shb(LE),
    idb(LE, 1, 64),
    epb(LE, 0, 1n, frame(100, 0), 1514),
    epb(LE, 0, 2n, frame(50, 0), 40),
    spb(LE, 1514, frame(100, 1)), // cut to the snap length
  ));
  assert.deepEqual(records.map((r) => r.capturedLength), [100, 50, 64]);
  assert.deepEqual(anomalies.toJSON(), {
    caplen_exceeds_wirelen: 1,
    record_exceeds_snaplen: 1,
  });
});

Deno.test("CaptureParser reads an SHB-only pcapng as zero records", () => {
  const { records, error, parser } = parseAll(shb(BE));
  assert.equal(error, undefined);
  assert.equal(records.length, 0);
  assert.equal(parser.format, "pcapng");
  assert.deepEqual(parser.linkTypes, []);
});

Deno.test("CaptureParser rejects an unsupported pcapng version after delivering the earlier sections", () => {
  const first = parseAll(shb(LE, 0, 1));
  assertFormatError(
    first.error,
    /unsupported pcapng version 0\.1 in the section header at byte 0/,
  );
  const section = concat(shb(LE), idb(LE, 1, 0), epb(LE, 0, 1n, frame(8, 0)));
  const later = parseAll(concat(section, shb(LE, 2, 0), idb(LE, 1, 0)));
  assert.equal(later.records.length, 1);
  assertFormatError(
    later.error,
    new RegExp(`unsupported pcapng version 2\\.0 .* at byte ${section.length}`),
  );
});

Deno.test("CaptureParser rejects impossible pcapng block lengths", () => {
  const good = concat(shb(LE), idb(LE, 1, 0), epb(LE, 0, 1n, frame(8, 0)));
  const withLength = (length: number): Uint8Array<ArrayBuffer> =>
    concat(good, new ByteWriter(LE).u32(6).u32(length).done(), frame(64, 0));
  for (const length of [0, 8, 13, 30]) {
    const { records, error } = parseAll(withLength(length));
    assert.equal(records.length, 1);
    assertFormatError(
      error,
      new RegExp(
        `block at byte ${good.length} has invalid total length ${length}`,
      ),
    );
  }
  const huge = parseAll(withLength(0x7ffffff0));
  assertFormatError(huge.error, /has total length 2147483632 \(at most/);

  const mismatch = epb(LE, 0, 2n, frame(8, 0));
  mismatch[mismatch.length - 4] = 0x30;
  const bad = parseAll(concat(good, mismatch));
  assert.equal(bad.records.length, 1);
  assertFormatError(
    bad.error,
    /block at byte \d+ has total length 40 in its header but 48 in its trailer/,
  );

  const badShb = shb(LE);
  badShb[8] = 0x99;
  assertFormatError(
    parseAll(badShb).error,
    /unknown pcapng byte-order magic 0x993c2b1a/,
  );
});

Deno.test("CaptureParser rejects an EPB whose captured length overruns it", () => {
  const bad = epb(LE, 0, 1n, frame(8, 0));
  new DataView(bad.buffer).setUint32(20, 200, true); // caplen 200 in a 40-byte block
  const { records, error } = parseAll(concat(shb(LE), idb(LE, 1, 0), bad));
  assert.equal(records.length, 0);
  assertFormatError(
    error,
    /enhanced packet block at byte 48 is too short \(40 bytes\) for its 200 captured bytes/,
  );
});

Deno.test("CaptureParser rejects an IDB option that overruns its block", () => {
  const bad = idb(LE, 1, 0, [tsresol(9)]);
  new DataView(bad.buffer).setUint16(18, 12336, true); // option length
  const { error } = parseAll(concat(shb(LE), bad));
  assertFormatError(
    error,
    /option 9 of 12336 bytes overruns the interface description block at byte 28/,
  );
});

Deno.test("CaptureParser reports a pcapng file cut inside a block", () => {
  const bytes = mixedPcapng();
  const cutHeader = parseAll(bytes.subarray(0, 28 + 4));
  assertFormatError(
    cutHeader.error,
    /file ends inside a block header \(4 of 8 bytes\)/,
  );
  const cutBlock = parseAll(bytes.subarray(0, bytes.length - 1));
  assert.equal(cutBlock.records.length, 5);
  assertFormatError(
    cutBlock.error,
    /file ends inside a block \(67 of 68 bytes\)/,
  );
  const cutShb = parseAll(bytes.subarray(0, 10));
  assertFormatError(
    cutShb.error,
    /file ends inside the file header \(10 of 12 bytes\)/,
  );
});

Deno.test("linkTypeOfPcapHeader() reads a classic pcap header's link type in either byte order and clock, and -1 for anything else", async () => {
  assert.equal(linkTypeOfPcapHeader(pcapFileHeader(228)), 228);
  assert.equal(linkTypeOfPcapHeader(pcapFileHeader(113, 65535, true)), 113);
  const bigEndian = await Deno.readFile(
    new URL(
      "../../shared/pcaps/formats/bigendian_pcap_pptp__pptp.pcap",
      import.meta.url,
    ),
  );
  assert.equal(linkTypeOfPcapHeader(bigEndian.subarray(0, 24)), 1);
  assert.equal(linkTypeOfPcapHeader(pcapFileHeader(1).subarray(0, 23)), -1);
  assert.equal(linkTypeOfPcapHeader(new Uint8Array(24)), -1);
});
