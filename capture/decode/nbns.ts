/**
 * The NetBIOS name service (RFC 1002 section 4.2, UDP 137): a message's
 * transaction id, flags, answer count and the NetBIOS name it is about (a
 * query's question, or a response's first resource record, where RFC 1002
 * puts the name), read in place. The name poisoning detector pairs
 * broadcast name queries with the answers they draw.
 *
 * @module
 */

import type { PacketRecord } from "../packet_record.ts";
import { readU16 } from "./bytes.ts";

/** The NetBIOS name service's port. */
export const NBNS_PORT = 137;

/** NBNS header length, bytes. */
const HEADER_LENGTH = 12;

/** A NetBIOS name's first-level encoding (RFC 1001 section 14.1): 16 bytes as 32 letters 'A'–'P', behind a length byte of 32. */
const ENCODED_LENGTH = 32;

/** The letter 'A', nibble 0 of the encoding. */
const LETTER_A = 0x41;

/** Name bytes of a NetBIOS name (the 16th is its suffix, the service type). */
const NAME_BYTES = 15;

/**
 * Reads the NBNS message in `bytes[payload, end)` into `record`'s `nbns*`
 * fields; leaves them absent when the header is cut short. The name is
 * read when it is first-level encoded and captured whole: its 15 bytes
 * without the trailing spaces, lower-case (names are case-insensitive),
 * without its suffix; "" otherwise. Never throws.
 */
export function decodeNbns(
  record: PacketRecord,
  bytes: Uint8Array,
  payload: number,
  end: number,
): void {
  if (end - payload < HEADER_LENGTH) return;
  record.nbnsId = readU16(bytes, payload);
  record.nbnsFlags = readU16(bytes, payload + 2);
  record.nbnsAnswerCount = readU16(bytes, payload + 6);
  const named = readU16(bytes, payload + 4) > 0 || record.nbnsAnswerCount > 0;
  const at = payload + HEADER_LENGTH;
  if (!named || end - at < 1 + ENCODED_LENGTH) return;
  if (bytes[at] !== ENCODED_LENGTH) return;
  let name = "";
  let spaces = 0;
  for (let i = 0; i < NAME_BYTES; i++) {
    const high = bytes[at + 1 + 2 * i]! - LETTER_A;
    const low = bytes[at + 2 + 2 * i]! - LETTER_A;
    if (high < 0 || high > 15 || low < 0 || low > 15) return;
    const code = (high << 4) | low;
    if (code === 0x20) {
      spaces++;
      continue;
    }
    // Printable ASCII only: anything else is no name a host asks for.
    if (code < 0x21 || code > 0x7e) return;
    if (spaces > 0) name += " ".repeat(spaces);
    spaces = 0;
    name += String.fromCharCode(
      code >= 0x41 && code <= 0x5a ? code + 32 : code,
    );
  }
  record.nbnsName = name;
}

/** The response bit of NBNS flags. */
export const NBNS_RESPONSE = 0x8000;
/** The broadcast bit of NBNS flags (a B-node's query to every host of the link). */
export const NBNS_BROADCAST = 0x0010;

/** The opcode of NBNS `flags` (0: query). */
export function nbnsOpcode(flags: number): number {
  return (flags >> 11) & 0x0f;
}

/** The response code of NBNS `flags` (0: no error). */
export function nbnsRcode(flags: number): number {
  return flags & 0x0f;
}
