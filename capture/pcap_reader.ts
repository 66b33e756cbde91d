/**
 * Streaming, zero-copy reader for classic pcap and pcapng capture files.
 *
 * Bytes arrive in chunks of any size ({@linkcode CaptureParser.push}); every
 * record that lies wholly inside a chunk is handed on as a view of that chunk,
 * and only a record that straddles two chunks is assembled in a pending
 * buffer. The hot path allocates nothing per record: one reused
 * {@linkcode PcapRecord}, one `DataView` per chunk (but a BigInt for each
 * record of a pcapng interface with a resolution finer than 2^-32 s, or
 * 10^-12 s).
 *
 * Behaviour follows libpcap (sf-pcap.c, sf-pcapng.c) where the formats leave
 * room for choice:
 * - classic pcap versions 2.0 to 2.4 only; before 2.3 the caplen and len
 *   fields are swapped, and in 2.3 they are swapped when caplen > len;
 * - a link-type field with reserved bits (0x03FF0000) set is rejected; the
 *   FCS bits (0xF4000000) are ignored;
 * - a record larger than both 262144 bytes and the snap length is a corrupt
 *   stream; a smaller record over the snap length is delivered whole and
 *   counted as `record_exceeds_snaplen`; caplen > len is delivered and
 *   counted as `caplen_exceeds_wirelen`; a timestamp fraction of a second or
 *   more is delivered and counted as `timestamp_fraction_out_of_range`;
 * - pcapng Simple Packet Blocks carry no timestamp: they get the timestamp of
 *   the record delivered before them (0 if none);
 * - a pcapng timestamp outside classic pcap's range (before 1970 or past
 *   2106: a corrupt 64-bit field, or an offset that makes it negative) is
 *   counted as `timestamp_out_of_range` and the packet gets the timestamp of
 *   the record before it, as a Simple Packet Block does: nothing downstream
 *   meets a time no clock or `Date` can show;
 * - a pcapng packet on an interface the section has not described is counted
 *   as `pcapng_unknown_interface` and skipped.
 *
 * @module
 */

import type { AnomalyCounter } from "./anomalies.ts";
import type { PcapRecord } from "./pcap_record.ts";

/** A capture stream that cannot be parsed any further (bad header, corrupt block, cut short). */
export class CaptureFormatError extends SyntaxError {
  /** Creates the error; `message` reads "Cannot parse capture: <detail>". */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CaptureFormatError";
  }
}

/** Options of {@linkcode CaptureParser}. */
export interface CaptureParserOptions {
  /** Where record-layer anomalies are counted. */
  anomalies?: AnomalyCounter;
}

/** Largest record libpcap accepts for most link types (MAXIMUM_SNAPLEN). */
const STANDARD_MAX_CAPTURED_BYTES = 262_144;
/** Hard ceiling whatever the header says (libpcap's largest, DLT_DBUS). */
const ABSOLUTE_MAX_CAPTURED_BYTES = 128 * 1024 * 1024;
/** Default ceiling of one pcapng block (libpcap's initial MAX_BLOCKSIZE). */
const DEFAULT_MAX_BLOCK_BYTES = 16 * 1024 * 1024;
/** Room for an EPB's fixed fields and options beyond its packet data. */
const BLOCK_OVERHEAD_BYTES = 64 * 1024;

const PCAP_FILE_HEADER_BYTES = 24;
const PCAP_RECORD_HEADER_BYTES = 16;
const PCAPNG_BLOCK_HEADER_BYTES = 8;
const PCAPNG_SHB_PREFIX_BYTES = 12;

const STATE_START = 0;
const STATE_PCAP = 1;
const STATE_PCAPNG = 2;
const STATE_FAILED = 3;

const LENGTHS_IN_ORDER = 0;
const LENGTHS_SWAPPED = 1;
const LENGTHS_MAYBE_SWAPPED = 2;

/** pcapng block types (pcapng draft, section 11.1). */
const Block = {
  SECTION_HEADER: 0x0a0d0d0a,
  INTERFACE_DESCRIPTION: 1,
  PACKET: 2,
  SIMPLE_PACKET: 3,
  ENHANCED_PACKET: 6,
} as const;

/** pcapng IDB option codes (pcapng draft, section 4.2). */
const Option = { END: 0, IF_TSRESOL: 9, IF_TSOFFSET: 14 } as const;

const TWO_POW_32 = 4_294_967_296;

/**
 * The latest timestamp a pcapng packet may carry, µs: the end of classic
 * pcap's unsigned 32-bit seconds (2106-02-07), far inside `Date`'s range and
 * exact as a double.
 */
const MAX_TIMESTAMP_US = TWO_POW_32 * 1_000_000 - 1;

const TS_MICROSECONDS = 0;
const TS_MULTIPLY = 1;
const TS_DIVIDE = 2;
const TS_BINARY = 3;
const TS_BIGINT = 4;

