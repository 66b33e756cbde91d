import assert from "node:assert/strict";
import { dnsMessage, txtRdata, udpFrame } from "../frame_builder.ts";
import { concat, decodeFrame, hex, MACS } from "./test_helpers.ts";
import { encodedTextLength, MIN_ENCODED_TEXT } from "./dns_answers.ts";

const SERVER = { ...MACS, src: "10.0.0.53", dst: "10.0.0.1" };

/** A 255-character base64 chunk, as a stager's TXT answer carries. */
const CHUNK =
  "TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAgAAAAA4fug4AtAnNIbgBTM0hVGhpcyBwcm9ncmFtIGNhbm5vdCBiZSBydW4gaW4gRE9TIG1vZGUuDQ0KJAAAAAAAAABQRQAATAEDAFk3mWQAAAAAAAAAAOAAAgELAQsAAAgAAAAGAAAAAAAAXiYAAAAgAAAAQAAAAABAAAAgAAAAAgAABAAA"
    .slice(0, 255);

/** The decoded response to a `qtype` question for `name`, answered with `records`. */
function response(
  records: { type: number; data: Uint8Array }[],
  qtype = 16,
  name = "1.stage.example.com",
) {
  const message = dnsMessage({ id: 7, name, qtype, response: true, records });
  return decodeFrame(
    udpFrame(SERVER, { srcPort: 53, dstPort: 40000 }, message),
  ).packet;
}

const txt = (...texts: string[]) => ({ type: 16, data: txtRdata(...texts) });

Deno.test("DNS answers: a TXT answer of base64 text carries its length down", () => {
  assert.equal(CHUNK.length, 255);
  assert.equal(response([txt(CHUNK)]).dnsAnswerDataBytes, 255);
  // Text split over strings, and several records, count whole.
  assert.equal(
    response([txt(CHUNK.slice(0, 100), CHUNK.slice(100)), txt(CHUNK)])
      .dnsAnswerDataBytes,
    510,
  );
  // base64url, base32 and hex, with padding at the end.
  for (
    const text of [
      "aGVsbG8td29ybGQ_c3RhZ2VyLWNodW5rLTAwMDE-QUJD",
      "MZXW6YTBOI3TQNBVGY4DSMJQGEZDGNBVGY3TQOJQ====",
      "4d5a90000300000004000000ffff0000b8000000",
    ]
  ) {
    assert.equal(response([txt(text)]).dnsAnswerDataBytes, text.length, text);
  }
});

Deno.test("DNS answers: TXT records people and mail servers read carry nothing", () => {
  for (
    const texts of [
      ["v=spf1 ip4:192.0.2.0/24 include:_spf.google.com ~all"],
      [
        "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwYv",
        "3q2XbXc7Cq9ZyFQxJ8i0m1n2o3p4q5r6s7t8u9v0w1x2y3z4A5B6C7D8E9F0G1H2",
      ],
      ["google-site-verification=1xPZ3dYHc0lk3g7q9XoO6pH_3W8uQ2a1b2c3d4e5f6"],
      ["MS=ms12345678"],
      ["v=DMARC1; p=reject; rua=mailto:dmarc@example.com"],
      // Long words: letters without digits.
      ["thequickbrownfoxjumpsoverthelazydogagainandagain"],
      // Encoded but short: under MIN_ENCODED_TEXT.
      ["AhvMAAO1kAFE5TE9QTjFFN09RN1lYSD"],
    ]
  ) {
    assert.equal(response([txt(...texts)]).dnsAnswerDataBytes, 0, texts[0]);
  }
  assert.equal("AhvMAAO1kAFE5TE9QTjFFN09RN1lYSD".length, MIN_ENCODED_TEXT - 1);
});

Deno.test("DNS answers: NULL answers carry all their data; A answers and queries nothing", () => {
  const data = new Uint8Array(200).map((_, i) => i);
  assert.equal(
    response([{ type: 10, data }], 10).dnsAnswerDataBytes,
    200,
  );
  // A TXT record answering an A question is not read.
  assert.equal(response([txt(CHUNK)], 1).dnsAnswerDataBytes, 0);
  const query = dnsMessage({ id: 7, name: "x.example.com", qtype: 16 });
  assert.equal(
    decodeFrame(udpFrame(SERVER, { srcPort: 40000, dstPort: 53 }, query))
      .packet.dnsAnswerDataBytes,
    0,
  );
});

