import assert from "node:assert/strict";
import { BoundedMap } from "./bounded_map.ts";
import {
  expireIdleFanOuts,
  type FanOut,
  type FanOutLimits,
  fanOutSeverity,
  fanOutTargets,
  newFanOut,
  observeFanOut,
  summarizeFanOut,
} from "./fan_out.ts";

const S = 1_000_000;
const LIMITS: FanOutLimits = {
  targetThreshold: 5,
  windowUs: 60 * S,
  maxTargets: 8,
  reportIntervalUs: 10 * S,
};

/** Probes targets `first`, `first + 1`, … `stepUs` apart; the packet times at which a finding was due. */
function probe(
  fanOut: FanOut<number>,
  count: number,
  options: { first?: number; startUs?: number; stepUs?: number } = {},
): number[] {
  const { first = 1, startUs = 0, stepUs = 1_000 } = options;
  const due: number[] = [];
  for (let i = 0; i < count; i++) {
    const atUs = startUs + i * stepUs;
    if (observeFanOut(fanOut, first + i, atUs, LIMITS)) due.push(atUs);
  }
  return due;
}

Deno.test("observeFanOut() is due at the threshold-th distinct target, not before", () => {
  const fanOut = newFanOut<number>(0);
  assert.deepEqual(probe(fanOut, 4), []);
  assert.equal(fanOut.active, false);
  assert.deepEqual(probe(fanOut, 1, { first: 5, startUs: 4_000 }), [4_000]);
  assert.equal(fanOut.active, true);
  assert.equal(fanOut.incidentTargets, 5);
  assert.equal(fanOut.startUs, 0);
  assert.equal(fanOut.reportedCount, 5);
});

Deno.test("observeFanOut() counts repeated targets once but every probe", () => {
  const fanOut = newFanOut<number>(0);
  for (let pass = 0; pass < 3; pass++) {
    assert.deepEqual(probe(fanOut, 4, { startUs: pass * S }), []);
  }
  assert.equal(fanOut.targets.size, 4);
  assert.equal(fanOut.probes, 12);
  // Re-probing moves a target to the recent end.
  assert.deepEqual(fanOutTargets(fanOut), [1, 2, 3, 4]);
  observeFanOut(fanOut, 2, 3 * S, LIMITS);
  assert.deepEqual(fanOutTargets(fanOut), [1, 3, 4, 2]);
});

Deno.test("observeFanOut() forgets targets older than the window", () => {
  const windowUs = LIMITS.windowUs;
  const inside = newFanOut<number>(0);
  probe(inside, 3, { stepUs: 1 });
  const late = { first: 4, stepUs: 1 };
  assert.deepEqual(probe(inside, 2, { ...late, startUs: windowUs - 3 }), [
    windowUs - 2,
  ]);
  const outside = newFanOut<number>(0);
  probe(outside, 3, { stepUs: 1 });
  assert.deepEqual(probe(outside, 2, { ...late, startUs: windowUs + 3 }), []);
  assert.equal(outside.targets.size, 2);
});

Deno.test("observeFanOut() keeps at most maxTargets, forgetting the oldest", () => {
  const fanOut = newFanOut<number>(0);
  probe(fanOut, 20);
  assert.equal(fanOut.targets.size, LIMITS.maxTargets);
  assert.deepEqual(fanOutTargets(fanOut), [
    13,
    14,
    15,
    16,
    17,
    18,
    19,
    20,
  ]);
  assert.equal(fanOut.incidentTargets, 20);
});

Deno.test("observeFanOut() repeats when targets double, or grow after the interval", () => {
  const fanOut = newFanOut<number>(0);
  // 5 (the first finding), 10 (doubled), then 11–15 within 10 s: none.
  assert.deepEqual(probe(fanOut, 15), [4_000, 9_000]);
  const dueUs = 9_000 + LIMITS.reportIntervalUs;
  assert.deepEqual(probe(fanOut, 1, { first: 16, startUs: dueUs - 1 }), []);
  assert.deepEqual(probe(fanOut, 1, { first: 17, startUs: dueUs }), [dueUs]);
  assert.equal(fanOut.reportedCount, 17);
  // A known target after the interval: no growth, not due.
  assert.equal(observeFanOut(fanOut, 17, 2 * dueUs, LIMITS), false);
});

