import assert from "node:assert/strict";
import { JsonBytes } from "./json_bytes.ts";

/** What `write` puts into a fresh buffer, as text. */
function written(write: (out: JsonBytes) => void): string {
  const out = new JsonBytes();
  write(out);
  return out.text();
}

Deno.test("JsonBytes.string() writes what JSON.stringify writes, escapes and UTF-8 included", () => {
  const samples = [
    "",
    "plain ascii",
    'quote " and backslash \\',
    "controls \b\t\n\f\r \x00 \x01 \x1f and DEL \x7f",
    "é ß ü, ☃ and 漢字",
    "emoji 😀 (a surrogate pair)",
    "lone high \ud800 and lone low \udc00, reversed \udc00\ud800",
    "a high surrogate at the end \udbff",
    "www.\u0000.example",
  ];
  for (const text of samples) {
    assert.equal(written((out) => out.string(text)), JSON.stringify(text));
  }
});

Deno.test("JsonBytes.string() matches JSON.stringify on random code units", () => {
  let seed = 7;
  const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  for (let n = 0; n < 2000; n++) {
    const units: number[] = [];
    const count = random() % 24;
    for (let i = 0; i < count; i++) {
      // Mostly the interesting ranges: controls, ASCII, two- and three-byte, surrogates.
      const range = random() % 5;
      units.push(
        range === 0
          ? random() % 0x20
          : range === 1
          ? 0x20 + (random() % 0x60)
          : range === 2
          ? 0x80 + (random() % 0x780)
          : range === 3
          ? 0xd800 + (random() % 0x800)
          : random() % 0x10000,
      );
    }
    const text = String.fromCharCode(...units);
    assert.equal(written((out) => out.string(text)), JSON.stringify(text));
  }
});

Deno.test("JsonBytes.number() writes what JSON.stringify writes", () => {
  const samples = [
    0,
    7,
    10,
    99,
    100,
    65535,
    1_700_000_000_000_000,
    Number.MAX_SAFE_INTEGER,
    -1,
    -42,
    0.5,
    1e21,
    2 ** 53 + 2,
    NaN,
    Infinity,
  ];
  for (const value of samples) {
    assert.equal(written((out) => out.number(value)), JSON.stringify(value));
  }
});

Deno.test("JsonBytes.padded(), bool(), ascii() and utf8()", () => {
  assert.equal(written((out) => out.padded(42, 6)), "000042");
  assert.equal(written((out) => out.padded(999999, 6)), "999999");
  assert.equal(written((out) => out.padded(0, 2)), "00");
  assert.equal(
    written((out) => {
      out.bool(true);
      out.byte(0x2c);
      out.bool(false);
    }),
    "true,false",
  );
  assert.equal(
    written((out) => out.ascii('{"event_type":"flow"')),
    '{"event_type":"flow"',
  );
  assert.equal(written((out) => out.utf8('{"a":"ü☃😀"}')), '{"a":"ü☃😀"}');
});

Deno.test("JsonBytes grows past its first buffer and keeps what was written", () => {
  const out = new JsonBytes();
  const first = out.bytes.length;
  const long = "x".repeat(first);
  out.ascii('"');
  out.ascii(long);
  out.string(long);
  out.utf8("☃".repeat(1000));
  assert.ok(out.bytes.length > first);
  assert.equal(
    out.text(),
    `"${long}${JSON.stringify(long)}${"☃".repeat(1000)}`,
  );
  out.length = 0;
  out.number(12);
  assert.equal(out.text(), "12");
});
