import assert from "node:assert/strict";
import { nbnsMessage, udpFrame } from "../frame_builder.ts";
import { decodeFrame } from "./test_helpers.ts";
import { nbnsOpcode, nbnsRcode } from "./nbns.ts";

function decode(payload: Uint8Array, srcPort = 137, dstPort = 137) {
  return decodeFrame(
    udpFrame(
      {
        srcMac: "02:00:00:00:00:01",
        dstMac: "ff:ff:ff:ff:ff:ff",
        src: "10.0.0.5",
        dst: "10.0.0.255",
      },
      { srcPort, dstPort },
      payload,
    ),
  ).packet;
}

Deno.test("decodeNbns() reads a broadcast name query and a positive response", () => {
  const query = decode(
    nbnsMessage({ id: 0xa784, name: "WPAD" }),
  );
  assert.equal(query.nbnsId, 0xa784);
  assert.equal(query.nbnsFlags, 0x0110);
  assert.equal(nbnsOpcode(query.nbnsFlags), 0);
  assert.equal(query.nbnsAnswerCount, 0);
  assert.equal(query.nbnsName, "wpad");
  const answer = decode(
    nbnsMessage({
      id: 0xa784,
      name: "FileServ01",
      suffix: 0x20,
      response: true,
      address: "10.0.0.66",
    }),
  );
  assert.equal(answer.nbnsId, 0xa784);
  assert.equal(answer.nbnsFlags & 0x8000, 0x8000);
  assert.equal(nbnsRcode(answer.nbnsFlags), 0);
  assert.equal(answer.nbnsAnswerCount, 1);
  assert.equal(answer.nbnsName, "fileserv01");
  // A name with a space inside keeps it; trailing padding goes.
  assert.equal(
    decode(nbnsMessage({ id: 1, name: "MY PC" })).nbnsName,
    "my pc",
  );
});

Deno.test("decodeNbns() leaves the name out of what is not first-level encoded or cut short, and never throws", () => {
  const good = nbnsMessage({ id: 7, name: "HOST" });
  // A letter past 'P'.
  const bad = good.slice();
  bad[13] = 0x5a;
  assert.equal(decode(bad).nbnsName, "");
  assert.equal(decode(bad).nbnsId, 7);
  // Not a 32-byte name.
  const short = good.slice();
  short[12] = 16;
  assert.equal(decode(short).nbnsName, "");
  // A control character inside.
  const control = nbnsMessage({ id: 7, name: "A\u0001B" });
  assert.equal(decode(control).nbnsName, "");
  // Every prefix of the message.
  for (let length = 0; length < good.length; length++) {
    const packet = decode(good.subarray(0, length));
    assert.equal(packet.nbnsId, length >= 12 ? 7 : -1);
    assert.equal(packet.nbnsName, length >= 12 + 33 ? "host" : "");
  }
  // Not port 137: nothing.
  const other = decode(good, 40_000, 53_000);
  assert.equal(other.nbnsId, -1);
  assert.equal(other.nbnsName, "");
});
