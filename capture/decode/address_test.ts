import assert from "node:assert/strict";
import { parseIpv6 } from "../frame_builder.ts";
import { formatIpv4, formatIpv6, formatMac } from "./address.ts";
import { hex } from "./test_helpers.ts";

Deno.test("formatMac() writes lower-case, zero-padded pairs at an offset", () => {
  const bytes = hex("ff 00 0a 1b 2c 3d 4e 5f");
  assert.equal(formatMac(bytes, 1), "00:0a:1b:2c:3d:4e");
  assert.equal(formatMac(bytes, 2), "0a:1b:2c:3d:4e:5f");
});

Deno.test("formatIpv4() writes a dotted quad at an offset", () => {
  const bytes = hex("ff 0a 00 00 01 c0 a8 ff fe");
  assert.equal(formatIpv4(bytes, 1), "10.0.0.1");
  assert.equal(formatIpv4(bytes, 5), "192.168.255.254");
  assert.equal(formatIpv4(hex("00000000"), 0), "0.0.0.0");
  assert.equal(formatIpv4(hex("ffffffff"), 0), "255.255.255.255");
});

Deno.test("formatIpv6() follows RFC 5952", () => {
  const cases: [input: string, expected: string][] = [
    ["2001:0db8:0000:0000:0000:0000:0002:0001", "2001:db8::2:1"], // 4.2.1, 4.1
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"], // 4.2.2: one zero group stays
    ["2001:0:0:1:0:0:0:1", "2001:0:0:1::1"], // 4.2.3: the longest run
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"], // 4.2.3: the first of equal runs
    ["2001:DB8::ABCD", "2001:db8::abcd"], // 4.3: lower case
    ["::", "::"],
    ["::1", "::1"],
    ["1::", "1::"],
    ["fe80::1:2", "fe80::1:2"],
    ["ff02::1:ff00:1", "ff02::1:ff00:1"],
    ["1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"],
    ["0:0:1:0:0:0:0:0", "0:0:1::"],
    ["::ffff:c000:0201", "::ffff:192.0.2.1"], // section 5: IPv4-mapped
    ["::c000:0201", "::c000:201"], // IPv4-compatible is deprecated: plain hex
    ["::ffff:0:c000:0201", "::ffff:0:c000:201"], // SIIT, not mapped
    ["100:a00:f0:1::", "100:a00:f0:1::"],
  ];
  for (const [input, expected] of cases) {
    const bytes = new Uint8Array(20).fill(0xee);
    bytes.set(parseIpv6(input), 3);
    assert.equal(formatIpv6(bytes, 3), expected, input);
  }
});

/** A plain RFC 5952 formatter to check the fast one against. */
function referenceIpv6(bytes: Uint8Array): string {
  const groups = Array.from(
    { length: 8 },
    (_, i) => (bytes[i * 2]! << 8) | bytes[i * 2 + 1]!,
  );
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${[...bytes.subarray(12)].join(".")}`;
  }
  let best = [-1, 1];
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best[1]!) best = [i, j - i];
  }
  const hexGroups = groups.map((g) => g.toString(16));
  if (best[0]! < 0) return hexGroups.join(":");
  return `${hexGroups.slice(0, best[0]).join(":")}::${
    hexGroups.slice(best[0]! + best[1]!).join(":")
  }`;
}

Deno.test("format*() return the right text for many addresses, through cache hits, misses and evictions", () => {
  let state = 12345;
  const next = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state >>> 24;
  };
  const seen: Uint8Array[] = [];
  for (let i = 0; i < 20_000; i++) {
    // Half new addresses, half repeats; zero bytes are common so runs of zero groups occur.
    const bytes = i % 2 === 1 && seen.length > 0
      ? seen[next() % seen.length]!
      : Uint8Array.from({ length: 16 }, () => next() < 96 ? 0 : next());
    if (seen.length < 256) seen.push(bytes);
    assert.equal(
      formatMac(bytes, 0),
      [...bytes.subarray(0, 6)].map((b) => b.toString(16).padStart(2, "0"))
        .join(":"),
    );
    assert.equal(formatIpv4(bytes, 0), [...bytes.subarray(0, 4)].join("."));
    assert.equal(formatIpv6(bytes, 0), referenceIpv6(bytes));
  }
});
