import assert from "node:assert/strict";
import { icmpFrame } from "../capture/frame_builder.ts";
import { decodeFrame, V4 } from "../capture/decode/test_helpers.ts";
import {
  INCREMENTING_PATTERN,
  NO_PATTERN,
  standardPattern,
  WINDOWS_PATTERN,
  ZERO_PATTERN,
} from "./ping_patterns.ts";

/** The pattern that an echo request carrying `data` is read as, through the decoder's tail sum. */
function patternOf(data: Uint8Array): number {
  const { packet } = decodeFrame(
    icmpFrame(V4, { type: 8, id: 0x1234, seq: 7 }, data),
  );
  return standardPattern(packet.payloadLength, packet.icmpEchoTailSum);
}

/** `length` bytes of data: a send time of 16 random-looking bytes, then `fill(i)` for byte i. */
function pingData(length: number, fill: (i: number) => number): Uint8Array {
  return Uint8Array.from(
    { length },
    (_, i) => i < 16 ? (i * 37 + 11) & 255 : fill(i),
  );
}

const LENGTHS = [17, 18, 33, 56, 57, 100, 1_392, 1_464, 1_472, 8_972, 65_507];

Deno.test("standardPattern() reads iputils', Windows' and zero data at every length, past a send time", () => {
  for (const length of LENGTHS) {
    assert.equal(
      patternOf(pingData(length, (i) => i & 255)),
      INCREMENTING_PATTERN,
      `iputils, ${length} bytes`,
    );
    assert.equal(
      patternOf(pingData(length, (i) => 0x61 + (i % 23))),
      WINDOWS_PATTERN,
      `Windows, ${length} bytes`,
    );
    assert.equal(patternOf(pingData(length, () => 0)), ZERO_PATTERN);
  }
});

Deno.test("standardPattern() reads other data as none: a pattern of its own, one changed byte, or 16 bytes and fewer", () => {
  for (const length of LENGTHS) {
    // ping -p ab, or hping3 -E sending a file.
    assert.equal(patternOf(pingData(length, () => 0xab)), NO_PATTERN);
    assert.equal(
      patternOf(pingData(length, (i) => (i * 7919 + 13) & 255)),
      NO_PATTERN,
    );
    assert.equal(
      patternOf(pingData(length, (i) => i === length - 1 ? 0x42 : i & 255)),
      NO_PATTERN,
      `one byte changed, ${length} bytes`,
    );
  }
  assert.equal(standardPattern(16, 0), NO_PATTERN);
  assert.equal(standardPattern(0, 0), NO_PATTERN);
});
