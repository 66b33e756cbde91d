/**
 * The main service of a conversation in 8 numbers: a space-saving counter
 * (Metwally et al. 2005) with 4 slots of (service id, bytes). Any service
 * carrying more than a quarter of the bytes is always kept, so the reported
 * main service is exact whenever one service dominates.
 *
 * @module
 */

const SLOTS = 4;

/** Creates an empty tally (ids in [0, 4), -1 when free; byte counts in [4, 8)). */
export function createServiceTally(): number[] {
  // A plain array: cheaper to create per conversation than a typed array.
  return [-1, -1, -1, -1, 0, 0, 0, 0];
}

/** Empties a tally (for an entry reused under a new key). */
export function clearServiceTally(tally: number[]): void {
  for (let i = 0; i < SLOTS; i++) {
    tally[i] = -1;
    tally[SLOTS + i] = 0;
  }
}

/** Adds `bytes` of service `id`; when all slots are taken, the smallest is replaced and keeps its count. */
export function addToServiceTally(
  tally: number[],
  id: number,
  bytes: number,
): void {
  let free = -1;
  let smallest = 0;
  for (let i = 0; i < SLOTS; i++) {
    if (tally[i] === id) {
      tally[SLOTS + i]! += bytes;
      return;
    }
    if (tally[i] === -1 && free < 0) free = i;
    if (tally[SLOTS + i]! < tally[SLOTS + smallest]!) smallest = i;
  }
  const slot = free >= 0 ? free : smallest;
  tally[slot] = id;
  tally[SLOTS + slot] = (free >= 0 ? 0 : tally[SLOTS + slot]!) + bytes;
}

/** Service id with the most bytes (ties: the earliest slot), or -1 when empty. */
export function mainService(tally: number[]): number {
  let best = -1;
  let bestBytes = -1;
  for (let i = 0; i < SLOTS; i++) {
    if (tally[i] !== -1 && tally[SLOTS + i]! > bestBytes) {
      best = tally[i]!;
      bestBytes = tally[SLOTS + i]!;
    }
  }
  return best;
}
