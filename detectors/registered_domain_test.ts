import assert from "node:assert/strict";
import { hasPlausibleTld, registeredDomain } from "./registered_domain.ts";

Deno.test("registeredDomain: last two labels", () => {
  assert.equal(registeredDomain("www.example.com"), "example.com");
  assert.equal(registeredDomain("a.b.c.example.org"), "example.org");
  assert.equal(registeredDomain("t1.biillpi.com"), "biillpi.com");
  assert.equal(registeredDomain("base64.hsc.fr"), "hsc.fr");
  assert.equal(registeredDomain("foo.pirate.sea"), "pirate.sea");
  assert.equal(registeredDomain("example.com"), "example.com");
});

Deno.test("registeredDomain: three labels under a common second level of a ccTLD", () => {
  assert.equal(registeredDomain("www.example.co.uk"), "example.co.uk");
  assert.equal(registeredDomain("a.b.example.com.au"), "example.com.au");
  assert.equal(registeredDomain("mail.uni.ac.jp"), "uni.ac.jp");
  assert.equal(registeredDomain("x.gov.in"), "x.gov.in");
  assert.equal(registeredDomain("example.co.uk"), "example.co.uk");
  assert.equal(registeredDomain("co.uk"), "co.uk");
  // Not a ccTLD (three letters): plain two labels.
  assert.equal(registeredDomain("sports.espn.go.com"), "go.com");
  // A second level that is not listed: two labels.
  assert.equal(registeredDomain("www.example.de"), "example.de");
  // Rarer second levels, under the ccTLDs that use them only: elsewhere a
  // name anyone may register, whose subdomains are its own.
  assert.equal(registeredDomain("www.example.ne.jp"), "example.ne.jp");
  assert.equal(registeredDomain("www.example.gob.mx"), "example.gob.mx");
  assert.equal(registeredDomain("www.example.ltd.uk"), "example.ltd.uk");
  assert.equal(registeredDomain("data1.data2.ltd.gg"), "ltd.gg");
  assert.equal(registeredDomain("x.y.go.de"), "go.de");
});

Deno.test("registeredDomain: case, trailing dot, short names", () => {
  assert.equal(registeredDomain("WWW.Example.COM."), "example.com");
  assert.equal(registeredDomain("MAIL.Example.CO.UK"), "example.co.uk");
  assert.equal(registeredDomain("Example.Co.Uk."), "example.co.uk");
  // Upper case only in the labels left out.
  assert.equal(registeredDomain("AB12CD.EF34.example.com"), "example.com");
  assert.equal(registeredDomain("LOCALHOST."), "localhost");
  assert.equal(registeredDomain("example.com."), "example.com");
  assert.equal(registeredDomain("localhost"), "localhost");
  assert.equal(registeredDomain("com"), "com");
  assert.equal(registeredDomain(""), "");
  assert.equal(registeredDomain("."), "");
});

Deno.test("registeredDomain: documented limits without the Public Suffix List", () => {
  assert.equal(registeredDomain("alice.github.io"), "github.io");
  assert.equal(registeredDomain("bucket.s3.amazonaws.com"), "amazonaws.com");
  assert.equal(registeredDomain("www.city.kyoto.jp"), "kyoto.jp");
});

Deno.test("hasPlausibleTld: letters or an IDNA A-label", () => {
  assert.equal(hasPlausibleTld("example.com"), true);
  assert.equal(hasPlausibleTld("example.com."), true);
  assert.equal(hasPlausibleTld("x.localdomain"), true);
  assert.equal(hasPlausibleTld("пример.xn--p1ai"), true);
  assert.equal(hasPlausibleTld("COM"), true);
  assert.equal(hasPlausibleTld("dnscat.5a03b5b1e1.19e4d098dc8c"), false);
  assert.equal(hasPlausibleTld("x.c0m"), false);
  assert.equal(hasPlausibleTld("x.a"), false);
  assert.equal(hasPlausibleTld("x.xn--"), false);
  assert.equal(hasPlausibleTld("x.xn--ab_c"), false);
  assert.equal(hasPlausibleTld(""), false);
  assert.equal(hasPlausibleTld(`x.${"a".repeat(64)}`), false);
});
