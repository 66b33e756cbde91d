/**
 * EVE timestamps: ISO 8601 with microseconds and a +0000 offset, as
 * Suricata writes them ("2003-12-16T13:21:44.891921+0000").
 *
 * @module
 */

import { encodeText, type JsonBytes } from "../json_bytes.ts";

/**
 * Recent seconds and their "YYYY-MM-DDTHH:MM:SS" text, by the second's low
 * bits: records come in packet order, and a flow record's start and end
 * seconds alternate with the current one, so a few slots hold them all.
 */
const SLOTS = 16;
const cachedSeconds = new Float64Array(SLOTS).fill(NaN);
const cachedPrefixes = new Array<string>(SLOTS).fill("");

/** Formats `timestampUs` (µs since the epoch) the way EVE does, in UTC. */
export function eveTimestamp(timestampUs: number): string {
  const us = Math.floor(timestampUs);
  const second = Math.floor(us / 1_000_000);
  const micros = us - second * 1_000_000;
  return `${prefixOf(second)}.${String(micros).padStart(6, "0")}+0000`;
}

/** Writes {@linkcode eveTimestamp}'s text into `out`, without the quotes. */
export function writeEveTimestamp(out: JsonBytes, timestampUs: number): void {
  const us = Math.floor(timestampUs);
  const second = Math.floor(us / 1_000_000);
  const slot = second & (SLOTS - 1);
  if (cachedSeconds[slot] !== second) prefixOf(second);
  out.raw(cachedPrefixBytes[slot]!);
  out.padded(us - second * 1_000_000, 6);
  out.raw(OFFSET);
}

/** The bytes after the microseconds. */
const OFFSET = encodeText("+0000");
/** The cached prefixes as bytes, with the dot that follows them. */
const cachedPrefixBytes = new Array<Uint8Array>(SLOTS).fill(
  new Uint8Array(0),
);

/** "YYYY-MM-DDTHH:MM:SS" of a Unix second, from the cache when recent. */
function prefixOf(second: number): string {
  const slot = second & (SLOTS - 1);
  if (cachedSeconds[slot] === second) return cachedPrefixes[slot]!;
  const prefix = new Date(second * 1000).toISOString().slice(0, 19);
  cachedSeconds[slot] = second;
  cachedPrefixes[slot] = prefix;
  cachedPrefixBytes[slot] = encodeText(`${prefix}.`);
  return prefix;
}
