/**
 * `deno task bench`: generates its inputs, measures NetMirror's replay
 * throughput beside `tcpdump -nn -r` and `tshark -r` on the same file in the
 * same run, and writes BENCHMARKS.md (machine, command, medians, ratios).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { AnomalyCounter } from "../capture/anomalies.ts";
import { readPacketFile } from "../capture/packet_source.ts";
import { openCaptureSource, readCapture } from "../capture/read_capture.ts";
import { CaptureSummary } from "../capture/summary.ts";
import { writeMixedCapture } from "./mixed_capture.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    packets: { type: "string", default: "1000000" },
    hosts: { type: "string", default: "50000" },
    runs: { type: "string", default: "3" },
    output: { type: "string", default: "BENCHMARKS.md" },
  },
});
const PACKETS = Number(values.packets);
const HOSTS = Number(values.hosts);
const RUNS = Number(values.runs);

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
}

async function commandOutput(cmd: string, args: string[]): Promise<string> {
  try {
    const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" })
      .output();
    const decoder = new TextDecoder();
    return (decoder.decode(out.stdout) + decoder.decode(out.stderr)).trim();
  } catch {
    return "";
  }
}

async function installed(cmd: string): Promise<boolean> {
  return (await commandOutput("sh", ["-c", `command -v ${cmd}`])) !== "";
}

async function runToDevNull(cmd: string, args: string[]): Promise<void> {
  const status = await new Deno.Command(cmd, { args, stdout: "null", stderr: "null" })
    .output();
  if (!status.success) throw new Error(`${cmd} ${args.join(" ")} failed`);
}

async function machine(): Promise<string[]> {
  const cpuinfo = await Deno.readTextFile("/proc/cpuinfo").catch(() => "");
  const model = cpuinfo.match(/^model name\s*:\s*(.+)$/m)?.[1] ?? "unknown CPU";
  const cores = navigator.hardwareConcurrency;
  const memKib = Number(
    (await Deno.readTextFile("/proc/meminfo").catch(() => "")).match(
      /^MemTotal:\s+(\d+)/m,
    )?.[1] ?? 0,
  );
  const tcpdump = (await commandOutput("tcpdump", ["--version"])).split("\n")[0];
  const tshark = (await commandOutput("tshark", ["--version"])).split("\n")[0];
  return [
    `- CPU: ${model}, ${cores} cores; memory ${(memKib / 1048576).toFixed(0)} GiB`,
    `- ${Deno.build.os} ${Deno.build.arch}, Deno ${Deno.version.deno} (V8 ${Deno.version.v8})`,
    `- ${tcpdump || "tcpdump: not installed"}; ${tshark || "tshark: not installed"}`,
  ];
}

const dir = await Deno.makeTempDir({ prefix: "netmirror-bench-" });
const file = `${dir}/mixed.pcap`;
try {
  console.error(`bench: generating ${PACKETS} packets over ${HOSTS} hosts…`);
  const size = await writeMixedCapture(file, { packets: PACKETS, hosts: HOSTS });

  const results: { name: string; seconds: number[] }[] = [];
  const measure = async (name: string, fn: () => Promise<unknown>) => {
    const seconds: number[] = [];
    for (let i = 0; i < RUNS; i++) seconds.push(await timeIt(fn));
    results.push({ name, seconds });
    console.error(
      `bench: ${name}: ${Math.round(PACKETS / median(seconds))} packets/s`,
    );
  };

  await measure("netmirror: read records (pcap parse only)", async () => {
    let n = 0;
    await readCapture(await openCaptureSource(file), () => n++);
    if (n !== PACKETS) throw new Error(`read ${n} records, expected ${PACKETS}`);
  });
  await measure("netmirror: read + decode + summary", async () => {
    const summary = new CaptureSummary();
    const anomalies = new AnomalyCounter();
    await readPacketFile(file, (packet) => summary.add(packet), { anomalies });
    if (summary.packets !== PACKETS) throw new Error("packet count mismatch");
    if (anomalies.total() !== 0) {
      throw new Error(`decode anomalies: ${JSON.stringify(anomalies)}`);
    }
  });
  if (await installed("tcpdump")) {
    await measure(
      "tcpdump -nn -r file > /dev/null",
      () => runToDevNull("tcpdump", ["-nn", "-r", file]),
    );
  }
  if (await installed("tshark")) {
    await measure(
      "tshark -r file > /dev/null",
      () => runToDevNull("tshark", ["-n", "-r", file]),
    );
  }

  const decode = results.find((r) => r.name.includes("decode"))!;
  const decodePps = PACKETS / median(decode.seconds);
  const rows = results.map((r) => {
    const pps = PACKETS / median(r.seconds);
    const ratio = r === decode ? "1.0×" : `${(decodePps / pps).toFixed(1)}×`;
    return `| ${r.name} | ${r.seconds.map((s) => s.toFixed(3)).join(", ")} | ${
      Math.round(pps).toLocaleString("en-US")
    } | ${ratio} |`;
  });
  const report = [
    "# NetMirror benchmarks",
    "",
    `Written by \`deno task bench\` on ${new Date().toISOString()}.`,
    "",
    "## Machine",
    ...(await machine()),
    "",
    "## Replay throughput (one core)",
    "",
    `Input: a generated Ethernet pcap of ${PACKETS.toLocaleString("en-US")} packets ` +
    `(${(size / 1048576).toFixed(1)} MiB; TCP sessions with HTTP, DNS query/answer, ICMP echo, ARP; ` +
    `${HOSTS.toLocaleString("en-US")} client hosts). Each line is run ${RUNS} times; ` +
    "packets/s is from the median. The ratio is NetMirror's decode rate over that line's rate.",
    "",
    `Command: \`deno task bench\` (\`deno run … bench/run.ts --packets ${PACKETS} --hosts ${HOSTS} --runs ${RUNS}\`)`,
    "",
    "| what | seconds per run | packets/s (median) | NetMirror decode is faster by |",
    "|---|---|---|---|",
    ...rows,
    "",
    "What each line does: *pcap parse only* walks the record headers; *read + decode + summary* " +
    "is `netmirror read` without printing (every layer decoded into a PacketRecord, DNS names " +
    "included, and counted); tcpdump and tshark decode and print every packet as text to /dev/null. " +
    "Stats, latency and detectors (issue #3) are not in this number yet.",
    "",
  ].join("\n");
  await Deno.writeTextFile(values.output!, report);
  console.error(`bench: wrote ${values.output}`);
} finally {
  await Deno.remove(dir, { recursive: true });
}
