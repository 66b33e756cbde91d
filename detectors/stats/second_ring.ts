/**
 * Per-second counters over the last few seconds of packet time: a ring of
 * `slots` one-second buckets with `channels` counters each (e.g. packets and
 * bytes), cleared lazily as packet time advances.
 *
 * @module
 */

/**
 * Counters per packet-time second for the last `slots` seconds. Memory:
 * one Float64Array of `slots × channels`. A second more than `slots − 1`
 * before the latest one is dropped.
 */
export class SecondRing {
  readonly #slots: number;
  readonly #values: Float64Array;
  #lastSecond = -Infinity;
  /** The latest second's slot: nearly every addition is to it, and a Unix second is no small integer, so its remainder costs a floating-point modulo. */
  #lastSlot = 0;

  /** Creates a ring of `slots` seconds with `channels` counters per second. */
  constructor(slots: number, channels: number) {
    if (!(Number.isInteger(slots) && slots >= 1)) {
      throw new RangeError(
        `Cannot create SecondRing: slots must be a positive integer, got ${slots}`,
      );
    }
    this.#slots = slots;
    this.#values = new Float64Array(slots * channels);
  }

  /** Latest second written (-Infinity when none). */
  get lastSecond(): number {
    return this.#lastSecond;
  }

  /**
   * Adds `amount` to `channel` of `second` (moving the ring forward when the
   * second is new); false when the second is too old for the ring.
   */
  add(second: number, channel: number, amount: number): boolean {
    const slots = this.#slots;
    if (second === this.#lastSecond) {
      this.#values[channel * slots + this.#lastSlot]! += amount;
      return true;
    }
    if (second > this.#lastSecond) {
      if (second - this.#lastSecond >= slots) {
        this.#values.fill(0);
      } else {
        for (let s = this.#lastSecond + 1; s <= second; s++) this.#clearSlot(s);
      }
      this.#lastSecond = second;
      this.#lastSlot = slotOf(second, slots);
    } else if (second <= this.#lastSecond - slots) {
      return false;
    }
    this.#values[channel * slots + slotOf(second, slots)]! += amount;
    return true;
  }

  /** Value of `channel` at `second` (0 when outside the ring). */
  valueAt(second: number, channel: number): number {
    if (second > this.#lastSecond || second <= this.#lastSecond - this.#slots) {
      return 0;
    }
    return this.#values[channel * this.#slots + slotOf(second, this.#slots)]!;
  }

  /** Sum of `channel` over the `seconds` seconds ending at `endSecond` (inclusive). */
  sum(endSecond: number, seconds: number, channel: number): number {
    const from = Math.max(
      endSecond - seconds + 1,
      this.#lastSecond - this.#slots + 1,
    );
    const to = Math.min(endSecond, this.#lastSecond);
    let total = 0;
    for (let s = from; s <= to; s++) total += this.valueAt(s, channel);
    return total;
  }

  #clearSlot(second: number): void {
    const slot = slotOf(second, this.#slots);
    for (let i = slot; i < this.#values.length; i += this.#slots) {
      this.#values[i] = 0;
    }
  }
}

function slotOf(second: number, slots: number): number {
  const slot = second % slots;
  return slot < 0 ? slot + slots : slot;
}
