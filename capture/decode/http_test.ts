import assert from "node:assert/strict";
import { AnomalyCounter } from "../anomalies.ts";
import { DecodedPacket } from "../decoded_packet.ts";
import { tcpFrame } from "../frame_builder.ts";
import { TCP_FLAGS } from "../packet_record.ts";
import { decodeInto } from "./mod.ts";
import { MACS, rawRecord } from "./test_helpers.ts";
import {
  MAX_HTTP_URI_CHARS,
  MAX_HTTP_USER_AGENT_CHARS,
  printableText,
  readHttpHost,
  readHttpRequest,
  readHttpStatus,
  readHttpUserAgent,
} from "./http.ts";

/** `text`'s characters as bytes (each below 256). */
function latin1(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

function request(text: string) {
  const bytes = latin1(text);
  const record = { httpMethod: "", httpUri: "" };
  readHttpRequest(record, bytes, 0, bytes.length);
  return { ...record, httpHost: readHttpHost(bytes, 0, bytes.length) };
}

Deno.test("readHttpRequest: method, target and Host (any case, spaces trimmed)", () => {
  assert.deepEqual(
    request(
      "GET /a?b=1 HTTP/1.1\r\nUser-Agent: x\r\nhOsT:  example.com \r\n\r\n",
    ),
    { httpMethod: "GET", httpUri: "/a?b=1", httpHost: "example.com" },
  );
  // A proxy's absolute target, HTTP/1.0 without Host.
  assert.deepEqual(
    request("POST http://x.test/p HTTP/1.0\r\nAccept: */*\r\n\r\n"),
    { httpMethod: "POST", httpUri: "http://x.test/p", httpHost: "" },
  );
});

Deno.test("readHttpRequest: a Host after the blank line, or cut by the segment's end, is not the request's", () => {
  assert.equal(
    request("GET / HTTP/1.1\r\nA: b\r\n\r\nHost: body.test\r\n").httpHost,
    "",
  );
  assert.equal(request("GET / HTTP/1.1\r\nHost: exam").httpHost, "");
  // A request line cut before its target ends keeps what is there.
  assert.deepEqual(request("GET /long/pa"), {
    httpMethod: "GET",
    httpUri: "/long/pa",
    httpHost: "",
  });
  assert.deepEqual(request("GET"), {
    httpMethod: "",
    httpUri: "",
    httpHost: "",
  });
});

Deno.test("readHttpRequest: bytes outside printable ASCII are escaped, and a long target is cut", () => {
  assert.equal(
    request("GET /\x01\xff HTTP/1.1\r\nHost: a\x7fb\r\n\r\n").httpUri,
    "/\\x01\\xff",
  );
  assert.equal(
    request("GET / HTTP/1.1\r\nHost: a\x7fb\r\n\r\n").httpHost,
    "a\\x7fb",
  );
  const uri = request(`GET /${"a".repeat(2000)} HTTP/1.1\r\n\r\n`).httpUri;
  assert.equal(uri.length, MAX_HTTP_URI_CHARS);
  assert.ok(uri.endsWith("…"));
});

Deno.test("readHttpUserAgent: the first User-Agent header (any case), whole, cut at 512 characters", () => {
  const userAgent = (text: string) => {
    const bytes = latin1(text);
    return readHttpUserAgent(bytes, 0, bytes.length);
  };
  assert.equal(
    userAgent(
      "GET / HTTP/1.1\r\nHost: a\r\nuser-AGENT:\tcurl/8.5.0 \r\nUser-Agent: b\r\n\r\n",
    ),
    "curl/8.5.0",
  );
  assert.equal(userAgent("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), "");
  // A control byte where the hyphen goes is another header; so is a longer name.
  assert.equal(userAgent("GET / HTTP/1.1\r\nUser\rAgent: x\r\n\r\n"), "");
  assert.equal(userAgent("GET / HTTP/1.1\r\nUser-Agents: x\r\n\r\n"), "");
  assert.equal(userAgent("GET / HTTP/1.1\r\nUser-Agent: cut"), "");
  const long = userAgent(
    `GET / HTTP/1.1\r\nUser-Agent: ${"m".repeat(1000)}\r\n\r\n`,
  );
  assert.equal(long.length, MAX_HTTP_USER_AGENT_CHARS);
  assert.ok(long.endsWith("…"));
});

Deno.test("readHttpStatus: three digits after the version, else -1", () => {
  const status = (text: string) => {
    const bytes = new TextEncoder().encode(text);
    return readHttpStatus(bytes, 0, bytes.length);
  };
  assert.equal(status("HTTP/1.1 404 Not Found\r\n"), 404);
  assert.equal(status("HTTP/1.0 200\r\n"), 200);
  assert.equal(status("HTTP/1.1 204"), 204);
  assert.equal(status("HTTP/1.1 20"), -1);
  assert.equal(status("HTTP/1.1 2000 x"), -1);
  assert.equal(status("HTTP/1.1 abc"), -1);
});

Deno.test("printableText: bounded, escaped, never longer than asked", () => {
  const bytes = new Uint8Array(100_000).fill(0x61);
  assert.equal(printableText(bytes, 0, bytes.length, 10), "aaaaaaaaa…");
  assert.equal(printableText(bytes, 5, 8, 10), "aaa");
  assert.equal(printableText(new Uint8Array([0, 10]), 0, 2, 10), "\\x00\\x0a");
  // A backslash is escaped too: the text "\x1b" is not the ESC byte.
  assert.equal(printableText(latin1("a\\x1b"), 0, 5, 64), "a\\x5cx1b");
  assert.equal(printableText(latin1("a\x1b"), 0, 2, 64), "a\\x1b");
  // Cut between escapes, never inside one.
  const cut = printableText(latin1("ab\x01\x02\x03"), 0, 5, 8);
  assert.equal(cut, "ab\\x01…");
  assert.equal(printableText(latin1("ab\x01"), 0, 3, 6), "ab\\x01");
});

Deno.test("a decoded HTTP request keeps its fields after its frame's bytes are reused, and the record's next packet has none", () => {
  const record = new DecodedPacket();
  const anomalies = new AnomalyCounter();
  const frame = tcpFrame(
    { ...MACS, src: "10.0.0.1", dst: "10.0.0.2" },
    { srcPort: 40000, dstPort: 80, flags: TCP_FLAGS.PSH | TCP_FLAGS.ACK },
    latin1("GET /x HTTP/1.1\r\nHost: kept.test\r\nUser-Agent: ua\r\n\r\n"),
  );
  decodeInto(record, rawRecord(frame), anomalies);
  // The reader reuses its buffer before anyone asks for the text.
  frame.fill(0x41);
  assert.equal(record.httpMethod, "GET");
  assert.equal(record.httpUri, "/x");
  assert.equal(record.httpHost, "kept.test");
  assert.equal(record.httpUserAgent, "ua");
  const syn = tcpFrame(
    { ...MACS, src: "10.0.0.1", dst: "10.0.0.2" },
    { srcPort: 40001, dstPort: 80, flags: TCP_FLAGS.SYN },
  );
  decodeInto(record, rawRecord(syn), anomalies);
  assert.deepEqual(
    [
      record.httpMethod,
      record.httpUri,
      record.httpHost,
      record.httpUserAgent,
      record.httpStatus,
    ],
    ["", "", "", "", -1],
  );
});