/** One pcapng interface (IDB) and how to turn its timestamps into µs. */
interface PcapngInterface {
  linkType: number;
  /** 0 means "no limit". */
  snapLength: number;
  maxCapturedBytes: number;
  tsKind: number;
  /** TS_MULTIPLY: µs per unit; TS_DIVIDE: units per µs; TS_BINARY: the exponent n of 2^-n. */
  tsScale: number;
  /** TS_DIVIDE: floor(2^32 / tsScale) and 2^32 mod tsScale. */
  tsQuotient: number;
  tsRemainder: number;
  /** TS_BIGINT: units per second. */
  tsUnitsPerSecond: bigint;
  /** if_tsoffset, in µs. */
  offsetUs: number;
  /** Whether its times can fall between whole microseconds (records then carry `subMicrosecondNs`). */
  subMicrosecond: boolean;
}

const NO_BYTES = new Uint8Array(0);

function noRecordHandler(_record: PcapRecord): void {}

function hex32(value: number): string {
  return "0x" + (value >>> 0).toString(16).padStart(8, "0");
}

const FORMAT_ERROR_PREFIX = "Cannot parse capture: ";
const EMPTY_INPUT = "input is empty";

function formatError(detail: string): CaptureFormatError {
  return new CaptureFormatError(`${FORMAT_ERROR_PREFIX}${detail}`);
}

/** `message` ("Cannot parse capture: <detail>") naming the capture: `Cannot parse capture "x.pcap": <detail>` ("-": from stdin). */
export function namingCapture(message: string, path: string): string {
  if (!message.startsWith(FORMAT_ERROR_PREFIX)) return message;
  const detail = message.slice(FORMAT_ERROR_PREFIX.length);
  if (path === "-") return `Cannot parse capture from stdin: ${detail}`;
  return `Cannot parse capture ${JSON.stringify(path)}: ${
    detail === EMPTY_INPUT ? "the file is empty" : detail
  }`;
}

