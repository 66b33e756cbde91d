/**
 * TLS record bytes for demo HTTPS sessions (RFC 8446): a browser-like
 * ClientHello with SNI and ALPN, a TLS 1.3 ServerHello, the middlebox
 * compatibility ChangeCipherSpec and opaque application data records. The
 * records are well-formed (tshark and the decoders parse them); the "keys"
 * and "ciphertext" are random bytes.
 *
 * @module
 */

import { ByteWriter } from "./_byte_writer.ts";

/** TLS content types (RFC 8446 section 5.1). */
export const TLS_CONTENT_TYPE = {
  CHANGE_CIPHER_SPEC: 20,
  HANDSHAKE: 22,
  APPLICATION_DATA: 23,
} as const;

/** Largest plaintext fragment of one TLS record, bytes (RFC 8446 section 5.1). */
export const TLS_MAX_FRAGMENT_LENGTH = 16_384;

/** Bytes of a TLS record header. */
export const TLS_RECORD_HEADER_LENGTH = 5;

const CIPHER_SUITES = [
  0x1301,
  0x1302,
  0x1303,
  0xc02b,
  0xc02f,
  0xc02c,
  0xc030,
  0xcca9,
  0xcca8,
  0xc013,
  0xc014,
  0x009c,
  0x009d,
  0x002f,
  0x0035,
];
const SIGNATURE_ALGORITHMS = [
  0x0403,
  0x0804,
  0x0401,
  0x0503,
  0x0805,
  0x0501,
  0x0806,
  0x0601,
];
const GROUP_X25519 = 0x001d;

/** Random inputs of a ClientHello (32-byte random, 32-byte session id, 32-byte key share). */
export interface ClientHelloOptions {
  /** Server Name Indication host name. */
  serverName: string;
  /** 32 bytes. */
  random: Uint8Array;
  /** 32 bytes; the server echoes it. */
  sessionId: Uint8Array;
  /** The X25519 key share, 32 bytes. */
  keyShare: Uint8Array;
  /** ALPN protocols offered (default h2 and http/1.1). */
  alpn?: string[];
}

/** A TLS record of `contentType` around `fragment` (legacy version `recordVersion`). */
export function tlsRecord(
  contentType: number,
  fragment: Uint8Array,
  recordVersion = 0x0303,
): Uint8Array<ArrayBuffer> {
  if (fragment.length > TLS_MAX_FRAGMENT_LENGTH + 256) {
    throw new RangeError(
      `Cannot build TLS record: fragment of ${fragment.length} bytes is too long`,
    );
  }
  const record = new Uint8Array(TLS_RECORD_HEADER_LENGTH + fragment.length);
  record[0] = contentType;
  record[1] = recordVersion >> 8;
  record[2] = recordVersion & 0xff;
  record[3] = fragment.length >> 8;
  record[4] = fragment.length & 0xff;
  record.set(fragment, TLS_RECORD_HEADER_LENGTH);
  return record;
}

function extension(
  writer: ByteWriter,
  type: number,
  body: (w: ByteWriter) => void,
): void {
  writer.u16(type).block(2, body);
}

/** A ClientHello handshake record like a current browser's (TLS 1.3 and 1.2 offered). */
export function tlsClientHello(
  options: ClientHelloOptions,
): Uint8Array<ArrayBuffer> {
  const alpn = options.alpn ?? ["h2", "http/1.1"];
  const handshake = new ByteWriter().u8(1).block(3, (hello) => {
    hello.u16(0x0303).bytes(options.random);
    hello.block(1, (w) => w.bytes(options.sessionId));
    hello.block(2, (w) => CIPHER_SUITES.forEach((suite) => w.u16(suite)));
    hello.block(1, (w) => w.u8(0));
    hello.block(2, (ext) => {
      extension(
        ext,
        0x0000,
        (w) =>
          w.block(
            2,
            (list) =>
              list.u8(0).block(2, (name) => name.text(options.serverName)),
          ),
      );
      extension(ext, 0x0017, () => {});
      extension(ext, 0xff01, (w) => w.u8(0));
      extension(
        ext,
        0x000a,
        (w) =>
          w.block(2, (list) => list.u16(GROUP_X25519).u16(0x0017).u16(0x0018)),
      );
      extension(ext, 0x000b, (w) => w.block(1, (list) => list.u8(0)));
      extension(ext, 0x0023, () => {});
      extension(ext, 0x0010, (w) =>
        w.block(2, (list) => {
          for (const protocol of alpn) list.block(1, (p) => p.text(protocol));
        }));
      extension(ext, 0x0005, (w) => w.u8(1).u16(0).u16(0));
      extension(
        ext,
        0x000d,
        (w) =>
          w.block(
            2,
            (list) => SIGNATURE_ALGORITHMS.forEach((a) => list.u16(a)),
          ),
      );
      extension(
        ext,
        0x0033,
        (w) =>
          w.block(
            2,
            (shares) =>
              shares.u16(GROUP_X25519).block(2, (key) =>
                key.bytes(options.keyShare)),
          ),
      );
      extension(ext, 0x002d, (w) => w.block(1, (modes) => modes.u8(1)));
      extension(
        ext,
        0x002b,
        (w) => w.block(1, (versions) => versions.u16(0x0304).u16(0x0303)),
      );
    });
  }).toBytes();
  return tlsRecord(TLS_CONTENT_TYPE.HANDSHAKE, handshake, 0x0301);
}

/** Random inputs of a ServerHello. */
export interface ServerHelloOptions {
  /** 32 bytes. */
  random: Uint8Array;
  /** The client's session id, echoed (RFC 8446 section 4.1.3). */
  sessionId: Uint8Array;
  /** The server's X25519 key share, 32 bytes. */
  keyShare: Uint8Array;
}

/** A TLS 1.3 ServerHello handshake record choosing TLS_AES_128_GCM_SHA256 and X25519. */
export function tlsServerHello(
  options: ServerHelloOptions,
): Uint8Array<ArrayBuffer> {
  const handshake = new ByteWriter().u8(2).block(3, (hello) => {
    hello.u16(0x0303).bytes(options.random);
    hello.block(1, (w) => w.bytes(options.sessionId));
    hello.u16(0x1301).u8(0);
    hello.block(2, (ext) => {
      extension(ext, 0x002b, (w) => w.u16(0x0304));
      extension(
        ext,
        0x0033,
        (w) =>
          w.u16(GROUP_X25519).block(2, (key) => key.bytes(options.keyShare)),
      );
    });
  }).toBytes();
  return tlsRecord(TLS_CONTENT_TYPE.HANDSHAKE, handshake);
}

/** The ChangeCipherSpec record TLS 1.3 peers send for middlebox compatibility (RFC 8446 appendix D.4). */
export function tlsChangeCipherSpec(): Uint8Array<ArrayBuffer> {
  return tlsRecord(TLS_CONTENT_TYPE.CHANGE_CIPHER_SPEC, new Uint8Array([1]));
}

/** An application data record carrying `ciphertext` (opaque bytes). */
export function tlsApplicationData(
  ciphertext: Uint8Array,
): Uint8Array<ArrayBuffer> {
  return tlsRecord(TLS_CONTENT_TYPE.APPLICATION_DATA, ciphertext);
}
