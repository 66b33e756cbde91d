/**
 * SSE fan-out: the real server (`main.ts serve --idle`) in its own process
 * replays a capture as fast as it can (`POST /api/start`, mode "replay"),
 * in pairs of runs with no client and with many `curl -N …/api/stream`
 * clients connected; replay rate from `GET /api/session` and server memory
 * from /proc/<pid>/status.
 *
 * A fresh server's first replays are slower than later ones: its code is
 * not compiled yet, and its frame ring and the engine's tables touch memory
 * the process has never used, which costs 10–15 µs per 4 KiB page on a
 * virtual machine (bench/findings.md, step 16; the first replay of the mixed
 * capture took 2.65 s and the fourth 1.66 s). So untimed replays come
 * first, and the pairs alternate their order (without clients first, then
 * with them first), so that what is left of that drift favours neither.
 *
 * @module
 */

import {
  benchPath,
  processCpuSeconds,
  processRss,
  productV8Flags,
  sleep,
  spawnTracked,
} from "./proc.ts";

/** One replay through the server. */
export interface SseRun {
  /** SSE clients connected during the replay (as the server counted them). */
  clients: number;
  packets: number;
  /** From the session's startedMs to stoppedMs, s. */
  seconds: number;
  /** Largest server VmRSS seen while the replay ran, bytes. */
  maxRssBytes: number;
  /** SSE bytes the clients received (all together). */
  streamBytes: number;
  /** CPU time the server used from the start request to the end of the replay (user + system), s. */
  serverCpuSeconds: number;
  /** CPU time the clients used during the replay (from the start request to its end), all together, s. */
  clientCpuSeconds: number;
  /** CPU time the clients used before the replay (starting, connecting, the stream's first events), all together, s. */
  clientStartCpuSeconds: number;
}

/** Options of {@linkcode runSseBench}. */
export interface SseBenchOptions {
  /** Capture to replay. */
  file: string;
  /**
   * Timed replays at capture speed (`"realtime": true`: packets as far
   * apart as their timestamps) instead of as fast as the server can; the
   * untimed ones before them always run flat out.
   */
  realtime?: boolean;
  /** Clients in the "with clients" runs. */
  clients: number;
  /** Pairs of runs (without and with clients, in alternating order), at most. */
  rounds: number;
  /** Untimed replays (no clients) before the first pair; default 2. */
  warmUpReplays?: number;
  /** Asked after each pair with its duration in seconds; false stops early. */
  another?: (pairSeconds: number) => boolean;
  /** Pairs run whatever `another` says (default 1). */
  minRounds?: number;
  port: number;
  /** Where the server writes session PCAPs (emptied between runs). */
  dataDir: string;
  /** Where the clients write what they receive (files removed after each run). */
  clientDir: string;
  /** Give up on one replay after this long, ms. */
  replayTimeoutMs: number;
  /** Progress lines. */
  log: (line: string) => void;
}

/** What {@linkcode runSseBench} measured. */
export interface SseBenchResult {
  /** Whether the timed replays ran at capture speed. */
  realtime: boolean;
  runs: SseRun[];
  /** Packets/s of each untimed replay before the first pair. */
  warmUpPps: number[];
  /** Server VmHWM at the end (peak over every run), bytes. */
  serverPeakRssBytes: number;
  /** Server VmRSS once idle before the first replay, bytes. */
  serverIdleRssBytes: number;
}

interface Session {
  state: string;
  startedMs: number;
  stoppedMs: number | null;
  packets: number;
  error: string;
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) {
    throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  }
  return await response.json() as T;
}

async function waitFor(
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean>,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
}

async function sseClients(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return Number(/^netmirror_sse_clients\s+(\d+)/m.exec(text)?.[1] ?? 0);
}

async function emptyDir(dir: string): Promise<void> {
  for await (const entry of Deno.readDir(dir)) {
    await Deno.remove(`${dir}/${entry.name}`, { recursive: true });
  }
}

/** What the clients of one run received and the CPU time they used. */
interface ClientTotals {
  bytes: number;
  cpuSeconds: number;
}

/** The clients of one run: their CPU time so far, and `stop` (idempotent), which stops them and sums what they received and the CPU they used. */
interface Clients {
  cpuSeconds(): Promise<number>;
  stop(): Promise<ClientTotals>;
}

/** Starts `count` curl SSE clients. */
function startClients(
  url: string,
  count: number,
  dir: string,
): Clients {
  const files = Array.from(
    { length: count },
    (_, i) => `${dir}/client_${i}.sse`,
  );
  const children = files.map((file) =>
    spawnTracked("curl", ["-N", "-s", "-o", file, url], {
      stdin: "null",
      stdout: "null",
      stderr: "null",
    })
  );
  const pids = children.map((child) => child.pid);
  const cpuSeconds = () => processCpuSeconds(pids);
  let stopped: Promise<ClientTotals> | undefined;
  return { cpuSeconds, stop: () => stopped ??= stop() };
  async function stop(): Promise<ClientTotals> {
    const used = await cpuSeconds();
    let bytes = 0;
    for (const child of children) {
      try {
        child.kill("SIGTERM");
      } catch {
        // Already exited.
      }
    }
    for (const child of children) await child.status;
    for (const file of files) {
      bytes += (await Deno.stat(file).catch(() => ({ size: 0 }))).size;
      await Deno.remove(file).catch(() => {});
    }
    return { bytes, cpuSeconds: used };
  }
}

async function replay(
  base: string,
  pid: number,
  options: SseBenchOptions,
  realtime: boolean,
): Promise<
  Omit<
    SseRun,
    "clients" | "streamBytes" | "clientCpuSeconds" | "clientStartCpuSeconds"
  >
