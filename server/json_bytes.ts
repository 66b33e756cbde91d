/**
 * JSON text written straight into UTF-8 bytes: EVE's flow and DNS records
 * (one per packet under a spoofed flood or on DNS traffic) are built here
 * instead of as strings that are concatenated, flattened and then encoded,
 * which left about 530 bytes of garbage per record and two more copies of
 * it. The bytes are exactly what `JSON.stringify` would write for the same
 * values (json_bytes_test.ts checks). The command line's stdout lines
 * (`--json`) gather in one too, encoded as they come.
 *
 * @module
 */

/** The first size of the buffer; it doubles when a record needs more. */
const INITIAL_BYTES = 1 << 17;

/** Most UTF-8 bytes one UTF-16 code unit can take. */
const MAX_BYTES_PER_UNIT = 3;

const QUOTE = 0x22;
const MINUS = 0x2d;
const BACKSLASH = 0x5c;
const ZERO = 0x30;
const HEX = "0123456789abcdef";

/** How `JSON.stringify` escapes the code units below 0x20 that have a short form. */
const SHORT_ESCAPES: Record<number, number> = {
  0x08: 0x62, // \b
  0x09: 0x74, // \t
  0x0a: 0x6e, // \n
  0x0c: 0x66, // \f
  0x0d: 0x72, // \r
};

const encoder = new TextEncoder();

/**
 * A growable byte buffer with writers for JSON values. `bytes` up to
 * `length` is the text written so far; the owner empties it by setting
 * `length` to 0.
 */
export class JsonBytes {
  /** The buffer (replaced by a larger one when it fills). */
  bytes = new Uint8Array(INITIAL_BYTES);
  /** Bytes written. */
  length = 0;

  /** The text written so far, as a string (for tests and small sinks). */
  text(): string {
    return new TextDecoder().decode(this.bytes.subarray(0, this.length));
  }

  /** Appends one byte. */
  byte(value: number): void {
    if (this.length + 1 > this.bytes.length) this.#grow(1);
    this.bytes[this.length++] = value;
  }

  /** Appends bytes (text encoded once, see {@linkcode encodeText}). */
  raw(chunk: Uint8Array): void {
    const count = chunk.length;
    if (this.length + count > this.bytes.length) this.#grow(count);
    const bytes = this.bytes;
    let at = this.length;
    // A loop beats `set` for the short pieces of a record.
    for (let i = 0; i < count; i++) bytes[at++] = chunk[i]!;
    this.length = at;
  }

  /**
   * Appends text the caller knows to be ASCII that needs no escaping in its
   * place, one byte per character. Fixed text is cheaper encoded once
   * ({@linkcode encodeText}) and appended with {@linkcode raw}.
   */
  ascii(text: string): void {
    const count = text.length;
    if (this.length + count > this.bytes.length) this.#grow(count);
    const bytes = this.bytes;
    let at = this.length;
    for (let i = 0; i < count; i++) bytes[at++] = text.charCodeAt(i);
    this.length = at;
  }

  /** Appends any text as UTF-8, unescaped (a whole JSON line made elsewhere). */
  utf8(text: string): void {
    const most = text.length * MAX_BYTES_PER_UNIT;
    if (this.length + most > this.bytes.length) this.#grow(most);
    const { written } = encoder.encodeInto(
      text,
      this.bytes.subarray(this.length),
    );
    this.length += written;
  }

