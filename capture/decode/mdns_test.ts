import assert from "node:assert/strict";
import {
  dnsMessage,
  encodeDnsName,
  mdnsResponse,
  udpFrame,
} from "../frame_builder.ts";
import { decodeFrame, MACS } from "./test_helpers.ts";

/** The decoded datagram from `srcPort` to 5353 carrying `payload` (IPv4, or IPv6 to ff02::fb). */
function decode(payload: Uint8Array, srcPort = 5353, six = false) {
  return decodeFrame(
    udpFrame(
      {
        ...MACS,
        src: six ? "fe80::5" : "10.0.0.5",
        dst: six ? "ff02::fb" : "224.0.0.251",
      },
      { srcPort, dstPort: 5353 },
      payload,
    ),
  ).packet;
}

Deno.test("decodeMdnsAnswer() lists a response's A, AAAA and CNAME answers, past other records and questions", () => {
  // Responder's answer: one A record of its own address.
  const poisoned = decode(
    mdnsResponse([{ name: "FileServer.local", address: "10.0.0.5" }]),
  );
  assert.equal(poisoned.app, "dns");
  assert.equal(poisoned.dnsResponse, true);
  assert.equal(poisoned.mdnsRecords, "fileserver.local\tA\t10.0.0.5");
  // Avahi's announcement: a reverse PTR first, then the AAAA and the A; an
  // alias.
  const avahi = decode(
    mdnsResponse([
      { name: "5.0.0.10.in-addr.arpa", target: "host.local" },
      { name: "host.local", address: "fe80::5" },
      { name: "host.local", address: "10.0.0.5" },
      { name: "www.local", alias: "host.local" },
    ]),
    5353,
    true,
  );
  assert.equal(
    avahi.mdnsRecords,
    "host.local\tAAAA\tfe80::5\nhost.local\tA\t10.0.0.5\nwww.local\tCNAME\thost.local",
  );
  // A legacy unicast response repeats the question before its answers.
  const legacy = decode(
    dnsMessage({
      id: 9,
      name: "printer.local",
      qtype: 1,
      response: true,
      answers: ["10.0.0.7", "10.0.0.8"],
    }),
  );
  assert.equal(
    legacy.mdnsRecords,
    "printer.local\tA\t10.0.0.7\nprinter.local\tA\t10.0.0.8",
  );
  // At most 8 records are kept.
  const many = decode(
    mdnsResponse(
      Array.from({ length: 12 }, (_, i) => ({
        name: `h${i}.local`,
        address: `10.0.1.${i}`,
      })),
    ),
  );
  assert.equal(many.mdnsRecords.split("\n").length, 8);
});

Deno.test("decodeMdnsQuery() reads a query's first question for an address, past others", () => {
  const plain = decode(dnsMessage({ id: 0, name: "Host.local", qtype: 28 }));
  assert.equal(plain.mdnsQueryName, "host.local");
  assert.equal(plain.mdnsRecords, "");
  // A browse (PTR) first, then an A question (mDNSResponder packs them).
  const ptr = new Uint8Array([
    ...encodeDnsName("_airplay._tcp.local"),
    0,
    12,
    0,
    1,
  ]);
  const a = new Uint8Array([...encodeDnsName("fileserv.local"), 0, 1, 0, 1]);
  const packed = new Uint8Array([
    0,
    0,
    0,
    0,
    0,
    2,
    0,
    0,
    0,
    0,
    0,
    0,
    ...ptr,
    ...a,
  ]);
  assert.equal(decode(packed).mdnsQueryName, "fileserv.local");
  // A browse alone asks for no address.
  const browse = new Uint8Array([0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, ...ptr]);
  assert.equal(decode(browse).mdnsQueryName, "");
});

Deno.test("decodeMdnsAnswer() reads nothing from other ports, records without addresses or cut, looping or overlong names, and never throws", () => {
  const dns = decode(
    mdnsResponse([{ name: "host.local", address: "10.0.0.5" }]),
    53,
  );
  assert.equal(dns.mdnsRecords, "");
  const ptr = decode(
    mdnsResponse([{
      name: "_http._tcp.local",
      target: "web._http._tcp.local",
    }]),
  );
  assert.equal(ptr.mdnsRecords, "");
  // An A record whose owner name points at itself, or two names pointing
  // at each other, is left out (and reading ends).
  const one = mdnsResponse([{ name: "x.local", address: "10.0.0.5" }]);
  one.set([0xc0, 12], 12);
  assert.equal(decode(one).mdnsRecords, "");
  const two = mdnsResponse([
    { name: "x.local", alias: "y.local" },
    { name: "y.local", address: "10.0.0.5" },
  ]);
  // The CNAME's data (at 12 + 9 + 10) and the owner at 12 point at each other.
  two.set([0xc0, 31], 12);
  two.set([0xc0, 12], 31);
  assert.doesNotThrow(() => decode(two));
  assert.doesNotMatch(decode(two).mdnsRecords, /CNAME/);
  // A name of more than 255 bytes.
  const long = mdnsResponse([
    {
      name: `${"a".repeat(60)}.${"b".repeat(60)}.${"c".repeat(60)}.${
        "d".repeat(60)
      }.${"e".repeat(60)}`,
      address: "10.0.0.5",
    },
  ]);
  assert.equal(decode(long).mdnsRecords, "");
  // An A record of another length than 4 bytes.
  const odd = mdnsResponse([{ name: "x.local", address: "10.0.0.5" }]);
  const oddRecord = new Uint8Array([...odd, 0]);
  oddRecord[oddRecord.length - 6] = 5; // data length 5
  assert.equal(decode(oddRecord).mdnsRecords, "");
  // Every prefix of a response, and its bytes set to edge values one at a time.
  const whole = mdnsResponse([
    { name: "a.local", target: "b.local" },
    { name: "host.local", address: "10.0.0.5" },
  ]);
  for (let length = 0; length < whole.length; length++) {
    assert.equal(
      decode(whole.subarray(0, length)).mdnsRecords,
      "",
      `${length} bytes`,
    );
  }
  for (let at = 0; at < whole.length; at++) {
    for (const value of [0, 0x3f, 0xc0, 0xff]) {
      const bad = whole.slice();
      bad[at] = value;
      for (const line of decode(bad).mdnsRecords.split("\n")) {
        assert.match(
          line,
          /^$|^[^\t]*\t(A\t\d+\.\d+\.\d+\.\d+|CNAME\t[^\t]*)$/,
        );
      }
    }
  }
});
