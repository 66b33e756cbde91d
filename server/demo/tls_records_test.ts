import assert from "node:assert/strict";
import { appHint } from "../../capture/decode/mod.ts";
import {
  tlsApplicationData,
  tlsChangeCipherSpec,
  tlsClientHello,
  tlsRecord,
  tlsServerHello,
} from "./tls_records.ts";

const RANDOM = new Uint8Array(32).fill(0xab);

/** Walks `data` as a list of extensions (type, 2-byte length, body) and returns their types. */
function extensionTypes(data: Uint8Array): number[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const types: number[] = [];
  let offset = 0;
  while (offset < data.length) {
    types.push(view.getUint16(offset));
    offset += 4 + view.getUint16(offset + 2);
  }
  assert.equal(offset, data.length, "extensions fill their block exactly");
  return types;
}

Deno.test("tlsClientHello() nests every length correctly and carries SNI, ALPN and key share", () => {
  const record = tlsClientHello({
    serverName: "www.example.org",
    random: RANDOM,
    sessionId: RANDOM,
    keyShare: RANDOM,
  });
  const view = new DataView(record.buffer);
  assert.deepEqual([...record.subarray(0, 3)], [22, 3, 1]);
  assert.equal(view.getUint16(3), record.length - 5);
  assert.equal(record[5], 1); // ClientHello
  assert.equal((view.getUint16(6) << 8) | record[8]!, record.length - 9);
  let offset = 9 + 2 + 32;
  offset += 1 + record[offset]!; // session id
  offset += 2 + view.getUint16(offset); // cipher suites
  offset += 1 + record[offset]!; // compression methods
  const extensionsLength = view.getUint16(offset);
  assert.equal(offset + 2 + extensionsLength, record.length);
  const types = extensionTypes(record.subarray(offset + 2));
  for (const type of [0x0000, 0x0010, 0x002b, 0x0033, 0x000d]) {
    assert.ok(types.includes(type), `extension ${type}`);
  }
  assert.ok(new TextDecoder().decode(record).includes("www.example.org"));
  assert.equal(appHint(record, 0, record.length), "tls_client_hello");
});

Deno.test("tlsServerHello() is a TLS 1.3 ServerHello echoing the session id", () => {
  const sessionId = new Uint8Array(32).fill(7);
  const record = tlsServerHello({
    random: RANDOM,
    sessionId,
    keyShare: RANDOM,
  });
  const view = new DataView(record.buffer);
  assert.deepEqual([...record.subarray(0, 3)], [22, 3, 3]);
  assert.equal(view.getUint16(3), record.length - 5);
  assert.equal(record[5], 2);
  assert.deepEqual(record.subarray(44, 76), sessionId);
  assert.equal(view.getUint16(76), 0x1301);
  assert.deepEqual(extensionTypes(record.subarray(81)), [0x002b, 0x0033]);
  assert.equal(appHint(record, 0, record.length), "tls_server_hello");
});

Deno.test("tlsChangeCipherSpec() and tlsApplicationData() build records", () => {
  assert.deepEqual([...tlsChangeCipherSpec()], [20, 3, 3, 0, 1, 1]);
  const data = tlsApplicationData(new Uint8Array(300));
  assert.deepEqual([...data.subarray(0, 5)], [23, 3, 3, 1, 44]);
  assert.equal(data.length, 305);
  assert.equal(appHint(data, 0, data.length), "tls");
  assert.throws(() => tlsRecord(23, new Uint8Array(20_000)), RangeError);
});
