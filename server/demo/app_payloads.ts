/**
 * Application payloads for demo sessions: HTTP/1.1 requests and responses,
 * the SSH transport layer's cleartext handshake (RFC 4253: version banner,
 * KEXINIT, curve25519 ECDH, NEWKEYS) and opaque encrypted packets, and NTPv4
 * client/server packets (RFC 5905). All are well-formed for tshark.
 *
 * @module
 */

import { ByteWriter } from "./_byte_writer.ts";

const ENCODER = new TextEncoder();

/** Fields of {@linkcode httpRequest}. */
export interface HttpRequestOptions {
  method?: string;
  host: string;
  path: string;
  userAgent: string;
}

/** An HTTP/1.1 request head (no body). */
export function httpRequest(
  options: HttpRequestOptions,
): Uint8Array<ArrayBuffer> {
  return ENCODER.encode(
    `${options.method ?? "GET"} ${options.path} HTTP/1.1\r\n` +
      `Host: ${options.host}\r\n` +
      `User-Agent: ${options.userAgent}\r\n` +
      "Accept: */*\r\n" +
      "Accept-Encoding: gzip, deflate\r\n" +
      "Connection: keep-alive\r\n\r\n",
  );
}

/** An HTTP/1.1 response head announcing a body of `contentLength` bytes. */
export function httpResponseHead(
  status: number,
  reason: string,
  contentType: string,
  contentLength: number,
): Uint8Array<ArrayBuffer> {
  return ENCODER.encode(
    `HTTP/1.1 ${status} ${reason}\r\n` +
      "Server: nginx/1.24.0\r\n" +
      `Content-Type: ${contentType}\r\n` +
      `Content-Length: ${contentLength}\r\n` +
      "Cache-Control: max-age=600\r\n" +
      "Connection: keep-alive\r\n\r\n",
  );
}

const FILLER = ENCODER.encode(
  "<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do " +
    "eiusmod tempor incididunt ut labore et dolore magna aliqua.</p>\n",
);

/** `length` bytes of HTML-like body text. */
export function httpBody(length: number): Uint8Array<ArrayBuffer> {
  const body = new Uint8Array(length);
  for (let offset = 0; offset < length; offset += FILLER.length) {
    body.set(
      FILLER.subarray(0, Math.min(FILLER.length, length - offset)),
      offset,
    );
  }
  return body;
}

/** An SSH identification string (RFC 4253 section 4.2), CR LF included. */
export function sshBanner(software: string): Uint8Array<ArrayBuffer> {
  return ENCODER.encode(`SSH-2.0-${software}\r\n`);
}

/** SSH message numbers used by the demo (RFC 4253, RFC 5656). */
export const SSH_MESSAGE = {
  KEXINIT: 20,
  NEWKEYS: 21,
  KEX_ECDH_INIT: 30,
  KEX_ECDH_REPLY: 31,
} as const;

/** Wraps `payload` in an unencrypted SSH binary packet (block size 8, `padding` bytes random). */
export function sshPacket(
  payload: Uint8Array,
  padding: Uint8Array = new Uint8Array(16),
): Uint8Array<ArrayBuffer> {
  // packet_length + padding_length + payload + padding must be a multiple
  // of 8, with at least 4 bytes of padding (RFC 4253 section 6).
  let paddingLength = 8 - ((5 + payload.length) % 8);
  if (paddingLength < 4) paddingLength += 8;
  const pad = padding.subarray(0, paddingLength);
  return new ByteWriter()
    .u32(1 + payload.length + paddingLength)
    .u8(paddingLength)
    .bytes(payload)
    .bytes(pad)
    .bytes(new Uint8Array(paddingLength - pad.length))
    .toBytes();
}

const KEXINIT_LISTS = [
  "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256",
  "ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-512",
  "chacha20-poly1305@openssh.com,aes128-gcm@openssh.com,aes256-gcm@openssh.com",
  "chacha20-poly1305@openssh.com,aes128-gcm@openssh.com,aes256-gcm@openssh.com",
  "umac-64-etm@openssh.com,hmac-sha2-256-etm@openssh.com",
  "umac-64-etm@openssh.com,hmac-sha2-256-etm@openssh.com",
  "none,zlib@openssh.com",
  "none,zlib@openssh.com",
  "",
  "",
];

