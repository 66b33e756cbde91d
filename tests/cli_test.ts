/**
 * End-to-end tests of the `netmirror` command line, run as a real process
 * against real captures in ../shared/pcaps and real tcpdump.
 */

import assert from "node:assert/strict";
import {
  type Run,
  runOf,
  summaryField as field,
  tcpdumpCount,
  untilCapturing,
} from "./cli_helpers.ts";
import { formatBytes } from "../capture/format_summary.ts";
import { type TalkerFile, topLines } from "./talker_tally.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const PCAPS = new URL("../../shared/pcaps/", import.meta.url).pathname;
const PERMISSIONS = [
  "--allow-run=tcpdump",
  "--allow-read",
  "--allow-sys=networkInterfaces",
];

/** `netmirror <args>` as a command, with stdout and stderr piped unless told; `permissions` go beside the usual ones, or replace them (`--allow-all`); `via` runs it under another program (`setpriv …`). */
function netmirrorCommand(
  args: string[],
  options: {
    permissions?: string[];
    stdin?: "piped" | "null";
    stdout?: "piped" | "null";
    env?: Record<string, string>;
    via?: string[];
  } = {},
): Deno.Command {
  const [program, ...before] = [...options.via ?? [], Deno.execPath()];
  return new Deno.Command(program!, {
    args: [
      ...before,
      "run",
      "--quiet",
      ...(options.permissions?.includes("--allow-all") ? [] : PERMISSIONS),
      ...(options.permissions ?? []),
      MAIN,
      ...args,
    ],
    stdin: options.stdin ?? "null",
    stdout: options.stdout ?? "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...options.env },
  });
}

async function netmirror(args: string[], stdin?: Uint8Array): Promise<Run> {
  const child = netmirrorCommand(args, { stdin: stdin ? "piped" : "null" })
    .spawn();
  if (stdin) {
    const writer = child.stdin.getWriter();
    await writer.write(stdin);
    await writer.close();
  }
  return runOf(await child.output());
}

const HTTP = `${PCAPS}benign/http_get_classic_wireshark_sample__http.cap`;
const TALKERS_FIXTURE = new URL(
  "fixtures/talkers_tshark.json",
  import.meta.url,
);

/** A UDP sender bound to 127.0.0.1: the tests may send to loopback only. */
async function loopbackSender(): Promise<{
  send(text: string, port: number): Promise<void>;
  close(): void;
}> {
  const { createSocket } = await import("node:dgram");
  const socket = createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  return {
    send: (text, port) =>
      new Promise<void>((resolve, reject) =>
        socket.send(text, port, "127.0.0.1", (e) => e ? reject(e) : resolve())
      ),
    close: () => socket.close(),
  };
}

/** `child`'s stderr up to where it matches `expected` (or 15 s, or its end); the rest is left unread. */
async function stderrUntil(
  child: Deno.ChildProcess,
  expected: RegExp,
): Promise<string> {
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let stderr = "";
  const deadline = Date.now() + 15_000;
  while (!expected.test(stderr) && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    stderr += value;
  }
  await reader.cancel();
  return stderr;
}

