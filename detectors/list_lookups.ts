/**
 * A mail server's address-list lookups, as the DNS tunnel detector excuses
 * them: a TXT query of an address-list name (the listing's reason, which
 * Postfix, Exim and SpamAssassin ask after a hit) is a mail server's when
 * the same client asked the same name's address within a minute or two,
 * unless an answer to the client's TXT lookups under that list's
 * registered domain (any zone label in front) within the window was
 * longer than a listing's reason (`MAX_REASON_BYTES`: a
 * tunnel that asks an address before every TXT query sends its data down
 * in the TXT answers).
 *
 * Bounded: two generations of bits by (client, name) and 1 024 (client,
 * domain) entries, the least recently used forgotten first.
 *
 * @module
 */

import { fnv1a, polyHash } from "./hash.ts";
import { hashKey, NumericKeyMap } from "./numeric_key_map.ts";
import { RecentBits } from "./recent_bits.ts";

/** A generation of the recent address lookups, µs: a TXT lookup follows its address lookup within seconds. */
const RECENT_NAME_US = 60_000_000;

/** Bits of each generation of the recent address lookups (128 KiB). */
const RECENT_NAME_BITS = 1 << 20;

/** (client, zone) counters kept at once. */
const MAX_ZONES = 1_024;

/** A listing's reason in a TXT answer ("Listed by …, see https://…") stays far below this, in bytes of the DNS message. */
export const MAX_REASON_BYTES = 512;

/** Whether a TXT answer to one client under one list zone was longer than a reason, within a window. */
class ZoneCounts {
  windowStartUs = 0;
  longAnswer = false;
}

/** Address-list lookups by client: which TXT lookups are a mail server's. */
export class ListLookups {
  readonly #names = new RecentBits(RECENT_NAME_BITS, RECENT_NAME_US);
  readonly #zones = new NumericKeyMap<ZoneCounts>(MAX_ZONES);
  readonly #windowUs: number;

  /** Counts within windows of `windowUs` µs of packet time. */
  constructor(windowUs: number) {
    this.#windowUs = windowUs;
  }

  /** Notes that client `clientKey` asked the address of `name`, under list zone `zone`, at `nowUs`. */
  noteAddress(
    clientKey: number,
    name: string,
    zone: string,
    nowUs: number,
  ): void {
    this.#names.age(nowUs);
    this.#names.mark(hashKey(clientKey, fnv1a(name), polyHash(name)));
    const zoneHash = fnv1a(zone);
    const zoneCheck = polyHash(zone);
    if (this.#counts(clientKey, zoneHash, zoneCheck, nowUs) === undefined) {
      const counts = new ZoneCounts();
      counts.windowStartUs = nowUs;
      this.#zones.set(clientKey, zoneHash, zoneCheck, counts);
    }
  }

  /** Notes an answer of `bytes` (its DNS message) to client `clientKey`'s TXT lookup under list zone `zone`. */
  noteReasonAnswer(
    clientKey: number,
    zone: string,
    bytes: number,
    nowUs: number,
  ): void {
    if (bytes <= MAX_REASON_BYTES) return;
    const counts = this.#counts(clientKey, fnv1a(zone), polyHash(zone), nowUs);
    if (counts !== undefined) counts.longAnswer = true;
  }

  /** Whether client `clientKey`'s TXT lookup of `name` under `zone` at `nowUs` is a mail server's. */
  excusesReason(
    clientKey: number,
    name: string,
    zone: string,
    nowUs: number,
  ): boolean {
    this.#names.age(nowUs);
    if (!this.#names.has(hashKey(clientKey, fnv1a(name), polyHash(name)))) {
      return false;
    }
    const counts = this.#counts(clientKey, fnv1a(zone), polyHash(zone), nowUs);
    return counts !== undefined && !counts.longAnswer;
  }

  /** The counts of (client, zone by its two hashes) in the current window, emptied when it has passed; undefined when none are kept. */
  #counts(
    clientKey: number,
    zoneHash: number,
    zoneCheck: number,
    nowUs: number,
  ): ZoneCounts | undefined {
    const counts = this.#zones.get(clientKey, zoneHash, zoneCheck);
    if (
      counts !== undefined && nowUs - counts.windowStartUs >= this.#windowUs
    ) {
      counts.windowStartUs = nowUs;
      counts.longAnswer = false;
    }
    return counts;
  }
}
