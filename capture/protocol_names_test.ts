import assert from "node:assert/strict";
import {
  dnsRcodeName,
  dnsTypeName,
  icmpMessageName,
} from "./protocol_names.ts";

Deno.test("dnsTypeName() gives IANA mnemonics, and TYPE<n> (RFC 3597) for a number without one", () => {
  assert.equal(dnsTypeName(1), "A");
  assert.equal(dnsTypeName(10), "NULL");
  assert.equal(dnsTypeName(16), "TXT");
  assert.equal(dnsTypeName(28), "AAAA");
  assert.equal(dnsTypeName(65), "HTTPS");
  assert.equal(dnsTypeName(255), "ANY");
  assert.equal(dnsTypeName(0), "TYPE0");
  assert.equal(dnsTypeName(65_280), "TYPE65280");
});

Deno.test("dnsRcodeName() names the header's response codes, and RCODE<n> past them", () => {
  assert.equal(dnsRcodeName(0), "NOERROR");
  assert.equal(dnsRcodeName(2), "SERVFAIL");
  assert.equal(dnsRcodeName(3), "NXDOMAIN");
  assert.equal(dnsRcodeName(5), "REFUSED");
  assert.equal(dnsRcodeName(15), "RCODE15");
});

Deno.test("icmpMessageName() names ICMP and ICMPv6 messages and each destination unreachable code, and numbers the rest", () => {
  assert.equal(icmpMessageName(false, 8, 0), "echo request");
  assert.equal(icmpMessageName(false, 0, 0), "echo reply");
  assert.equal(icmpMessageName(false, 3, 3), "port unreachable");
  assert.equal(icmpMessageName(false, 3, 1), "host unreachable");
  assert.equal(
    icmpMessageName(false, 3, 13),
    "communication administratively prohibited",
  );
  assert.equal(icmpMessageName(false, 11, 0), "time exceeded");
  assert.equal(icmpMessageName(false, 3, 16), "type 3 code 16");
  assert.equal(icmpMessageName(false, 42, 1), "type 42 code 1");
  // The same numbers mean other messages in ICMPv6.
  assert.equal(icmpMessageName(true, 128, 0), "echo request");
  assert.equal(icmpMessageName(true, 1, 4), "port unreachable");
  assert.equal(icmpMessageName(true, 3, 0), "time exceeded");
  assert.equal(icmpMessageName(true, 135, 0), "neighbor solicitation");
  assert.equal(icmpMessageName(true, 8, 0), "type 8 code 0");
});