/** Streaming parser for pcap and pcapng: push chunks, receive records. */
export class CaptureParser {
  readonly #anomalies: AnomalyCounter | undefined;
  readonly #record: PcapRecord = {
    timestampUs: 0,
    subMicrosecondNs: -1,
    capturedLength: 0,
    wireLength: 0,
    linkType: 0,
    interfaceId: 0,
    bytes: NO_BYTES,
    offset: 0,
  };
  #onRecord: (record: PcapRecord) => void = noRecordHandler;
  #state = STATE_START;
  #error: unknown = undefined;
  #format: "pcap" | "pcapng" | undefined = undefined;
  readonly #linkTypes: number[] = [];
  #recordCount = 0;
  #lastTimestampUs = 0;
  /** pcapng: ns past the last timestamp (`PcapRecord.subMicrosecondNs`), which a Simple Packet Block reuses. */
  #lastSubMicrosecondNs = -1;
  /** pcapng: whether an interface whose times fall between microseconds has been described: the others' records then carry 0 ns, not -1, so a writer keeps every interface's nanoseconds. */
  #subMicrosecondClock = false;
  /** Stream offset of the current chunk's first byte. */
  #chunkStartByte = 0;

  #pending: Uint8Array<ArrayBuffer> = new Uint8Array(0);
  #pendingView = new DataView(this.#pending.buffer);
  #pendingBytes = 0;
  /** Stream offset of the pending unit's first byte. */
  #pendingStartByte = 0;

  #littleEndian = true;
  // Classic pcap.
  #nanoseconds = false;
  #lengthOrder = LENGTHS_IN_ORDER;
  #linkType = 0;
  #snapLimit = Infinity;
  #maxCapturedBytes = STANDARD_MAX_CAPTURED_BYTES;
  // pcapng.
  #interfaces: PcapngInterface[] = [];
  #maxBlockBytes = DEFAULT_MAX_BLOCK_BYTES;

  /** Creates a parser; anomalies go to `options.anomalies` when given. */
  constructor(options: CaptureParserOptions = {}) {
    this.#anomalies = options.anomalies;
  }

  /** "pcap" or "pcapng" once the file header has been read, else undefined. */
  get format(): "pcap" | "pcapng" | undefined {
    return this.#format;
  }

  /** Distinct link types seen so far (one per interface for pcapng). */
  get linkTypes(): readonly number[] {
    return this.#linkTypes;
  }

  /** Records delivered so far. */
  get recordCount(): number {
    return this.#recordCount;
  }

  /**
   * Parses every record this chunk completes and calls `onRecord` for each
   * (the record object is reused and valid only during the call). Keeps no
   * reference to `chunk`: a partial record at its end is copied. Throws
   * `CaptureFormatError` on a corrupt stream, after delivering every good
   * record before the damage; the parser is then unusable.
   */
  push(chunk: Uint8Array, onRecord: (record: PcapRecord) => void): void {
    if (this.#state === STATE_FAILED) throw this.#error;
    const end = chunk.length;
    if (end === 0) return;
    this.#onRecord = onRecord;
    try {
      let position = 0;
      if (this.#pendingBytes > 0) position = this.#completePending(chunk);
      if (position < end) {
        const view = new DataView(
          chunk.buffer,
          chunk.byteOffset,
          chunk.byteLength,
        );
        position = this.#parseUnits(chunk, view, position, end);
        if (position < end) this.#keepTail(chunk, position);
      }
    } catch (error) {
      this.#state = STATE_FAILED;
      this.#error = error;
      throw error;
    } finally {
      this.#onRecord = noRecordHandler;
      this.#record.bytes = NO_BYTES; // drop the last chunk: the caller reuses it
      this.#chunkStartByte += end;
    }
  }

  /**
   * Call at end of input. Throws `CaptureFormatError` if the input was empty,
   * had no complete file header, or ended inside a record or block.
   */
  finish(): void {
    if (this.#state === STATE_FAILED) throw this.#error;
    const have = this.#pendingBytes;
    let error: CaptureFormatError | undefined;
    if (this.#state === STATE_START) {
      if (this.#chunkStartByte === 0) {
        error = formatError(EMPTY_INPUT);
      } else if (have < 4) {
        error = formatError(
          `input is too short for a capture file header (${have} bytes)`,
        );
      } else {
        const need = this.#unitBytes(this.#pending, this.#pendingView, 0, have);
        error = formatError(
          `file ends inside the file header (${have} of ${need} bytes)`,
        );
      }
    } else if (have > 0) {
      const need = this.#unitBytes(this.#pending, this.#pendingView, 0, have);
      if (this.#state === STATE_PCAP) {
        error = formatError(
          have < PCAP_RECORD_HEADER_BYTES
            ? `file ends inside a record (${have} of ${PCAP_RECORD_HEADER_BYTES} header bytes)`
            : `file ends inside a record (${
              have - PCAP_RECORD_HEADER_BYTES
            } of ${need - PCAP_RECORD_HEADER_BYTES} captured bytes)`,
        );
      } else {
        error = formatError(
          need <= PCAPNG_SHB_PREFIX_BYTES
            ? `file ends inside a block header (${have} of ${need} bytes)`
            : `file ends inside a block (${have} of ${need} bytes)`,
        );
      }
    }
    if (error !== undefined) {
      this.#state = STATE_FAILED;
      this.#error = error;
      throw error;
    }
  }

  /** Tops up the pending unit from `chunk`, processing it once complete; returns the chunk position reached. */
  #completePending(chunk: Uint8Array): number {
    const end = chunk.length;
    let position = 0;
    while (this.#pendingBytes > 0) {
      const have = this.#pendingBytes;
      const need = this.#unitBytes(this.#pending, this.#pendingView, 0, have);
      if (need > have) {
        if (position === end) return end;
        const take = Math.min(need - have, end - position);
        this.#reservePending(need);
        this.#pending.set(chunk.subarray(position, position + take), have);
        this.#pendingBytes = have + take;
        position += take;
        continue;
      }
      // Only ever topped up to `need`, so the unit is exactly the pending bytes.
      this.#pendingBytes = 0;
      this.#processUnit(
        this.#pending,
        this.#pendingView,
        0,
        need,
        this.#pendingStartByte,
      );
    }
    return position;
  }

  /** Copies the incomplete unit at the end of `chunk` into the pending buffer. */
  #keepTail(chunk: Uint8Array, position: number): void {
    const tailBytes = chunk.length - position;
    this.#reservePending(Math.max(tailBytes, 64));
    this.#pending.set(chunk.subarray(position), 0);
    this.#pendingBytes = tailBytes;
    this.#pendingStartByte = this.#chunkStartByte + position;
  }

  #reservePending(bytes: number): void {
    if (this.#pending.length >= bytes) return;
    const size = Math.max(bytes, this.#pending.length * 2, 4096);
    const grown = new Uint8Array(size);
    grown.set(this.#pending.subarray(0, this.#pendingBytes), 0);
    this.#pending = grown;
    this.#pendingView = new DataView(grown.buffer);
  }

  /** Parses whole units of `bytes[position, end)`; returns where the first incomplete one starts. */
  #parseUnits(
    bytes: Uint8Array,
    view: DataView,
    position: number,
    end: number,
  ): number {
    while (position < end) {
      if (this.#state === STATE_PCAP) {
        return this.#parsePcapRecords(bytes, view, position, end);
      }
      const have = end - position;
      const need = this.#unitBytes(bytes, view, position, have);
      if (need > have) return position;
      this.#processUnit(
        bytes,
        view,
        position,
        need,
        this.#chunkStartByte + position,
      );
      position += need;
    }
    return position;
  }

  /** The hot loop for classic pcap: every whole record of `bytes[position, end)`. */
  #parsePcapRecords(
    bytes: Uint8Array,
    view: DataView,
    position: number,
    end: number,
  ): number {
    const littleEndian = this.#littleEndian;
    const lengthOrder = this.#lengthOrder;
    const maxCapturedBytes = this.#maxCapturedBytes;
    while (end - position >= PCAP_RECORD_HEADER_BYTES) {
      let capturedLength = view.getUint32(position + 8, littleEndian);
      let wireLength = view.getUint32(position + 12, littleEndian);
      if (
        lengthOrder !== LENGTHS_IN_ORDER &&
        (lengthOrder === LENGTHS_SWAPPED || capturedLength > wireLength)
      ) {
        const swap = capturedLength;
        capturedLength = wireLength;
        wireLength = swap;
      }
      if (capturedLength > maxCapturedBytes) {
        throw this.#oversizeRecord(
          capturedLength,
          this.#chunkStartByte + position,
        );
      }
      const next = position + PCAP_RECORD_HEADER_BYTES + capturedLength;
      if (next > end) break;
      this.#deliverPcapRecord(
        bytes,
        view,
        position,
        capturedLength,
        wireLength,
      );
      position = next;
    }
    return position;
  }

  #deliverPcapRecord(
    bytes: Uint8Array,
    view: DataView,
    position: number,
    capturedLength: number,
    wireLength: number,
  ): void {
    const littleEndian = this.#littleEndian;
    const seconds = view.getUint32(position, littleEndian);
    const fraction = view.getUint32(position + 4, littleEndian);
    let timestampUs: number;
    let subMicrosecondNs = -1;
    if (this.#nanoseconds) {
      if (fraction >= 1_000_000_000) {
        this.#anomalies?.add("timestamp_fraction_out_of_range");
      }
      const fractionUs = Math.floor(fraction / 1000);
      timestampUs = seconds * 1_000_000 + fractionUs;
      subMicrosecondNs = fraction - fractionUs * 1000;
    } else {
      if (fraction >= 1_000_000) {
        this.#anomalies?.add("timestamp_fraction_out_of_range");
      }
      timestampUs = seconds * 1_000_000 + fraction;
    }
    if (capturedLength > this.#snapLimit) {
      this.#anomalies?.add("record_exceeds_snaplen");
    }
    if (capturedLength > wireLength) {
      this.#anomalies?.add("caplen_exceeds_wirelen");
    }
    const record = this.#record;
    record.timestampUs = timestampUs;
    record.subMicrosecondNs = subMicrosecondNs;
    record.capturedLength = capturedLength;
    record.wireLength = wireLength;
    record.linkType = this.#linkType;
    record.interfaceId = 0;
    record.bytes = bytes;
    record.offset = position + PCAP_RECORD_HEADER_BYTES;
    this.#lastTimestampUs = timestampUs;
    this.#recordCount++;
    this.#onRecord(record);
  }

  #oversizeRecord(capturedLength: number, at: number): CaptureFormatError {
    return formatError(
      `record at byte ${at} claims ${capturedLength} captured bytes (at most ${this.#maxCapturedBytes})`,
    );
  }

  /**
   * Bytes the unit (file header, record or block) at `position` needs. With
   * fewer than `have` bytes known, returns the bytes needed to tell; grows
   * monotonically as more bytes arrive. Throws on an impossible length.
   */
  #unitBytes(
    bytes: Uint8Array,
    view: DataView,
    position: number,
    have: number,
  ): number {
    switch (this.#state) {
      case STATE_PCAP: {
        if (have < PCAP_RECORD_HEADER_BYTES) return PCAP_RECORD_HEADER_BYTES;
        let capturedLength = view.getUint32(position + 8, this.#littleEndian);
        const wireLength = view.getUint32(position + 12, this.#littleEndian);
        if (
          this.#lengthOrder === LENGTHS_SWAPPED ||
          (this.#lengthOrder === LENGTHS_MAYBE_SWAPPED &&
            capturedLength > wireLength)
        ) {
          capturedLength = wireLength;
        }
        if (capturedLength > this.#maxCapturedBytes) {
          throw this.#oversizeRecord(capturedLength, this.#pendingStartByte);
        }
        return PCAP_RECORD_HEADER_BYTES + capturedLength;
      }
      case STATE_START: {
        if (have < 4) return 4;
        const magic = view.getUint32(position, false);
        switch (captureFormatOfMagic(magic)) {
          case "pcap":
            return PCAP_FILE_HEADER_BYTES;
          case "pcapng":
            return this.#blockBytes(bytes, view, position, have);
        }
        if (startsWithGzipMagic(bytes, position)) {
          throw formatError("input is gzip-compressed (decompress it first)");
        }
        throw formatError(
          `not a pcap or pcapng file (unknown magic number ${hex32(magic)})`,
        );
      }
      default:
        return this.#blockBytes(bytes, view, position, have);
    }
  }

  /** {@linkcode #unitBytes} for a pcapng block. */
  #blockBytes(
    bytes: Uint8Array,
    view: DataView,
    position: number,
    have: number,
  ): number {
    if (have < 4) return PCAPNG_BLOCK_HEADER_BYTES;
    let littleEndian = this.#littleEndian;
    let minimumBytes = 12;
    const isSectionHeader = bytes[position] === 0x0a &&
      bytes[position + 1] === 0x0d && bytes[position + 2] === 0x0d &&
      bytes[position + 3] === 0x0a;
    if (isSectionHeader) {
      if (have < PCAPNG_SHB_PREFIX_BYTES) return PCAPNG_SHB_PREFIX_BYTES;
      littleEndian = sectionLittleEndian(view, position);
      minimumBytes = 28;
    } else if (have < PCAPNG_BLOCK_HEADER_BYTES) {
      return PCAPNG_BLOCK_HEADER_BYTES;
    }
    const totalBytes = view.getUint32(position + 4, littleEndian);
    const at = bytes === this.#pending
      ? this.#pendingStartByte
      : this.#chunkStartByte + position;
    if (totalBytes < minimumBytes || totalBytes % 4 !== 0) {
      throw formatError(
        `block at byte ${at} has invalid total length ${totalBytes} (must be a multiple of 4 and at least ${minimumBytes})`,
      );
    }
    if (totalBytes > this.#maxBlockBytes) {
      throw formatError(
        `block at byte ${at} has total length ${totalBytes} (at most ${this.#maxBlockBytes})`,
      );
    }
    return totalBytes;
  }

  /** Handles one complete unit of `unitBytes` bytes at `position`; `at` is its stream offset. */
  #processUnit(
    bytes: Uint8Array,
    view: DataView,
    position: number,
    unitBytes: number,
    at: number,
  ): void {
    if (this.#state === STATE_PCAP) {
      const littleEndian = this.#littleEndian;
      let capturedLength = view.getUint32(position + 8, littleEndian);
      let wireLength = view.getUint32(position + 12, littleEndian);
      if (
        this.#lengthOrder === LENGTHS_SWAPPED ||
        (this.#lengthOrder === LENGTHS_MAYBE_SWAPPED &&
          capturedLength > wireLength)
      ) {
        const swap = capturedLength;
        capturedLength = wireLength;
        wireLength = swap;
      }
      this.#deliverPcapRecord(
        bytes,
        view,
        position,
        capturedLength,
        wireLength,
      );
      return;
    }
    if (this.#state === STATE_START && unitBytes === PCAP_FILE_HEADER_BYTES) {
      const magic = view.getUint32(position, false);
      if (magic !== Block.SECTION_HEADER) {
        this.#readPcapFileHeader(view, position, magic);
        return;
      }
    }
    this.#processBlock(bytes, view, position, unitBytes, at);
  }

  #readPcapFileHeader(view: DataView, position: number, magic: number): void {
    const littleEndian = magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1;
    const major = view.getUint16(position + 4, littleEndian);
    const minor = view.getUint16(position + 6, littleEndian);
    if (major !== 2 || minor > 4) {
      throw formatError(
        `unsupported pcap version ${major}.${minor} (readable: 2.0 to 2.4)`,
      );
    }
    const snapLength = view.getUint32(position + 16, littleEndian);
    const network = view.getUint32(position + 20, littleEndian);
    // LT_RESERVED1 (libpcap pcap-common.h); the top bits are FCS info, ignored.
    const reserved = network & 0x03ff0000;
    if (reserved !== 0) {
      throw formatError(
        `link-type field ${hex32(network)} has reserved bits set${
          reserved === network ? "" : ` (${hex32(reserved)})`
        }`,
      );
    }
    this.#littleEndian = littleEndian;
    this.#nanoseconds = magic === 0xa1b23c4d || magic === 0x4d3cb2a1;
    // Lengths were interchanged at 2.3; some 2.3 writers kept the old order.
    this.#lengthOrder = minor < 3
      ? LENGTHS_SWAPPED
      : minor === 3
      ? LENGTHS_MAYBE_SWAPPED
      : LENGTHS_IN_ORDER;
    this.#linkType = network & 0x03ffffff;
    this.#snapLimit = snapLength === 0 ? Infinity : snapLength;
    this.#maxCapturedBytes = maxCapturedBytesFor(snapLength);
    this.#linkTypes.push(this.#linkType);
    this.#format = "pcap";
    this.#state = STATE_PCAP;
  }

  #processBlock(
    bytes: Uint8Array,
    view: DataView,
    position: number,
    totalBytes: number,
    at: number,
  ): void {
    const isSectionHeader = bytes[position] === 0x0a &&
      bytes[position + 1] === 0x0d && bytes[position + 2] === 0x0d &&
      bytes[position + 3] === 0x0a;
    const littleEndian = isSectionHeader
      ? sectionLittleEndian(view, position)
      : this.#littleEndian;
    const trailerBytes = view.getUint32(
      position + totalBytes - 4,
      littleEndian,
    );
    if (trailerBytes !== totalBytes) {
      throw formatError(
        `block at byte ${at} has total length ${totalBytes} in its header but ${trailerBytes} in its trailer`,
      );
    }
    if (isSectionHeader) {
      const major = view.getUint16(position + 12, littleEndian);
      const minor = view.getUint16(position + 14, littleEndian);
      if (major !== 1) {
        throw formatError(
          `unsupported pcapng version ${major}.${minor} in the section header at byte ${at}`,
        );
      }
      this.#littleEndian = littleEndian;
      this.#interfaces = [];
      this.#format = "pcapng";
      this.#state = STATE_PCAPNG;
      return;
    }
    switch (view.getUint32(position, littleEndian)) {
      case Block.ENHANCED_PACKET:
        this.#readPacketBlock(bytes, view, position, totalBytes, at, true);
        return;
      case Block.INTERFACE_DESCRIPTION:
        this.#readInterfaceBlock(view, position, totalBytes, at);
        return;
      case Block.SIMPLE_PACKET:
        this.#readSimplePacketBlock(bytes, view, position, totalBytes, at);
        return;
      case Block.PACKET:
        this.#readPacketBlock(bytes, view, position, totalBytes, at, false);
        return;
      default:
        return; // NRB, ISB, DSB, custom, ...: nothing the record layer needs.
    }
  }

  /** Enhanced Packet Block (type 6) or the obsolete Packet Block (type 2). */
  #readPacketBlock(
    bytes: Uint8Array,
    view: DataView,
    position: number,
    totalBytes: number,
    at: number,
    enhanced: boolean,
  ): void {
    const name = enhanced ? "enhanced packet block" : "packet block";
    if (totalBytes < 32) {
      throw formatError(
        `${name} at byte ${at} is too short (${totalBytes} bytes)`,
      );
    }
    const littleEndian = this.#littleEndian;
    const interfaceId = enhanced
      ? view.getUint32(position + 8, littleEndian)
      : view.getUint16(position + 8, littleEndian);
    const capturedLength = view.getUint32(position + 20, littleEndian);
    if (capturedLength > totalBytes - 32) {
      throw formatError(
        `${name} at byte ${at} is too short (${totalBytes} bytes) for its ${capturedLength} captured bytes`,
      );
    }
    const iface = this.#interfaces[interfaceId];
    if (iface === undefined) {
      this.#anomalies?.add("pcapng_unknown_interface");
      return;
    }
    if (capturedLength > iface.maxCapturedBytes) {
      throw formatError(
        `${name} at byte ${at} claims ${capturedLength} captured bytes (at most ${iface.maxCapturedBytes})`,
      );
    }
    const wireLength = view.getUint32(position + 24, littleEndian);
    if (iface.snapLength !== 0 && capturedLength > iface.snapLength) {
      this.#anomalies?.add("record_exceeds_snaplen");
    }
    if (capturedLength > wireLength) {
      this.#anomalies?.add("caplen_exceeds_wirelen");
    }
    const high = view.getUint32(position + 12, littleEndian);
    const low = view.getUint32(position + 16, littleEndian);
    let timestampUs = pcapngTimestampUs(iface, high, low);
    if (!(timestampUs >= 0 && timestampUs <= MAX_TIMESTAMP_US)) {
      this.#anomalies?.add("timestamp_out_of_range");
      timestampUs = this.#lastTimestampUs;
    } else {
      this.#lastSubMicrosecondNs = iface.subMicrosecond
        ? pcapngSubMicrosecondNs(iface, high, low)
        : this.#subMicrosecondClock
        ? 0
        : -1;
    }
    this.#deliver(
      bytes,
      position + 28,
      capturedLength,
      wireLength,
      iface.linkType,
      interfaceId,
      timestampUs,
    );
  }

  /** Simple Packet Block (type 3): interface 0, no timestamp, caplen implied. */
  #readSimplePacketBlock(
    bytes: Uint8Array,
    view: DataView,
    position: number,
    totalBytes: number,
    at: number,
  ): void {
    if (totalBytes < 16) {
      throw formatError(
        `simple packet block at byte ${at} is too short (${totalBytes} bytes)`,
      );
    }
    const iface = this.#interfaces[0];
    if (iface === undefined) {
      this.#anomalies?.add("pcapng_unknown_interface");
      return;
    }
    const wireLength = view.getUint32(position + 8, this.#littleEndian);
    // pcapng draft 4.4: captured = min(original length, snap length), padded.
    let capturedLength = Math.min(wireLength, totalBytes - 16);
    if (iface.snapLength !== 0 && capturedLength > iface.snapLength) {
      capturedLength = iface.snapLength;
    }
    this.#deliver(
      bytes,
      position + 12,
      capturedLength,
      wireLength,
      iface.linkType,
      0,
      this.#lastTimestampUs,
    );
  }

  #deliver(
    bytes: Uint8Array,
    offset: number,
    capturedLength: number,
    wireLength: number,
    linkType: number,
    interfaceId: number,
    timestampUs: number,
  ): void {
    const record = this.#record;
    record.timestampUs = timestampUs;
    record.subMicrosecondNs = this.#lastSubMicrosecondNs;
    record.capturedLength = capturedLength;
    record.wireLength = wireLength;
    record.linkType = linkType;
    record.interfaceId = interfaceId;
    record.bytes = bytes;
    record.offset = offset;
    this.#lastTimestampUs = timestampUs;
    this.#recordCount++;
    this.#onRecord(record);
  }

  /** Interface Description Block (type 1): link type, snap length, if_tsresol, if_tsoffset. */
  #readInterfaceBlock(
    view: DataView,
    position: number,
    totalBytes: number,
    at: number,
  ): void {
    if (totalBytes < 20) {
      throw formatError(
        `interface description block at byte ${at} is too short (${totalBytes} bytes)`,
      );
    }
    const littleEndian = this.#littleEndian;
    const linkType = view.getUint16(position + 8, littleEndian);
    const snapLength = view.getUint32(position + 12, littleEndian);
    let tsResolution = 6;
    let offsetSeconds = 0;
    const optionsEnd = position + totalBytes - 4;
    let option = position + 16;
    while (option + 4 <= optionsEnd) {
      const code = view.getUint16(option, littleEndian);
      const length = view.getUint16(option + 2, littleEndian);
      if (code === Option.END) break;
      const value = option + 4;
      if (value + length > optionsEnd) {
        throw formatError(
          `option ${code} of ${length} bytes overruns the interface description block at byte ${at}`,
        );
      }
      if (code === Option.IF_TSRESOL && length >= 1) {
        tsResolution = view.getUint8(value);
      } else if (code === Option.IF_TSOFFSET && length >= 8) {
        const low = view.getUint32(
          value + (littleEndian ? 0 : 4),
          littleEndian,
        );
        const high = view.getInt32(
          value + (littleEndian ? 4 : 0),
          littleEndian,
        );
        offsetSeconds = high * TWO_POW_32 + low;
      }
      option = value + ((length + 3) & ~3);
    }
    const iface = createInterface(linkType, snapLength, tsResolution);
    iface.offsetUs = offsetSeconds * 1_000_000;
    this.#interfaces.push(iface);
    if (iface.subMicrosecond) this.#subMicrosecondClock = true;
    if (iface.maxCapturedBytes + BLOCK_OVERHEAD_BYTES > this.#maxBlockBytes) {
      this.#maxBlockBytes = iface.maxCapturedBytes + BLOCK_OVERHEAD_BYTES;
    }
    if (!this.#linkTypes.includes(linkType)) this.#linkTypes.push(linkType);
  }
}

