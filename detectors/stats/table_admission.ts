/**
 * Who gets into a full table: a new key is admitted only from its second
 * sighting (doorkeeper.ts) and only when it has been seen more often than
 * the least recently used entry it would evict (frequency_sketch.ts). One
 * instance per table, fed every sighting of the table's keys
 * ({@linkcode TableAdmission.count}), hits included.
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
  oldest(): { hash: number } | undefined;
}

/** Admission for one table, with a count of the keys turned away. */
export class TableAdmission {
  readonly #doorkeeper = new Doorkeeper();
  /** Recent sightings of the table's keys. */
  readonly #frequency = new FrequencySketch();
  /** New keys turned away so far. */
  rejected = 0;
  /** The last victim compared against, and its estimate (refreshed every `VICTIM_REFRESH` checks). */
  #victim: { hash: number } | undefined;
  #victimEstimate = 0;
  #victimChecks = 0;

  /**
   * Counts one sighting of the key with hash `hash` (call it for every
   * packet that touches the key, in the table or not) and returns the key's
   * estimate with it, for {@linkcode refuses}.
   */
  count(hash: number): number {
    return this.#frequency.add(hash);
  }

  /**
   * True when `table` is full and the new key with hash `hash` is turned
   * away (counted). `estimate` is what {@linkcode count} returned for this
   * sighting.
   */
  refuses(table: AdmissionTable, hash: number, estimate: number): boolean {
    if (table.size < table.capacity) return false;
    if (this.#doorkeeper.seen(hash)) {
      const victim = table.oldest();
      if (victim === undefined) return false;
      // While keys are turned away the victim stays the same: its estimate
      // is looked up again only now and then.
      if (victim !== this.#victim || ++this.#victimChecks >= VICTIM_REFRESH) {
        this.#victim = victim;
        this.#victimEstimate = this.#frequency.estimate(victim.hash);
        this.#victimChecks = 0;
      }
      if (estimate > this.#victimEstimate) {
        this.#victim = undefined;
        return false;
      }
    }
    this.rejected++;
    return true;
  }

  /** `table`'s size, capacity and evictions, with the keys turned away. */
  stats(table: { stats(): TableStats }): TableStats {
    return { ...table.stats(), rejected: this.rejected };
  }
}
