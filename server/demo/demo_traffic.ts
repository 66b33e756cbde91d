/**
 * The demo traffic generator: real Ethernet frames of a small office LAN
 * with every attack family injected in turn, generated incrementally in
 * packet-time order and fully determined by a seed.
 *
 * @module
 */

import type { AlertKind } from "../../detectors/alert.ts";
import { ATTACK_SCHEDULE, type InjectedAttack, planAttack } from "./attacks.ts";
import { planBackgroundSession } from "./background.ts";
import { DemoContext } from "./demo_context.ts";
import { Scheduler } from "./scheduler.ts";

/** One generated frame. */
export interface DemoFrame {
  /** Packet time, µs since the Unix epoch. */
  timestampUs: number;
  /** The Ethernet frame (LINKTYPE_ETHERNET), complete and with valid checksums. */
  bytes: Uint8Array<ArrayBuffer>;
  /** "" for background traffic, else the attack family (an alert kind, e.g. "port_scan"). */
  label: string;
}

/** Options of {@linkcode DemoTraffic}. */
export interface DemoTrafficOptions {
  /** Seed of the random stream: the same seed gives the same frames, byte for byte. */
  seed?: number;
  /** Packet time of the simulation's start, µs since the epoch (default 2026-01-01T00:00:00Z). */
  startUs?: number;
  /** Mean background rate, frames per second (attacks come on top). */
  packetsPerSecond?: number;
  /** Packet time between the starts of two attacks, µs; the families take turns. */
  attackEveryUs?: number;
  /** Whether to inject attacks at all. */
  attacks?: boolean;
}

/**
 * Defaults of {@linkcode DemoTrafficOptions}: seed 1, start 2026-01-01 UTC,
 * about 300 background frames/s, an attack every 60 s divided by the
 * schedule's length (6.7 s for its nine entries), so that each entry comes
 * once a minute (three of them alternate with another kind every other
 * round: attacks.ts).
 */
export const DEMO_TRAFFIC_DEFAULTS = {
  seed: 1,
  startUs: 1_767_225_600_000_000,
  packetsPerSecond: 300,
  attackEveryUs: 60_000_000 / ATTACK_SCHEDULE.length,
  attacks: true,
} satisfies Required<DemoTrafficOptions>;

/** Packet time from the start to the first attack, µs (capped at `attackEveryUs`). */
export const FIRST_ATTACK_DELAY_US = 1_000_000;

/** Injected attacks remembered for {@linkcode DemoTraffic.injectedAttacks}. */
const MAX_REMEMBERED_ATTACKS = 64;

/**
 * Simulated office traffic as real Ethernet frames. Memory holds only the
 * sessions in flight (one pending frame each), whatever the duration.
 *
 * @example
 * ```ts
 * const demo = new DemoTraffic({ seed: 7 });
 * const firstSecond = demo.framesUntil(demo.startUs + 1_000_000);
 * const nextSecond = demo.framesUntil(demo.startUs + 2_000_000);
 * ```
 */
export class DemoTraffic {
  /** Packet time of the start, µs. */
  readonly startUs: number;
  readonly #ctx: DemoContext;
  readonly #scheduler: Scheduler;
  readonly #packetsPerSecond: number;
  readonly #attacks: InjectedAttack[] = [];
  #attackCount = 0;
  #untilUs: number;

  /** Sets up the office; no frame is built until {@linkcode framesUntil} asks. */
  constructor(options: DemoTrafficOptions = {}) {
    const config = { ...DEMO_TRAFFIC_DEFAULTS, ...options };
    const { seed, startUs, packetsPerSecond, attackEveryUs } = config;
    if (!Number.isFinite(seed)) {
      throw new RangeError(
        `Cannot create demo traffic: seed must be a finite number, got ${seed}`,
      );
    }
    if (!Number.isSafeInteger(startUs) || startUs < 0) {
      throw new RangeError(
        `Cannot create demo traffic: startUs must be a non-negative integer, got ${startUs}`,
      );
    }
    if (!(packetsPerSecond > 0 && packetsPerSecond <= 1_000_000)) {
      throw new RangeError(
        `Cannot create demo traffic: packetsPerSecond must be within (0, 1000000], got ${packetsPerSecond}`,
      );
    }
    if (!(attackEveryUs >= 100_000 && Number.isFinite(attackEveryUs))) {
      throw new RangeError(
        `Cannot create demo traffic: attackEveryUs must be at least 100000, got ${attackEveryUs}`,
      );
    }
    this.startUs = startUs;
    this.#untilUs = startUs;
    this.#packetsPerSecond = packetsPerSecond;
    this.#ctx = new DemoContext(seed);
    this.#scheduler = new Scheduler(startUs);
    this.#scheduler.at(startUs, (atUs) => this.#spawnBackground(atUs));
    if (config.attacks) {
      const firstUs = startUs +
        Math.min(FIRST_ATTACK_DELAY_US, Math.round(attackEveryUs));
      this.#scheduler.at(
        firstUs,
        (atUs) => this.#spawnAttack(atUs, attackEveryUs),
      );
    }
  }

  /**
   * Every frame with `timestampUs < untilUs` not returned before, in time
   * order. Asking for a time at or before the previous one returns [].
   */
  framesUntil(untilUs: number): DemoFrame[] {
    if (!Number.isFinite(untilUs)) {
      throw new RangeError(
        `Cannot generate demo frames: untilUs must be finite, got ${untilUs}`,
      );
    }
    const frames: DemoFrame[] = [];
    if (untilUs <= this.#untilUs) return frames;
    this.#scheduler.runUntil(untilUs, frames);
    this.#untilUs = untilUs;
    return frames;
  }

  /** Packet time up to which frames have been generated, µs. */
  get generatedUntilUs(): number {
    return this.#untilUs;
  }

  /** Ground truth of the attacks started so far (the latest 64), oldest first. */
  get injectedAttacks(): readonly InjectedAttack[] {
    return this.#attacks;
  }

  /** Sessions (background and attacks) in flight. */
  get activeSessions(): number {
    return this.#scheduler.runningSessions;
  }

  #spawnBackground(atUs: number): void {
    const plan = planBackgroundSession(this.#ctx, atUs);
    this.#scheduler.start("", plan.script);
    const meanGapUs = (plan.estimatedFrames / this.#packetsPerSecond) *
      1_000_000;
    const gapUs = Math.max(
      1,
      Math.round(meanGapUs * this.#ctx.prng.uniform(0.5, 1.5)),
    );
    this.#scheduler.at(atUs + gapUs, (nextUs) => this.#spawnBackground(nextUs));
  }

  #spawnAttack(atUs: number, attackEveryUs: number): void {
    const kind: AlertKind =
      ATTACK_SCHEDULE[this.#attackCount % ATTACK_SCHEDULE.length]!;
    const round = Math.floor(this.#attackCount / ATTACK_SCHEDULE.length);
    this.#attackCount++;
    const { script, ...truth } = planAttack(this.#ctx, kind, atUs, round);
    this.#attacks.push(truth);
    if (this.#attacks.length > MAX_REMEMBERED_ATTACKS) this.#attacks.shift();
    this.#scheduler.start(kind, script);
    this.#scheduler.at(
      atUs + Math.round(attackEveryUs),
      (nextUs) => this.#spawnAttack(nextUs, attackEveryUs),
    );
  }
}
