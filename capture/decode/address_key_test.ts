import assert from "node:assert/strict";
import { addressKey, isIpv4Key, parseIpv4 } from "./address_key.ts";

Deno.test("isIpv4Key() tells IPv4 keys from interned IPv6 keys and from no address", () => {
  assert.equal(isIpv4Key(addressKey("0.0.0.0")), true);
  assert.equal(isIpv4Key(addressKey("255.255.255.255")), true);
  assert.equal(addressKey("192.0.2.1"), parseIpv4("192.0.2.1"));
  assert.equal(isIpv4Key(addressKey("2001:db8::1")), false);
  assert.equal(isIpv4Key(addressKey("")), false); // -1
});