> {
  const cpuBefore = await processCpuSeconds([pid]);
  const response = await fetch(`${base}/api/start`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ mode: "replay", file: options.file, realtime }),
  });
  if (response.status !== 201) {
    throw new Error(
      `POST /api/start: ${response.status} ${await response.text()}`,
    );
  }
  await response.body?.cancel();
  let maxRssBytes = 0;
  let session: Session | null = null;
  const deadline = performance.now() + options.replayTimeoutMs;
  while (performance.now() < deadline) {
    await sleep(250);
    maxRssBytes = Math.max(maxRssBytes, (await processRss(pid)).rssBytes);
    session = await getJson<Session | null>(`${base}/api/session`);
    if (session && session.state !== "running") break;
  }
  if (!session || session.stoppedMs === null) {
    await fetch(`${base}/api/stop`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "{}",
    }).then((r) => r.body?.cancel()).catch(() => {});
    throw new Error(
      `The replay did not finish within ${options.replayTimeoutMs} ms`,
    );
  }
  if (session.state === "failed") {
    throw new Error(`The replay failed: ${session.error}`);
  }
  return {
    packets: session.packets,
    seconds: (session.stoppedMs - session.startedMs) / 1000,
    maxRssBytes,
    serverCpuSeconds: await processCpuSeconds([pid]) - cpuBefore,
  };
}

/** Runs the server, then `rounds` pairs of replays: without clients, then with them. */
export async function runSseBench(
  options: SseBenchOptions,
): Promise<SseBenchResult> {
  const base = `http://127.0.0.1:${options.port}`;
  const server = spawnTracked(Deno.execPath(), [
    "run",
    ...productV8Flags(),
    "--allow-net=127.0.0.1",
    "--allow-read",
    `--allow-write=${options.dataDir}`,
    "--allow-run=tcpdump",
    "--allow-sys=networkInterfaces",
    "--allow-env",
    benchPath("../main.ts"),
    "serve",
    "--idle",
    "--port",
    String(options.port),
    "--data-dir",
    options.dataDir,
  ], { stdin: "null", stdout: "null", stderr: "piped" });
  let stderr = "";
  const stderrRead = (async () => {
    for await (
      const text of server.stderr.pipeThrough(new TextDecoderStream())
    ) {
      stderr = (stderr + text).slice(-4000);
    }
  })();
  try {
    await waitFor("the server to listen", 30_000, async () => {
      const response = await fetch(`${base}/api/session`);
      await response.body?.cancel();
      return response.ok;
    }).catch((error) => {
      throw new Error(`${(error as Error).message}; server said: ${stderr}`);
    });
    const serverIdleRssBytes = (await processRss(server.pid)).rssBytes;
    const warmUpReplays = options.warmUpReplays ?? 2;
    const warmUpPps: number[] = [];
    for (let i = 1; i <= warmUpReplays; i++) {
      await emptyDir(options.dataDir);
      const warmUp = await replay(base, server.pid, options, false);
      warmUpPps.push(warmUp.packets / warmUp.seconds);
      options.log(
        `sse warm-up replay ${i} of ${warmUpReplays}: ${
          Math.round(warmUpPps.at(-1)!)
        } packets/s (untimed)`,
      );
    }
    const runs: SseRun[] = [];
    for (let round = 0; round < options.rounds; round++) {
      const roundStarted = performance.now();
      const order = round % 2 === 0
        ? [0, options.clients]
        : [options.clients, 0];
      for (const clients of order) {
        await emptyDir(options.dataDir);
        const started: Clients = clients > 0
          ? startClients(`${base}/api/stream`, clients, options.clientDir)
          : {
            cpuSeconds: () => Promise.resolve(0),
            stop: () => Promise.resolve({ bytes: 0, cpuSeconds: 0 }),
          };
        try {
          if (clients > 0) {
            await waitFor(
              `${clients} SSE clients`,
              20_000,
              async () => (await sseClients(base)) >= clients,
            );
          }
          const connected = await sseClients(base);
          const clientStartCpuSeconds = await started.cpuSeconds();
          const measured = await replay(
            base,
            server.pid,
            options,
            options.realtime === true,
          );
          const received = await started.stop();
          const run: SseRun = {
            clients: connected,
            streamBytes: received.bytes,
            clientCpuSeconds: received.cpuSeconds - clientStartCpuSeconds,
            clientStartCpuSeconds,
            ...measured,
          };
          runs.push(run);
          options.log(
            `sse ${connected} clients: ${run.packets} packets in ${
              run.seconds.toFixed(2)
            } s (${Math.round(run.packets / run.seconds)}/s), max RSS ${
              (run.maxRssBytes / 2 ** 20).toFixed(0)
            } MiB, CPU s: server ${run.serverCpuSeconds.toFixed(2)}, clients ${
              run.clientCpuSeconds.toFixed(2)
            } (${run.clientStartCpuSeconds.toFixed(2)} before)`,
          );
        } finally {
          await started.stop().catch(() => undefined);
        }
      }
      const pairSeconds = (performance.now() - roundStarted) / 1000;
      if (
        round + 1 >= (options.minRounds ?? 1) && options.another &&
        !options.another(pairSeconds)
      ) break;
    }
    const { peakRssBytes } = await processRss(server.pid);
    return {
      realtime: options.realtime === true,
      runs,
      warmUpPps,
      serverPeakRssBytes: peakRssBytes,
      serverIdleRssBytes,
    };
  } finally {
    try {
      server.kill("SIGTERM");
    } catch {
      // Already exited.
    }
    const timer = setTimeout(() => {
      try {
        server.kill("SIGKILL");
      } catch {
        // Already exited.
      }
    }, 5000);
    await server.status;
    clearTimeout(timer);
    await stderrRead.catch(() => {});
    await emptyDir(options.dataDir).catch(() => {});
  }
}