/** Endianness of the section whose header starts at `position`, from its byte-order magic. */
function sectionLittleEndian(view: DataView, position: number): boolean {
  const byteOrderMagic = view.getUint32(position + 8, false);
  if (byteOrderMagic === 0x4d3c2b1a) return true;
  if (byteOrderMagic === 0x1a2b3c4d) return false;
  throw formatError(
    `unknown pcapng byte-order magic ${hex32(byteOrderMagic)}`,
  );
}

/** Largest record accepted for a snap length: 262144, or the snap length when larger (capped at 128 MiB). */
function maxCapturedBytesFor(snapLength: number): number {
  return Math.max(
    STANDARD_MAX_CAPTURED_BYTES,
    Math.min(snapLength, ABSOLUTE_MAX_CAPTURED_BYTES),
  );
}

/** Builds an interface, choosing how to scale its timestamps exactly. */
function createInterface(
  linkType: number,
  snapLength: number,
  tsResolution: number,
): PcapngInterface {
  const iface: PcapngInterface = {
    linkType,
    snapLength,
    maxCapturedBytes: maxCapturedBytesFor(snapLength),
    tsKind: TS_MICROSECONDS,
    tsScale: 1,
    tsQuotient: 0,
    tsRemainder: 0,
    tsUnitsPerSecond: 1_000_000n,
    offsetUs: 0,
    subMicrosecond: false,
  };
  const exponent = tsResolution & 0x7f;
  if ((tsResolution & 0x80) !== 0) {
    // if_tsresol MSB set: units of 2^-n seconds.
    iface.tsKind = TS_BINARY;
    iface.tsScale = exponent;
    iface.tsUnitsPerSecond = 1n << BigInt(exponent);
    // 2^-6 s is 15,625 µs; 2^-7 s, 7,812.5.
    iface.subMicrosecond = exponent >= 7;
  } else if (exponent < 6) {
    iface.tsKind = TS_MULTIPLY;
    iface.tsScale = 10 ** (6 - exponent);
    iface.tsUnitsPerSecond = 10n ** BigInt(exponent);
  } else if (exponent > 6) {
    iface.tsUnitsPerSecond = 10n ** BigInt(exponent);
    iface.subMicrosecond = true;
    if (exponent - 6 <= 9) {
      iface.tsKind = TS_DIVIDE;
      iface.tsScale = 10 ** (exponent - 6);
      iface.tsQuotient = Math.floor(TWO_POW_32 / iface.tsScale);
      iface.tsRemainder = TWO_POW_32 - iface.tsQuotient * iface.tsScale;
    } else {
      iface.tsKind = TS_BIGINT;
    }
  }
  return iface;
}

