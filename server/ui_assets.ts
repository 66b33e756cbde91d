/**
 * The dashboard's files as the server serves them: one HTML page and the
 * bundled assets, held in memory (embedded in the binary).
 *
 * @module
 */

/** One served file. */
export interface UiAsset {
  contentType: string;
  body: string;
}

/** The dashboard: its page and its assets by file name. */
export interface UiAssets {
  html: string;
  assets: Record<string, UiAsset>;
}

const UI = new URL("../ui/", import.meta.url);
const DIST = new URL("../ui/dist/", import.meta.url);
/** What `deno task bundle` writes. */
const BUILT_FILES = ["app.js", "app.css", "index.html"];

const CONTENT_TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".map": "application/json",
};

/**
 * Loads the bundled dashboard from `ui/dist/` (built by `deno task bundle`,
 * embedded by `deno compile --include ui/dist`). Undefined when not built.
 */
export async function loadUiAssets(): Promise<UiAssets | undefined> {
  let html: string;
  try {
    html = await Deno.readTextFile(new URL("index.html", DIST));
  } catch (error) {
    if (
      error instanceof Deno.errors.NotFound ||
      error instanceof Deno.errors.NotCapable
    ) return undefined;
    throw error;
  }
  const assets: Record<string, UiAsset> = {};
  for await (const entry of Deno.readDir(DIST)) {
    const dot = entry.name.lastIndexOf(".");
    const contentType = CONTENT_TYPES[entry.name.slice(dot)];
    if (!entry.isFile || contentType === undefined) continue;
    assets[entry.name] = {
      contentType,
      body: await Deno.readTextFile(new URL(entry.name, DIST)),
    };
  }
  return { html, assets };
}

/**
 * Whether `ui/dist/` is missing a file or older than a source file of the
 * dashboard in `ui/` (run from a checkout after editing the UI without
 * `deno task bundle`). False where the sources are not there (the compiled
 * binary embeds `ui/dist/` only) or cannot be read. `ui`: the dashboard's
 * folder (a test's own).
 */
export async function uiBuildIsStale(ui = UI): Promise<boolean> {
  try {
    const newest = await newestSourceMs(ui);
    return newest > 0 && await oldestBuiltMs(new URL("dist/", ui)) <= newest;
  } catch (error) {
    if (
      error instanceof Deno.errors.NotFound ||
      error instanceof Deno.errors.NotCapable
    ) return false;
    throw error;
  }
}

/** The latest change to a dashboard source file under `dir` (ui/dist left out), ms since the epoch. */
async function newestSourceMs(dir: URL): Promise<number> {
  let newest = 0;
  for await (const entry of Deno.readDir(dir)) {
    if (entry.name === "dist") continue;
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) {
      newest = Math.max(newest, await newestSourceMs(url));
    } else if (/\.(tsx?|css|html)$/.test(entry.name)) {
      newest = Math.max(newest, (await Deno.stat(url)).mtime?.getTime() ?? 0);
    }
  }
  return newest;
}

/** The earliest change to a built file in `dist`, ms since the epoch; 0 when one is missing. */
async function oldestBuiltMs(dist: URL): Promise<number> {
  let oldest = Infinity;
  for (const name of BUILT_FILES) {
    try {
      const info = await Deno.stat(new URL(name, dist));
      oldest = Math.min(oldest, info.mtime?.getTime() ?? 0);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return 0;
      throw error;
    }
  }
  return oldest;
}
