import assert from "node:assert/strict";
import { uiBuildIsStale } from "./ui_assets.ts";

Deno.test("uiBuildIsStale: a missing or older build is stale, a newer one not, a folder without sources never", async () => {
  const dir = await Deno.makeTempDir({ prefix: "netmirror-ui-" });
  const ui = new URL(`file://${dir}/`);
  try {
    assert.equal(await uiBuildIsStale(ui), false, "no sources: no folder");
    await Deno.mkdir(`${dir}/components`, { recursive: true });
    await Deno.mkdir(`${dir}/dist`);
    const at = (seconds: number) =>
      new Date(1_700_000_000_000 + seconds * 1000);
    await Deno.writeTextFile(`${dir}/components/App.tsx`, "");
    await Deno.utime(`${dir}/components/App.tsx`, at(10), at(10));
    assert.equal(await uiBuildIsStale(ui), true, "never built");
    for (const name of ["app.js", "app.css", "index.html"]) {
      await Deno.writeTextFile(`${dir}/dist/${name}`, "");
      await Deno.utime(`${dir}/dist/${name}`, at(20), at(20));
    }
    assert.equal(await uiBuildIsStale(ui), false, "built after the change");
    await Deno.utime(`${dir}/components/App.tsx`, at(30), at(30));
    assert.equal(await uiBuildIsStale(ui), true, "a source changed since");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
