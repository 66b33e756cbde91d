/**
 * How many sources came at one host within a window, and the small scans
 * of it folded into one incident: the port scan detector's measure of a
 * crowd. A spoofed SYN flood from a /16, each source sending a handful of
 * SYNs to random ports and refused, makes thousands of sources that each
 * look like a small vertical scan of its victim; so does a distributed
 * scan. Either is one incident, of the host, not one per source.
 *
 * @module
 */

import { NumericKeyMap } from "./numeric_key_map.ts";
import { clearReportMark, type ReportMark } from "./report_cadence.ts";

/** Sources named in a crowd incident's evidence. */
const MAX_SAMPLE_SOURCES = 10;

/** One host's counts of sources, in the window now and the one before, and its crowd incident. */
export interface CrowdEntry extends ReportMark {
  /** The host's address text. */
  host: string;
  epochUs: number;
  current: number;
  previous: number;
  /** Small scans of the host folded into its incident, its first and last. */
  folded: number;
  firstFoldUs: number;
  lastFoldUs: number;
  /** Some of the folded scans' sources. */
  sampleSources: string[];
}

/**
 * Per host, the sources noted coming at it (each once, by its caller) in
 * the current window and the one before, and the scans folded into its
 * crowd incident; a bounded table of the hosts noted last. Driven by
 * packet time.
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
      entry = {
        host: "",
        epochUs: nowUs,
        current: 0,
        previous: 0,
        folded: 0,
        firstFoldUs: nowUs,
        lastFoldUs: -Infinity,
        sampleSources: [],
        reportedCount: 0,
        lastReportUs: -Infinity,
      };
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

  /**
   * Folds a small scan of `hostKey` (named `host`) by `source` into the
   * host's crowd incident, which starts afresh after a window without one;
   * returns the incident, or undefined when the host is not counted.
   */
  fold(
    hostKey: number,
    host: string,
    source: string,
    nowUs: number,
  ): CrowdEntry | undefined {
    const entry = this.#hosts.peek(hostKey, 0, 0);
    if (entry === undefined) return undefined;
    if (nowUs - entry.lastFoldUs >= this.#windowUs) {
      entry.folded = 0;
      entry.firstFoldUs = nowUs;
      entry.sampleSources.length = 0;
      clearReportMark(entry);
    }
    entry.host = host;
    entry.folded++;
    entry.lastFoldUs = nowUs;
    if (entry.sampleSources.length < MAX_SAMPLE_SOURCES) {
      entry.sampleSources.push(source);
    }
    return entry;
  }

  /** The hosts counted now, least recently noted first. */
  values(): IterableIterator<CrowdEntry> {
    return this.#hosts.values();
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
