import assert from "node:assert/strict";
import { tcpFrame, udpFrame } from "../frame_builder.ts";
import type { AppHint } from "../packet_record.ts";
import { appHint } from "./app_hint.ts";
import { decodeFrame, hex } from "./test_helpers.ts";

const ENDS = {
  srcMac: "02:00:00:00:00:01",
  dstMac: "02:00:00:00:00:02",
  src: "10.0.0.1",
  dst: "10.0.0.2",
};

function text(value: string): Uint8Array {
  return new TextEncoder().encode(value);
}

Deno.test("appHint() recognises HTTP requests (not RTSP's or SIP's) and responses", () => {
  const cases: [string, AppHint][] = [
    ["GET / HTTP/1.1\r\n", "http_request"],
    ["POST /api HTTP/1.1\r\n", "http_request"],
    ["HEAD / HTTP/1.0\r\n", "http_request"],
    ["PUT /x HTTP/1.1", "http_request"],
    ["DELETE /x HTTP/1.1", "http_request"],
    ["OPTIONS * HTTP/1.1", "http_request"],
    ["CONNECT a:443 HTTP/1.1", "http_request"],
    ["TRACE / HTTP/1.1", "http_request"],
    ["PATCH /x HTTP/1.1", "http_request"],
    ["HTTP/1.1 200 OK\r\n", "http_response"],
    ["HTTP/1.0 404 Not Found", "http_response"],
    ["GETX / HTTP/1.1", ""],
    ["get / HTTP/1.1", ""],
    ["HTTP/2 200", ""],
    ["GET", ""],
    ["SSH-2.0-OpenSSH_9.6", ""],
    ["", ""],
    // A target cut by the segment's end: taken as HTTP's.
    ["GET /a/very/long/pa", "http_request"],
    ["GET /x HTT", "http_request"],
    // The same methods in other protocols, or no version at all.
    ["OPTIONS rtsp://cam.example/live RTSP/1.0\r\n", ""],
    ["OPTIONS sip:bob@example.com SIP/2.0\r\n", ""],
    ["GET session:1234\r\n", ""],
    ["GET  HTTP/1.1\r\n", ""],
  ];
  for (const [payload, expected] of cases) {
    const bytes = new Uint8Array([0xff, ...text(payload), 0x20]);
    assert.equal(appHint(bytes, 1, bytes.length - 1), expected, payload);
  }
});

Deno.test("appHint() recognises TLS records and hello messages", () => {
  const cases: [string, AppHint][] = [
    ["16 0301 0200 01 0001fc 0303", "tls_client_hello"],
    ["16 0303 0059 02 000055 0303", "tls_server_hello"],
    ["16 0303 0100 0b 0000fc", "tls"], // certificate
    ["16 0303 00", "tls"], // too short to see the handshake type
    ["17 0303 0040", "tls"], // application data
    ["14 0303 0001 01", "tls"], // change cipher spec
    ["15 0303 0002 0200", "tls"], // alert
    ["18 0303 0010", "tls"], // heartbeat
    ["16 0300 0010 01", "tls_client_hello"], // SSL 3.0
    ["19 0303 0010", ""], // type 25
    ["16 0203 0010 01", ""], // SSL 2 style version
    ["16 0305 0010 01", ""],
    ["16 03", ""],
  ];
  for (const [bytesHex, expected] of cases) {
    const bytes = hex(bytesHex);
    assert.equal(appHint(bytes, 0, bytes.length), expected, bytesHex);
  }
});

Deno.test("decodePacket() sets the app hint of TCP payloads only", () => {
  const request = text("GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n");
  const tcp = decodeFrame(
    tcpFrame(ENDS, { srcPort: 40000, dstPort: 8080, flags: 0x18 }, request),
  );
  assert.equal(tcp.packet.app, "http_request");
  const cut = decodeFrame(
    tcpFrame(ENDS, { srcPort: 40000, dstPort: 8080, flags: 0x18 }, request),
    {
      capturedLength: 54 + 4,
    },
  );
  assert.equal(cut.packet.app, "http_request");
  const udp = decodeFrame(
    udpFrame(ENDS, { srcPort: 40000, dstPort: 8080 }, request),
  );
  assert.equal(udp.packet.app, "");
  const hello = decodeFrame(
    tcpFrame(
      ENDS,
      { srcPort: 40000, dstPort: 443, flags: 0x18 },
      hex("16 0301 0200 01 0001fc 0303"),
    ),
  );
  assert.equal(hello.packet.app, "tls_client_hello");
});
