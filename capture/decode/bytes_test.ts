import assert from "node:assert/strict";
import { formatHex, readU16, readU32 } from "./bytes.ts";
import { hex } from "./test_helpers.ts";

Deno.test("readU16() and readU32() read big-endian unsigned values at an offset", () => {
  const bytes = hex("00 ff fe 80 00 00 01 12 34");
  assert.equal(readU16(bytes, 1), 0xfffe);
  assert.equal(readU16(bytes, 7), 0x1234);
  assert.equal(readU32(bytes, 2), 0xfe800000); // no sign from bit 31
  assert.equal(readU32(bytes, 5), 0x00011234);
});

Deno.test("formatHex() writes two digits a byte, joined by the separator", () => {
  const bytes = new Uint8Array([0x00, 0x0a, 0xff, 0x42]);
  assert.equal(formatHex(bytes, 0, 4), "000aff42");
  assert.equal(formatHex(bytes, 1, 3, ":"), "0a:ff");
  assert.equal(formatHex(bytes, 2, 2), "");
});
