/**
 * Builds the single binary with `deno compile` and runs it on a real capture.
 * `deno compile` needs a denort base binary; this machine cannot download
 * one, so the test runs only where DENORT_BIN points at a denort and says
 * plainly that it skipped otherwise.
 */

import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url).pathname;
const DENORT_BIN = Deno.env.get("DENORT_BIN");
const HTTP = new URL(
  "../../shared/pcaps/benign/http_get_classic_wireshark_sample__http.cap",
  import.meta.url,
).pathname;

if (!DENORT_BIN) {
  console.log(
    "compile_test: SKIPPED: DENORT_BIN is not set, so deno compile cannot get its denort base binary here",
  );
}

Deno.test({
  name: "deno task compile builds a binary that reads a capture",
  ignore: !DENORT_BIN,
  async fn() {
    const outDir = await Deno.makeTempDir();
    const binary = `${outDir}/netmirror`;
    const build = await new Deno.Command(Deno.execPath(), {
      args: [
        "compile",
        "--allow-run=tcpdump",
        "--allow-read",
        "--allow-sys=networkInterfaces",
        "--allow-net=127.0.0.1",
        "-o",
        binary,
        "main.ts",
      ],
      cwd: ROOT,
      env: { DENORT_BIN: DENORT_BIN! },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(build.code, 0, new TextDecoder().decode(build.stderr));
    const run = await new Deno.Command(binary, {
      args: ["read", HTTP],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(run.stdout);
    assert.equal(run.code, 0, new TextDecoder().decode(run.stderr));
    assert.match(stdout, /^packets: +43$/m);
    await Deno.remove(outDir, { recursive: true });
  },
});
