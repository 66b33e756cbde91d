import assert from "node:assert/strict";
import { AnomalyCounter } from "../../capture/anomalies.ts";
import { decodePacket } from "../../capture/decode/mod.ts";
import { LINK_TYPE } from "../../capture/pcap_record.ts";
import {
  aaaaRecord,
  aRecord,
  cnameRecord,
  DNS_TYPE,
  dnsPayload,
  nullRecord,
  txtRecord,
} from "./dns_payload.ts";
import { udpFrame } from "./wire.ts";

const CLIENT = {
  ip: "192.168.1.10",
  mac: "54:e1:ad:3c:11:0a",
  ttl: 128,
  ipId: 1,
};
const RESOLVER = {
  ip: "192.168.1.1",
  mac: "24:5a:4c:6b:10:01",
  ttl: 64,
  ipId: 1,
};

function decode(payload: Uint8Array, response: boolean) {
  const frame = response
    ? udpFrame(RESOLVER, CLIENT, 53, 50_000, payload)
    : udpFrame(CLIENT, RESOLVER, 50_000, 53, payload);
  const anomalies = new AnomalyCounter();
  const packet = decodePacket({
    timestampUs: 0,
    subMicrosecondNs: -1,
    capturedLength: frame.length,
    wireLength: frame.length,
    linkType: LINK_TYPE.ETHERNET,
    interfaceId: 0,
    bytes: frame,
    offset: 0,
  }, anomalies);
  assert.deepEqual(anomalies.toJSON(), {});
  return packet;
}

Deno.test("dnsPayload() builds a query the decoder reads", () => {
  const packet = decode(
    dnsPayload({
      id: 0x1234,
      name: "www.Example.com",
      qtype: DNS_TYPE.AAAA,
      response: false,
    }),
    false,
  );
  assert.equal(packet.dnsId, 0x1234);
  assert.equal(packet.dnsResponse, false);
  assert.equal(packet.dnsQname, "www.example.com");
  assert.equal(packet.dnsQtype, 28);
  assert.equal(packet.dnsAnswerCount, 0);
});

Deno.test("dnsPayload() builds a response with a CNAME chain and A/AAAA answers", () => {
  const payload = dnsPayload({
    id: 7,
    name: "teams.microsoft.com",
    qtype: DNS_TYPE.A,
    response: true,
    answers: [
      cnameRecord("teams.office.com"),
      { ...aRecord("52.113.194.132"), owner: "teams.office.com" },
      aaaaRecord("2603:1026::1", 60),
    ],
  });
  const packet = decode(payload, true);
  assert.equal(packet.dnsResponse, true);
  assert.equal(packet.dnsRcode, 0);
  assert.equal(packet.dnsAnswerCount, 3);
  // The AAAA answer: pointer, type 28, class 1, TTL 60, 16 bytes.
  const tail = payload.subarray(payload.length - 28);
  assert.deepEqual([...tail.subarray(0, 12)], [
    0xc0,
    12,
    0,
    28,
    0,
    1,
    0,
    0,
    0,
    60,
    0,
    16,
  ]);
});

Deno.test("txtRecord() splits long text into 255-byte strings; nullRecord() carries raw bytes", () => {
  const txt = txtRecord("x".repeat(300));
  assert.equal(txt.data.length, 302);
  assert.equal(txt.data[0], 255);
  assert.equal(txt.data[256], 45);
  assert.deepEqual([...txtRecord("").data], [0]);
  const raw = new Uint8Array([0, 1, 2, 255]);
  const packet = decode(
    dnsPayload({
      id: 1,
      name: "abc.t.tunnelbox.net",
      qtype: DNS_TYPE.NULL,
      response: true,
      answers: [nullRecord(raw)],
    }),
    true,
  );
  assert.equal(packet.dnsQtype, 10);
  assert.equal(packet.dnsAnswerCount, 1);
});
