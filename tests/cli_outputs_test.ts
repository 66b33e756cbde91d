/**
 * The SOC-facing outputs of the command line, run as real processes: alerts
 * in `read`'s summary, EVE NDJSON on stdout, `capture -w` files tshark
 * reads, config errors naming the field, `--print-config`, and `serve`
 * answering over HTTP and stopping cleanly on SIGTERM.
 */

import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import {
  type Run,
  runOf,
  tsharkFields,
  untilCapturing,
} from "./cli_helpers.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const PCAPS = new URL("../../shared/pcaps/", import.meta.url).pathname;
const SCAN =
  `${PCAPS}attacks/portscan_nmap-sS_1000ports_scanme__synscan.pcapng`;

function command(args: string[], writeDir?: string): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--allow-run=tcpdump",
      "--allow-read",
      "--allow-sys=networkInterfaces",
      "--allow-env",
      ...(writeDir ? [`--allow-write=${writeDir}`] : []),
      "--allow-net=127.0.0.1",
      MAIN,
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  });
}

async function netmirror(args: string[], writeDir?: string): Promise<Run> {
  return runOf(await command(args, writeDir).output());
}

Deno.test("netmirror read lists the alerts of an attack capture in its summary", async () => {
  const run = await netmirror(["read", SCAN]);
  assert.equal(run.code, 0, run.stderr);
  const alerts = run.stdout.split("\n").filter((l) => l.includes("port_scan"));
  assert.ok(alerts.length >= 1, run.stdout);
  assert.match(alerts[0]!, /172\.16\.0\.8 → 64\.13\.134\.52\s+T1046/);
  // When, in UTC, as the capture's own "time:" line gives it.
  const [first] = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/.exec(
    run.stdout.split("\n").find((l) => l.startsWith("time:")) ?? "",
  ) ?? [""];
  assert.ok(first !== "", run.stdout);
  assert.match(
    alerts[0]!,
    /\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ( → [\d:-]+( [\d:]+)?Z)?\]$/,
  );
  assert.ok(alerts[0]!.includes(`[${first.slice(0, 10)} `), alerts[0]);
  assert.match(run.stdout, /^alerts: +\d+$/m);
});

Deno.test("netmirror read --eve - prints EVE NDJSON on stdout and the summary on stderr", async () => {
  const run = await netmirror(["read", SCAN, "--eve", "-"]);
  assert.equal(run.code, 0, run.stderr);
  const records = run.stdout.trim().split("\n").map((l) => JSON.parse(l));
  const types = new Set(records.map((r) => r.event_type));
  assert.ok(types.has("alert") && types.has("flow") && types.has("stats"));
  const alert = records.find((r) => r.event_type === "alert");
  assert.equal(alert.src_ip, "172.16.0.8");
  assert.deepEqual(alert.alert.metadata.mitre_technique_id, ["T1046"]);
  assert.match(run.stderr, /^packets: /m);
});

