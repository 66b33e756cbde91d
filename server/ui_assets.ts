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

const DIST = new URL("../ui/dist/", import.meta.url);

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
