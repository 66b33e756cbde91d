/**
 * The real server (startServer with demo traffic and the built dashboard)
 * on its own thread: a Worker of the test process. At high demo rates the
 * pipeline keeps its event loop busy; on the test's own thread that would
 * starve puppeteer's DevTools connection, and the browser talks to a
 * separate server in production anyway.
 *
 * Protocol: the test posts {@linkcode ServerWorkerRequest}s and gets
 * {@linkcode ServerWorkerReply}s.
 *
 * @module
 */

import { DemoTraffic } from "../../server/demo/mod.ts";
import { type RunningServer, startServer } from "../../server/mod.ts";
import { loadUiAssets } from "../../server/ui_assets.ts";

/** What the test asks of the worker. */
export type ServerWorkerRequest =
  | {
    type: "start";
    dataDir: string;
    /** Port to bind (0: any free one). */
    port: number;
    packetsPerSecond?: number;
    /** An API token the server asks for. */
    token?: string;
    /** The directory replays are confined to (`--replay-dir`). */
    replayDir?: string;
  }
  | { type: "close" };

/** What the worker answers. */
export type ServerWorkerReply =
  | { type: "started"; url: string }
  | { type: "closed" }
  | { type: "error"; message: string };

const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<ServerWorkerRequest>) => void) | null;
  postMessage(message: ServerWorkerReply): void;
};

let server: RunningServer | undefined;

scope.onmessage = (event) => {
  handle(event.data).then(
    (reply) => scope.postMessage(reply),
    (error: unknown) =>
      scope.postMessage({
        type: "error",
        message: error instanceof Error
          ? error.stack ?? error.message
          : String(error),
      }),
  );
};

async function handle(
  request: ServerWorkerRequest,
): Promise<ServerWorkerReply> {
  if (request.type === "close") {
    await server?.close();
    server = undefined;
    return { type: "closed" };
  }
  const ui = await loadUiAssets();
  if (!ui) throw new Error("The dashboard is not built (ui/dist is missing)");
  const { packetsPerSecond, token, replayDir } = request;
  server = await startServer({
    ...(token !== undefined ? { token } : {}),
    port: request.port,
    dataDir: request.dataDir,
    version: "browser-test",
    ui,
    sensor: {
      ...(replayDir !== undefined ? { replayDir } : {}),
      createDemo: (startUs) =>
        new DemoTraffic({
          startUs,
          ...(packetsPerSecond ? { packetsPerSecond } : {}),
        }),
    },
    start: { mode: "demo" },
  });
  return { type: "started", url: server.url };
}
