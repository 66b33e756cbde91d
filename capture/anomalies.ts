/**
 * Named decode anomalies (Zeek's "weirds"): malformed or truncated input is
 * counted by name, never thrown. Headers cut only because the capture kept
 * fewer bytes than the wire carried (the snap length) are no damage: they
 * are counted apart, by the header the cut fell in.
 *
 * @module
 */

/** Counts decode anomalies by name, and snap-length cuts apart from them. */
export class AnomalyCounter {
  readonly #counts = new Map<string, number>();
  readonly #cuts = new Map<string, number>();

  /** Adds one occurrence of the anomaly `name`. */
  add(name: string): void {
    this.#counts.set(name, (this.#counts.get(name) ?? 0) + 1);
  }

  /** Adds one header cut by the snap length (`name` as `ipv4_truncated`): not an anomaly. */
  addCut(name: string): void {
    this.#cuts.set(name, (this.#cuts.get(name) ?? 0) + 1);
  }

  /** Occurrences of the anomaly `name` so far. */
  count(name: string): number {
    return this.#counts.get(name) ?? 0;
  }

  /** Headers cut by the snap length in the header `name` so far. */
  cutCount(name: string): number {
    return this.#cuts.get(name) ?? 0;
  }

  /** Total occurrences of every anomaly. */
  total(): number {
    let sum = 0;
    for (const value of this.#counts.values()) sum += value;
    return sum;
  }

  /** Forgets every count (the holders of this counter keep counting into it). */
  clear(): void {
    this.#counts.clear();
    this.#cuts.clear();
  }

  /** A sorted plain-object copy of the anomalies, for summaries and JSON. */
  toJSON(): Record<string, number> {
    return sortedCopy(this.#counts);
  }

  /** A sorted plain-object copy of the snap-length cuts, by header. */
  cutsJSON(): Record<string, number> {
    return sortedCopy(this.#cuts);
  }
}

function sortedCopy(counts: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of [...counts.keys()].sort()) out[key] = counts.get(key)!;
  return out;
}
