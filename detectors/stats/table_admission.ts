/**
 * Who gets into a full table: a new key is admitted only from its second
 * sighting (doorkeeper.ts) and only when it has been seen more often than
 * the least recently used entry it would evict (frequency_sketch.ts). One
 * instance per table, fed every sighting of the table's keys
 * ({@linkcode TableAdmission.refuses} for a key not in the table,
 * {@linkcode TableAdmission.countHit} for one in it).
 *
 * @module
 */

import type { TableStats } from "../detector.ts";
import { Doorkeeper } from "./doorkeeper.ts";
import { FrequencySketch } from "./frequency_sketch.ts";

/** Checks against one victim before its estimate is looked up again. */
const VICTIM_REFRESH = 64;

/** A bounded table as admission sees it: entries carry their key's hash. */
export interface AdmissionTable {
  readonly size: number;
  readonly capacity: number;
  /** The least recently used entry (the next one evicted). */
  oldest(): AdmittedEntry | undefined;
}

/**
 * An entry as admission sees it: its key's hash, and the sightings of it
 * in the table not yet added to the sketch, with the sketch's halving count
 * ({@linkcode FrequencySketch.generation}) they were counted in (both 0 in
 * a new entry).
 */
export interface AdmittedEntry {
  readonly hash: number;
  unsyncedHits: number;
  unsyncedGeneration: number;
}

/**
 * Hits an entry gathers before they are added to the sketch at once: a hit
 * then costs a field update in the entry the caller has just touched, and
 * only every eighth one touches the sketch's cache line.
 */
const HIT_BATCH = 8;

/** Admission for one table, with a count of the keys turned away. */
export class TableAdmission {
  readonly #doorkeeper = new Doorkeeper();
  /** Recent sightings of the table's keys. */
  readonly #frequency = new FrequencySketch();
  /** New keys turned away so far. */
  rejected = 0;
  /** The last victim compared against, and its estimate (refreshed every `VICTIM_REFRESH` checks). */
  #victim: AdmittedEntry | undefined;
  #victimEstimate = 0;
  #victimChecks = 0;

  /**
   * Counts one sighting of a key that is in the table (a hit; a miss goes
   * to {@linkcode refuses}): kept in the entry and added to the sketch
   * eight at a time. Held sightings age with the sketch's counters, and
   * {@linkcode refuses} counts them in the victim's estimate.
   */
  countHit(entry: AdmittedEntry): void {
    const hits = this.#unsyncedHits(entry) + 1;
    entry.unsyncedGeneration = this.#frequency.generation;
    if (hits >= HIT_BATCH) {
      this.#frequency.add(entry.hash, hits);
      entry.unsyncedHits = 0;
    } else {
      entry.unsyncedHits = hits;
    }
  }

  /**
   * Counts one sighting of a key that is not in `table` (a miss), whose hash
   * is `hash`, and returns true when the full table turns it away (counted in
   * {@linkcode rejected}); false when the caller may add it. As in TinyLFU,
   * a key's first sighting (since the doorkeeper's last reset) only marks
   * the doorkeeper; later ones go to the sketch. One-off keys (a spoofed
   * flood) then cost one cache line, not two, and neither inflate the
   * sketch nor age the residents' counts; every key's estimate leaves out
   * its first sighting alike, so comparisons are unchanged.
   */
  refuses(table: AdmissionTable, hash: number): boolean {
    const seenBefore = this.#doorkeeper.seen(hash);
    const estimate = seenBefore ? this.#frequency.add(hash) : 0;
    if (table.size < table.capacity) return false;
    if (seenBefore && this.#beatsVictim(table, estimate)) return false;
    this.rejected++;
    return true;
  }

  /** Whether a newcomer with sketch estimate `estimate` beats `table`'s least recently used entry. */
  #beatsVictim(table: AdmissionTable, estimate: number): boolean {
    const victim = table.oldest();
    if (victim === undefined) return true;
    // While keys are turned away the victim stays the same: its estimate
    // is looked up again only now and then.
    if (victim !== this.#victim || ++this.#victimChecks >= VICTIM_REFRESH) {
      this.#victim = victim;
      this.#victimEstimate = this.#frequency.estimate(victim.hash) +
        this.#unsyncedHits(victim);
      this.#victimChecks = 0;
    }
    if (estimate <= this.#victimEstimate) return false;
    this.#victim = undefined;
    return true;
  }

  /** `entry`'s held sightings, halved once for each halving of the sketch since they were counted. */
  #unsyncedHits(entry: AdmittedEntry): number {
    const halvings = this.#frequency.generation - entry.unsyncedGeneration;
    return halvings === 0
      ? entry.unsyncedHits
      : halvings < 8
      ? entry.unsyncedHits >>> halvings
      : 0;
  }

  /** `table`'s size, capacity and evictions, with the keys turned away. */
  stats(table: { stats(): TableStats }): TableStats {
    return { ...table.stats(), rejected: this.rejected };
  }
}
