import assert from "node:assert/strict";
import { readTlsServerName } from "./tls.ts";

/** A TLS record holding a ClientHello with `extensions` (type, data) in order. */
function clientHello(extensions: [number, Uint8Array][]): Uint8Array {
  const body: number[] = [0x03, 0x03, ...new Array(32).fill(7)];
  body.push(2, 0xaa, 0xbb); // session id
  body.push(0, 4, 0x13, 0x01, 0x13, 0x02); // cipher suites
  body.push(1, 0); // compression
  const ext: number[] = [];
  for (const [type, data] of extensions) {
    ext.push(
      type >> 8,
      type & 255,
      data.length >> 8,
      data.length & 255,
      ...data,
    );
  }
  body.push(ext.length >> 8, ext.length & 255, ...ext);
  const handshake = [1, 0, body.length >> 8, body.length & 255, ...body];
  return new Uint8Array([
    22,
    3,
    1,
    handshake.length >> 8,
    handshake.length & 255,
    ...handshake,
  ]);
}

function serverName(...names: [number, string][]): Uint8Array {
  const list: number[] = [];
  for (const [type, name] of names) {
    const bytes = new TextEncoder().encode(name);
    list.push(type, bytes.length >> 8, bytes.length & 255, ...bytes);
  }
  return new Uint8Array([list.length >> 8, list.length & 255, ...list]);
}

const read = (bytes: Uint8Array, end = bytes.length) =>
  readTlsServerName(bytes, 0, end);

Deno.test("readTlsServerName: the host name of server_name, wherever it is among the extensions", () => {
  const grease: [number, Uint8Array] = [0x0a0a, new Uint8Array(0)];
  const alpn: [number, Uint8Array] = [
    16,
    new Uint8Array([0, 3, 2, 0x68, 0x32]),
  ];
  assert.equal(
    read(clientHello([[0, serverName([0, "example.com"])]])),
    "example.com",
  );
  assert.equal(
    read(clientHello([grease, alpn, [0, serverName([0, "late.test"])]])),
    "late.test",
  );
  // Another name type first: the host name is the one kept.
  assert.equal(
    read(clientHello([[0, serverName([1, "xx"], [0, "host.test"])]])),
    "host.test",
  );
  assert.equal(read(clientHello([alpn])), "");
});

Deno.test("readTlsServerName: a name past the segment's end, or lengths that lie, give nothing, and never throw", () => {
  const hello = clientHello([[0, serverName([0, "example.com"])]]);
  assert.equal(read(hello, hello.length - 3), "");
  for (let end = 0; end < hello.length; end++) {
    assert.doesNotThrow(() => read(hello, end));
  }
  // Every byte set to every value: still no throw, and a name only if whole.
  for (let at = 0; at < hello.length; at++) {
    for (const value of [0, 1, 0x7f, 0xff]) {
      const broken = hello.slice();
      broken[at] = value;
      const name = read(broken);
      assert.ok(name === "" || name.length <= 255, `byte ${at} = ${value}`);
    }
  }
});

/** `hello` (one record) re-cut into records of the payload sizes in `sizes`, the rest in a last one. */
function splitRecords(hello: Uint8Array, sizes: number[]): Uint8Array {
  const payload = hello.subarray(5);
  const out: number[] = [];
  let at = 0;
  for (const size of [...sizes, payload.length]) {
    const part = payload.subarray(at, Math.min(at + size, payload.length));
    out.push(22, 3, 1, part.length >> 8, part.length & 255, ...part);
    at += part.length;
    if (at >= payload.length) break;
  }
  return new Uint8Array(out);
}

Deno.test("readTlsServerName: a hello split over several TLS records in its segment is read joined", () => {
  const hello = clientHello([[0, serverName([0, "blocked.example"])]]);
  for (const sizes of [[50], [1], [4, 10, 3], [39, 40, 2]]) {
    assert.equal(
      read(splitRecords(hello, sizes)),
      "blocked.example",
      `${sizes}`,
    );
  }
  // The segment ends inside the second record: the name past it is unknown.
  const split = splitRecords(hello, [50]);
  assert.equal(read(split, split.length - 3), "");
  // A record of another type after the first is not the hello's.
  const other = new Uint8Array([
    ...splitRecords(hello, [50]).subarray(0, 55),
    23,
    3,
    3,
    0,
    2,
    0,
    0,
  ]);
  assert.equal(read(other), "");
});
