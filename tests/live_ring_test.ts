/**
 * The file ring end to end: `netmirror capture` with the permissions of
 * `deno task compile` on lo, tcpdump writing its files in /run/netmirror;
 * which output the default picks on this machine, and what happens when
 * NetMirror is killed with SIGKILL (tcpdump must go too, and the next start
 * must clean up). Needs root. Traffic goes to 127.0.0.1 only, bounded in
 * count and time.
 */

import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { capturePackets } from "../capture/live_capture.ts";
import {
  isRingDir,
  prepareRingDir,
  RING_BASE_DIR,
  STALE_RING_MS,
} from "../capture/ring_dir.ts";
import { TcpdumpError } from "../capture/tcpdump_errors.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
/** What `deno task compile` grants, less the network (capture needs none). */
const PRODUCT_PERMISSIONS = [
  "--allow-run=tcpdump",
  "--allow-read",
  `--allow-write=netmirror-data,${RING_BASE_DIR}`,
  "--allow-sys=networkInterfaces,uid",
];
const STEP_TIMEOUT_MS = 10_000;

function netmirror(args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...PRODUCT_PERMISSIONS, MAIN, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
}

/** `netmirror capture -i lo --tcpdump-output ring <flags> udp port <port>`. */
function captureRing(port: number, flags: string[]): Deno.ChildProcess {
  const filter = ["udp", "port", String(port)];
  return netmirror(
    ["capture", "-i", "lo", "--tcpdump-output", "ring", ...flags, ...filter],
  );
}

/** Reads stderr until NetMirror says it captures; returns that line and the reader. */
async function untilCapturing(child: Deno.ChildProcess) {
  const reader = child.stderr.getReader();
  let text = "";
  const timer = setTimeout(() => child.kill("SIGKILL"), STEP_TIMEOUT_MS);
  try {
    while (!text.includes("Ctrl-C stops")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
  } finally {
    clearTimeout(timer);
  }
  assert.match(text, /capturing on lo/, text);
  return { line: text.trim(), reader };
}

async function drain(reader: ReadableStreamDefaultReader<Uint8Array>) {
  let text = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return text;
    text += new TextDecoder().decode(value);
  }
}

/**
 * The ring directory of the tcpdump whose filter names `port`, from its
 * `-w <dir>/ring.pcap` (so another NetMirror running beside the tests does
 * not count).
 */
async function ringDirOf(port: number): Promise<string> {
  const [pid] = await tcpdumpPids(port);
  assert.ok(pid !== undefined, `a tcpdump for port ${port}`);
  const out = await new Deno.Command("ps", {
    args: ["-o", "args=", "-p", pid],
    stdout: "piped",
  }).output();
  const dir = new TextDecoder().decode(out.stdout)
    .match(/ -w (\S+)\/ring\.pcap /)?.[1];
  assert.ok(dir !== undefined, "tcpdump writes a ring");
  assert.ok(dir.startsWith(`${RING_BASE_DIR}/`), dir);
  return dir;
}

/** Sends SIGKILL to every tcpdump whose filter names `port` (a test's leftovers). */
async function killCaptures(port: number): Promise<void> {
  const left = await tcpdumpPids(port);
  if (left.length > 0) {
    await new Deno.Command("kill", { args: ["-KILL", ...left] }).output();
  }
}

/** pids of the tcpdump whose filter names `port`. */
async function tcpdumpPids(port: number): Promise<string[]> {
  const out = await new Deno.Command("pgrep", {
    args: ["-f", `^(\\S*/)?tcpdump -i lo .*udp port ${port}$`],
    stdout: "piped",
  }).output();
  return new TextDecoder().decode(out.stdout).split("\n").filter(Boolean);
}

async function udpSender() {
  const socket = createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  return {
    send: (text: string, port: number) =>
      new Promise<void>((resolve, reject) =>
        socket.send(text, port, "127.0.0.1", (e) => e ? reject(e) : resolve())
      ),
    close: () => new Promise<void>((resolve) => socket.close(resolve)),
  };
}

/**
 * Sends up to `rounds` bursts of `burst` datagrams to 127.0.0.1:`port`
 * (20 ms apart) until `child` exits; its exit code, stdout and the rest of
 * its stderr.
 */