Deno.test("netmirror read prints a summary with packets, bytes, link types and protocols", async () => {
  const run = await netmirror(["read", HTTP]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(field(run.stdout, "packets"), "43");
  assert.match(field(run.stdout, "link types"), /^EN10MB \(Ethernet\) 43$/);
  assert.match(field(run.stdout, "transport"), /^tcp 41, udp 2,/);
  assert.match(field(run.stdout, "application"), /^dns 2,/);
  assert.match(field(run.stdout, "bytes"), /^25091 on the wire/);
});

Deno.test("netmirror read lists the whole capture's top talkers and conversations as tshark counts them, and its latency", async () => {
  // Three years of DNS traffic: a live sensor's lists would hold the last
  // hour's hosts only; read's cover the whole file.
  const file = "benign/dns_ipv4_ipv6_udp_tcp_edns__dns-edns-ecs.pcap";
  const talkers: TalkerFile =
    JSON.parse(await Deno.readTextFile(TALKERS_FIXTURE)).files[file];
  const run = await netmirror(["read", PCAPS + file]);
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.split("\n");
  const listed = (heading: string) => {
    const start = lines.findIndex((line) => line.startsWith(heading));
    assert.ok(start >= 0, `${heading} in ${run.stdout}`);
    return lines.slice(start + 1, start + 11).map((line) =>
      line.trim().split(/ {2,}/)
    );
  };
  const expectedHosts = topLines(talkers.hosts ?? [], 10).map((line) => {
    const [address, packets, bytes, sent] = line.split(" ");
    return [
      address,
      formatBytes(Number(bytes)),
      `${packets} packets`,
      `sent ${formatBytes(Number(sent))}`,
    ];
  });
  assert.deepEqual(listed("top talkers:"), expectedHosts);
  const expectedPairs = topLines(talkers.conversations ?? [], 10).map(
    (line) => {
      const [low, high, packets, bytes] = line.split(" ");
      return [
        `${low} ↔ ${high}`,
        formatBytes(Number(bytes)),
        `${packets} packets`,
        "DNS",
      ];
    },
  );
  assert.deepEqual(
    listed("top conversations:").map(([pair, bytes, packets, service]) => [
      pair,
      bytes,
      packets,
      service,
    ]),
    expectedPairs,
  );
  // tshark's dns.time: 15 answers, the slowest 24.703 ms (the max is exact).
  assert.match(
    run.stdout,
    /^latency: +dns +15 answered, 5 unanswered: median 1\d\.\d{3} ms, p95 [\d.]+ ms, max 24\.703 ms$/m,
  );
  assert.match(field(run.stdout, "services"), /^DNS 100\.0 % of bytes$/);
});

Deno.test("netmirror read applies a BPF filter like tcpdump does", async () => {
  const expected = await tcpdumpCount(HTTP, ["tcp", "port", "80"]);
  const run = await netmirror(["read", HTTP, "tcp", "port", "80"]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(field(run.stdout, "packets"), String(expected));
  assert.equal(field(run.stdout, "filter"), "tcp port 80");
});

Deno.test("netmirror read --json prints one JSON record per packet", async () => {
  const run = await netmirror(["read", HTTP, "--json"]);
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trim().split("\n");
  assert.equal(lines.length, 43);
  const first = JSON.parse(lines[0]!);
  assert.equal(first.transport, "tcp");
  assert.equal(first.tcpFlags, 0x02); // the SYN that opens the capture
  assert.equal(typeof first.timestampUs, "number");
});

Deno.test("netmirror serve -i without tcpdump says tcpdump is missing, not the interface", async () => {
  const child = netmirrorCommand(["serve", "--port", "5394", "-i", "lo"], {
    permissions: ["--allow-net=127.0.0.1:5394", "--allow-write"],
    env: { PATH: "/nonexistent" },
    stdout: "null",
  }).spawn();
  const { code, stderr } = await finished(child);
  assert.equal(code, 1, stderr);
  assert.match(
    stderr,
    /^netmirror serve: Cannot list interfaces: tcpdump is not installed \(looked for "tcpdump"; apt-get install tcpdump\)\n$/,
  );
});

/** `netmirror serve --idle <flag> <path>` for each of `cases` (a path and the reason told), beside a temporary file: one line naming the flag, exit 1, before it listens. */
async function assertServeRefuses(
  flag: string,
  cases: (file: string) => [string, string][],
  message: (path: string, reason: string) => string,
): Promise<void> {
  const file = await Deno.makeTempFile();
  try {
    for (const [path, reason] of cases(file)) {
      const child = netmirrorCommand(
        ["serve", "--idle", "--port", "5393", flag, path],
        { permissions: ["--allow-net=127.0.0.1:5393", "--allow-write"] },
      ).spawn();
      const { code, stderr } = await finished(child);
      assert.equal(code, 1, stderr);
      assert.equal(stderr, `netmirror serve: ${message(path, reason)}\n`);
    }
  } finally {
    await Deno.remove(file);
  }
}

Deno.test("netmirror serve refuses a --replay-dir that is no directory before it listens", async () => {
  await assertServeRefuses(
    "--replay-dir",
    (file) => [
      [file, "it is a file, not a directory"],
      [`${file}-missing`, "no such directory"],
    ],
    (path, reason) =>
      `Cannot replay files under "${path}" (--replay-dir): ${reason}`,
  );
});

Deno.test("netmirror serve refuses a data directory it cannot write before it listens, naming --data-dir", async () => {
  await assertServeRefuses(
    "--data-dir",
    (file) => [
      [file, "it is a file, not a directory"],
      [`${file}/pcaps`, "Not a directory"],
    ],
    (path, reason) =>
      `Cannot keep session PCAPs in "${path}" (--data-dir): ${reason}`,
  );
});

Deno.test("netmirror serve marks the demo's EVE records in_iface demo, so that no SIEM takes them for a real network's", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "netmirror-demo-eve-" });
  try {
    const eve = `${dataDir}/eve.json`;
    const child = netmirrorCommand(
      ["serve", "--port", "5392", "--data-dir", dataDir, "--eve", eve],
      {
        permissions: ["--allow-net=127.0.0.1:5392", `--allow-write=${dataDir}`],
        stdout: "null",
      },
    ).spawn();
    // Until the demo's first flows and DNS records are out (each second).
    const deadline = Date.now() + 15_000;
    let lines: string[] = [];
    while (lines.length < 20 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const text = await Deno.readTextFile(eve).catch(() => "");
      lines = text.split("\n").filter((line) => line !== "");
    }
    child.kill("SIGINT");
    const { code, stderr } = await finished(child);
    assert.equal(code, 130, stderr);
    assert.ok(lines.length >= 20, `${lines.length} EVE records`);
    for (const line of lines) {
      assert.equal(JSON.parse(line).in_iface, "demo", line);
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("netmirror read names the EVE file a full disk refused", async () => {
  // Deno grants a device under /dev only with --allow-all.
  const child = netmirrorCommand(["read", HTTP, "--eve", "/dev/full"], {
    permissions: ["--allow-all"],
  }).spawn();
  const { code, stderr } = await finished(child);
  assert.equal(code, 1, stderr);
  assert.match(
    stderr,
    /^netmirror read: Cannot write "\/dev\/full": No space left on device/m,
  );
});

Deno.test("netmirror read of a named pipe reads it once and ends", async () => {
  const dir = await Deno.makeTempDir({ prefix: "netmirror-fifo-" });
  try {
    const fifo = `${dir}/capture`;
    const made = await new Deno.Command("mkfifo", { args: [fifo] }).output();
    assert.ok(made.success);
    const child = netmirrorCommand(["read", fifo]).spawn();
    const writer = await Deno.open(fifo, { write: true });
    await writer.write(await Deno.readFile(HTTP));
    writer.close();
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    const [status, stdout] = await Promise.all([
      child.status,
      new Response(child.stdout).text(),
      child.stderr.cancel(),
    ]);
    clearTimeout(timer);
    assert.equal(status.code, 0);
    assert.equal(field(stdout, "packets"), "43");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("netmirror read - reads a capture from stdin", async () => {
  const bytes = await Deno.readFile(HTTP);
  const run = await netmirror(["read", "-"], bytes);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(field(run.stdout, "packets"), "43");
});

Deno.test("netmirror read decodes a gzip-compressed pcapng file", async () => {
  const file =
    `${PCAPS}formats/gzip_compressed_pcapng__portmapper-many-unanswered-calls.pcapng.gz`;
  const run = await netmirror(["read", file]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(field(run.stdout, "file"), /\(pcapng, gzip\)$/);
  assert.ok(Number(field(run.stdout, "packets")) > 0);
});

Deno.test("netmirror read of a file cut mid-record prints the good packets and fails", async () => {
  const file =
    `${PCAPS}malformed/truncated_file_cut_mid_record__http-fault-post.pcap`;
  const good = await tcpdumpCount(file, []);
  const run = await netmirror(["read", file]);
  assert.equal(run.code, 1);
  assert.equal(field(run.stdout, "packets"), String(good));
  // The error names the file, as a read of several files in a loop needs.
  assert.equal(
    run.stderr.startsWith(`netmirror read: Cannot parse capture "${file}": `),
    true,
    run.stderr,
  );
});

Deno.test("netmirror read names a missing file and exits 1", async () => {
  const run = await netmirror(["read", "/nonexistent/x.pcap"]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /\/nonexistent\/x\.pcap/);
  assert.equal(run.stderr.trim().split("\n").length, 1);
  // A name with a newline and an escape sequence: still one line, and
  // nothing a terminal would act on.
  const odd = await netmirror([
    "read",
    "/nonexistent/a\nb\x1b[31m\u202e\u009b.pcap",
  ]);
  assert.equal(odd.code, 1);
  assert.equal(
    odd.stderr,
    'netmirror read: Cannot open capture: no such file "/nonexistent/a\\nb\\x1b[31m\\u202e\\x9b.pcap"\n',
  );
});

Deno.test("netmirror read rejects a bad BPF filter with tcpdump's reason", async () => {
  const run = await netmirror(["read", HTTP, "tcp", "port", "nope"]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /filter/i);
  assert.equal(run.stderr.trim().split("\n").length, 1);
});

Deno.test("netmirror capture without capture rights calls a bad filter a bad filter, and a good one a lack of permission", async () => {
  // setpriv drops the capabilities a capture needs from this process tree
  // (tcpdump -d, which checks the filter, needs none).
  const run = async (filter: string) =>
    runOf(
      await netmirrorCommand(["capture", "-i", "lo", "-c", "1", filter], {
        via: [
          "setpriv",
          "--bounding-set=-net_raw,-net_admin",
          "--inh-caps=-net_raw,-net_admin",
        ],
      }).output(),
    );
  const bad = await run("tcp port 99999");
  assert.equal(bad.code, 1, bad.stderr);
  assert.equal(
    bad.stderr,
    'netmirror capture: Bad BPF filter "tcp port 99999": illegal port number 99999 > 65535\n',
  );
  const good = await run("tcp port 9");
  assert.equal(good.code, 1, good.stderr);
  assert.match(
    good.stderr,
    /^netmirror capture: No permission to capture on "lo": run as root or setcap/,
  );
});

Deno.test("netmirror rejects unknown flags and bad values with one line and exit 2", async () => {
  for (
    const args of [
      ["read", HTTP, "--bogus"],
      ["capture", "-i", "lo", "-c", "zero"],
      // Above tcpdump's limits: a usage error, not a stack trace.
      ["capture", "-i", "lo", "-s", "262145"],
      ["capture", "-i", "lo", "-B", "3000000"],
      ["capture", "-i", "lo", "--tcpdump-output", "file"],
      // node:util's three-line message for a value that starts with "-".
      ["capture", "-i", "lo", "-B", "-5"],
      ["capture", "-i", "lo", "-c", "-1"],
      ["capture", "-i", "lo", "--count=-1"],
      ["serve", "--token", "short"],
      ["serve", "-s", "-1"],
      // A filter with nothing to filter.
      ["serve", "--idle", "tcp"],
      ["serve", "--demo", "tcp"],
      // One writer of stdout at a time.
      ["capture", "-i", "lo", "--eve", "-", "-w", "-"],
      ["capture", "-i", "lo", "--json", "-w", "-"],
      ["read", HTTP, "--home-net", "10.0.0.0/99"],
      ["capture", "-i", "lo", "--home-net", "10.0.0.0/99"],
      ["serve", "--home-net", "10.0.0.0/8,not-a-cidr"],
      ["capture"],
      ["read"],
      ["frobnicate"],
      // One interface or file, never the last of several.
      ["serve", "-i", "lo", "-i", "eth0"],
      ["serve", "-r", HTTP, "-r", HTTP],
      ["capture", "-i", "lo", "-i", "eth0"],
      // Numbers in digits only (not "", hexadecimal or exponents).
      ["serve", "--port", "0x49D9"],
      ["serve", "--port", ""],
      ["capture", "-i", "lo", "-s", "1e4"],
      // No empty paths (the data directory would be the root), no stdin;
      // no empty value (a shell variable not set) quietly ignored.
      ["serve", "--data-dir", ""],
      ["serve", "--eve", ""],
      ["serve", "-r", "-"],
      ["serve", "-r", ""],
      ["serve", "--bind", ""],
      // A listening address is an IP address, not a name to look up.
      ["serve", "--bind", "nonsense", "--idle"],
      ["serve", "--config", ""],
      ["read", ""],
      ["read", HTTP, "--eve", ""],
      ["read", HTTP, "--config", ""],
      ["read", HTTP, "--home-net", ""],
      ["capture", "-i", "lo", "--eve", ""],
      ["capture", "-i", "lo", "-w", ""],
      // An output onto the input, or onto the other output.
      ["read", HTTP, "--eve", HTTP],
    ]
  ) {
    const run = await netmirror(args);
    assert.equal(run.code, 2, `${args.join(" ")}: ${run.stderr}`);
    assert.equal(run.stderr.trim().split("\n").length, 1, run.stderr);
    assert.equal(run.stdout, "");
  }
});

Deno.test("netmirror --help and every command's --help print usage", async () => {
  for (
    const args of [["--help"], ["read", "--help"], ["capture", "--help"], [
      "interfaces",
      "--help",
    ]]
  ) {
    const run = await netmirror(args);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /^(Usage|netmirror)/);
  }
});

Deno.test("netmirror interfaces lists lo and any", async () => {
  const run = await netmirror(["interfaces", "--json"]);
  assert.equal(run.code, 0, run.stderr);
  const list = JSON.parse(run.stdout) as {
    name: string;
    linkState: boolean;
  }[];
  const names = list.map((nic) => nic.name);
  assert.ok(names.includes("lo"), names.join(","));
  assert.ok(names.includes("any"), names.join(","));
  // The text: aligned columns as wide as the longest name, no trailing space.
  const text = await netmirror(["interfaces"]);
  assert.equal(text.code, 0, text.stderr);
  const lines = text.stdout.trimEnd().split("\n");
  assert.equal(lines.length, list.length);
  const width = Math.max(...names.map((name) => name.length));
  for (const [i, line] of lines.entries()) {
    assert.ok(line.startsWith(`${names[i]!.padEnd(width)}  `), line);
    assert.equal(line, line.trimEnd());
    // A pseudo-device (nflog) has no link to be up or down.
    assert.match(
      line.slice(width + 2),
      list[i]!.linkState ? /^(up|down)/ : /^- /,
      line,
    );
  }
});

Deno.test("netmirror capture -c stops after n live packets on lo", async () => {
  const port = 47391;
  const child = netmirrorCommand([
    "capture",
    "-i",
    "lo",
    "-c",
    "3",
    "--json",
    "udp",
    "port",
    String(port),
  ]).spawn();
  const stderr = await untilCapturing(child);
  const socket = await loopbackSender();
  for (let i = 0; i < 5; i++) {
    await socket.send(`hello ${i}`, port);
  }
  socket.close();
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  const [status, stdout] = await Promise.all([
    child.status,
    new Response(child.stdout).text(),
  ]);
  clearTimeout(timer);
  while (!(await stderr.read()).done) { /* drain */ }
  assert.equal(status.code, 0);
  const records = stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(records.length, 3);
  for (const record of records) {
    assert.equal(record.transport, "udp");
    assert.equal(record.dstPort, port);
    assert.equal(record.srcAddress, "127.0.0.1");
  }
});

Deno.test("netmirror capture tells kernel drops on stderr while it runs, not only at the end", async () => {
  const port = 47392;
  // A 32 KiB kernel buffer holds a few packets: a burst overflows it.
  const child = netmirrorCommand([
    "capture",
    "-i",
    "lo",
    "-B",
    "32",
    "-q",
    "udp",
    "port",
    String(port),
  ]).spawn();
  const stderr = await untilCapturing(child);
  let err = "";
  const reading = (async () => {
    while (true) {
      const { value, done } = await stderr.read();
      if (done) return;
      err += new TextDecoder().decode(value);
    }
  })();
  const socket = await loopbackSender();
  try {
    // Bursts of 20 000 datagrams until a drop is told (five at most).
    for (let burst = 0; burst < 5 && !err.includes("has dropped"); burst++) {
      const sent: Promise<void>[] = [];
      for (let i = 0; i < 20_000; i++) sent.push(socket.send("x", port));
      await Promise.all(sent);
      await new Promise((resolve) => setTimeout(resolve, 2_500));
    }
  } finally {
    socket.close();
  }
  const told =
    /tcpdump has dropped (\d+) packets in the kernel so far \(its buffer was full/
      .exec(err);
  assert.ok(told, err);
  assert.doesNotMatch(err, /dropped by kernel/, "told before the end");
  child.kill("SIGINT");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  const [status] = await Promise.all([child.status, child.stdout.cancel()]);
  clearTimeout(timer);
  await reading;
  assert.equal(status.code, 130, err);
  const final =
    /tcpdump: \d+ captured, \d+ received by filter, (\d+) dropped by kernel/
      .exec(err);
  assert.ok(final, err);
  assert.ok(Number(final[1]) >= Number(told[1]), err);
});

/** `netmirror <args>` with stdout and stderr piped, for tests that read them as they come. */
function spawnNetmirror(args: string[]): Deno.ChildProcess {
  return netmirrorCommand(args).spawn();
}

/** Exit status and whole stderr of `child`, killing it after `timeoutMs`. */
async function finished(
  child: Deno.ChildProcess,
  timeoutMs = 15_000,
): Promise<{ code: number; stderr: string }> {
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  try {
    const [status, stderr] = await Promise.all([
      child.status,
      new Response(child.stderr).text(),
    ]);
    return { code: status.code, stderr };
  } finally {
    clearTimeout(timer);
  }
}

// 35,720 packets: megabytes of JSON, far more than a pipe holds.
const BIG =
  `${PCAPS}attacks/icmpv6flood_echo_with_ext_headers_35k__denial6-5.pcap`;

for (const filter of [[], ["ip6"]]) {
  Deno.test(
    `netmirror read --json ${
      filter.length ? "with a BPF filter " : ""
    }stops quietly with exit 0 when its reader closes the pipe (| head)`,
    async () => {
      const child = spawnNetmirror(["read", BIG, ...filter, "--json"]);
      const stdout = child.stdout.getReader();
      const first = await stdout.read();
      assert.ok(!first.done && first.value.length > 0, "some output first");
      await stdout.cancel(); // closes the pipe: the next write meets EPIPE
      const { code, stderr } = await finished(child);
      assert.equal(stderr, "");
      assert.equal(code, 0);
    },
  );
}

Deno.test("netmirror capture stops quietly with exit 0 when its reader closes the pipe, and tcpdump goes too", async () => {
  const port = 47392;
  const child = spawnNetmirror([
    "capture",
    "-i",
    "lo",
    "udp",
    "port",
    `${port}`,
  ]);
  const stderr = await untilCapturing(child);
  const socket = await loopbackSender();
  let exited = false;
  const status = child.status.finally(() => exited = true);
  // Bounded traffic to 127.0.0.1 until netmirror has exited.
  const sending = (async () => {
    for (let i = 0; i < 5_000 && !exited; i++) {
      await socket.send(`hello ${i}`, port);
      if (i % 50 === 49) await new Promise((r) => setTimeout(r, 10));
    }
  })();
  const stdout = child.stdout.getReader();
  const first = await stdout.read();
  assert.ok(!first.done && first.value.length > 0, "a packet line first");
  await stdout.cancel(); // the next flush (every 100 ms) meets EPIPE
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  const { code } = await status;
  clearTimeout(timer);
  await sending;
  socket.close();
  let rest = "";
  for (;;) {
    const { value, done } = await stderr.read();
    if (done) break;
    rest += new TextDecoder().decode(value);
  }
  assert.doesNotMatch(rest, /error/i);
  assert.equal(code, 0);
  const left = await new Deno.Command("pgrep", {
    args: ["-f", `udp port ${port}`],
    stdout: "piped",
  }).output();
  assert.equal(
    new TextDecoder().decode(left.stdout).trim(),
    "",
    "no tcpdump left behind",
  );
});

Deno.test("netmirror read of a directory, and output into a directory, say so in one line with exit 1", async () => {
  const dir = `${PCAPS}malformed`;
  const read = await netmirror(["read", dir]);
  assert.equal(read.code, 1);
  assert.match(read.stderr, /^netmirror read: .*is a directory\n$/i);
  const out = await Deno.makeTempDir();
  try {
    const eve = await netmirrorCommand(["read", HTTP, "--eve", out], {
      permissions: [`--allow-write=${out}`],
      stdout: "null",
    }).output();
    assert.equal(eve.code, 1);
    assert.match(
      new TextDecoder().decode(eve.stderr),
      /^netmirror read: .*is a directory.*\n$/i,
    );
    // Into a directory that does not exist: the path first, then why.
    const missing = `${out}/no/such/dir/out.eve`;
    const nowhere = await netmirrorCommand(["read", HTTP, "--eve", missing], {
      permissions: [`--allow-write=${out}`],
      stdout: "null",
    }).output();
    assert.equal(nowhere.code, 1);
    assert.equal(
      new TextDecoder().decode(nowhere.stderr),
      `netmirror read: Cannot open "${missing}": No such file or directory\n`,
    );
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

for (const [signal, exitCode] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
  for (const filter of [[], ["ip6"]]) {
    Deno.test(
      `netmirror read stops on ${signal}${
        filter.length ? " with a BPF filter" : ""
      } while its input is still open, summarises what it read and exits ${exitCode}`,
      async () => {
        const bytes = await Deno.readFile(BIG); // 35,720 packets, 3.5 MB
        const child = netmirrorCommand(["read", "-", ...filter], {
          stdin: "piped",
        }).spawn();
        const stdin = child.stdin.getWriter();
        // Resolves once the reader has taken all but what the pipes and
        // tcpdump hold; stdin then stays open, so only the signal ends it.
        await stdin.write(bytes);
        await new Promise((resolve) => setTimeout(resolve, 300));
        child.kill(signal);
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        const [status, stdout, stderr] = await Promise.all([
          child.status,
          new Response(child.stdout).text(),
          new Response(child.stderr).text(),
        ]);
        clearTimeout(timer);
        await stdin.close().catch(() => {});
        assert.equal(status.code, exitCode, stderr);
        assert.equal(stderr, "");
        const packets = Number(field(stdout, "packets"));
        assert.ok(
          packets > 25_000 && packets <= 35_720,
          `what was read is summarised: ${packets}`,
        );
        assert.equal(
          field(stdout, "interrupted"),
          `by ${signal}; the rest was not read`,
        );
        assert.match(stdout, /icmp_flood/, "and analysed");
      },
    );
  }
}

Deno.test("netmirror serve on an address this host does not have says so in one line and exits 1", async () => {
  // 192.0.2.0/24 is TEST-NET-1: never a local address, and nothing is sent.
  const dataDir = await Deno.makeTempDir();
  const output = await netmirrorCommand(
    [
      "serve",
      "--idle",
      "--bind",
      "192.0.2.99",
      "--port",
      "5999",
      "--data-dir",
      dataDir,
    ],
    {
      permissions: ["--allow-net=192.0.2.99:5999", `--allow-write=${dataDir}`],
      stdout: "null",
    },
  ).output();
  await Deno.remove(dataDir, { recursive: true });
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 1, stderr);
  assert.match(
    stderr,
    /^netmirror serve: Cannot listen on 192\.0\.2\.99:5999: .+\n$/,
  );
});

Deno.test("netmirror serve tells on stderr how each session ended: a replay of a damaged capture failed, a good one stopped", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "netmirror-serve-end-" });
  try {
    for (
      const [file, expected] of [
        [
          `${PCAPS}malformed/truncated_file_cut_mid_record__http-fault-post.pcap`,
          /\nnetmirror: Replay of \S+truncated_file\S+ failed: Cannot parse capture: file ends inside a record/,
        ],
        [
          HTTP,
          /\nnetmirror: Replay of \S+http\.cap stopped after 43 packets\n/,
        ],
      ] as const
    ) {
      const child = netmirrorCommand(
        ["serve", "--port", "5398", "--data-dir", dataDir, "-r", file],
        {
          permissions: [
            "--allow-net=127.0.0.1:5398",
            `--allow-write=${dataDir}`,
          ],
          stdout: "null",
        },
      ).spawn();
      const stderr = await stderrUntil(child, expected);
      child.kill("SIGINT");
      const status = await child.status;
      assert.match(stderr, expected);
      assert.equal(status.code, 130, stderr);
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("netmirror serve -r refuses in one line a capture that ends before its first record, and replays a gzip cut short up to the cut", async () => {
  const dir = await Deno.makeTempDir({ prefix: "netmirror-serve-cut-" });
  try {
    const short = `${dir}/short.pcap`;
    await Deno.writeFile(short, (await Deno.readFile(HTTP)).subarray(0, 10));
    const refused = await finished(
      netmirrorCommand(
        ["serve", "--port", "5351", "--data-dir", dir, "-r", short],
        {
          permissions: ["--allow-net=127.0.0.1:5351", `--allow-write=${dir}`],
          stdout: "null",
        },
      ).spawn(),
    );
    assert.equal(refused.code, 1, refused.stderr);
    assert.equal(
      refused.stderr,
      `netmirror serve: Cannot parse capture "${short}": file ends inside the file header (10 of 24 bytes)\n`,
    );

    // Cut 3 000 bytes into the compressed stream: `read` reads 32 packets
    // from it, then tells the damage; so does the replay.
    const cut = `${dir}/cut.pcapng.gz`;
    await Deno.writeFile(
      cut,
      (await Deno.readFile(
        `${PCAPS}formats/gzip_compressed_pcapng__portmapper-many-unanswered-calls.pcapng.gz`,
      )).subarray(0, 3000),
    );
    const read = await netmirror(["read", cut]);
    assert.equal(read.code, 1);
    assert.equal(field(read.stdout, "packets"), "32");
    assert.match(field(read.stdout, "file"), /\(pcapng, gzip\)$/);
    const child = netmirrorCommand(
      ["serve", "--port", "5352", "--data-dir", dir, "-r", cut],
      {
        permissions: ["--allow-net=127.0.0.1:5352", `--allow-write=${dir}`],
        stdout: "null",
      },
    ).spawn();
    const expected =
      /\nnetmirror: Replay of \S+cut\.pcapng\.gz failed: Cannot parse capture: gzip data is corrupt or truncated \(/;
    const stderr = await stderrUntil(child, expected);
    child.kill("SIGINT");
    await child.status;
    assert.match(stderr, expected);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("netmirror serve goes on when its EVE output fails (a full disk), and stops quietly with 0 when the reader of its EVE stdout quits", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "netmirror-serve-eve-" });
  try {
    // /dev/full: every write fails with ENOSPC.
    const full = netmirrorCommand(
      [
        "serve",
        "--port",
        "5396",
        "--data-dir",
        dataDir,
        "--eve",
        "/dev/full",
        "-r",
        BIG,
      ],
      {
        // Deno grants a device under /dev only with --allow-all.
        permissions: ["--allow-all"],
        stdout: "null",
      },
    ).spawn();
    const reader = full.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let stderr = "";
    const ended = /\nnetmirror: Replay of \S+ stopped after 35720 packets\n/;
    const deadline = Date.now() + 30_000;
    while (
      !(ended.test(stderr) && stderr.includes("EVE output is off")) &&
      Date.now() < deadline
    ) {
      const { value, done } = await reader.read();
      if (done) break;
      stderr += value;
    }
    full.kill("SIGINT");
    await reader.cancel();
    assert.equal((await full.status).code, 130, stderr);
    assert.match(
      stderr,
      /netmirror: cannot write EVE records to "\/dev\/full": No space left on device[^\n]*; EVE output is off from now on, capture and analysis go on\n/,
    );
    assert.match(stderr, ended);
    assert.doesNotMatch(stderr, /Uncaught/);

    // The demo's EVE records on stdout, whose reader takes one chunk and
    // quits: the next write finds it gone.
    const piped = netmirrorCommand(
      ["serve", "--port", "5395", "--data-dir", dataDir, "--eve", "-"],
      {
        permissions: ["--allow-net=127.0.0.1:5395", `--allow-write=${dataDir}`],
      },
    ).spawn();
    const stdout = piped.stdout.getReader();
    const first = await stdout.read();
    assert.ok(!first.done && first.value.length > 0, "some EVE records first");
    await stdout.cancel();
    const { code, stderr: pipedStderr } = await finished(piped, 30_000);
    assert.equal(code, 0, pipedStderr);
    assert.doesNotMatch(pipedStderr, /Uncaught|error/i);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

/** `netmirror <args>` with exactly the permissions `deno task compile` grants: its exit code and stderr. */
async function withBinaryPermissions(
  args: string[],
): Promise<{ code: number; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--allow-net=127.0.0.1:5000",
      "--allow-read",
      "--allow-write=netmirror-data,/run/netmirror",
      "--allow-run=tcpdump",
      "--allow-sys=networkInterfaces,uid",
      MAIN,
      ...args,
    ],
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  return { code: output.code, stderr: new TextDecoder().decode(output.stderr) };
}

Deno.test("netmirror with the binary's permissions says where it may listen when asked to listen elsewhere", async () => {
  const { code, stderr } = await withBinaryPermissions([
    "serve",
    "--idle",
    "--port",
    "5397",
  ]);
  assert.equal(code, 1, stderr);
  assert.match(
    stderr,
    /^netmirror serve: Cannot listen on 127\.0\.0\.1:5397: Requires net access to "127\.0\.0\.1:5397": this copy may listen only where its --allow-net lets it \(127\.0\.0\.1:5000 as `deno task compile` builds it and `deno task start` runs it\); .*deno\.json's start task.*\n$/,
  );
  assert.doesNotMatch(stderr, /run again with/);
});

Deno.test("netmirror with the binary's permissions says where it may write when asked to write elsewhere", async () => {
  const dir = await Deno.makeTempDir({ prefix: "netmirror-perm-" });
  try {
    const { code, stderr } = await withBinaryPermissions([
      "read",
      HTTP,
      "--eve",
      `${dir}/out.eve`,
    ]);
    assert.equal(code, 1, stderr);
    assert.match(
      stderr,
      /^netmirror read: Requires write access to ".*out\.eve": this copy may write only where its --allow-write lets it \(under \.\/netmirror-data and \/run\/netmirror as `deno task compile` builds it and `deno task start` runs it\); .*--eve - .*\n$/,
    );
    assert.doesNotMatch(stderr, /run again with/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("netmirror read into a full disk says so in one line and exits 1", async () => {
  // /dev/full refuses every write with ENOSPC; the shell opens it as stdout.
  const output = await new Deno.Command("sh", {
    args: [
      "-c",
      `exec "$0" run --quiet ${
        PERMISSIONS.join(" ")
      } "$1" read "$2" --json > /dev/full`,
      Deno.execPath(),
      MAIN,
      HTTP,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const run = runOf(output);
  assert.equal(run.code, 1, run.stderr);
  assert.equal(run.stderr.trim().split("\n").length, 1, run.stderr);
  assert.match(run.stderr, /^netmirror read: No space left on device/);
});

Deno.test("netmirror read of a file that is no capture at all prints the error alone, no summary of nothing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "netmirror-notpcap-" });
  try {
    await Deno.writeTextFile(`${dir}/notes.txt`, "root:x:0:0:root:/root\n");
    for (const file of [`${dir}/notes.txt`, "/dev/null"]) {
      const run = await netmirror(["read", file]);
      assert.equal(run.code, 1, run.stderr);
      assert.equal(run.stdout, "", file);
      assert.equal(run.stderr.trim().split("\n").length, 1, run.stderr);
      assert.match(
        run.stderr,
        /^netmirror read: Cannot parse capture "[^"]+": (the file is empty|not a pcap or pcapng file)/,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("netmirror read of a capture that fails before its first record prints the error alone, no summary of zeros", async () => {
  const bad =
    `${PCAPS}malformed/bad_header_pcap_version1.4__pcap-invalid-version-1.pcap`;
  const dir = await Deno.makeTempDir({ prefix: "netmirror-badhead-" });
  try {
    const short = `${dir}/short.pcap`;
    await Deno.writeFile(short, (await Deno.readFile(HTTP)).subarray(0, 10));
    for (
      const [args, stdin, reason] of [
        [[bad], undefined, /unsupported pcap version 1\.4/],
        [["-"], await Deno.readFile(bad), /unsupported pcap version 1\.4/],
        [
          [bad, "tcp"],
          undefined,
          /unsupported pcap version 1\.4|archaic pcap savefile format \(tcpdump/,
        ],
        [
          [short],
          undefined,
          /file ends inside the file header \(10 of 24 bytes\)/,
        ],
      ] as const
    ) {
      const run = await netmirror(["read", ...args], stdin);
      assert.equal(run.code, 1, run.stderr);
      assert.equal(run.stdout, "", args.join(" "));
      assert.equal(run.stderr.trim().split("\n").length, 1, run.stderr);
      assert.match(run.stderr, /^netmirror read: Cannot parse capture/);
      assert.match(run.stderr, reason);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("netmirror capture runs the detectors: an alert on stderr when raised, and every alert's final figures at the end", async () => {
  // Connections to 20 closed ports of 127.0.0.1, each refused with a reset:
  // a connect scan of loopback, the only address the tests may send to.
  const first = 47_600;
  const child = netmirrorCommand([
    "capture",
    "-i",
    "lo",
    "-q",
    "tcp",
    "portrange",
    `${first}-${first + 19}`,
  ]).spawn();
  const stderr = await untilCapturing(child);
  for (let port = first; port < first + 20; port++) {
    await Deno.connect({ hostname: "127.0.0.1", port }).then(
      (conn) => conn.close(),
      () => {}, // refused: the probe failed, as a scanner's does
    );
  }
  // The last reset is on the wire; give tcpdump a moment to hand it on.
  await new Promise((resolve) => setTimeout(resolve, 500));
  child.kill("SIGINT");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  let err = "";
  for (let read = await stderr.read(); !read.done; read = await stderr.read()) {
    err += new TextDecoder().decode(read.value);
  }
  const [status, stdout] = await Promise.all([
    child.status,
    new Response(child.stdout).text(),
  ]);
  clearTimeout(timer);
  assert.equal(status.code, 130, err);
  assert.equal(stdout, "", "-q: no packet lines");
  assert.match(
    err,
    /(?:^|\n)netmirror: alert low +port_scan +127\.0\.0\.1 → 127\.0\.0\.1 +T1046 .*probed 15 ports/,
  );
  assert.match(err, /\nnetmirror: 1 alert, with their final figures:\n/);
  assert.match(
    err,
    /\nnetmirror: {3}low +port_scan +127\.0\.0\.1 → 127\.0\.0\.1 +T1046 .*probed 20 ports/,
  );
});

/** Runs `cmd` with `args`, failing with its stderr when it fails. */
async function runOrFail(cmd: string, args: string[]): Promise<void> {
  const out = await new Deno.Command(cmd, { args, stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(
      `${cmd} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
}

Deno.test("netmirror capture -w onto a full disk stops, prints its summary and alerts, then the disk's error, and exits 1", async () => {
  // A 64 KiB tmpfs (the tests run as root): 300 datagrams of 1 kB fill it.
  const dir = await Deno.makeTempDir({ prefix: "netmirror-capture-full-" });
  await runOrFail("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir]);
  const sender = await loopbackSender();
  try {
    const port = 47_651;
    const child = netmirrorCommand([
      "capture",
      "-i",
      "lo",
      "-q",
      "-w",
      `${dir}/full.pcap`,
      "udp",
      "dst",
      "port",
      String(port),
    ], { permissions: [`--allow-write=${dir}`] }).spawn();
    const stderr = await untilCapturing(child);
    const payload = "x".repeat(1_000);
    for (let i = 0; i < 300; i++) {
      await sender.send(payload, port);
      if (i % 50 === 49) await new Promise((r) => setTimeout(r, 150));
    }
    // It stops by itself once the disk refuses a write.
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    let err = "";
    for (let r = await stderr.read(); !r.done; r = await stderr.read()) {
      err += new TextDecoder().decode(r.value);
    }
    const status = await child.status;
    await child.stdout.cancel();
    clearTimeout(timer);
    assert.equal(status.code, 1, err);
    assert.match(
      err,
      /(?:^|\n)netmirror: \d+ packets? decoded; tcpdump: \d+ captured/,
    );
    assert.match(err, /(?:^|\n)netmirror: \d+ alerts?/);
    assert.match(
      err,
      /\nnetmirror capture: Cannot write "[^"]*full\.pcap": No space left on device/,
    );
    // The error comes last.
    assert.match(err.trimEnd().split("\n").at(-1)!, /No space left/);
  } finally {
    sender.close();
    await runOrFail("umount", [dir]);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("netmirror capture leaves -w and --eve files as they were when its interface or filter is wrong, and read writes no EVE for a missing file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "netmirror-keep-" });
  const run = async (args: string[]) =>
    runOf(
      await netmirrorCommand(args, { permissions: [`--allow-write=${dir}`] })
        .output(),
    );
  try {
    const kept = `${dir}/evidence.pcap`;
    const eve = `${dir}/evidence.eve`;
    await Deno.copyFile(HTTP, kept);
    await Deno.writeTextFile(eve, "{}\n");
    for (
      const args of [
        ["capture", "-i", "lo", "tcp port 99999", "-w", kept, "--eve", eve],
        ["capture", "-i", "nosuch0", "-w", kept, "--eve", eve],
      ]
    ) {
      const failed = await run(args);
      assert.equal(failed.code, 1, failed.stderr);
      assert.equal(failed.stderr.trim().split("\n").length, 1, failed.stderr);
      assert.deepEqual(await Deno.readFile(kept), await Deno.readFile(HTTP));
      assert.equal(await Deno.readTextFile(eve), "{}\n");
    }
    // -w and --eve onto one file (another spelling of it): refused.
    const same = await run(
      ["capture", "-i", "lo", "-w", kept, "--eve", `${dir}/./evidence.pcap`],
    );
    assert.equal(same.code, 2, same.stderr);
    assert.match(same.stderr, /name one file/);
    const missing = await run(
      ["read", `${dir}/missing.pcap`, "--eve", `${dir}/out.eve`],
    );
    assert.equal(missing.code, 1, missing.stderr);
    assert.equal(await Deno.stat(`${dir}/out.eve`).catch(() => null), null);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("netmirror serve prints a random token, never one it was given", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "netmirror-token-" });
  try {
    for (const given of [true, false]) {
      const child = netmirrorCommand(
        [
          "serve",
          "--idle",
          "--port",
          "5393",
          "--data-dir",
          dataDir,
          ...(given ? ["--token", "own-secret-1234"] : []),
          // A token is needed off loopback only; to be asked for one
          // anyway, the tests serve on 127.0.0.1 with --token, or off
          // loopback: not here.
        ],
        {
          permissions: [
            "--allow-net=127.0.0.1:5393",
            `--allow-write=${dataDir}`,
          ],
          stdout: "null",
        },
      ).spawn();
      const stderr = child.stderr.getReader();
      let err = "";
      while (!err.includes("Ctrl-C stops")) {
        const { value, done } = await stderr.read();
        if (done) break;
        err += new TextDecoder().decode(value);
      }
      child.kill("SIGINT");
      await stderr.cancel();
      const { code } = await child.status;
      assert.equal(code, 130, err);
      if (given) {
        assert.doesNotMatch(err, /own-secret-1234/, err);
        assert.match(err, /\?token=<token>/, err);
      } else {
        assert.doesNotMatch(err, /token/, err);
      }
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("netmirror capture says when its link goes down, and when tcpdump fails (its interface deleted) still prints its summary and alerts", async () => {
  // A veth pair of this test's own (no address, no traffic).
  const [link, peer] = [
    `nmcl${Deno.pid % 10_000}a`,
    `nmcl${Deno.pid % 10_000}b`,
  ];
  const ip = async (...args: string[]) => {
    const { code, stderr } = await new Deno.Command("ip", { args }).output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
  };
  await ip("link", "add", link, "type", "veth", "peer", "name", peer);
  try {
    await ip("link", "set", link, "up");
    await ip("link", "set", peer, "up");
    const child = spawnNetmirror(["capture", "-i", link, "-q"]);
    const reader = child.stderr.getReader();
    let err = "";
    const until = async (what: RegExp, timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      while (!what.test(err) && Date.now() < deadline) {
        const next = await Promise.race([
          reader.read(),
          new Promise<undefined>((r) =>
            setTimeout(r, Math.max(0, deadline - Date.now()))
          ),
        ]);
        if (next === undefined || next.done) break;
        err += new TextDecoder().decode(next.value);
      }
      assert.match(err, what);
    };
    try {
      await until(/capturing on/, 15_000);
      await ip("link", "set", peer, "down");
      // The link is read every 3 s.
      await until(
        new RegExp(
          `netmirror: The link of ${link} is down: nothing is captured until it is up`,
        ),
        10_000,
      );
      await ip("link", "del", link);
      await until(/netmirror: 0 alerts\n[\s\S]*tcpdump/, 15_000);
      const { code } = await child.status;
      assert.equal(code, 1, err);
      assert.match(
        err,
        /netmirror: \d+ packets? decoded before tcpdump failed/,
      );
    } finally {
      await reader.cancel().catch(() => {});
      try {
        child.kill("SIGKILL");
      } catch {
        // Already gone.
      }
      await child.status;
    }
  } finally {
    await ip("link", "del", link).catch(() => {});
  }
});
