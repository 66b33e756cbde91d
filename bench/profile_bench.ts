/**
 * Profiles one engine replay (`deno run --cpu-prof`) and summarises the V8
 * CPU profile: the functions with the most self time, and how the time
 * inside the engine (`AnalysisEngine.#analyse`, which runs each analyzer over a batch) splits between stats, latency and each
 * detector.
 *
 * @module
 */

import type { ReplayMeasurement } from "./engine_replay.ts";
import { benchPath, productV8Flags, runCommand } from "./proc.ts";

/** The bounded tables' source files: `BoundedMap`, `NumericKeyMap` and their recency list. */
export const TABLE_FILES = [
  "/bounded_map.ts",
  "/numeric_key_map.ts",
  "/recency_list.ts",
];

/** A function's share of the profile. */
export interface ProfileEntry {
  /** Function name ("(garbage collector)" and the like for V8's own). */
  name: string;
  /** "dir/file.ts:line", or "" for V8 internals. */
  location: string;
  /** Time, ms. */
  ms: number;
  /** Share of all samples, %. */
  percent: number;
}

/** What {@linkcode runProfile} found. */
export interface ProfileResult {
  /** The profiled run (slower than an unprofiled one). */
  measurement: ReplayMeasurement;
  /** Functions by self time, largest first. */
  selfTime: ProfileEntry[];
  /** Callees of `AnalysisEngine.#analyse` (each analyzer over a batch) by total (inclusive) time, largest first. */
  engineSplit: ProfileEntry[];
  /** Self time inside the bounded tables ({@linkcode TABLE_FILES}), by the function that called into it. */
  mapCallers: ProfileEntry[];
  /** Total sampled time, ms. */
  totalMs: number;
}

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function locationOf(frame: CallFrame): string {
  if (frame.url === "") return "";
  const path = frame.url.replace(/^file:\/\//, "").split("/");
  return `${path.slice(-2).join("/")}:${frame.lineNumber + 1}`;
}

/** Summarises a V8 `.cpuprofile`: the `top` functions by self time and the split under the engine's `observe`. */
export function summariseProfile(
  profile: CpuProfile,
  top: number,
): Omit<ProfileResult, "measurement"> {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) parents.set(child, node.id);
  }
  const selfUs = new Map<number, number>();
  let totalUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = Math.max(0, profile.timeDeltas[i] ?? 0);
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
    totalUs += delta;
  }
  const entries = (byKey: Map<string, number>): ProfileEntry[] =>
    [...byKey].sort((a, b) => b[1] - a[1]).slice(0, top).map(([key, us]) => {
      const [name, location] = key.split("\t") as [string, string];
      return {
        name,
        location,
        ms: us / 1000,
        percent: (us / totalUs) * 100,
      };
    });
  const keyOf = (frame: CallFrame) =>
    `${frame.functionName || "(anonymous)"}\t${locationOf(frame)}`;

  const self = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const key = keyOf(nodes.get(id)!.callFrame);
    self.set(key, (self.get(key) ?? 0) + us);
  }

  const inclusiveMemo = new Map<number, number>();
  const inclusive = (id: number): number => {
    const known = inclusiveMemo.get(id);
    if (known !== undefined) return known;
    let us = selfUs.get(id) ?? 0;
    for (const child of nodes.get(id)?.children ?? []) us += inclusive(child);
    inclusiveMemo.set(id, us);
    return us;
  };
  const split = new Map<string, number>();
  for (const node of profile.nodes) {
    const frame = node.callFrame;
    if (
      frame.functionName !== "#analyse" || !frame.url.endsWith("/engine.ts")
    ) {
      continue;
    }
    const selfKey = `(self)\t${locationOf(frame)}`;
    split.set(selfKey, (split.get(selfKey) ?? 0) + (selfUs.get(node.id) ?? 0));
    for (const child of node.children ?? []) {
      const key = keyOf(nodes.get(child)!.callFrame);
      split.set(key, (split.get(key) ?? 0) + inclusive(child));
    }
  }
  const inMap = (id: number) =>
    TABLE_FILES.some((file) => nodes.get(id)!.callFrame.url.endsWith(file));
  const mapCallers = new Map<string, number>();
  for (const [id, us] of selfUs) {
    if (!inMap(id)) continue;
    let caller = parents.get(id);
    while (caller !== undefined && inMap(caller)) caller = parents.get(caller);
    const key = caller === undefined
      ? "(unknown)\t"
      : keyOf(nodes.get(caller)!.callFrame);
    mapCallers.set(key, (mapCallers.get(key) ?? 0) + us);
  }
  return {
    selfTime: entries(self),
    engineSplit: entries(split),
    mapCallers: entries(mapCallers),
    totalMs: totalUs / 1000,
  };
}

/** Replays `file` through the engine under `--cpu-prof` and summarises the profile. */
export async function runProfile(
  file: string,
  dir: string,
  top = 15,
): Promise<ProfileResult> {
  const result = await runCommand(Deno.execPath(), [
    "run",
    ...productV8Flags(),
    "--cpu-prof",
    `--cpu-prof-dir=${dir}`,
    "--allow-read",
    "--allow-write=/dev/null",
    "--allow-run=cat",
    benchPath("engine_replay.ts"),
    file,
    "engine",
  ], { timeoutMs: 300_000 });
  const measurement = JSON.parse(result.stdout.trim()) as ReplayMeasurement;
  let profilePath = "";
  for await (const entry of Deno.readDir(dir)) {
    if (entry.name.endsWith(".cpuprofile")) {
      profilePath = `${dir}/${entry.name}`;
    }
  }
  if (profilePath === "") {
    throw new Error(`deno --cpu-prof wrote no .cpuprofile in ${dir}`);
  }
  const profile = JSON.parse(
    await Deno.readTextFile(profilePath),
  ) as CpuProfile;
  return { measurement, ...summariseProfile(profile, top) };
}
