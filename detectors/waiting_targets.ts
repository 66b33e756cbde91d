/**
 * Requests held back for a moment before they count: the ARP and NDP scan
 * detectors (neighbor_scan.ts) wait to see whether the target answers and
 * the sender's own traffic then goes to the MAC that answered. A host
 * resolves an address because it has a packet to send there, and sends it
 * as soon as the answer comes; a scanner asks and sends nothing.
 *
 * @module
 */

import { fnv1a } from "./hash.ts";

/** Requests one ring holds at first; it doubles up to its limit. */
const INITIAL_CAPACITY = 4;

/** Buckets of {@linkcode TargetFilter}: 2^12. */
const FILTER_BITS = 12;
const FILTER_BUCKETS = 1 << FILTER_BITS;

/**
 * Items held in the order of their packet times, oldest first: a ring of
 * (item, packet time, tag) that grows by doubling up to `maxSize`. One
 * sender's held requests (their targets, each tagged with the MAC that
 * answered it), or every sender's (the senders). A target whose traffic
 * followed is cancelled in place and skipped when its turn comes.
 */
export class TimedRing<T> {
  #targets: (T | undefined)[] = new Array(INITIAL_CAPACITY).fill(undefined);
  // A plain array: a sender's first request makes its ring, and a typed
  // array costs several times more to make.
  #times: number[] = new Array<number>(INITIAL_CAPACITY).fill(0);
  #tags: string[] = new Array<string>(INITIAL_CAPACITY).fill("");
  #head = 0;
  #size = 0;
  readonly #maxSize: number;

  /** `maxSize`: items held at most (see {@linkcode full}). */
  constructor(maxSize = Infinity) {
    this.#maxSize = maxSize;
  }

  /** Items held, cancelled ones included. */
  get size(): number {
    return this.#size;
  }

  /** Whether the ring holds `maxSize` items: the caller takes the oldest out before it adds. */
  get full(): boolean {
    return this.#size >= this.#maxSize;
  }

  /** Packet time of the oldest item held, µs (Infinity when none). */
  get oldestUs(): number {
    return this.#size === 0
      ? Infinity
      : this.#times[this.#head & (this.#targets.length - 1)]!;
  }

  /** Holds `target`, of packet time `timeUs` (not past {@linkcode full}). */
  push(target: T, timeUs: number): void {
    if (this.#size === this.#targets.length) this.#grow();
    const at = (this.#head + this.#size) & (this.#targets.length - 1);
    this.#targets[at] = target;
    this.#times[at] = timeUs;
    this.#tags[at] = "";
    this.#size++;
  }

  /** The oldest item (undefined when it was cancelled); its time is {@linkcode oldestUs} until this is called. */
  shift(): T | undefined {
    const at = this.#head & (this.#targets.length - 1);
    const target = this.#targets[at];
    this.#targets[at] = undefined;
    this.#head++;
    this.#size--;
    return target;
  }

  /**
   * Tags every `target` held that is tagged `from` ("" for none yet) with
   * `to` (the MAC that answered it, then that MAC marked as followed);
   * returns how many it tagged.
   */
  tag(target: T, from: string, to: string): number {
    const targets = this.#targets;
    const mask = targets.length - 1;
    let tagged = 0;
    for (let i = 0; i < this.#size; i++) {
      const at = (this.#head + i) & mask;
      if (targets[at] === target && this.#tags[at] === from) {
        this.#tags[at] = to;
        tagged++;
      }
    }
    return tagged;
  }

  /** Cancels every `target` held that is tagged `tag` (not ""); returns how many it cancelled. */
  cancel(target: T, tag: string): number {
    if (tag === "") return 0;
    const targets = this.#targets;
    const mask = targets.length - 1;
    let cancelled = 0;
    for (let i = 0; i < this.#size; i++) {
      const at = (this.#head + i) & mask;
      if (targets[at] === target && this.#tags[at] === tag) {
        targets[at] = undefined;
        cancelled++;
      }
    }
    return cancelled;
  }

  #grow(): void {
    const length = this.#targets.length;
    const targets = new Array<T | undefined>(length * 2).fill(undefined);
    const times = new Array<number>(length * 2).fill(0);
    const tags = new Array<string>(length * 2).fill("");
    for (let i = 0; i < this.#size; i++) {
      const from = (this.#head + i) & (length - 1);
      targets[i] = this.#targets[from];
      times[i] = this.#times[from]!;
      tags[i] = this.#tags[from]!;
    }
    this.#targets = targets;
    this.#times = times;
    this.#tags = tags;
    this.#head = 0;
  }
}

/**
 * Counts of held requests by a hash of their target, so that a packet
 * whose destination no request waits for is passed over with one array
 * read, before any table lookup.
 */
export class TargetFilter {
  readonly #counts = new Uint32Array(FILTER_BUCKETS);
  #total = 0;

  /** Held requests counted. */
  get total(): number {
    return this.#total;
  }

  /** Counts a held request for `target`. */
  add(target: number | string): void {
    this.#counts[bucketOf(target)]!++;
    this.#total++;
  }

  /** Uncounts `count` held requests for `target`. */
  remove(target: number | string, count = 1): void {
    this.#counts[bucketOf(target)]! -= count;
    this.#total -= count;
  }

  /** Whether a request for the IPv4 address `key` may be held (false: none is); for every packet, so apart from the text's. */
  mayHoldAddress(key: number): boolean {
    return this.#counts[addressBucket(key)] !== 0;
  }

  /** Whether a request for the address `text` may be held (false: none is). */
  mayHoldText(text: string): boolean {
    return this.#counts[textBucket(text)] !== 0;
  }
}

/** The filter's bucket of a target: an IPv4 address as a number, an IPv6 one as text. */
function bucketOf(target: number | string): number {
  return typeof target === "number"
    ? addressBucket(target)
    : textBucket(target);
}

function addressBucket(key: number): number {
  return Math.imul(key | 0, 0x9e3779b1) >>> (32 - FILTER_BITS);
}

function textBucket(text: string): number {
  return fnv1a(text) & (FILTER_BUCKETS - 1);
}
