/**
 * Child processes for the benchmarks: every command runs with a deadline
 * and is killed (SIGKILL) when it overruns or when the bench is aborted,
 * and every child the bench starts is remembered so `killAll` can end it.
 *
 * @module
 */

/** Children still running, by pid. */
const running = new Map<number, Deno.ChildProcess>();

/** Kills every child the bench started that is still running. */
export function killAll(): void {
  for (const [pid, child] of running) {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
    running.delete(pid);
  }
}

/** Thrown when a tool the bench needs is not installed. */
export class MissingToolError extends Error {
  override name = "MissingToolError";
}

/** Options of {@linkcode runCommand}. */
export interface RunOptions {
  /** Kill the command after this long, ms. */
  timeoutMs: number;
  /** Where stdout goes: captured ("piped", the default) or discarded ("null"). */
  stdout?: "piped" | "null";
  /** Extra environment variables. */
  env?: Record<string, string>;
}

/** What a finished command printed and how long it took. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** Spawns `cmd` and remembers it for {@linkcode killAll}. */
export function spawnTracked(
  cmd: string,
  args: string[],
  options: Deno.CommandOptions = {},
): Deno.ChildProcess {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(cmd, { ...options, args }).spawn();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new MissingToolError(
        `Cannot run the benchmarks: "${cmd}" is not installed (or not on PATH)`,
      );
    }
    throw error;
  }
  running.set(child.pid, child);
  child.status.finally(() => running.delete(child.pid));
  return child;
}

/**
 * Runs `cmd` to completion (stdin closed), killing it after
 * `options.timeoutMs`; throws when it overruns or exits non-zero.
 */
export async function runCommand(
  cmd: string,
  args: string[],
  options: RunOptions,
): Promise<RunResult> {
  const started = performance.now();
  const child = spawnTracked(cmd, args, {
    stdin: "null",
    stdout: options.stdout ?? "piped",
    stderr: "piped",
    ...(options.env ? { env: options.env } : {}),
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch {
      // Already exited.
    }
  }, options.timeoutMs);
  try {
    const output = await child.output();
    const seconds = (performance.now() - started) / 1000;
    const decoder = new TextDecoder();
    const result = {
      code: output.code,
      stdout: options.stdout === "null" ? "" : decoder.decode(output.stdout),
      stderr: decoder.decode(output.stderr),
      seconds,
    };
    if (timedOut) {
      throw new Error(
        `${cmd} ${args.join(" ")} was killed after ${options.timeoutMs} ms`,
      );
    }
    if (output.code !== 0) {
      throw new Error(
        `${cmd} ${args.join(" ")} exited with ${output.code}: ${
          result.stderr.trim().slice(-2000)
        }`,
      );
    }
    return result;
  } finally {
    clearTimeout(timer);
  }
}

/** The first line `cmd args` prints (stdout, else stderr), or "" when it cannot run. */
export async function firstLine(cmd: string, args: string[]): Promise<string> {
  try {
    const out = await new Deno.Command(cmd, {
      args,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decoder = new TextDecoder();
    const text = decoder.decode(out.stdout).trim() ||
      decoder.decode(out.stderr).trim();
    return text.split("\n")[0] ?? "";
  } catch {
    return "";
  }
}

/** Throws {@linkcode MissingToolError} unless every tool in `tools` runs. */
export async function requireTools(tools: string[]): Promise<void> {
  const missing: string[] = [];
  for (const tool of tools) {
    try {
      await new Deno.Command(tool, {
        args: ["--version"],
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).output();
    } catch {
      missing.push(tool);
    }
  }
  if (missing.length > 0) {
    throw new MissingToolError(
      `Cannot run the benchmarks: ${
        missing.map((t) => `"${t}"`).join(", ")
      } not installed (apt-get install tcpdump tshark)`,
    );
  }
}

/** Resident set size of process `pid` now and at its peak, in bytes (from /proc via `cat`); zeros when it is gone. */
export async function processRss(
  pid: number,
): Promise<{ rssBytes: number; peakRssBytes: number }> {
  try {
    const out = await new Deno.Command("cat", {
      args: [`/proc/${pid}/status`],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).output();
    const status = new TextDecoder().decode(out.stdout);
    const kib = (field: string) =>
      Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0);
    return { rssBytes: kib("VmRSS") * 1024, peakRssBytes: kib("VmHWM") * 1024 };
  } catch {
    return { rssBytes: 0, peakRssBytes: 0 };
  }
}

/** Clock ticks per second of /proc's CPU times (`getconf CLK_TCK`, read once). */
let clockTicks: Promise<number> | undefined;

/**
 * CPU time (user + system) the processes `pids` have used so far, summed, in
 * seconds (from /proc/<pid>/stat via one `cat`); a process that is gone
 * counts 0.
 */
export async function processCpuSeconds(
  pids: readonly number[],
): Promise<number> {
  if (pids.length === 0) return 0;
  clockTicks ??= firstLine("getconf", ["CLK_TCK"]).then((line) =>
    Number(line) > 0 ? Number(line) : 100
  );
  let text = "";
  try {
    const out = await new Deno.Command("cat", {
      args: pids.map((pid) => `/proc/${pid}/stat`),
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).output();
    text = new TextDecoder().decode(out.stdout);
  } catch {
    return 0;
  }
  let ticks = 0;
  for (const line of text.split("\n")) {
    // Fields after the command name "(…)": state is field 3, utime 14, stime 15.
    const fields = line.slice(line.lastIndexOf(")") + 2).split(" ");
    if (fields.length < 13) continue;
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / await clockTicks;
}

/** Median of `samples` (NaN for none). */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? sorted[mid]!
    : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Absolute path of a file in bench/. */
export function benchPath(file: string): string {
  return new URL(file, import.meta.url).pathname;
}

/**
 * The `--v8-flags=…` argument NetMirror runs with (from the `start` task in
 * deno.json, which `compile` bakes into the binary), for the child
 * processes that measure NetMirror (none: an empty list).
 */
export function productV8Flags(): string[] {
  return taskCommand("start").split(/\s+/).filter((arg) =>
    arg.startsWith("--v8-flags=")
  );
}

/** The command line of the deno.json task `name`. */
export function taskCommand(name: string): string {
  const config = JSON.parse(Deno.readTextFileSync(benchPath("../deno.json")));
  return config.tasks[name].command;
}