Deno.test("DNS answers: records cut short, bad names and pointer loops stop the count without an error", () => {
  const whole = dnsMessage({
    id: 7,
    name: "1.stage.example.com",
    qtype: 16,
    response: true,
    records: [txt(CHUNK), txt(CHUNK)],
  });
  // The second record cut (a TCP segment's or a fragment's end): judged
  // by its characters present.
  const cut = whole.slice(0, whole.length - 10);
  const decode = (message: Uint8Array) =>
    decodeFrame(udpFrame(SERVER, { srcPort: 53, dstPort: 40000 }, message))
      .packet;
  assert.equal(decode(cut).dnsAnswerDataBytes, 255 + 245);
  // An answer whose owner name points at itself.
  const question = whole.slice(12, 12 + 21 + 4);
  const looped = concat(
    hex("0007 8180 0001 0001 0000 0000"),
    question,
    hex("c025 0010 0001 00000e10"),
  );
  assert.equal(decode(looped).dnsAnswerDataBytes, 0);
  // A string whose length runs past its record.
  const overrun = concat(
    hex("0007 8180 0001 0001 0000 0000"),
    question,
    hex("c00c 0010 0001 00000e10 0004 ff41 4243"),
  );
  assert.equal(decode(overrun).dnsAnswerDataBytes, 0);
  assert.equal(
    encodedTextLength(new Uint8Array([40, 0x41]), 0, 2),
    0,
  );
});

Deno.test("DNS answers: 50,000 random responses to TXT questions never throw", () => {
  const header = hex("0007 8180 0001 0004 0000 0000");
  const question = dnsMessage({ id: 7, name: "a.example.com", qtype: 16 })
    .slice(12);
  let seed = 1;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) >>> 0) >>> 24;
  for (let i = 0; i < 50_000; i++) {
    const tail = Uint8Array.from({ length: random() }, random);
    const packet = decodeFrame(
      udpFrame(
        SERVER,
        { srcPort: 53, dstPort: 40000 },
        concat(header, question, tail),
      ),
    ).packet;
    assert.ok(packet.dnsAnswerDataBytes <= tail.length);
  }
});

Deno.test("DNS answers: text with a space or a colon, or of digits alone, is no encoded data; each string may end in its own padding", () => {
  for (
    const text of [
      CHUNK.slice(0, 100) + " " + CHUNK.slice(100, 200),
      CHUNK.slice(0, 100) + ":" + CHUNK.slice(100, 200),
      "1234567890".repeat(6),
    ]
  ) {
    assert.equal(response([txt(text)]).dnsAnswerDataBytes, 0, text);
  }
  // sods pads each string of a record on its own.
  assert.equal(
    response([txt("QUJDREVGR0hJSktMTU5PUA==", "MTIzNDU2Nzg5MGFiY2RlZg==")])
      .dnsAnswerDataBytes,
    48,
  );
});

Deno.test("DNS answers: private-use records count as NULL ones; 64 records are read, no more", () => {
  const data = new Uint8Array(50).fill(7);
  assert.equal(
    response([{ type: 65399, data }], 65399).dnsAnswerDataBytes,
    50,
  );
  const many = Array.from({ length: 70 }, () => txt(CHUNK.slice(0, 40)));
  assert.equal(response(many).dnsAnswerDataBytes, 64 * 40);
});

Deno.test("DNS answers: an owner name that is a pointer (to a name ending in another) is skipped; one longer than 255 bytes stops the count", () => {
  // Question "a.example.com" at 12; a CNAME answer to "b" + a pointer to
  // "example.com"; a TXT answer owned by a pointer to that target.
  const question = dnsMessage({ id: 7, name: "a.example.com", qtype: 16 })
    .slice(12);
  const cnameAt = 12 + question.length;
  const targetAt = cnameAt + 12;
  const message = concat(
    hex("0007 8180 0001 0002 0000 0000"),
    question,
    hex("c00c 0005 0001 00000e10 0004 0162 c00e"),
    new Uint8Array([0xc0 | (targetAt >> 8), targetAt & 0xff]),
    hex("0010 0001 00000e10"),
    hex("0100"), // RDLENGTH 256: one string of 255
    txtRdata(CHUNK),
  );
  const decode = (bytes: Uint8Array) =>
    decodeFrame(udpFrame(SERVER, { srcPort: 53, dstPort: 40000 }, bytes))
      .packet;
  assert.equal(decode(message).dnsAnswerDataBytes, 255);
  // 200 one-byte labels as the first answer's owner.
  const long = concat(
    hex("0007 8180 0001 0001 0000 0000"),
    question,
    new Uint8Array(Array.from({ length: 200 }, () => [1, 0x61]).flat()),
    new Uint8Array([0]),
    hex("0010 0001 00000e10"),
    hex("0100"), // RDLENGTH 256: one string of 255
    txtRdata(CHUNK),
  );
  assert.equal(decode(long).dnsAnswerDataBytes, 0);
});
