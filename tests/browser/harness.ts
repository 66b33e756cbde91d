/**
 * Helpers of the browser tests: build the dashboard when it is missing or
 * stale, start the real server with demo traffic, launch Debian's Chromium
 * through puppeteer-core, and read the page.
 *
 * @module
 */

import { uiBuildIsStale } from "../../server/ui_assets.ts";
import { type Browser, type Page, puppeteer } from "./puppeteer.ts";
import type {
  ServerWorkerReply,
  ServerWorkerRequest,
} from "./server_worker.ts";

const ROOT = new URL("../../", import.meta.url);

/** The system Chromium (Debian package `chromium`); never a downloaded browser. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/** Runs `deno task bundle` unless ui/dist is newer than every UI source file. */
export async function ensureUiBuilt(): Promise<void> {
  if (!(await uiBuildIsStale())) return;
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", "bundle"],
    cwd: ROOT.pathname,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(
      `deno task bundle failed (exit ${code}): ${
        new TextDecoder().decode(stderr)
      }`,
    );
  }
}

/** Settings of {@linkcode startDemoServer}. */
export interface DemoServerOptions {
  /** Background frames per second of the demo (attacks come on top). */
  packetsPerSecond?: number;
  /** Port to bind (default: any free one). */
  port?: number;
  /** An API token the server asks for (none by default, as on loopback). */
  token?: string;
  /** The directory replays are confined to (`--replay-dir`; none by default). */
  replayDir?: string;
}

/** A server running in a worker, with its data directory; `close()` removes both. */
export interface TestServer {
  /** Base URL, e.g. http://127.0.0.1:41234. */
  url: string;
  /** GETs an API path and parses the JSON. */
  api<T>(path: string): Promise<T>;
  /** Stops the server and the worker (again: nothing). */
  close(): Promise<void>;
}

function nextReply(
  worker: Worker,
  timeoutMs: number,
): Promise<ServerWorkerReply> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      worker.onmessage = null;
      reject(new Error(`The server worker did not answer in ${timeoutMs} ms`));
    }, timeoutMs);
    worker.onmessage = (event: MessageEvent<ServerWorkerReply>) => {
      clearTimeout(timer);
      worker.onmessage = null;
      resolve(event.data);
    };
  });
}

/**
 * Starts the real server (startServer, demo session, built dashboard) on a
 * loopback port, in a worker of this process (see server_worker.ts).
 */
export async function startDemoServer(
  options: DemoServerOptions = {},
): Promise<TestServer> {
  const dataDir = await Deno.makeTempDir({ prefix: "netmirror-browser-" });
  const worker = new Worker(new URL("./server_worker.ts", import.meta.url), {
    type: "module",
  });
  let stopped = false;
  const stop = async () => {
    stopped = true;
    worker.terminate();
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  };
  let url: string;
  try {
    const started = nextReply(worker, 30_000);
    worker.postMessage(
      {
        type: "start",
        dataDir,
        port: options.port ?? 0,
        ...(options.packetsPerSecond
          ? { packetsPerSecond: options.packetsPerSecond }
          : {}),
        ...(options.token !== undefined ? { token: options.token } : {}),
        ...(options.replayDir !== undefined
          ? { replayDir: options.replayDir }
          : {}),
      } satisfies ServerWorkerRequest,
    );
    const reply = await started;
    if (reply.type !== "started") {
      throw new Error(`The server did not start: ${JSON.stringify(reply)}`);
    }
    url = reply.url;
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    async api<T>(path: string): Promise<T> {
      const response = await fetch(new URL(path, url), {
        signal: AbortSignal.timeout(10_000),
      });
      if (!response.ok) {
        throw new Error(
          `GET ${path}: ${response.status} ${await response.text()}`,
        );
      }
      return await response.json() as T;
    },
    async close() {
      if (stopped) return;
      try {
        const closed = nextReply(worker, 20_000);
        worker.postMessage({ type: "close" } satisfies ServerWorkerRequest);
        const reply = await closed;
        if (reply.type !== "closed") {
          throw new Error(`The server did not close: ${JSON.stringify(reply)}`);
        }
      } finally {
        await stop();
      }
    },
  };
}

/** A launched Chromium with its profile and download directories, removed by `close()`. */
export interface TestBrowser {
  browser: Browser;
  /** Where downloads land. */
  downloadDir: string;
  close(): Promise<void>;
}