function sshString(writer: ByteWriter, data: Uint8Array | string): void {
  writer.block(
    4,
    (w) => typeof data === "string" ? w.text(data) : w.bytes(data),
  );
}

/** An SSH_MSG_KEXINIT packet with OpenSSH-like algorithm lists; `cookie` is 16 bytes. */
export function sshKexInit(cookie: Uint8Array): Uint8Array<ArrayBuffer> {
  const payload = new ByteWriter().u8(SSH_MESSAGE.KEXINIT).bytes(cookie);
  for (const list of KEXINIT_LISTS) sshString(payload, list);
  payload.u8(0).u32(0);
  return sshPacket(payload.toBytes());
}

/** An SSH_MSG_KEX_ECDH_INIT packet carrying the client's 32-byte public key. */
export function sshKexEcdhInit(publicKey: Uint8Array): Uint8Array<ArrayBuffer> {
  const payload = new ByteWriter().u8(SSH_MESSAGE.KEX_ECDH_INIT);
  sshString(payload, publicKey);
  return sshPacket(payload.toBytes());
}

/** An SSH_MSG_KEX_ECDH_REPLY packet: ed25519 host key (32 bytes), server key (32), signature (64). */
export function sshKexEcdhReply(
  hostKey: Uint8Array,
  publicKey: Uint8Array,
  signature: Uint8Array,
): Uint8Array<ArrayBuffer> {
  const blob = new ByteWriter();
  sshString(blob, "ssh-ed25519");
  sshString(blob, hostKey);
  const sig = new ByteWriter();
  sshString(sig, "ssh-ed25519");
  sshString(sig, signature);
  const payload = new ByteWriter().u8(SSH_MESSAGE.KEX_ECDH_REPLY);
  sshString(payload, blob.toBytes());
  sshString(payload, publicKey);
  sshString(payload, sig.toBytes());
  return sshPacket(payload.toBytes());
}

/** An SSH_MSG_NEWKEYS packet. */
export function sshNewKeys(): Uint8Array<ArrayBuffer> {
  return sshPacket(new Uint8Array([SSH_MESSAGE.NEWKEYS]));
}

/** Seconds between the NTP era 0 epoch (1900) and the Unix epoch. */
const NTP_UNIX_OFFSET_SECONDS = 2_208_988_800;

function ntpTimestamp(writer: ByteWriter, timestampUs: number): void {
  const seconds = Math.floor(timestampUs / 1e6);
  const fraction = Math.floor(((timestampUs - seconds * 1e6) / 1e6) * 2 ** 32);
  writer.u32((seconds + NTP_UNIX_OFFSET_SECONDS) >>> 0).u32(fraction >>> 0);
}

/** An NTPv4 client request (mode 3) sent at `transmitUs`. */
export function ntpRequest(transmitUs: number): Uint8Array<ArrayBuffer> {
  const writer = new ByteWriter().u8(0x23).u8(0).u8(6).u8(0xe9);
  writer.u32(0).u32(0).u32(0);
  writer.u32(0).u32(0).u32(0).u32(0).u32(0).u32(0);
  ntpTimestamp(writer, transmitUs);
  return writer.toBytes();
}

/** Fields of {@linkcode ntpResponse}. */
export interface NtpResponseOptions {
  /** The client's transmit time (echoed as the origin timestamp), µs. */
  originUs: number;
  /** When the server received the request, µs. */
  receiveUs: number;
  /** When the server answered, µs. */
  transmitUs: number;
  /** Stratum of the server (2 = synced to a stratum 1 server). */
  stratum: number;
  /** Reference id: the IPv4 address of the server's upstream, as 4 bytes. */
  referenceId: Uint8Array;
}

/** An NTPv4 server response (mode 4). */
export function ntpResponse(
  options: NtpResponseOptions,
): Uint8Array<ArrayBuffer> {
  const writer = new ByteWriter().u8(0x24).u8(options.stratum).u8(6).u8(0xe9);
  writer.u32(0x0000_0120).u32(0x0000_0310).bytes(options.referenceId);
  ntpTimestamp(writer, options.receiveUs - 32_000_000);
  ntpTimestamp(writer, options.originUs);
  ntpTimestamp(writer, options.receiveUs);
  ntpTimestamp(writer, options.transmitUs);
  return writer.toBytes();
}
