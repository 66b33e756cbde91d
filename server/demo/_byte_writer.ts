/**
 * A growable big-endian byte writer with length-prefixed blocks, for the
 * payload builders (TLS, SSH, DNS, NTP).
 *
 * @module
 */

const ENCODER = new TextEncoder();

/** Appends big-endian fields to a growing buffer. */
export class ByteWriter {
  #bytes = new Uint8Array(256);
  #length = 0;

  /** Bytes written so far. */
  get length(): number {
    return this.#length;
  }

  /** Appends one byte. */
  u8(value: number): this {
    this.#reserve(1);
    this.#bytes[this.#length++] = value & 0xff;
    return this;
  }

  /** Appends a 16-bit value. */
  u16(value: number): this {
    return this.u8(value >>> 8).u8(value);
  }

  /** Appends a 24-bit value. */
  u24(value: number): this {
    return this.u8(value >>> 16).u8(value >>> 8).u8(value);
  }

  /** Appends a 32-bit value. */
  u32(value: number): this {
    return this.u16(value >>> 16).u16(value & 0xffff);
  }

  /** Appends raw bytes. */
  bytes(data: Uint8Array): this {
    this.#reserve(data.length);
    this.#bytes.set(data, this.#length);
    this.#length += data.length;
    return this;
  }

  /** Appends a string as UTF-8. */
  text(value: string): this {
    return this.bytes(ENCODER.encode(value));
  }

  /**
   * Appends a block written by `body`, preceded by its length in
   * `prefixBytes` (1, 2, 3 or 4) big-endian bytes.
   */
  block(prefixBytes: 1 | 2 | 3 | 4, body: (writer: ByteWriter) => void): this {
    const inner = new ByteWriter();
    body(inner);
    const length = inner.length;
    if (prefixBytes === 1) this.u8(length);
    else if (prefixBytes === 2) this.u16(length);
    else if (prefixBytes === 3) this.u24(length);
    else this.u32(length);
    return this.bytes(inner.toBytes());
  }

  /** A copy of the bytes written. */
  toBytes(): Uint8Array<ArrayBuffer> {
    return this.#bytes.slice(0, this.#length);
  }

  #reserve(extra: number): void {
    if (this.#length + extra <= this.#bytes.length) return;
    let size = this.#bytes.length * 2;
    while (size < this.#length + extra) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.#bytes.subarray(0, this.#length));
    this.#bytes = grown;
  }
}
