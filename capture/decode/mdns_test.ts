import assert from "node:assert/strict";
import { dnsMessage, mdnsResponse, udpFrame } from "../frame_builder.ts";
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

Deno.test("decodeMdnsAnswer() reads the first address record of an mDNS response, past other records and questions", () => {
  // Responder's answer: one A record of its own address.
  const poisoned = decode(
    mdnsResponse([{ name: "FileServer.local", address: "10.0.0.5" }]),
  );
  assert.equal(poisoned.app, "dns");
  assert.equal(poisoned.dnsResponse, true);
  assert.equal(poisoned.mdnsAnswerName, "fileserver.local");
  assert.equal(poisoned.mdnsAnswerAddress, "10.0.0.5");
  // Avahi's announcement: a reverse PTR first, then the A and AAAA.
  const avahi = decode(
    mdnsResponse([
      { name: "5.0.0.10.in-addr.arpa", target: "host.local" },
      { name: "host.local", address: "fe80::5" },
      { name: "host.local", address: "10.0.0.5" },
    ]),
    5353,
    true,
  );
  assert.equal(avahi.mdnsAnswerName, "host.local");
  assert.equal(avahi.mdnsAnswerAddress, "fe80::5");
  // A legacy unicast response repeats the question before its answers.
  const withQuestion = dnsMessage({
    id: 9,
    name: "printer.local",
    qtype: 1,
    response: true,
    answers: ["10.0.0.7"],
  });
  const legacy = decode(withQuestion);
  assert.equal(legacy.mdnsAnswerName, "printer.local");
  assert.equal(legacy.mdnsAnswerAddress, "10.0.0.7");
});

Deno.test("decodeMdnsAnswer() reads nothing from queries, other ports, records without addresses or cut messages, and never throws", () => {
  const query = decode(dnsMessage({ id: 0, name: "host.local", qtype: 1 }));
  assert.equal(query.mdnsAnswerAddress, "");
  // A DNS response from another port than 5353.
  const dns = decode(
    mdnsResponse([{ name: "host.local", address: "10.0.0.5" }]),
    53,
  );
  assert.equal(dns.mdnsAnswerAddress, "");
  // A PTR record alone.
  const ptr = decode(
    mdnsResponse([{
      name: "_http._tcp.local",
      target: "web._http._tcp.local",
    }]),
  );
  assert.equal(ptr.mdnsAnswerName, "");
  assert.equal(ptr.mdnsAnswerAddress, "");
  // Every prefix of a response, and its bytes flipped one at a time.
  const whole = mdnsResponse([
    { name: "a.local", target: "b.local" },
    { name: "host.local", address: "10.0.0.5" },
  ]);
  for (let length = 0; length < whole.length; length++) {
    const cut = decode(whole.subarray(0, length));
    assert.equal(cut.mdnsAnswerAddress, "", `${length} bytes`);
  }
  for (let at = 0; at < whole.length; at++) {
    for (const value of [0, 0x3f, 0xc0, 0xff]) {
      const bad = whole.slice();
      bad[at] = value;
      const packet = decode(bad);
      assert.ok(
        packet.mdnsAnswerAddress === "" ||
          /^\d+\.\d+\.\d+\.\d+$/.test(packet.mdnsAnswerAddress),
      );
    }
  }
  // A name that points at itself.
  const loop = whole.slice();
  loop.set([0xc0, 12], 12);
  assert.equal(decode(loop).mdnsAnswerAddress, "");
});