Deno.test("netmirror read writes EVE where the config file's eve.path says, and --eve overrides it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "netmirror-cfg-" });
  try {
    const config = `${dir}/eve.json`;
    await Deno.writeTextFile(
      config,
      JSON.stringify({ eve: { path: `${dir}/from-config.eve` } }),
    );
    const run = await netmirror(["read", SCAN, "--config", config], dir);
    assert.equal(run.code, 0, run.stderr);
    const lines = (await Deno.readTextFile(`${dir}/from-config.eve`)).trim()
      .split("\n").map((line) => JSON.parse(line));
    assert.ok(lines.some((record) => record.event_type === "alert"));
    assert.match(run.stdout, /port_scan/, "the summary still goes to stdout");

    const flag = await netmirror([
      "read",
      SCAN,
      "--config",
      config,
      "--eve",
      "-",
    ]);
    assert.equal(flag.code, 0, flag.stderr);
    assert.match(flag.stdout, /"event_type":"alert"/);
    assert.match(flag.stderr, /port_scan/, "the summary moves to stderr");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("netmirror read --config applies thresholds; a bad config names the field and exits 2", async () => {
  const dir = await Deno.makeTempDir({ prefix: "netmirror-cfg-" });
  try {
    const quiet = `${dir}/quiet.json`;
    await Deno.writeTextFile(
      quiet,
      JSON.stringify({
        alerts: { allowlist: { cidrs: ["172.16.0.8/32"] } },
      }),
    );
    const allowed = await netmirror(["read", SCAN, "--config", quiet]);
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.doesNotMatch(
      allowed.stdout,
      /port_scan/,
      "the scanner is allowlisted",
    );

    const bad = `${dir}/bad.json`;
    await Deno.writeTextFile(
      bad,
      JSON.stringify({ detectors: { portScan: { windowSecs: 3 } } }),
    );
    const run = await netmirror(["read", SCAN, "--config", bad]);
    assert.equal(run.code, 2);
    assert.match(
      run.stderr,
      /bad\.json: unknown field "windowSecs" in "detectors\.portScan"/,
    );
    assert.equal(run.stderr.trim().split("\n").length, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("netmirror serve --print-config merges the defaults, the file and the flags", async () => {
  const dir = await Deno.makeTempDir({ prefix: "netmirror-cfg-" });
  try {
    const path = `${dir}/netmirror.json`;
    await Deno.writeTextFile(
      path,
      JSON.stringify({ port: 6000, homeNet: ["10.9.0.0/16"], dataDir: "/d" }),
    );
    const run = await netmirror([
      "serve",
      "--config",
      path,
      "--port",
      "7000",
      "--print-config",
    ]);
    assert.equal(run.code, 0, run.stderr);
    const printed = JSON.parse(run.stdout);
    // The flag over the file, the file over the defaults…
    assert.equal(printed.port, 7000);
    assert.deepEqual(printed.homeNet, ["10.9.0.0/16"]);
    assert.equal(printed.dataDir, "/d");
    // …and every default the file and flags left alone.
    assert.equal(printed.bind, "127.0.0.1");
    assert.equal(printed.capture.snapLength, 9216);
    assert.equal(printed.detectors.portScan.portThreshold, 100);
    assert.equal(printed.detectors.synFlood.halfOpenThreshold, 128);
    assert.equal(printed.token, undefined, "no token is made up");
    assert.deepEqual(printed.pcap, {
      fileBytes: 64 * 1024 * 1024,
      sessionBytes: 512 * 1024 * 1024,
    });
    assert.equal(printed.packetRowsPerSecond, 200);
    assert.equal(printed.eve, undefined, "no EVE log without a path");
    // What it prints is a config file that gives the same configuration.
    await Deno.writeTextFile(`${dir}/printed.json`, run.stdout);
    const again = await netmirror([
      "serve",
      "--config",
      `${dir}/printed.json`,
      "--print-config",
    ]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, run.stdout);
    // "-s 0" is tcpdump's largest snap length.
    const zero = await netmirror(["serve", "-s", "0", "--print-config"]);
    assert.equal(zero.code, 0, zero.stderr);
    assert.equal(JSON.parse(zero.stdout).capture.snapLength, 262144);
    // An EVE log given a path gets its other defaults too.
    const eve = await netmirror([
      "serve",
      "--eve",
      `${dir}/eve.json`,
      "--print-config",
    ]);
    assert.equal(eve.code, 0, eve.stderr);
    assert.deepEqual(JSON.parse(eve.stdout).eve, {
      path: `${dir}/eve.json`,
      rotateBytes: 100 * 1024 * 1024,
      keepFiles: 5,
      types: ["alert", "flow", "dns", "http", "tls", "arp", "stats"],
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("netmirror read and capture --print-config print what they run with, as serve does", async () => {
  const dir = await Deno.makeTempDir({ prefix: "netmirror-cfg-" });
  try {
    const path = `${dir}/netmirror.json`;
    await Deno.writeTextFile(
      path,
      JSON.stringify({
        homeNet: ["10.9.0.0/16"],
        capture: { snapLength: 128, bufferKib: 1024 },
        detectors: { portScan: { portThreshold: 40 } },
      }),
    );
    // No capture file nor interface is needed to print the configuration.
    const read = await netmirror([
      "read",
      "--config",
      path,
      "--home-net",
      "10.8.0.0/16",
      "--eve",
      `${dir}/eve.json`,
      "--print-config",
    ]);
    assert.equal(read.code, 0, read.stderr);
    const printed = JSON.parse(read.stdout);
    assert.deepEqual(printed.homeNet, ["10.8.0.0/16"]);
    assert.equal(printed.detectors.portScan.portThreshold, 40);
    assert.equal(printed.detectors.synFlood.halfOpenThreshold, 128);
    assert.equal(printed.eve.path, `${dir}/eve.json`);
    assert.equal(printed.eve.keepFiles, 5);
    const capture = await netmirror([
      "capture",
      "--config",
      path,
      "-s",
      "96",
      "--print-config",
    ]);
    assert.equal(capture.code, 0, capture.stderr);
    const captured = JSON.parse(capture.stdout);
    // The flag over the file, the file over the defaults.
    assert.deepEqual(captured.capture.snapLength, 96);
    assert.deepEqual(captured.capture.bufferKib, 1024);
    assert.deepEqual(captured.homeNet, ["10.9.0.0/16"]);
    assert.equal(captured.eve, undefined, "no EVE log without a path");
    // What it prints is a config file that gives the same configuration.
    await Deno.writeTextFile(`${dir}/printed.json`, capture.stdout);
    const again = await netmirror([
      "read",
      "--config",
      `${dir}/printed.json`,
      "--print-config",
    ]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, capture.stdout);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("netmirror capture -w writes a pcap that tshark reads", async () => {
  const dir = await Deno.makeTempDir({ prefix: "netmirror-w-" });
  const socket = createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  const port = 47_000 + Math.floor(Math.random() * 900);
  const child = command([
    "capture",
    "-i",
    "lo",
    "-c",
    "4",
    "-q",
    "-w",
    `${dir}/out.pcap`,
    "udp",
    "port",
    String(port),
  ], dir).spawn();
  try {
    const stderr = await untilCapturing(child);
    for (let i = 0; i < 6; i++) {
      await new Promise<void>((resolve, reject) =>
        socket.send(
          `w ${i}`,
          port,
          "127.0.0.1",
          (e) => e ? reject(e) : resolve(),
        )
      );
    }
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    const [status] = await Promise.all([
      child.status,
      child.stdout.cancel(),
    ]);
    clearTimeout(timer);
    while (!(await stderr.read()).done) { /* drain */ }
    assert.equal(status.code, 0);
    const ports = await tsharkFields(`${dir}/out.pcap`, ["udp.dstport"]);
    assert.deepEqual(ports, [
      String(port),
      String(port),
      String(port),
      String(port),
    ]);
  } finally {
    socket.close();
    await Deno.remove(dir, { recursive: true });
  }
});

for (const signal of ["SIGTERM", "SIGHUP"] as const) {
  Deno.test(`netmirror serve answers over HTTP and stops cleanly on ${signal}`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "netmirror-serve-" });
    const child = command([
      "serve",
      "--idle",
      "--port",
      "0",
      "--data-dir",
      dir,
    ], dir).spawn();
    try {
      const stderr = child.stderr.pipeThrough(new TextDecoderStream())
        .getReader();
      let text = "";
      while (!/dashboard at (http:\/\/\S+?)\//.test(text)) {
        const { value, done } = await stderr.read();
        if (done) break;
        text += value;
      }
      const url = text.match(/dashboard at (http:\/\/\S+?)\//)![1]!;
      const health = await fetch(`${url}/healthz`);
      assert.deepEqual(await health.json(), {
        status: "ok",
        version: "0.1.0",
        capture: "idle",
      });
      const started = await fetch(`${url}/api/start`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          mode: "live",
          interface: "lo",
          filter: "udp port 9",
        }),
      });
      assert.equal(started.status, 201);
      await started.body?.cancel();
      child.kill(signal);
      const status = await child.status;
      while (!(await stderr.read()).done) { /* drain */ }
      await child.stdout.cancel();
      // 128 + the signal's number, as a shell reports it.
      assert.equal(status.code, { SIGTERM: 143, SIGHUP: 129 }[signal]);
      const left = await new Deno.Command("pgrep", {
        args: ["-f", "tcpdump .*udp port 9$"],
      }).output();
      assert.equal(
        new TextDecoder().decode(left.stdout).trim(),
        "",
        "no tcpdump left",
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("netmirror capture -i lo --eve - writes curl's HTTP request (method, target, Host, User-Agent, the response's status) and its TLS ClientHello's server name", async () => {
  // A web server, and a port that takes a TLS client's hello and hangs up.
  const web = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response("not here", { status: 404 }),
  );
  const tls = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepting = (async () => {
    for await (const connection of tls) {
      await connection.read(new Uint8Array(4096)).catch(() => null);
      connection.close();
    }
  })();
  const webPort = web.addr.port;
  const tlsPort = (tls.addr as Deno.NetAddr).port;
  const child = command([
    "capture",
    "-i",
    "lo",
    "-q",
    "--eve",
    "-",
    `tcp and (port ${webPort} or port ${tlsPort})`,
  ]).spawn();
  try {
    const stderr = await untilCapturing(child);
    const curl = (args: string[]) =>
      new Deno.Command("curl", {
        args: ["-s", "-o", "/dev/null", "--max-time", "5", ...args],
      }).output();
    const get = await curl([
      "-H",
      "Host: site.example",
      "-A",
      "netmirror-test/1.0",
      `http://127.0.0.1:${webPort}/some/path?x=1`,
    ]);
    assert.ok(get.success, "curl's GET");
    // The hello is sent; the handshake then fails (no TLS server).
    await curl([
      "-k",
      "--resolve",
      `secure.example:${tlsPort}:127.0.0.1`,
      `https://secure.example:${tlsPort}/`,
    ]);
    // Let tcpdump hand on the last packets, then stop as Ctrl-C does.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    child.kill("SIGINT");
    const [status, stdout] = await Promise.all([
      child.status,
      new Response(child.stdout).text(),
    ]);
    while (!(await stderr.read()).done) { /* drain */ }
    assert.equal(status.code, 130);
    const records = stdout.trim().split("\n").map((line) => JSON.parse(line));
    const http = records.filter((r) => r.event_type === "http");
    assert.deepEqual(
      http.map((r) => [r.dest_port, r.http]),
      [[webPort, {
        hostname: "site.example",
        url: "/some/path?x=1",
        "http_user_agent": "netmirror-test/1.0",
        "http_method": "GET",
        status: 404,
      }]],
    );
    const hellos = records.filter((r) => r.event_type === "tls");
    assert.deepEqual(
      hellos.map((r) => [r.dest_port, r.tls.sni]),
      [[tlsPort, "secure.example"]],
    );
  } finally {
    tls.close();
    await accepting.catch(() => {});
    await web.shutdown();
  }
});