/** Whether `bytes` hold the gzip magic (1f 8b) at `offset`. */
export function startsWithGzipMagic(bytes: Uint8Array, offset = 0): boolean {
  return bytes[offset] === 0x1f && bytes[offset + 1] === 0x8b;
}

/** The link type a classic pcap file header names (either byte order, µs or ns), as {@linkcode CaptureParser} reads it; -1 when `header` is not one it reads. */
export function linkTypeOfPcapHeader(header: Uint8Array): number {
  if (header.length < PCAP_FILE_HEADER_BYTES) return -1;
  const magic = new DataView(header.buffer, header.byteOffset, 4)
    .getUint32(0, false);
  if (captureFormatOfMagic(magic) !== "pcap") return -1;
  const parser = new CaptureParser();
  try {
    parser.push(header.subarray(0, PCAP_FILE_HEADER_BYTES), () => {});
  } catch (error) {
    if (error instanceof CaptureFormatError) return -1;
    throw error;
  }
  return parser.linkTypes[0] ?? -1;
}

/**
 * The capture format a file's first four bytes (read big-endian) announce:
 * a classic pcap magic (µs or ns, either byte order) or a pcapng section
 * header block; undefined for anything else.
 */
export function captureFormatOfMagic(
  magic: number,
): "pcap" | "pcapng" | undefined {
  switch (magic) {
    case 0xa1b2c3d4: // µs, either byte order
    case 0xd4c3b2a1:
    case 0xa1b23c4d: // ns, either byte order
    case 0x4d3cb2a1:
      return "pcap";
    case Block.SECTION_HEADER: // the same bytes in either byte order
      return "pcapng";
  }
  return undefined;
}

