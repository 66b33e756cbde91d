/**
 * The data standard pingers send past an echo's first 16 bytes, at any
 * length: what tells `ping -s N` for many sizes (a path MTU check) from
 * an echo tunnel's new data. Each pattern is the same bytes at every
 * length, cut where the echo ends:
 *
 * - iputils (Linux), BSD and macOS: byte i of the data is i & 255 (after
 *   the send time, which fills the first 8 or 16 bytes);
 * - Windows: "abcdefghijklmnopqrstuvw" repeated from the data's first byte;
 * - zeros (BusyBox, many embedded and monitoring pingers).
 *
 * The decoder gives a request's data past 16 bytes as its one's complement
 * sum (`icmpEchoTailSum`, from the checksum); each pattern's sum at every
 * length comes from a prefix table made on first use.
 *
 * @module
 */

import { ECHO_STAMP_BYTES } from "../capture/decode/icmp.ts";

/** No standard pattern: data of its own. */
export const NO_PATTERN = 0;
/** iputils', BSD's and macOS's incrementing bytes. */
export const INCREMENTING_PATTERN = 1;
/** Windows' alphabet. */
export const WINDOWS_PATTERN = 2;
/** All zeros. */
export const ZERO_PATTERN = 3;
/**
 * pro-bing's layout (`PacketRecord.icmpEchoTracker`, told by the decoder
 * from the bytes): a new UUID for every pinger made, so a monitor that
 * makes one for each check sends new data each time.
 */
export const TRACKER_PATTERN = 4;

/** Largest echo data, bytes (an IPv4 datagram's 65 535 less its headers, rounded up). */
const MAX_DATA_BYTES = 65_536;

/** Windows' fill: the letters a to w. */
const WINDOWS_FILL = "abcdefghijklmnopqrstuvw";

/** Byte `i` of each pattern's data. */
function incrementingByte(i: number): number {
  return i & 255;
}

function windowsByte(i: number): number {
  return WINDOWS_FILL.charCodeAt(i % WINDOWS_FILL.length);
}

let incrementingSums: Float64Array | undefined;
let windowsSums: Float64Array | undefined;

/**
 * Sums of a pattern's 16-bit words from byte {@linkcode ECHO_STAMP_BYTES}
 * of the data: entry n holds the first n words' sum (not folded).
 */
function prefixSums(byteAt: (i: number) => number): Float64Array {
  const words = (MAX_DATA_BYTES - ECHO_STAMP_BYTES) >> 1;
  const sums = new Float64Array(words + 1);
  for (let n = 0; n < words; n++) {
    const at = ECHO_STAMP_BYTES + 2 * n;
    sums[n + 1] = sums[n]! + (byteAt(at) << 8) + byteAt(at + 1);
  }
  return sums;
}

/** The one's complement sum (mod 0xffff) of a pattern's data from byte 16 to `dataLength`. */
function tailSum(
  sums: Float64Array,
  byteAt: (i: number) => number,
  dataLength: number,
): number {
  const bytes = dataLength - ECHO_STAMP_BYTES;
  let sum = sums[bytes >> 1]!;
  // An odd last byte is the high half of a word padded with zero.
  if ((bytes & 1) === 1) sum += byteAt(dataLength - 1) << 8;
  return sum % 0xffff;
}

/**
 * Which standard pattern an echo's data is, from its length and the sum
 * of its bytes past the first 16 ({@linkcode NO_PATTERN} for none; data of
 * 16 bytes or fewer has no such sum).
 */
export function standardPattern(
  dataLength: number,
  tailSumValue: number,
): number {
  if (dataLength <= ECHO_STAMP_BYTES || dataLength > MAX_DATA_BYTES) {
    return NO_PATTERN;
  }
  // One's complement: 0 and 0xffff are the same sum.
  const sum = tailSumValue % 0xffff;
  if (sum === 0) return ZERO_PATTERN;
  incrementingSums ??= prefixSums(incrementingByte);
  if (tailSum(incrementingSums, incrementingByte, dataLength) === sum) {
    return INCREMENTING_PATTERN;
  }
  windowsSums ??= prefixSums(windowsByte);
  if (tailSum(windowsSums, windowsByte, dataLength) === sum) {
    return WINDOWS_PATTERN;
  }
  return NO_PATTERN;
}