async function sendUntilExit(
  child: Deno.ChildProcess,
  reader: ReadableStreamDefaultReader<Uint8Array>,
  port: number,
  rounds: number,
  burst: number,
) {
  const sender = await udpSender();
  let exited = false;
  const status = child.status.finally(() => exited = true);
  for (let round = 0; round < rounds && !exited; round++) {
    await Promise.all(
      Array.from({ length: burst }, (_, i) => sender.send(`ring ${i}`, port)),
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await sender.close();
  const [{ code }, stdout, rest] = await Promise.all([
    status,
    new Response(child.stdout).text(),
    drain(reader),
  ]);
  return { code, stdout, rest };
}

Deno.test("netmirror capture --tcpdump-output ring decodes every packet from tcpdump's files and leaves no directory behind", async () => {
  const port = 47_411;
  const child = captureRing(port, ["-c", "3", "--json"]);
  const { line, reader } = await untilCapturing(child);
  assert.match(line, /, read from a file ring; Ctrl-C stops$/);
  const dir = await ringDirOf(port);
  assert.ok((await Deno.lstat(dir)).isDirectory, "its ring directory");
  const { code, stdout, rest } = await sendUntilExit(
    child,
    reader,
    port,
    100,
    1,
  );
  assert.equal(code, 0, rest);
  const records = stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(records.length, 3);
  for (const record of records) assert.equal(record.dstPort, port);
  assert.match(rest, /netmirror: 3 packets decoded; tcpdump: 3 captured/);
  // Its directory is removed.
  await assert.rejects(Deno.lstat(dir), Deno.errors.NotFound);
});

Deno.test("netmirror capture picks the ring only where /run/netmirror is a file system of its own, and says why not", async () => {
  await Deno.mkdir(RING_BASE_DIR, { recursive: true, mode: 0o711 });
  const ownFileSystem =
    (await Deno.stat(RING_BASE_DIR)).dev !== (await Deno.stat("/")).dev;
  const child = netmirror([
    "capture",
    "-i",
    "lo",
    "-c",
    "1",
    "udp and ip[8] = 0",
  ]);
  const { line, reader } = await untilCapturing(child);
  child.kill("SIGINT");
  await child.status;
  await drain(reader);
  await child.stdout.cancel();
  if (ownFileSystem) assert.match(line, /read from a file ring/);
  else {
    assert.match(
      line,
      /read through a pipe \(no file ring: \/run\/netmirror is on the root file system, not a tmpfs \(mount one there: mount -t tmpfs -o size=64m,mode=0711 tmpfs \/run\/netmirror\)\)/,
    );
  }
});

Deno.test("a tcpdump writing the ring dies with a NetMirror killed by SIGKILL, and the next start removes the directory it left", async () => {
  const port = 47_412;
  const child = captureRing(port, ["-q"]);
  try {
    const { reader } = await untilCapturing(child);
    const pids = await tcpdumpPids(port);
    assert.equal(pids.length, 1, "one tcpdump");
    const orphan = await ringDirOf(port);
    child.kill("SIGKILL");
    await child.status;
    await drain(reader);
    await child.stdout.cancel();

    // tcpdump prints its count on stderr each second the count changed (-v):
    // with NetMirror gone that write meets EPIPE once packets come in.
    const sender = await udpSender();
    const deadline = Date.now() + STEP_TIMEOUT_MS;
    let running = pids;
    for (let i = 0; running.length > 0 && Date.now() < deadline; i++) {
      await sender.send(`orphan ${i}`, port);
      await new Promise((resolve) => setTimeout(resolve, 50));
      if (i % 10 === 9) running = await tcpdumpPids(port);
    }
    await sender.close();
    assert.deepEqual(running, [], "tcpdump is gone");

    // The directory stays until a later start finds its heartbeat stale.
    assert.ok((await Deno.lstat(orphan)).isDirectory);
    const next = prepareRingDir({
      anyFileSystem: true,
      nowMs: Date.now() + STALE_RING_MS + 1,
    });
    assert.ok(isRingDir(next), "reason" in next ? next.reason : "");
    await next.remove();
    await assert.rejects(Deno.lstat(orphan), Deno.errors.NotFound);
  } finally {
    // Nothing left running for the next test, whatever failed above.
    try {
      child.kill("SIGKILL");
    } catch {
      // Already gone, as the test wants.
    }
    await killCaptures(port);
  }
});

Deno.test("a ring tcpdump cannot write falls back to the pipe, unless the ring was asked for, which fails with one clear line", async () => {
  // A tmpfs base (so the ring is the default) whose directories go to a
  // "tcpdump" user that is not the one tcpdump drops to: tcpdump's open
  // of its first file is refused, as under AppArmor or SELinux.
  const root = await Deno.makeTempDir();
  await Deno.chmod(root, 0o711);
  const baseDir = `${root}/netmirror`;
  const passwdPath = `${root}/passwd`;
  await Deno.writeTextFile(passwdPath, "tcpdump:x:12345:12345::/:/bin/false\n");
  await Deno.mkdir(baseDir, { mode: 0o711 });
  const mount = await new Deno.Command("mount", {
    args: ["-t", "tmpfs", "-o", "size=4m,mode=0711", "tmpfs", baseDir],
  }).output();
  assert.ok(mount.success, new TextDecoder().decode(mount.stderr));
  const port = 47_413;
  try {
    let decoded = 0;
    const live = capturePackets({
      iface: "lo",
      filter: `udp port ${port}`,
      ringDir: { baseDir, passwdPath },
    }, () => decoded++);
    assert.equal(live.output, "ring", "the default on a tmpfs");
    await live.ready;
    assert.equal(live.output, "pipe");
    assert.match(
      live.pipeReason ?? "",
      /^tcpdump cannot write .*\/netmirror\/ring-\w+ \(tcpdump: .*ring\.pcap00: Permission denied\)$/,
    );
    const sender = await udpSender();
    for (let i = 0; i < 5; i++) await sender.send(`fallback ${i}`, port);
    await sender.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const result = await live.stop();
    assert.equal(result.packets, 5);
    assert.equal(decoded, 5);
    assert.deepEqual(await Array.fromAsync(Deno.readDir(baseDir)), []);

    const forced = capturePackets({
      iface: "lo",
      filter: `udp port ${port}`,
      output: "ring",
      ringDir: { baseDir, passwdPath },
    }, () => {});
    const error = await forced.ready.then(() => undefined, (e) => e);
    assert.ok(error instanceof TcpdumpError, String(error));
    assert.equal(error.code, "failed");
    assert.match(
      error.message,
      /^tcpdump cannot write its file ring in .*\/netmirror\/ring-\w+: tcpdump: .*ring\.pcap00: Permission denied \(--tcpdump-output pipe avoids the ring\)$/,
    );
    await assert.rejects(forced.done, TcpdumpError);
    assert.deepEqual(await Array.fromAsync(Deno.readDir(baseDir)), []);
  } finally {
    await new Deno.Command("umount", { args: [baseDir] }).output();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("netmirror serve -i lo --tcpdump-output ring says so, and the session tells how it reads tcpdump", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "netmirror-serve-ring-" });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      ...PRODUCT_PERMISSIONS.filter((flag) =>
        !flag.startsWith("--allow-write")
      ),
      `--allow-write=${dataDir},${RING_BASE_DIR}`,
      "--allow-net=127.0.0.1",
      MAIN,
      "serve",
      "-i",
      "lo",
      "--tcpdump-output",
      "ring",
      "--port",
      "0",
      "--data-dir",
      dataDir,
      "udp and ip[8] = 0",
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const { line, reader } = await untilCapturing(child);
  try {
    assert.match(line, /capturing on lo, read from a file ring; stream:/);
    const url = /dashboard at (http:\/\/127\.0\.0\.1:\d+)\//.exec(line)?.[1];
    assert.ok(url, line);
    const session = await (await fetch(`${url}/api/session`)).json();
    assert.equal(session.captureOutput, "ring");
    assert.equal(session.pipeReason, "");
  } finally {
    child.kill("SIGINT");
    await child.status;
    await drain(reader);
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("netmirror capture --tcpdump-output ring without write permission for /run/netmirror says so in one line and exits 1", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      ...PRODUCT_PERMISSIONS.filter((flag) =>
        !flag.startsWith("--allow-write")
      ),
      MAIN,
      "capture",
      "-i",
      "lo",
      "--tcpdump-output",
      "ring",
      "udp and ip[8] = 0",
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 1, stderr);
  assert.equal(stderr.trim().split("\n").length, 1, stderr);
  assert.match(
    stderr,
    /^netmirror capture: Cannot capture into a file ring: cannot prepare \/run\/netmirror: Requires write access to "\/run\/netmirror"/,
  );
});

for (const output of ["ring", "pipe"] as const) {
  Deno.test(`netmirror capture (${output}) stops on SIGHUP, prints its counts and leaves no tcpdump on a quiet link`, async () => {
    const port = output === "ring" ? 47_415 : 47_416;
    // Nothing matches: a tcpdump left behind would write nothing, and
    // so never meet the broken pipe that ends an orphan.
    const child = netmirror([
      "capture",
      "-i",
      "lo",
      "--tcpdump-output",
      output,
      "-q",
      "udp",
      "port",
      String(port),
    ]);
    const { reader } = await untilCapturing(child);
    assert.equal((await tcpdumpPids(port)).length, 1, "one tcpdump");
    const dir = output === "ring" ? await ringDirOf(port) : undefined;
    child.kill("SIGHUP");
    const [{ code }, rest] = await Promise.all([child.status, drain(reader)]);
    await child.stdout.cancel();
    assert.equal(code, 129, rest);
    assert.match(rest, /netmirror: 0 packets decoded; tcpdump: 0 captured/);
    assert.deepEqual(await tcpdumpPids(port), [], "tcpdump is gone");
    // No directory is left.
    if (dir) await assert.rejects(Deno.lstat(dir), Deno.errors.NotFound);
  });
}

Deno.test("netmirror capture -c 2 under a burst says it decoded the 2 it printed, whatever tcpdump caught before it stopped", async () => {
  const port = 47_417;
  const child = netmirror([
    "capture",
    "-i",
    "lo",
    "--tcpdump-output",
    "pipe",
    "-c",
    "2",
    "--json",
    "udp",
    "port",
    String(port),
  ]);
  const { reader } = await untilCapturing(child);
  // Bursts of 50: tcpdump catches more than 2 before NetMirror stops it.
  const { code, stdout, rest } = await sendUntilExit(
    child,
    reader,
    port,
    20,
    50,
  );
  assert.equal(code, 0, rest);
  assert.equal(stdout.trim().split("\n").length, 2);
  const captured = Number(rest.match(/tcpdump: (\d+) captured/)?.[1]);
  assert.ok(captured > 2, `tcpdump caught more than asked: ${rest}`);
  assert.match(rest, /netmirror: 2 packets decoded;/);
});
