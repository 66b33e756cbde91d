import assert from "node:assert/strict";
import {
  addressKey,
  ipv6KeyOfWords,
  ipv6WordsOfKey,
  isIpv4Key,
  parseIpv4,
  parseIpv6Text,
} from "./address_key.ts";

Deno.test("isIpv4Key() tells IPv4 keys from interned IPv6 keys and from no address", () => {
  assert.equal(isIpv4Key(addressKey("0.0.0.0")), true);
  assert.equal(isIpv4Key(addressKey("255.255.255.255")), true);
  assert.equal(addressKey("192.0.2.1"), parseIpv4("192.0.2.1"));
  assert.equal(isIpv4Key(addressKey("2001:db8::1")), false);
  assert.equal(isIpv4Key(addressKey("")), false); // -1
});

Deno.test("parseIpv6Text() reads every spelling RFC 4291 allows and refuses the rest", () => {
  const words = new Int32Array(4);
  const cases: [string, number[]][] = [
    ["::", [0, 0, 0, 0]],
    ["::1", [0, 0, 0, 1]],
    ["1::", [0x00010000, 0, 0, 0]],
    ["2001:db8::1", [0x20010db8, 0, 0, 1]],
    ["2001:DB8:0:0:0:0:0:1", [0x20010db8, 0, 0, 1]],
    ["2001:0db8:0000:0000:0000:0000:0000:0001", [0x20010db8, 0, 0, 1]],
    ["fe80::1:2:3:4%eth0", [0xfe800000 | 0, 0, 0x00010002, 0x00030004]],
    ["::ffff:192.0.2.1", [0, 0, 0xffff, 0xc0000201 | 0]],
    ["64:ff9b::198.51.100.7", [0x0064ff9b, 0, 0, 0xc6336407 | 0]],
    ["1:2:3:4:5:6:7:8", [0x00010002, 0x00030004, 0x00050006, 0x00070008]],
    ["1:2:3:4:5:6::", [0x00010002, 0x00030004, 0x00050006, 0]],
  ];
  for (const [text, expected] of cases) {
    assert.equal(parseIpv6Text(text, words), true, text);
    assert.deepEqual([...words], expected, text);
  }
  for (
    const text of [
      "",
      ":",
      ":1",
      "1:",
      "1:::2",
      "1::2::3",
      "12345::",
      "1:2:3:4:5:6:7:8:9",
      "1:2:3:4:5:6:7",
      "1:2:3:4:5:6:7::8",
      "g::1",
      "::1.2.3",
      "::01.2.3.4",
      "192.0.2.1",
      "2001:db8::/64",
    ]
  ) {
    assert.equal(parseIpv6Text(text, words), false, text);
  }
});

Deno.test("An IPv6 address keyed from its text, in any spelling, and from its words gets one key, and its words back", () => {
  const key = addressKey("2001:db8:42::7");
  assert.equal(addressKey("2001:0DB8:0042:0:0:0:0:0007"), key);
  assert.equal(ipv6KeyOfWords(0x20010db8, 0x00420000, 0, 7), key);
  const words = new Int32Array(4);
  assert.equal(ipv6WordsOfKey(key, words), true);
  assert.deepEqual([...words], [0x20010db8, 0x00420000, 0, 7]);
  // Texts that are not addresses are keyed by their text.
  const subnet = addressKey("2001:db8:42::/64");
  assert.notEqual(subnet, key);
  assert.equal(addressKey("2001:db8:42::/64"), subnet);
  assert.equal(ipv6WordsOfKey(subnet, words), false);
  assert.equal(ipv6WordsOfKey(parseIpv4("192.0.2.1"), words), false);
});

Deno.test("ipv6KeyOfWords() keeps every key as its table grows, and hands out a new key for each address", () => {
  const keys: number[] = [];
  for (let i = 0; i < 5_000; i++) {
    keys.push(
      ipv6KeyOfWords(0x20010db8, i >> 8, -(i & 0xff), i * 2_654_435_761),
    );
  }
  assert.equal(new Set(keys).size, 5_000);
  for (let i = 0; i < 5_000; i++) {
    assert.equal(
      ipv6KeyOfWords(0x20010db8, i >> 8, -(i & 0xff), i * 2_654_435_761),
      keys[i],
    );
  }
});