Deno.test("observeFanOut() ends the incident after a whole window below the threshold", () => {
  const fanOut = newFanOut<number>(0);
  assert.deepEqual(probe(fanOut, 5), [4_000]);
  // The targets have expired and the last crossing is a window ago: the
  // incident is over, and the next one counts probes and findings afresh.
  const laterUs = LIMITS.windowUs + 4_000;
  assert.deepEqual(probe(fanOut, 1, { first: 100, startUs: laterUs }), []);
  assert.equal(fanOut.active, false);
  assert.equal(fanOut.reportedCount, 0);
  assert.equal(fanOut.probes, 1);
  assert.deepEqual(probe(fanOut, 4, { first: 101, startUs: laterUs + 1_000 }), [
    laterUs + 4_000,
  ]);
  assert.equal(fanOut.startUs, laterUs);
  assert.equal(fanOut.probes, 5);
});

Deno.test("summarizeFanOut() samples targets and subnets and measures the pace", () => {
  const fanOut = newFanOut<number | string>(0);
  const targets = [0x0a000001, 0x0a000102, "2001:db8::1", 0x0a000003];
  targets.forEach((target, i) =>
    observeFanOut(fanOut, target, i * 500_000, LIMITS)
  );
  observeFanOut(fanOut, 0x0a000004, 2 * S, LIMITS);
  assert.deepEqual(summarizeFanOut(fanOut, 3), {
    distinctTargets: 5,
    sampleTargets: ["10.0.0.1", "10.0.1.2", "2001:db8::1"],
    subnets: ["10.0.0.0/24", "10.0.1.0/24", "2001:db8::/64"],
    durationSeconds: 2,
    durationUs: 2_000_000,
    targetsPerSecond: 2.5,
    severity: "low",
  });
});

Deno.test("fanOutSeverity() rises at 100 and 1 000", () => {
  assert.deepEqual([99, 100, 999, 1000].map(fanOutSeverity), [
    "low",
    "medium",
    "medium",
    "high",
  ]);
});

/** The fan-out as a Map in order of last probe: what the ring must match. */
class ReferenceFanOut {
  targets = new Map<number, number>();
  active = false;
  lastAboveUs = -Infinity;
  startUs = 0;

  /** Probes `target`; the window's targets, least recently probed first. */
  probe(target: number, nowUs: number): number[] {
    for (const [t, atUs] of this.targets) {
      if (atUs > nowUs - LIMITS.windowUs) break;
      this.targets.delete(t);
    }
    if (
      this.active && this.targets.size < LIMITS.targetThreshold &&
      nowUs - this.lastAboveUs >= LIMITS.windowUs
    ) this.active = false;
    if (!this.targets.delete(target)) {
      if (this.targets.size >= LIMITS.maxTargets) {
        this.targets.delete(this.targets.keys().next().value!);
      }
    }
    this.targets.set(target, nowUs);
    if (this.targets.size >= LIMITS.targetThreshold) {
      this.lastAboveUs = nowUs;
      if (!this.active) {
        this.active = true;
        this.startUs = this.targets.values().next().value!;
      }
    }
    return [...this.targets.keys()];
  }
}

Deno.test("observeFanOut() keeps the same targets, in the same order, as a Map in order of last probe, over 20,000 random probes", () => {
  let seed = 7;
  const random = () => {
    seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
    return seed / 2 ** 32;
  };
  const fanOut = newFanOut<number>(0);
  const reference = new ReferenceFanOut();
  let nowUs = 0;
  for (let i = 0; i < 20_000; i++) {
    // Bursts of close probes and idle gaps past the window, few targets and many.
    nowUs += random() < 0.05
      ? Math.floor(random() * 90 * S)
      : Math.floor(random() * 3 * S);
    const target = Math.floor(random() * (i % 3000 < 1500 ? 12 : 40));
    observeFanOut(fanOut, target, nowUs, LIMITS);
    const expected = reference.probe(target, nowUs);
    assert.deepEqual(fanOutTargets(fanOut), expected, `probe ${i}`);
    assert.equal(fanOut.targets.size, expected.length);
    assert.equal(fanOut.active, reference.active, `probe ${i}`);
    if (fanOut.active) assert.equal(fanOut.startUs, reference.startUs);
  }
  assert.ok(fanOut.ringTargets.length <= 2 * LIMITS.maxTargets);
});

