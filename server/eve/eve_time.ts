/**
 * EVE timestamps: ISO 8601 with microseconds and a +0000 offset, as
 * Suricata writes them ("2003-12-16T13:21:44.891921+0000").
 *
 * @module
 */

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
  const slot = second & (SLOTS - 1);
  let prefix = cachedPrefixes[slot]!;
  if (cachedSeconds[slot] !== second) {
    prefix = new Date(second * 1000).toISOString().slice(0, 19);
    cachedSeconds[slot] = second;
    cachedPrefixes[slot] = prefix;
  }
  const micros = us - second * 1_000_000;
  return `${prefix}.${String(micros).padStart(6, "0")}+0000`;
}
