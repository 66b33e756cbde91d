import assert from "node:assert/strict";
import { addressKey } from "../capture/decode/address_key.ts";
import { addressBytes, communityId } from "./community_id.ts";

// The spec's published examples (community-id-spec README and baseline).
const VECTORS = [
  [
    "128.232.110.120",
    "66.35.250.204",
    6,
    34855,
    80,
    "1:LQU9qZlK+B5F3KDmev6m5PMibrg=",
  ],
  ["192.168.1.52", "8.8.8.8", 17, 54585, 53, "1:d/FP5EW3wiY1vCndhwleRRKHowQ="],
  [
    "192.168.170.8",
    "192.168.170.56",
    132,
    7,
    7,
    "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=",
  ],
  ["192.168.0.89", "192.168.0.1", 1, 8, 0, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk="],
  [
    "fe80::260:97ff:fe07:69ea",
    "ff02::1",
    58,
    134,
    0,
    "1:pkvHqCL88/tg1k4cPigmZXUtL00=",
  ],
  [
    "2001:470:e5bf:dead:4957:2174:e82c:4887",
    "2607:f8b0:400c:c03::1a",
    6,
    63943,
    25,
    "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=",
  ],
] as const;

Deno.test("communityId matches the spec's published vectors", () => {
  for (const [src, dst, protocol, srcPort, dstPort, expected] of VECTORS) {
    assert.equal(
      communityId({
        srcAddress: src,
        dstAddress: dst,
        protocol,
        srcPort,
        dstPort,
      }),
      expected,
      `${src}:${srcPort} → ${dst}:${dstPort}/${protocol}`,
    );
  }
});

Deno.test("communityId takes IPv4 addresses by key, and IPv6 ones by key when recent, else by text", () => {
  for (const [src, dst, protocol, srcPort, dstPort, expected] of VECTORS) {
    const srcKey = addressKey(src);
    const dstKey = addressKey(dst);
    // IPv4 text left out: the key alone must do; an IPv6 key just made
    // gives its words back, so its text is not needed either.
    const texts = src.includes(":") ? [[src, dst], ["", ""]] : [["", ""]];
    for (const [srcAddress, dstAddress] of texts) {
      assert.equal(
        communityId({
          srcAddress: srcAddress!,
          dstAddress: dstAddress!,
          srcAddressKey: srcKey,
          dstAddressKey: dstKey,
          protocol,
          srcPort,
          dstPort,
        }),
        expected,
        `${src} → ${dst} by key${srcAddress ? " and text" : ""}`,
      );
    }
  }
});

Deno.test("communityId is the same in both directions", () => {
  for (const [src, dst, protocol, srcPort, dstPort, expected] of VECTORS) {
    if (protocol === 1 || protocol === 58) continue;
    assert.equal(
      communityId({
        srcAddress: dst,
        dstAddress: src,
        protocol,
        srcPort: dstPort,
        dstPort: srcPort,
      }),
      expected,
    );
  }
  // An echo reply hashes like its request.
  assert.equal(
    communityId({
      srcAddress: "192.168.0.1",
      dstAddress: "192.168.0.89",
      protocol: 1,
      srcPort: 0,
      dstPort: 0,
    }),
    "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=",
  );
});

Deno.test("addressBytes parses IPv4, IPv6 and rejects junk", () => {
  assert.deepEqual([...addressBytes("10.0.0.255")!], [10, 0, 0, 255]);
  assert.deepEqual(
    [...addressBytes("::ffff:1.2.3.4")!],
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 1, 2, 3, 4],
  );
  assert.equal(addressBytes("1.2.3"), undefined);
  assert.equal(addressBytes("1.2.3.256"), undefined);
  assert.equal(addressBytes("1::2::3"), undefined);
  assert.equal(
    communityId({
      srcAddress: "x",
      dstAddress: "1.2.3.4",
      protocol: 6,
      srcPort: 1,
      dstPort: 2,
    }),
    "",
  );
});
