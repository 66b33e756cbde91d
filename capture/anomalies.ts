/**
 * Named decode anomalies (Zeek's "weirds"): malformed or truncated input is
 * counted by name, never thrown.
 *
 * @module
 */

/** Counts decode anomalies by name. */
export class AnomalyCounter {
  readonly #counts = new Map<string, number>();

  /** Adds one occurrence of the anomaly `name`. */
  add(name: string): void {
    this.#counts.set(name, (this.#counts.get(name) ?? 0) + 1);
  }

  /** Occurrences of `name` so far. */
  count(name: string): number {
    return this.#counts.get(name) ?? 0;
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
  }

  /** A sorted plain-object copy, for summaries and JSON. */
  toJSON(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const key of [...this.#counts.keys()].sort()) {
      out[key] = this.#counts.get(key)!;
    }
    return out;
  }
}
