/**
 * A background process in a network namespace (`ip netns exec`), for tests
 * that run daemons and capture beside an attack: its output is collected
 * as it comes, a test can wait for a line, and stopping it is bounded in
 * time (a signal, then SIGKILL).
 *
 * @module
 */

/** How a stopped process ended, and everything it printed. */
export interface NsProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A running process; see {@linkcode startInNs}. */
export interface NsProcess {
  /** Resolves once `text` appears on stdout or stderr; rejects after `timeoutMs` or when the process ends first. */
  waitFor(text: string, timeoutMs: number): Promise<void>;
  /** What it printed so far, stdout then stderr. */
  output(): string;
  /** Sends `signal`, then SIGKILL after `graceMs`, and resolves with the result. Idempotent. */
  stop(signal?: Deno.Signal, graceMs?: number): Promise<NsProcessResult>;
}

/** Starts `argv` in namespace `ns`. */
export function startInNs(ns: string, argv: string[]): NsProcess {
  const child = new Deno.Command("ip", {
    args: ["netns", "exec", ns, ...argv],
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let stdout = "";
  let stderr = "";
  let wake = () => {};
  const collect = async (
    stream: ReadableStream<Uint8Array<ArrayBuffer>>,
    add: (text: string) => void,
  ) => {
    for await (const text of stream.pipeThrough(new TextDecoderStream())) {
      add(text);
      wake();
    }
  };
  const collected = Promise.all([
    collect(child.stdout, (text) => stdout += text),
    collect(child.stderr, (text) => stderr += text),
  ]);
  let ended = false;
  const status = child.status.then((status) => {
    ended = true;
    wake();
    return status;
  });
  let result: Promise<NsProcessResult> | undefined;
  const name = argv.slice(0, 2).join(" ");
  return {
    output(): string {
      return stdout + stderr;
    },
    async waitFor(text: string, timeoutMs: number): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!stdout.includes(text) && !stderr.includes(text)) {
        const left = deadline - Date.now();
        if (ended || left <= 0) {
          throw new Error(
            `${name}: no "${text}" ${
              ended ? "before it ended" : `within ${timeoutMs} ms`
            }; stdout: ${stdout.slice(-2000)} stderr: ${stderr.slice(-2000)}`,
          );
        }
        let timer: ReturnType<typeof setTimeout> | undefined;
        await new Promise<void>((resolve) => {
          wake = resolve;
          timer = setTimeout(resolve, left);
        });
        clearTimeout(timer);
      }
    },
    stop(signal: Deno.Signal = "SIGTERM", graceMs = 10_000) {
      result ??= (async () => {
        if (!ended) {
          try {
            child.kill(signal);
          } catch {
            // it ended meanwhile
          }
        }
        const timer = setTimeout(() => {
          try {
            child.kill("SIGKILL");
          } catch {
            // it ended meanwhile
          }
        }, graceMs);
        const { code } = await status;
        clearTimeout(timer);
        await collected;
        return { code, stdout, stderr };
      })();
      return result;
    },
  };
}
