/**
 * EVE timestamps: ISO 8601 with microseconds and a +0000 offset, as
 * Suricata writes them ("2003-12-16T13:21:44.891921+0000").
 *
 * @module
 */

/** The second last formatted, and its "YYYY-MM-DDTHH:MM:SS" text. */
let cachedSecond = NaN;
let cachedPrefix = "";

/** Formats `timestampUs` (µs since the epoch) the way EVE does, in UTC. */
export function eveTimestamp(timestampUs: number): string {
  const us = Math.floor(timestampUs);
  const second = Math.floor(us / 1_000_000);
  if (second !== cachedSecond) {
    // Records come in packet order: most share the previous one's second.
    cachedPrefix = new Date(second * 1000).toISOString().slice(0, 19);
    cachedSecond = second;
  }
  const micros = us - second * 1_000_000;
  return `${cachedPrefix}.${String(micros).padStart(6, "0")}+0000`;
}
