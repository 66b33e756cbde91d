/**
 * Latency samples over a sliding window of packet time: a ring of
 * sub-window {@linkcode QuantileSketch}es, merged on read.
 *
 * @module
 */

import {
  QuantileSketch,
  type QuantileSketchOptions,
} from "./quantile_sketch.ts";

/** Options of {@linkcode SlidingLatency}. */
export interface SlidingLatencyOptions {
  /** Window length, µs of packet time; a multiple of `slices` µs. */
  windowUs?: number;
  /** Sub-windows the window is cut into; the window slides by windowUs / slices. */
  slices?: number;
  /** Options of each sub-window's sketch. */
  sketch?: QuantileSketchOptions;
}

/** Defaults of {@linkcode SlidingLatencyOptions}: 5 min in 10 slices of 30 s. */
export const SLIDING_LATENCY_DEFAULTS = {
  windowUs: 300_000_000,
  slices: 10,
  sketch: {},
} satisfies Required<SlidingLatencyOptions>;

/** Count, min, mean, max and percentiles of latencies, in ms (null when count is 0). */
export interface LatencySummary {
  /** Measurements in the window. */
  count: number;
  /** Smallest latency, ms (exact). */
  minMs: number | null;
  /** Mean latency, ms (exact). */
  meanMs: number | null;
  /** Largest latency, ms (exact). */
  maxMs: number | null;
  /** Median latency, ms (sketch: within its relative accuracy). */
  p50Ms: number | null;
  /** 95th percentile latency, ms (sketch). */
  p95Ms: number | null;
  /** 99th percentile latency, ms (sketch). */
  p99Ms: number | null;
}

/**
 * Latencies (µs) added at packet times (µs), readable over the last
 * `windowUs` (granularity windowUs / slices: the window holds the current
 * slice and the `slices − 1` before it). Memory: at most `slices` sketches,
 * allocated when first used and reused afterwards.
 */
export class SlidingLatency {
  readonly #sliceUs: number;
  readonly #sketchOptions: QuantileSketchOptions;
  readonly #sketches: (QuantileSketch | undefined)[];
  /** Slice number (⌊timeUs / sliceUs⌋) each ring position holds, or -Infinity. */
  readonly #sliceIds: Float64Array;
  #lastUs = -Infinity;

  /** Creates an empty window; throws a RangeError for a bad window or slice count. */
  constructor(options: SlidingLatencyOptions = {}) {
    const { windowUs, slices, sketch } = {
      ...SLIDING_LATENCY_DEFAULTS,
      ...options,
    };
    if (!(Number.isInteger(slices) && slices >= 1 && windowUs >= slices)) {
      throw new RangeError(
        `Cannot create SlidingLatency: need an integer slices ≥ 1 and windowUs ≥ slices, got ${slices} and ${windowUs}`,
      );
    }
    this.#sliceUs = windowUs / slices;
    this.#sketchOptions = sketch;
    this.#sketches = new Array(slices).fill(undefined);
    this.#sliceIds = new Float64Array(slices).fill(-Infinity);
  }

  /** Packet time of the latest sample added, µs (-Infinity when none). */
  get lastUs(): number {
    return this.#lastUs;
  }

  /** Adds a latency (µs) measured at packet time `atUs`; samples older than the ring are dropped. */
  add(latencyUs: number, atUs: number): void {
    const sliceId = Math.floor(atUs / this.#sliceUs);
    const slices = this.#sketches.length;
    const position = ((sliceId % slices) + slices) % slices;
    const heldId = this.#sliceIds[position]!;
    if (heldId > sliceId) return; // older than the window already reached
    let sketch = this.#sketches[position];
    if (sketch === undefined) {
      sketch = new QuantileSketch(this.#sketchOptions);
      this.#sketches[position] = sketch;
    } else if (heldId !== sliceId) {
      sketch.clear();
    }
    this.#sliceIds[position] = sliceId;
    sketch.add(latencyUs);
    if (atUs > this.#lastUs) this.#lastUs = atUs;
  }

  /** Clears `into`, then merges the slices inside the window that ends at `nowUs` into it. */
  collect(nowUs: number, into: QuantileSketch): void {
    into.clear();
    const nowId = Math.floor(nowUs / this.#sliceUs);
    const slices = this.#sketches.length;
    for (let i = 0; i < slices; i++) {
      const id = this.#sliceIds[i]!;
      const sketch = this.#sketches[i];
      if (sketch !== undefined && id > nowId - slices && id <= nowId) {
        into.merge(sketch);
      }
    }
  }

  /** Creates an empty sketch with the options of this window's slices. */
  createSketch(): QuantileSketch {
    return new QuantileSketch(this.#sketchOptions);
  }
}

/** Summarizes a sketch of µs latencies in ms, rounded to the µs. */
export function summarizeLatency(sketch: QuantileSketch): LatencySummary {
  return {
    count: sketch.count,
    minMs: toMs(sketch.min),
    meanMs: toMs(sketch.mean),
    maxMs: toMs(sketch.max),
    p50Ms: toMs(sketch.quantile(0.5)),
    p95Ms: toMs(sketch.quantile(0.95)),
    p99Ms: toMs(sketch.quantile(0.99)),
  };
}

function toMs(valueUs: number | null): number | null {
  return valueUs === null ? null : Math.round(valueUs) / 1000;
}