Deno.test("expireIdleFanOuts() removes the states idle for a window, oldest first, each after its last report", () => {
  const table = new BoundedMap<string, { fanOut: FanOut<number> }>(10);
  for (
    const [key, lastUs] of [["a", 0], ["b", 30 * S], ["c", 50 * S]] as const
  ) {
    const fanOut = newFanOut<number>(lastUs);
    observeFanOut(fanOut, 1, lastUs, LIMITS);
    table.set(key, { fanOut });
  }
  const reported: number[] = [];
  expireIdleFanOuts(
    table,
    95 * S,
    60 * S,
    (state) => reported.push(state.fanOut.lastProbeUs),
  );
  assert.deepEqual(reported, [0, 30 * S]);
  assert.deepEqual([...table.keys()], ["c"]);
});

/** ARP scan's and ICMP sweep's limits: 50 targets a minute (a pace of 1.2 s, a burst pause of 2.4 s). */
const SWEEP_LIMITS: FanOutLimits = {
  targetThreshold: 50,
  windowUs: 60 * S,
  maxTargets: 256,
  reportIntervalUs: 10 * S,
};

Deno.test("observeFanOut() starts an incident at the burst that crossed the threshold, not at unrelated targets earlier in the window", () => {
  const fanOut = newFanOut<number>(0);
  // The scanner resolves its gateway and a peer, then sweeps 48 more
  // addresses 20 ms apart from 40 s on, its gateway again among them.
  observeFanOut(fanOut, 1, 0, SWEEP_LIMITS);
  observeFanOut(fanOut, 2, 10 * S, SWEEP_LIMITS);
  let due = false;
  for (let i = 0; i < 49; i++) {
    due = observeFanOut(
      fanOut,
      i === 10 ? 1 : 100 + i,
      40 * S + i * 20_000,
      SWEEP_LIMITS,
    );
  }
  assert.equal(due, true);
  assert.equal(fanOut.targets.size, 50);
  assert.equal(fanOut.startUs, 40 * S);
  const summary = summarizeFanOut(fanOut, 5);
  assert.equal(summary.durationSeconds, 1);
});

Deno.test("observeFanOut() starts a slow scan's incident at its first probe, also across a long pause", () => {
  const fanOut = newFanOut<number>(0);
  // 50 targets a second apart, one pause of 5.9 s among them: 53.9 s.
  let atUs = 3 * S;
  for (let i = 0; i < 50; i++) {
    observeFanOut(fanOut, 100 + i, atUs, SWEEP_LIMITS);
    atUs += i === 20 ? 5_900_000 : S;
  }
  assert.equal(fanOut.active, true);
  assert.equal(fanOut.startUs, 3 * S);
});

Deno.test("observeFanOut() starts a sweep that paused between host groups at its first probe, so its pace counts all its targets", () => {
  const fanOut = newFanOut<number>(0);
  // 40 hosts in 0.4 s, a 10 s pause, then 20 more: one sweep of 10.6 s.
  for (let i = 0; i < 40; i++) {
    observeFanOut(fanOut, 100 + i, i * 10_000, SWEEP_LIMITS);
  }
  for (let i = 0; i < 20; i++) {
    observeFanOut(fanOut, 200 + i, 10_400_000 + i * 10_000, SWEEP_LIMITS);
  }
  assert.equal(fanOut.active, true);
  assert.equal(fanOut.startUs, 0);
  const summary = summarizeFanOut(fanOut, 5);
  assert.equal(summary.durationSeconds, 10.6);
  assert.equal(summary.targetsPerSecond, 5.7);
});
