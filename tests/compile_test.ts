/**
 * Builds the single binary exactly as `deno task compile` does and runs it:
 * `read` on a real capture, and `serve` answering with the embedded
 * dashboard. `deno compile` needs a denort base binary; this machine cannot
 * download one, so the test runs only where DENORT_BIN points at a denort
 * and says plainly that it skipped otherwise.
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

/** The arguments of the `compile` task in deno.json, with `-o` pointed at `binary`. */
async function compileArgs(binary: string): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
  const args: string[] = config.tasks.compile.command.split(/\s+/).slice(1);
  const out = args.indexOf("-o");
  assert.ok(out > 0, "the compile task names its output with -o");
  args[out + 1] = binary;
  return args;
}

async function run(command: string, args: string[], cwd = ROOT) {
  const output = await new Deno.Command(command, {
    args,
    cwd,
    env: { DENORT_BIN: DENORT_BIN ?? "" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

Deno.test({
  name:
    "deno task compile builds one binary that reads captures and serves the dashboard",
  ignore: !DENORT_BIN,
  async fn() {
    const outDir = await Deno.makeTempDir();
    const binary = `${outDir}/netmirror`;
    const bundle = await run(Deno.execPath(), ["task", "bundle"]);
    assert.equal(bundle.code, 0, bundle.stderr);
    const build = await run(Deno.execPath(), await compileArgs(binary));
    assert.equal(build.code, 0, build.stderr);

    const read = await run(binary, ["read", HTTP], outDir);
    assert.equal(read.code, 0, read.stderr);
    assert.match(read.stdout, /^packets: +43$/m);

    // The binary carries the dashboard: no files next to it.
    const child = new Deno.Command(binary, {
      args: [
        "serve",
        "--idle",
        "--port",
        "5000",
        "--data-dir",
        "netmirror-data",
      ],
      cwd: outDir,
      stdout: "null",
      stderr: "piped",
    }).spawn();
    try {
      const stderr = child.stderr.pipeThrough(new TextDecoderStream())
        .getReader();
      let text = "";
      while (!text.includes("dashboard at")) {
        const { value, done } = await stderr.read();
        if (done) break;
        text += value;
      }
      assert.doesNotMatch(text, /not built/);
      const page = await fetch("http://127.0.0.1:5000/");
      assert.match(await page.text(), /\/assets\/app\.js/);
      const script = await fetch("http://127.0.0.1:5000/assets/app.js");
      assert.equal(script.status, 200);
      await script.body?.cancel();
      child.kill("SIGTERM");
      assert.equal((await child.status).code, 143);
      await stderr.cancel();
    } finally {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
      await Deno.remove(outDir, { recursive: true });
    }
  },
});
