import assert from "node:assert/strict";
import { appHint } from "../../capture/decode/mod.ts";
import {
  httpBody,
  httpRequest,
  httpResponseHead,
  ntpRequest,
  ntpResponse,
  sshKexEcdhReply,
  sshKexInit,
  sshNewKeys,
  sshPacket,
} from "./app_payloads.ts";

const DECODER = new TextDecoder();

Deno.test("httpRequest() and httpResponseHead() are HTTP/1.1 heads the decoder recognises", () => {
  const request = httpRequest({
    host: "neverssl.com",
    path: "/",
    userAgent: "test",
  });
  assert.match(
    DECODER.decode(request),
    /^GET \/ HTTP\/1\.1\r\nHost: neverssl\.com\r\n.*\r\n\r\n$/s,
  );
  assert.equal(appHint(request, 0, request.length), "http_request");
  const head = httpResponseHead(200, "OK", "text/html", 1234);
  assert.match(
    DECODER.decode(head),
    /^HTTP\/1\.1 200 OK\r\n.*Content-Length: 1234\r\n.*\r\n\r\n$/s,
  );
  assert.equal(appHint(head, 0, head.length), "http_response");
  assert.equal(httpBody(1000).length, 1000);
});

Deno.test("sshPacket() pads to a multiple of 8 with at least 4 bytes (RFC 4253 section 6)", () => {
  for (let length = 0; length < 40; length++) {
    const packet = sshPacket(new Uint8Array(length).fill(1));
    const view = new DataView(packet.buffer);
    const padding = packet[4]!;
    assert.equal(view.getUint32(0), packet.length - 4);
    assert.equal(packet.length % 8, 0);
    assert.ok(
      padding >= 4 && padding < 12,
      `length ${length}: padding ${padding}`,
    );
    assert.equal(1 + length + padding, view.getUint32(0));
  }
});

Deno.test("SSH key exchange messages have their message numbers and consistent lengths", () => {
  const kexInit = sshKexInit(new Uint8Array(16));
  assert.equal(kexInit[5], 20);
  assert.ok(DECODER.decode(kexInit).includes("curve25519-sha256"));
  const reply = sshKexEcdhReply(
    new Uint8Array(32),
    new Uint8Array(32),
    new Uint8Array(64),
  );
  const view = new DataView(reply.buffer);
  assert.equal(reply[5], 31);
  const hostKeyLength = view.getUint32(6);
  assert.equal(hostKeyLength, 4 + 11 + 4 + 32);
  const serverKeyLength = view.getUint32(10 + hostKeyLength);
  assert.equal(serverKeyLength, 32);
  assert.equal(view.getUint32(14 + hostKeyLength + 32), 4 + 11 + 4 + 64);
  assert.deepEqual([...sshNewKeys().subarray(0, 6)], [0, 0, 0, 12, 10, 21]);
});

Deno.test("NTP packets carry the packet-time timestamps (seconds since 1900)", () => {
  const sentUs = 1_767_225_600_250_000; // 2026-01-01T00:00:00.25Z
  const request = ntpRequest(sentUs);
  const view = new DataView(request.buffer);
  assert.equal(request.length, 48);
  assert.equal(request[0], 0x23);
  assert.equal(view.getUint32(40), 1_767_225_600 + 2_208_988_800);
  assert.equal(view.getUint32(44), 2 ** 30);
  const response = ntpResponse({
    originUs: sentUs,
    receiveUs: sentUs + 10_000,
    transmitUs: sentUs + 10_040,
    stratum: 2,
    referenceId: new Uint8Array([10, 0, 0, 1]),
  });
  const reply = new DataView(response.buffer);
  assert.equal(response.length, 48);
  assert.equal(response[0], 0x24);
  assert.equal(reply.getUint32(24), view.getUint32(40)); // origin = client transmit
  assert.equal(reply.getUint32(28), view.getUint32(44));
  assert.equal(reply.getUint32(32), view.getUint32(40)); // receive, same second
});
