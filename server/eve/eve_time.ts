/**
 * EVE timestamps: ISO 8601 with microseconds and a +0000 offset, as
 * Suricata writes them ("2003-12-16T13:21:44.891921+0000").
 *
 * @module
 */

/** Formats `timestampUs` (µs since the epoch) the way EVE does, in UTC. */
export function eveTimestamp(timestampUs: number): string {
  const ms = Math.floor(timestampUs / 1000);
  const iso = new Date(ms).toISOString(); // 2003-12-16T13:21:44.891Z
  const micros = String(Math.floor(timestampUs) % 1_000_000).padStart(6, "0");
  return `${iso.slice(0, 19)}.${micros}+0000`;
}