/** Launches headless Debian Chromium with a fresh profile and no background networking. */
export async function launchChromium(): Promise<TestBrowser> {
  const profileDir = await Deno.makeTempDir({ prefix: "netmirror-chromium-" });
  const downloadDir = await Deno.makeTempDir({
    prefix: "netmirror-downloads-",
  });
  const removeDirs = async () => {
    await Deno.remove(profileDir, { recursive: true }).catch(() => {});
    await Deno.remove(downloadDir, { recursive: true }).catch(() => {});
  };
  let browser: Browser;
  try {
    browser = await puppeteer.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      userDataDir: profileDir,
      timeout: 30_000,
      protocolTimeout: 30_000,
      downloadBehavior: { policy: "allow", downloadPath: downloadDir },
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  } catch (error) {
    await removeDirs();
    throw error;
  }
  return {
    browser,
    downloadDir,
    async close() {
      try {
        await browser.close();
      } finally {
        await removeDirs();
      }
    },
  };
}

/**
 * Opens a fresh headless Chromium page at `viewport` (20 s timeouts, its
 * console errors collected), runs `test` with it, and closes the browser
 * whatever happens.
 */
export async function withDashboardPage(
  viewport: { width: number; height: number },
  test: (page: Page, errors: string[], downloadDir: string) => Promise<void>,
): Promise<void> {
  const chromium = await launchChromium();
  try {
    const page = await chromium.browser.newPage();
    page.setDefaultTimeout(20_000);
    await page.setViewport(viewport);
    await test(page, collectPageErrors(page), chromium.downloadDir);
  } finally {
    await chromium.close();
  }
}

/** A test of the dashboard: its page, the page's console errors, the server and the download directory. */
export type DashboardTest = (
  page: Page,
  errors: string[],
  server: TestServer,
  downloadDir: string,
) => Promise<void>;

/**
 * Starts a demo server (with `options`), opens a fresh page at `viewport`
 * ({@linkcode withDashboardPage}) for `test`, and stops the server
 * whatever happens.
 */
export async function withDemoDashboard(
  viewport: { width: number; height: number },
  test: DashboardTest,
  options: DemoServerOptions = {},
): Promise<void> {
  await ensureUiBuilt();
  const server = await startDemoServer(options);
  try {
    await withDashboardPage(
      viewport,
      (page, errors, downloadDir) => test(page, errors, server, downloadDir),
    );
  } finally {
    await server.close();
  }
}

/** Resizes the page's window to `width` × `height` and waits for a frame drawn at that size. */
export async function resizeTo(
  page: Page,
  width: number,
  height: number,
): Promise<void> {
  await page.setViewport({ width, height });
  await page.evaluate(() =>
    new Promise((resolve) => requestAnimationFrame(() => resolve(null)))
  );
}

