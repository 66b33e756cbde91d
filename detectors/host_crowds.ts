/**
 * How many sources came at one host within a window, how many of its
 * probed ports refused them each second, and the small scans of it folded
 * into one incident: the port scan detector's measure of a flooded crowd.
 * A spoofed SYN flood from a /16, each source sending a handful of SYNs to
 * random ports and refused, makes thousands of sources that each look like
 * a small vertical scan of its victim; it is one incident, of the host,
 * not one per source. A crowd without such a flood (a busy server's many
 * clients, a forged crowd sent slower than a flood) folds nothing.
 *
 * @module
 */

import { NumericKeyMap } from "./numeric_key_map.ts";
import { clearReportMark, type ReportMark } from "./report_cadence.ts";

/** How long a host counts as flooded after its last flooded second, µs: a second's burst does not open the fold for a window (the red team's decoys). */
const FLOOD_HOLD_US = 10_000_000;

/** Sources named in a crowd incident's evidence: those of its largest scans. */
const MAX_SAMPLE_SOURCES = 10;

/** One host's counts of sources, in the window now and the one before, its refusals this second, and its crowd incident. */
export interface CrowdEntry extends ReportMark {
  /** The host's address text. */
  host: string;
  epochUs: number;
  current: number;
  previous: number;
  /** Refusals of probes of the host in the second that started at `refusedSinceUs`. */
  refusedSinceUs: number;
  refused: number;
  /** Packet time until which the host counts as flooded (-Infinity: never was). */
  floodedUntilUs: number;
  /** Small scans of the host folded into its incident, its first and last. */
  folded: number;
  firstFoldUs: number;
  lastFoldUs: number;
  /** The sources of its largest folded scans, and their ports, largest first; when they last changed. */
  sampleSources: string[];
  samplePorts: number[];
  samplesChangedUs: number;
}

/**
 * Per host, the sources noted coming at it (each once, by its caller) in
 * the current window and the one before, its refusals a second, and the
 * scans folded into its crowd incident; a bounded table of the hosts noted
 * last. Driven by packet time.
 */
export class HostCrowds {
  readonly #hosts: NumericKeyMap<CrowdEntry>;
  readonly #windowUs: number;
  readonly #floodRefusals: number;

  /**
   * At most `maxHosts` hosts are counted at once (the least recently noted
   * go first); windows of `windowUs` µs; `floodRefusals` refusals within a
   * second make a host flooded for a window.
   */
  constructor(maxHosts: number, windowUs: number, floodRefusals: number) {
    this.#hosts = new NumericKeyMap(maxHosts);
    this.#windowUs = windowUs;
    this.#floodRefusals = floodRefusals;
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
        refusedSinceUs: nowUs,
        refused: 0,
        floodedUntilUs: -Infinity,
        folded: 0,
        firstFoldUs: nowUs,
        lastFoldUs: -Infinity,
        sampleSources: [],
        samplePorts: [],
        samplesChangedUs: -Infinity,
        reportedCount: 0,
        lastReportUs: -Infinity,
      };
      this.#hosts.add(hostKey, 0, 0, entry);
    }
    this.#roll(entry, nowUs);
    entry.current++;
  }

  /** Notes that host `hostKey` refused a probe at `nowUs` (a reset, or an ICMP unreachable); only a host noted counts. `floodRefusals` within a second make it flooded until 10 s after. */
  refused(hostKey: number, nowUs: number): void {
    const entry = this.#hosts.peek(hostKey, 0, 0);
    if (entry === undefined) return;
    if (nowUs - entry.refusedSinceUs >= 1_000_000) {
      entry.refusedSinceUs = nowUs;
      entry.refused = 0;
    }
    if (++entry.refused >= this.#floodRefusals) {
      entry.floodedUntilUs = nowUs + FLOOD_HOLD_US;
    }
  }

  /** Sources noted at `hostKey` over the current window and the one before, at `nowUs`. */
  sources(hostKey: number, nowUs: number): number {
    const entry = this.#hosts.peek(hostKey, 0, 0);
    if (entry === undefined) return 0;
    this.#roll(entry, nowUs);
    return entry.current + entry.previous;
  }

  /** Whether `hostKey` is crowded at `nowUs`: `minSources` sources or more, and flooded with refusals now or within the last 10 s. */
  crowded(hostKey: number, nowUs: number, minSources: number): boolean {
    const entry = this.#hosts.peek(hostKey, 0, 0);
    if (entry === undefined || nowUs >= entry.floodedUntilUs) return false;
    this.#roll(entry, nowUs);
    return entry.current + entry.previous >= minSources;
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
    ports: number,
    nowUs: number,
  ): CrowdEntry | undefined {
    const entry = this.#hosts.peek(hostKey, 0, 0);
    if (entry === undefined) return undefined;
    if (nowUs - entry.lastFoldUs >= this.#windowUs) {
      entry.folded = 0;
      entry.firstFoldUs = nowUs;
      entry.sampleSources.length = 0;
      entry.samplePorts.length = 0;
      clearReportMark(entry);
    }
    entry.host = host;
    entry.folded++;
    entry.lastFoldUs = nowUs;
    this.#rank(entry, source, ports, nowUs);
    return entry;
  }

  /**
   * Notes that a folded scan of `hostKey` by `source` reached `ports` ports
   * at `nowUs`: the samples keep the largest. Returns the incident when its
   * samples changed, else undefined.
   */
  grew(
    hostKey: number,
    source: string,
    ports: number,
    nowUs: number,
  ): CrowdEntry | undefined {
    const entry = this.#hosts.peek(hostKey, 0, 0);
    if (entry === undefined || entry.folded === 0) return undefined;
    return this.#rank(entry, source, ports, nowUs) ? entry : undefined;
  }

  /** Ranks `source`'s scan of `ports` among the samples; true when they changed. */
  #rank(
    entry: CrowdEntry,
    source: string,
    ports: number,
    nowUs: number,
  ): boolean {
    const sources = entry.sampleSources;
    const counts = entry.samplePorts;
    let at = sources.indexOf(source);
    if (at < 0) {
      if (sources.length < MAX_SAMPLE_SOURCES) {
        at = sources.length;
        sources.push(source);
        counts.push(ports);
      } else {
        if (ports <= counts.at(-1)!) return false;
        at = sources.length - 1;
        sources[at] = source;
        counts[at] = ports;
      }
    } else if (ports <= counts[at]!) return false;
    counts[at] = ports;
    // Up to its place: largest first.
    while (at > 0 && counts[at - 1]! < ports) {
      sources[at] = sources[at - 1]!;
      counts[at] = counts[at - 1]!;
      at--;
    }
    sources[at] = source;
    counts[at] = ports;
    entry.samplesChangedUs = nowUs;
    return true;
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
