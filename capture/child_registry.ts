/**
 * Keeps track of running capture processes (tcpdump) so that none outlives
 * NetMirror: Deno does not kill child processes when it exits.
 *
 * While at least one child is registered, a SIGINT, a SIGTERM and a SIGHUP
 * listener kill every child and then exit with 130, 143 or 129 (opt out with
 * {@linkcode setExitOnSignal}). The listeners are removed as soon as the last
 * child is unregistered, so an idle process keeps Deno's default signal
 * behaviour and tests leak no signal listeners.
 *
 * @module
 */

/** How long {@linkcode killAllCaptures} waits after SIGTERM before SIGKILL, in milliseconds. */
export const KILL_GRACE_MS = 1_000;

const EXIT_CODES = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
/** A signal that stops a command (see {@linkcode STOP_SIGNALS}). */
export type StopSignal = keyof typeof EXIT_CODES;

/** The exit code after `signal` stopped a command: 128 + its number, as a shell reports a process the signal ended (130, 143, 129). */
export function signalExitCode(signal: StopSignal): number {
  return EXIT_CODES[signal];
}

/**
 * The signals that stop a capture: Ctrl-C, `kill`, and a hang-up (the
 * terminal closed, `kill -HUP`, a supervisor): each would otherwise end
 * NetMirror and leave tcpdump running.
 */
export const STOP_SIGNALS: readonly StopSignal[] = [
  "SIGINT",
  "SIGTERM",
  "SIGHUP",
];

/**
 * Calls `handler` with the signal on each of {@linkcode STOP_SIGNALS} and
 * returns the function that removes the listeners again.
 */
export function onStopSignals(
  handler: (signal: StopSignal) => void,
): () => void {
  const listeners = STOP_SIGNALS.map((signal) => ({
    signal,
    listener: () => handler(signal),
  }));
  for (const { signal, listener } of listeners) {
    trySignal(() => Deno.addSignalListener(signal, listener));
  }
  return () => {
    for (const { signal, listener } of listeners) {
      trySignal(() => Deno.removeSignalListener(signal, listener));
    }
  };
}

const children = new Set<Deno.ChildProcess>();
/** Children {@linkcode killAllCaptures} has signalled: their exit was asked for. */
const killing = new WeakSet<Deno.ChildProcess>();
const cleanups = new Set<() => Promise<void>>();
let exitOnSignal = true;
let listening = false;

const exitListeners = STOP_SIGNALS.map((signal) => ({
  signal,
  listener: (): void => exitAfterKill(signal),
}));

/**
 * Registers a running child process and returns the function that
 * unregisters it (call it once the child has exited). Installs the signal
 * listeners on the first registration.
 */
export function registerChild(child: Deno.ChildProcess): () => void {
  children.add(child);
  updateListeners();
  let registered = true;
  return function unregisterChild(): void {
    if (!registered) return;
    registered = false;
    children.delete(child);
    updateListeners();
  };
}

/**
 * Registers work to do after {@linkcode killAllCaptures} has killed the
 * children (removing a capture's ring directory), and returns the function
 * that unregisters it.
 */
export function registerCleanup(cleanup: () => Promise<void>): () => void {
  cleanups.add(cleanup);
  return () => void cleanups.delete(cleanup);
}

/** Whether {@linkcode killAllCaptures} has asked `child` to exit. */
export function isBeingKilled(child: Deno.ChildProcess): boolean {
  return killing.has(child);
}

/** Number of children currently registered. */
export function registeredChildCount(): number {
  return children.size;
}

/**
 * Enables (the default) or disables killing the children and exiting on
 * SIGINT/SIGTERM/SIGHUP; disable it when the caller handles those signals itself
 * (and then calls {@linkcode killAllCaptures}).
 */
export function setExitOnSignal(enabled: boolean): void {
  exitOnSignal = enabled;
  updateListeners();
}

/**
 * Sends SIGTERM to every registered child at once (synchronously, before
 * the first await), then SIGKILL to any still running after
 * {@linkcode KILL_GRACE_MS}. Resolves when every child has exited or been
 * sent SIGKILL and the registered cleanups have run. Never throws.
 */
export async function killAllCaptures(): Promise<void> {
  const targets = [...children];
  for (const child of targets) {
    killing.add(child);
    sendSignal(child, "SIGTERM");
  }
  await Promise.all(targets.map(async (child) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const exited = await Promise.race([
      child.status.then(() => true, () => true),
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), KILL_GRACE_MS);
      }),
    ]);
    clearTimeout(timer);
    if (!exited) sendSignal(child, "SIGKILL");
  }));
  await Promise.all([...cleanups].map((cleanup) => cleanup().catch(() => {})));
}

function sendSignal(child: Deno.ChildProcess, signal: Deno.Signal): void {
  try {
    child.kill(signal);
  } catch {
    // Already exited: nothing to kill.
  }
}

function exitAfterKill(signal: StopSignal): void {
  void killAllCaptures().finally(() => Deno.exit(EXIT_CODES[signal]));
}

function updateListeners(): void {
  const wanted = exitOnSignal && children.size > 0;
  if (wanted === listening) return;
  listening = wanted;
  for (const { signal, listener } of exitListeners) {
    trySignal(() =>
      wanted
        ? Deno.addSignalListener(signal, listener)
        : Deno.removeSignalListener(signal, listener)
    );
  }
}

function trySignal(change: () => void): void {
  try {
    change();
  } catch {
    // Windows supports only SIGINT and SIGBREAK listeners.
  }
}