/** POSTs to the server as another client would (curl), and checks the answer. */
export async function postAsOtherClient(
  url: string,
  path: string,
  body?: unknown,
): Promise<void> {
  const response = await fetch(new URL(path, url), {
    method: "POST",
    ...(body === undefined ? {} : {
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(`POST ${path}: ${response.status} ${text}`);
  }
}

/** Stops the demo and replays `file` through the server, from another client, to its end. */
export async function replayToTheEnd(
  server: TestServer,
  file: string,
): Promise<void> {
  await postAsOtherClient(server.url, "/api/stop");
  await postAsOtherClient(server.url, "/api/start", { mode: "replay", file });
  await waitUntil("the replay to finish", async () => {
    const replay = await server.api<{ mode: string; state: string }>(
      "/api/session",
    );
    return replay.mode === "replay" && replay.state === "stopped";
  });
}

/**
 * Counts toasts shown by the page from its first load on (they last a few
 * seconds): read with {@linkcode toastsSeen}.
 */
export async function recordToasts(page: Page): Promise<void> {
  await page.evaluateOnNewDocument(() => {
    const state = globalThis as unknown as { __toastsSeen: number };
    state.__toastsSeen = 0;
    new MutationObserver((records) => {
      for (const record of records) {
        for (const node of record.addedNodes) {
          if (
            node instanceof Element &&
            node.matches('[data-testid="toast"]')
          ) state.__toastsSeen++;
        }
      }
    }).observe(document, { childList: true, subtree: true });
  });
}

/** Toasts the page has shown since it loaded (needs {@linkcode recordToasts}). */
export function toastsSeen(page: Page): Promise<number> {
  return page.evaluate(() =>
    (globalThis as unknown as { __toastsSeen?: number }).__toastsSeen ?? 0
  );
}

/** Console errors, uncaught exceptions and failed requests of a page. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") {
      errors.push(`console: ${message.text()} (${message.location().url})`);
    }
  });
  page.on("pageerror", (error) => errors.push(`page error: ${error}`));
  page.on("requestfailed", (request) => {
    // An EventSource torn down at navigation or shutdown is not an error.
    if (request.url().includes("/api/stream")) return;
    errors.push(
      `request failed: ${request.url()} ${request.failure()?.errorText}`,
    );
  });
  return errors;
}

/** The CSS selector of a `data-testid`. */
export function byTestId(testId: string): string {
  return `[data-testid="${testId}"]`;
}

/** The text of the first element with `data-testid`, trimmed ("" when absent). */
export function textOf(page: Page, testId: string): Promise<string> {
  return page.$eval(
    byTestId(testId),
    (element) => (element.textContent ?? "").trim(),
  ).catch(() => "");
}

/** Pixels of a canvas that are not fully transparent (0 when blank or absent). */
export function canvasInk(page: Page, testId: string): Promise<number> {
  return page.evaluate((selector) => {
    const canvas = document.querySelector<HTMLCanvasElement>(selector);
    const context = canvas?.getContext("2d");
    if (!canvas || !context || canvas.width === 0) return 0;
    const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
    let ink = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) ink++;
    return ink;
  }, byTestId(testId));
}

/** Polls `check` every 100 ms until it returns true; throws with `what` after `timeoutMs`. */
export async function waitUntil(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The middle of the newest packet row fully inside the table's viewport
 * (rows above and below it are rendered too, for smooth scrolling).
 */
export function visibleRowPoint(page: Page): Promise<{ x: number; y: number }> {
  return page.evaluate(() => {
    const body = document.querySelector('[data-testid="packet-table-scroll"]')!
      .getBoundingClientRect();
    // Rows scroll under the sticky header row.
    const head = document.querySelector(".thead")!.getBoundingClientRect();
    const rows = document.querySelectorAll('[data-testid="packet-row"]');
    for (let i = rows.length - 1; i >= 0; i--) {
      const rect = rows[i]!.getBoundingClientRect();
      if (rect.top >= head.bottom && rect.bottom <= body.bottom) {
        return { x: rect.x + rect.width / 2, y: rect.y + rect.height / 2 };
      }
    }
    throw new Error("No packet row is visible");
  });
}

/** The middle of the element `selector`. */
export function centreOf(
  page: Page,
  selector: string,
): Promise<{ x: number; y: number }> {
  return page.$eval(selector, (element) => {
    const rect = element.getBoundingClientRect();
    return { x: rect.x + rect.width / 2, y: rect.y + rect.height / 2 };
  });
}

/**
 * Clicks `point` with a real (CDP) mouse event and returns the time in the
 * page, ms, from the event's timestamp to the frame after `doneSelector`
 * matches: how long the UI took to handle the click. (A point, not an
 * element: rows under a live stream are replaced several times a second,
 * and a user clicks what is under the pointer.)
 */
export async function measureClick(
  page: Page,
  point: { x: number; y: number },
  doneSelector: string,
): Promise<number> {
  await page.evaluate((done) => {
    const state = globalThis as unknown as {
      __clickAt: number;
      __shownAt: number;
    };
    state.__clickAt = 0;
    state.__shownAt = 0;
    document.addEventListener("click", (event) => {
      state.__clickAt = event.timeStamp;
    }, { capture: true, once: true });
    const observer = new MutationObserver(() => {
      if (!document.querySelector(done)) return;
      observer.disconnect();
      // The next frame is when the user sees the change.
      requestAnimationFrame(() => state.__shownAt = performance.now());
    });
    observer.observe(document.body, {
      childList: true,
      subtree: true,
      attributes: true,
    });
  }, doneSelector);
  await page.mouse.click(point.x, point.y);
  const handle = await page.waitForFunction(
    () => {
      const state = globalThis as unknown as {
        __clickAt: number;
        __shownAt: number;
      };
      return state.__shownAt > 0 && state.__clickAt > 0
        ? state.__shownAt - state.__clickAt
        : false;
    },
    { timeout: 10_000, polling: 20 },
  );
  const ms = await handle.jsonValue() as number;
  await handle.dispose();
  return ms;
}
