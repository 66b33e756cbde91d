/**
 * Builds the dashboard into ui/dist/: `app.js` (deno bundle of
 * ui/main.tsx), `app.css` and `index.html`, the files the server embeds
 * (server/ui_assets.ts serves them at `/` and `/assets/<name>`).
 *
 * Run with `deno task bundle`.
 *
 * @module
 */

const UI = new URL("./", import.meta.url);
const DIST = new URL("./dist/", import.meta.url);

/** Bundles the UI into ui/dist/; throws when `deno bundle` fails. */
export async function buildUi(): Promise<void> {
  await Deno.mkdir(DIST, { recursive: true });
  const { code, stderr } = await new Deno.Command("deno", {
    args: [
      "bundle",
      "--quiet",
      "--platform",
      "browser",
      "--minify",
      "-o",
      new URL("app.js", DIST).pathname,
      new URL("main.tsx", UI).pathname,
    ],
    stdout: "inherit",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(
      `Cannot bundle the dashboard: deno bundle exited with ${code}\n${
        new TextDecoder().decode(stderr)
      }`,
    );
  }
  await Deno.copyFile(new URL("styles.css", UI), new URL("app.css", DIST));
  await Deno.copyFile(new URL("index.html", UI), new URL("index.html", DIST));
}

if (import.meta.main) {
  await buildUi();
}
