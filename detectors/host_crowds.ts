/**
 * How many sources came at one host within a window: the port scan
 * detector's measure of a crowd. A spoofed SYN flood from a /16, each
 * source sending a handful of SYNs to random ports and refused, makes
 * thousands of sources that each look like a small vertical scan of its
 * victim; a scanner comes alone.
 *
 * @module
 */

import { NumericKeyMap } from "./numeric_key_map.ts";

/** One host's counts of sources, in the window now and the one before. */
interface CrowdEntry {
  epochUs: number;
  current: number;
  previous: number;
}

/**
 * Per host, the sources noted coming at it (each once, by its caller) in
 * the current window and the one before; a bounded table of the hosts
 * noted last. Driven by packet time.
 */
export class HostCrowds {
  readonly #hosts: NumericKeyMap<CrowdEntry>;
  readonly #windowUs: number;

  /** At most `maxHosts` hosts are counted at once (the least recently noted go first); windows of `windowUs` µs. */
  constructor(maxHosts: number, windowUs: number) {
    this.#hosts = new NumericKeyMap(maxHosts);
    this.#windowUs = windowUs;
  }

  /** Notes one more source coming at host `hostKey` (an address key) at `nowUs`. */
  note(hostKey: number, nowUs: number): void {
    let entry = this.#hosts.get(hostKey, 0, 0);
    if (entry === undefined) {
      entry = { epochUs: nowUs, current: 0, previous: 0 };
      this.#hosts.add(hostKey, 0, 0, entry);
    }
    this.#roll(entry, nowUs);
    entry.current++;
  }

  /** Sources noted at `hostKey` over the current window and the one before, at `nowUs`. */
  sources(hostKey: number, nowUs: number): number {
    const entry = this.#hosts.peek(hostKey, 0, 0);
    if (entry === undefined) return 0;
    this.#roll(entry, nowUs);
    return entry.current + entry.previous;
  }

  /** Hosts counted now. */
  get size(): number {
    return this.#hosts.size;
  }

  #roll(entry: CrowdEntry, nowUs: number): void {
    const elapsedUs = nowUs - entry.epochUs;
    if (elapsedUs < this.#windowUs) return;
    entry.previous = elapsedUs < 2 * this.#windowUs ? entry.current : 0;
    entry.current = 0;
    entry.epochUs = nowUs;
  }
}