/**
 * The nanoseconds past the whole microsecond (0–999) of a 64-bit pcapng
 * timestamp, on an interface whose times can fall between microseconds
 * (rounded down to the nanosecond); without BigInt for binary resolutions
 * up to 2^-32 s and decimal ones while the units stay exact in a double
 * (nanoseconds and picoseconds).
 */
function pcapngSubMicrosecondNs(
  iface: PcapngInterface,
  high: number,
  low: number,
): number {
  if (iface.tsKind === TS_DIVIDE) {
    // As pcapngTimestampUs: the units past the whole µs, then in ns.
    const divisor = iface.tsScale;
    const rest = high * iface.tsRemainder + low;
    if (rest <= Number.MAX_SAFE_INTEGER) {
      const unitsPastUs = rest % divisor;
      return Math.floor(unitsPastUs * 1000 / divisor);
    }
  } else if (iface.tsKind === TS_BINARY && iface.tsScale <= 32) {
    // units × 10^6 mod 2^n (the µs's remainder, in units × 10^6), from the
    // low word alone: high × 2^32 is a multiple of 2^n. Both products stay
    // below 2^53.
    const unit = 2 ** iface.tsScale;
    const pastUs = ((low % unit) * 1_000_000) % unit;
    return Math.floor(pastUs * 1000 / unit);
  }
  const units = (BigInt(high) << 32n) | BigInt(low);
  return Number(units * 1_000_000_000n / iface.tsUnitsPerSecond % 1000n);
}