  /** Appends `text` as a JSON string, quoted and escaped as `JSON.stringify` does. */
  string(text: string): void {
    const count = text.length;
    // Worst case: every unit a six-byte \uXXXX escape, plus the quotes.
    if (this.length + count * 6 + 2 > this.bytes.length) {
      this.#grow(count * 6 + 2);
    }
    const bytes = this.bytes;
    let at = this.length;
    bytes[at++] = QUOTE;
    for (let i = 0; i < count; i++) {
      const unit = text.charCodeAt(i);
      if (unit >= 0x20 && unit < 0x7f) {
        if (unit === QUOTE || unit === BACKSLASH) bytes[at++] = BACKSLASH;
        bytes[at++] = unit;
      } else if (unit < 0x20) {
        bytes[at++] = BACKSLASH;
        const short = SHORT_ESCAPES[unit];
        if (short !== undefined) {
          bytes[at++] = short;
        } else {
          at = unicodeEscape(bytes, at, unit);
        }
      } else if (unit < 0x80) {
        bytes[at++] = unit; // DEL
      } else if (unit < 0x800) {
        bytes[at++] = 0xc0 | (unit >> 6);
        bytes[at++] = 0x80 | (unit & 0x3f);
      } else if (unit < 0xd800 || unit > 0xdfff) {
        at = threeBytes(bytes, at, unit);
      } else {
        const next = i + 1 < count ? text.charCodeAt(i + 1) : 0;
        if (unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          const point = 0x10000 + ((unit - 0xd800) << 10) + (next - 0xdc00);
          bytes[at++] = 0xf0 | (point >> 18);
          bytes[at++] = 0x80 | ((point >> 12) & 0x3f);
          bytes[at++] = 0x80 | ((point >> 6) & 0x3f);
          bytes[at++] = 0x80 | (point & 0x3f);
          i++;
        } else {
          // A lone surrogate: JSON.stringify writes it as an escape.
          bytes[at++] = BACKSLASH;
          at = unicodeEscape(bytes, at, unit);
        }
      }
    }
    bytes[at++] = QUOTE;
    this.length = at;
  }

  /** Appends a number as `JSON.stringify` writes it (digit by digit for safe integers). */
  number(value: number): void {
    if (!Number.isSafeInteger(value)) {
      this.ascii(JSON.stringify(value));
      return;
    }
    if (this.length + 17 > this.bytes.length) this.#grow(17);
    const bytes = this.bytes;
    if (value < 0) {
      bytes[this.length++] = MINUS;
      value = -value;
    }
    let digits = 1;
    for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits++;
    let at = this.length + digits;
    this.length = at;
    let rest = value;
    do {
      const next = Math.floor(rest / 10);
      bytes[--at] = ZERO + (rest - next * 10);
      rest = next;
    } while (rest > 0);
  }

  /** Appends `value` zero-padded to `width` digits (a non-negative integer below 10^width). */
  padded(value: number, width: number): void {
    if (this.length + width > this.bytes.length) this.#grow(width);
    const bytes = this.bytes;
    let at = this.length + width;
    this.length = at;
    let rest = value;
    for (let i = 0; i < width; i++) {
      const next = Math.floor(rest / 10);
      bytes[--at] = ZERO + (rest - next * 10);
      rest = next;
    }
  }

  /** Appends `true` or `false`. */
  bool(value: boolean): void {
    this.raw(value ? TRUE : FALSE);
  }

  /** Replaces the buffer with one that has room for `more` bytes after `length`. */
  #grow(more: number): void {
    const needed = this.length + more;
    let size = this.bytes.length * 2;
    while (size < needed) size *= 2;
    const bytes = new Uint8Array(size);
    bytes.set(this.bytes.subarray(0, this.length));
    this.bytes = bytes;
  }
}

/** `text` as UTF-8 bytes, for fixed pieces of a record written with {@linkcode JsonBytes.raw}. */
export function encodeText(text: string): Uint8Array {
  return encoder.encode(text);
}

const TRUE = encodeText("true");
const FALSE = encodeText("false");

/** Writes "uXXXX" (the backslash is already written); returns the next index. */
function unicodeEscape(bytes: Uint8Array, at: number, unit: number): number {
  bytes[at++] = 0x75; // u
  bytes[at++] = HEX.charCodeAt(unit >> 12);
  bytes[at++] = HEX.charCodeAt((unit >> 8) & 15);
  bytes[at++] = HEX.charCodeAt((unit >> 4) & 15);
  bytes[at++] = HEX.charCodeAt(unit & 15);
  return at;
}

/** Writes a code point below 0x10000 (not a surrogate) as three UTF-8 bytes. */
function threeBytes(bytes: Uint8Array, at: number, unit: number): number {
  bytes[at++] = 0xe0 | (unit >> 12);
  bytes[at++] = 0x80 | ((unit >> 6) & 0x3f);
  bytes[at++] = 0x80 | (unit & 0x3f);
  return at;
}
