/**
 * A binary min-heap of timed entries: the simulator's agenda. Entries with
 * equal times come out in insertion order, so the output is deterministic.
 *
 * @module
 */

interface Slot<T> {
  atUs: number;
  order: number;
  value: T;
}

/** A priority queue ordered by time (µs), then by insertion. */
export class EventQueue<T> {
  readonly #heap: Slot<T>[] = [];
  #order = 0;

  /** Entries queued. */
  get size(): number {
    return this.#heap.length;
  }

  /** Time of the earliest entry, µs, or Infinity when empty. */
  peekTimeUs(): number {
    return this.#heap[0]?.atUs ?? Infinity;
  }

  /** Queues `value` at `atUs`. */
  push(atUs: number, value: T): void {
    const heap = this.#heap;
    heap.push({ atUs, order: this.#order++, value });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  /** Removes and returns the earliest entry, or undefined when empty. */
  pop(): { atUs: number; value: T } | undefined {
    const heap = this.#heap;
    const top = heap[0];
    if (top === undefined) return undefined;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < heap.length && before(heap[left]!, heap[smallest]!)) {
          smallest = left;
        }
        if (right < heap.length && before(heap[right]!, heap[smallest]!)) {
          smallest = right;
        }
        if (smallest === i) break;
        [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
        i = smallest;
      }
    }
    return { atUs: top.atUs, value: top.value };
  }
}

function before<T>(a: Slot<T>, b: Slot<T>): boolean {
  return a.atUs < b.atUs || (a.atUs === b.atUs && a.order < b.order);
}