/**
 * Converts a 64-bit pcapng timestamp (high and low 32 bits, in the
 * interface's units) to integer µs exactly, without BigInt for the usual
 * resolutions: ns values exceed 2^53, so the division is split around 2^32.
 */
function pcapngTimestampUs(
  iface: PcapngInterface,
  high: number,
  low: number,
): number {
  switch (iface.tsKind) {
    case TS_MICROSECONDS:
      return high * TWO_POW_32 + low + iface.offsetUs;
    case TS_MULTIPLY:
      return (high * TWO_POW_32 + low) * iface.tsScale + iface.offsetUs;
    case TS_DIVIDE: {
      // units = high * 2^32 + low and 2^32 = q * d + r, so
      // floor(units / d) = high * q + floor((high * r + low) / d).
      const divisor = iface.tsScale;
      const rest = high * iface.tsRemainder + low;
      if (rest > Number.MAX_SAFE_INTEGER) break;
      let restQuotient = Math.floor(rest / divisor);
      if (restQuotient * divisor > rest) restQuotient--; // rounding guard
      return high * iface.tsQuotient + restQuotient + iface.offsetUs;
    }
    case TS_BINARY: {
      // µs = floor((high * 2^32 + low) * 1e6 / 2^n); both products are exact.
      const exponent = iface.tsScale;
      const highUs = high * 1_000_000;
      const lowUs = low * 1_000_000;
      if (exponent <= 32) {
        return highUs * 2 ** (32 - exponent) +
          Math.floor(lowUs / 2 ** exponent) + iface.offsetUs;
      }
      return Math.floor(
        (highUs + Math.floor(lowUs / TWO_POW_32)) / 2 ** (exponent - 32),
      ) + iface.offsetUs;
    }
  }
  const units = (BigInt(high) << 32n) | BigInt(low);
  return Number(units * 1_000_000n / iface.tsUnitsPerSecond) + iface.offsetUs;
}
