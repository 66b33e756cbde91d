/**
 * Data carried down in a DNS response's answers: the bytes of its NULL and
 * private-use records and of its TXT records whose text is encoded data
 * (base64, base32 or hex, as stagers and tunnels send a payload down), read
 * in place from the answer section (RFC 1035 sections 3.3.10, 3.3.14,
 * 4.1.3; RFC 6895 for the private-use types).
 *
 * A TXT record is *encoded data* when its text (its character-strings
 * joined) is at least {@linkcode MIN_ENCODED_TEXT} characters of the
 * base64, base64url, base32 and hex alphabets only, with "=" only as
 * padding at the end of a string, and holds both digits and letters.
 * Records people and mail servers read do not: SPF ("v=spf1 ip4:…"), DKIM
 * ("v=DKIM1; k=rsa; p=…", even when its key is split over two strings: the
 * record's text is judged whole), DMARC and prefixed site verifications
 * ("google-site-verification=…", "MS=ms…") hold spaces, ";", ":" or an "="
 * inside. Bare tokens (ACME's key authorization digests, Amazon SES's and
 * Azure's verification tokens) are encoded, and short: 32 to 64
 * characters, where a stager's chunks fill 200 to 255 (the DNS tunnel
 * detector judges the size).
 *
 * A record cut by the end of the captured message (a DNS-over-TCP segment,
 * a first IP fragment) is judged by its strings present.
 *
 * @module
 */

import { readU16 } from "./bytes.ts";
import { skipDnsName } from "./dns_name.ts";

/** Shortest TXT text judged encoded data, in characters. */
export const MIN_ENCODED_TEXT = 32;

/** Answer records read in one response. */
const MAX_ANSWERS = 64;

const TYPE_NULL = 10;
const TYPE_TXT = 16;

/** Whether `type` is of the private-use range (65280–65534, RFC 6895): no ordinary client asks for one, and tunnels carry data in them as in NULL records. */
function isPrivateUse(type: number): boolean {
  return type >= 65280 && type <= 65534;
}

/** Question types whose answers are read: NULL, TXT, ANY, and the private-use range. */
export function readsAnswerData(qtype: number): boolean {
  return qtype === TYPE_TXT || qtype === TYPE_NULL || qtype === 255 ||
    isPrivateUse(qtype);
}

/** Per byte: 1 a letter, 2 a digit, 3 one of "+/-_" (base64, base64url), 4 "=", 0 anything else. */
const TEXT_CLASS: Uint8Array = Uint8Array.from({ length: 256 }, (_, byte) => {
  if ((byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)) {
    return 1;
  }
  if (byte >= 0x30 && byte <= 0x39) return 2;
  if (byte === 0x2b || byte === 0x2f || byte === 0x2d || byte === 0x5f) {
    return 3;
  }
  return byte === 0x3d ? 4 : 0;
});

/**
 * The bytes of data the answers of a response carry down
 * (NULL and private-use records' data, and encoded TXT records' text),
 * reading up to {@linkcode MAX_ANSWERS} records of `answers` from `start`
 * (just past the question) to `end`. Stops, keeping what it counted, at a
 * bad owner name or at a record that runs past `end` (judging a cut TXT
 * record by its strings present). Never throws.
 */
export function answerDataBytes(
  bytes: Uint8Array,
  start: number,
  end: number,
  answers: number,
): number {
  let data = 0;
  let at = start;
  const count = Math.min(answers, MAX_ANSWERS);
  for (let i = 0; i < count; i++) {
    at = skipDnsName(bytes, at, end);
    if (at < 0 || at + 10 > end) break;
    const type = readU16(bytes, at);
    const rdata = at + 10;
    const rdEnd = rdata + readU16(bytes, at + 8);
    if (rdEnd > end) {
      if (type === TYPE_TXT) data += encodedTextLength(bytes, rdata, end, true);
      break;
    }
    if (type === TYPE_NULL || isPrivateUse(type)) data += rdEnd - rdata;
    else if (type === TYPE_TXT) data += encodedTextLength(bytes, rdata, rdEnd);
    at = rdEnd;
  }
  return data;
}

/**
 * The length of the text of the TXT record data `bytes[from, to)` (its
 * character-strings joined) when it is encoded data, else 0. `cut`: the
 * record goes on past `to`, so a string running past it is judged by its
 * bytes present.
 */
export function encodedTextLength(
  bytes: Uint8Array,
  from: number,
  to: number,
  cut = false,
): number {
  let length = 0;
  let letters = false;
  let digits = false;
  for (let at = from; at < to;) {
    let stringEnd = at + 1 + bytes[at]!;
    if (stringEnd > to) {
      if (!cut) return 0;
      stringEnd = to;
    }
    let padding = false;
    for (let i = at + 1; i < stringEnd; i++) {
      const kind = TEXT_CLASS[bytes[i]!]!;
      if (kind === 0) return 0;
      if (kind === 4) {
        padding = true;
        continue;
      }
      if (padding) return 0; // "=" inside a string
      if (kind === 1) letters = true;
      else if (kind === 2) digits = true;
    }
    length += stringEnd - at - 1;
    at = stringEnd;
  }
  return length >= MIN_ENCODED_TEXT && letters && digits ? length : 0;
}
