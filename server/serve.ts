/**
 * Starts the whole sensor: bus, sensor, stream hub, HTTP server, and the
 * first capture session. Used by `main.ts` and by end-to-end tests.
 *
 * @module
 */

import type { EngineConfig } from "../detectors/engine.ts";
import { createApp } from "./app.ts";
import { EventBus } from "./event_bus.ts";
import type { SensorEvent } from "./events.ts";
import { isLoopback } from "./security.ts";
import { SensorError, withoutOsError } from "./session_errors.ts";
import { Sensor, type SensorOptions, type StartOptions } from "./sensor.ts";
import { StreamHub, type StreamHubOptions } from "./stream_hub.ts";
import type { UiAssets } from "./ui_assets.ts";

/** Settings of {@linkcode startServer}. */
export interface ServeOptions {
  /** Address to bind (default 127.0.0.1). */
  hostname?: string;
  /** Port (default 5000; 0 picks a free one). */
  port?: number;
  /** API token; required (and generated when absent) unless bound to loopback. */
  token?: string;
  /** The session to start at once, if any. */
  start?: StartOptions;
  /** Where session PCAPs go. */
  dataDir: string;
  /** Detector settings. */
  engine?: EngineConfig;
  /** Sensor settings other than the data dir and engine. */
  sensor?: Omit<SensorOptions, "dataDir" | "engine">;
  /** SSE settings. */
  stream?: StreamHubOptions;
  /** The dashboard files. */
  ui?: UiAssets;
  /** Version string. */
  version: string;
}

/** A running server. */
export interface RunningServer {
  /** Base URL, e.g. http://127.0.0.1:5000. */
  url: string;
  /** The API token in force ("" when none is needed). */
  token: string;
  sensor: Sensor;
  /** The SSE fan-out. */
  hub: StreamHub;
  /** Stops the capture and the HTTP server. */
  close(): Promise<void>;
}

/**
 * The API token for a bind address: the given one, else none on loopback,
 * else a random one (anything reachable from the network needs a token).
 */
export function effectiveToken(hostname: string, token?: string): string {
  if (token !== undefined && token !== "") return token;
  return isLoopback(hostname) ? "" : randomToken();
}

/** The server cannot listen where it was asked to (address in use, not this host's, not resolvable, a privileged port). */
export class ListenError extends Error {
  /** `message` names the address and the reason. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ListenError";
  }
}

/** Starts the server (and the first session, when asked). */
export async function startServer(
  options: ServeOptions,
): Promise<RunningServer> {
  const hostname = options.hostname ?? "127.0.0.1";
  const token = effectiveToken(hostname, options.token);
  // Before anything listens: a directory it cannot write would fail the
  // first session, whenever it starts.
  await checkDataDir(options.dataDir);
  if (options.sensor?.replayDir !== undefined) {
    await checkReplayDirExists(options.sensor.replayDir);
  }
  const bus = new EventBus<SensorEvent>();
  const sensor = new Sensor(bus, {
    ...options.sensor,
    dataDir: options.dataDir,
    ...(options.engine ? { engine: options.engine } : {}),
  });
  const hub = new StreamHub(bus, options.stream);
  const app = createApp({
    sensor,
    hub,
    version: options.version,
    ...(token ? { token } : {}),
    ...(options.ui ? { ui: options.ui } : {}),
  });
  const port = options.port ?? 5000;
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({ hostname, port, onListen: () => {} }, app.fetch);
  } catch (error) {
    hub.close();
    throw new ListenError(
      `Cannot listen on ${
        hostname.includes(":") ? `[${hostname}]` : hostname
      }:${port}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const address = server.addr;
  const host = address.hostname.includes(":")
    ? `[${address.hostname}]`
    : address.hostname;
  const url = `http://${host}:${address.port}`;
  if (options.start) {
    try {
      await sensor.start(options.start);
    } catch (error) {
      hub.close();
      await server.shutdown();
      throw error;
    }
  }
  return {
    url,
    token,
    sensor,
    hub,
    async close() {
      await sensor.close();
      hub.close();
      await server.shutdown();
    },
  };
}

function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-")
    .replaceAll("/", "_");
}

/** Throws unless `dir` (--replay-dir) is a directory: a typo would otherwise refuse every replay later, with a message about the path asked for. */
export async function checkReplayDirExists(dir: string): Promise<void> {
  const info = await Deno.stat(dir).catch((error: unknown) => {
    if (error instanceof Deno.errors.NotCapable) throw error;
    return error instanceof Error ? error : new Error(String(error));
  });
  const problem = info instanceof Error
    ? info instanceof Deno.errors.NotFound
      ? "no such directory"
      : withoutOsError(info.message)
    : info.isDirectory
    ? ""
    : "it is a file, not a directory";
  if (problem !== "") {
    throw new SensorError(
      500,
      `Cannot replay files under "${dir}" (--replay-dir): ${problem}`,
    );
  }
}

/**
 * Makes the data directory if missing and checks that NetMirror can write
 * there; else a {@linkcode SensorError} naming it (a missing permission of
 * Deno's is thrown as it is, for its hint).
 */
export async function checkDataDir(dir: string): Promise<void> {
  const probe = `${dir}/.netmirror-write-test-${Deno.pid}`;
  try {
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeFile(probe, new Uint8Array(0));
    await Deno.remove(probe);
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable) throw error;
    const message = error instanceof Deno.errors.AlreadyExists
      ? "it is a file, not a directory"
      : error instanceof Error
      ? error.message
      : String(error);
    throw new SensorError(
      500,
      `Cannot keep session PCAPs in "${dir}" (--data-dir): ${
        withoutOsError(message)
      }`,
    );
  }
}
