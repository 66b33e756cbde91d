/**
 * The machine a benchmark ran on: CPU, cores, memory, OS, tool versions and
 * load, as report lines.
 *
 * @module
 */

import { firstLine } from "./proc.ts";

/** What the report says about the machine. */
export interface MachineInfo {
  cpuModel: string;
  /** Logical CPUs online. */
  cores: number;
  memoryBytes: number;
  os: string;
  kernel: string;
  deno: string;
  v8: string;
  typescript: string;
  tcpdump: string;
  libpcap: string;
  tshark: string;
  curl: string;
  /** Whether the kernel says it runs under a hypervisor. */
  virtualised: boolean;
}

/** Reads a file through `cat`: Deno asks for --allow-all to read /proc itself. */
async function readText(path: string): Promise<string> {
  try {
    const out = await new Deno.Command("cat", {
      args: [path],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).output();
    return new TextDecoder().decode(out.stdout);
  } catch {
    return "";
  }
}

/** Collects {@linkcode MachineInfo}. */
export async function describeMachine(): Promise<MachineInfo> {
  const cpuinfo = await readText("/proc/cpuinfo");
  const osRelease = await readText("/etc/os-release");
  const memKib = Number(
    /^MemTotal:\s+(\d+)/m.exec(await readText("/proc/meminfo"))?.[1] ?? 0,
  );
  const tcpdumpVersion = await new Deno.Command("tcpdump", {
    args: ["--version"],
    stdout: "piped",
    stderr: "piped",
  }).output().then(
    (out) => new TextDecoder().decode(out.stdout).trim().split("\n"),
    () => [] as string[],
  );
  return {
    cpuModel: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? "unknown CPU",
    cores: navigator.hardwareConcurrency,
    memoryBytes: memKib * 1024,
    os: /^PRETTY_NAME="?([^"\n]+)"?$/m.exec(osRelease)?.[1] ?? Deno.build.os,
    kernel: `${Deno.osRelease()} ${Deno.build.arch}`,
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    typescript: Deno.version.typescript,
    tcpdump: tcpdumpVersion[0] ?? "not installed",
    libpcap: tcpdumpVersion[1] ?? "",
    tshark: (await firstLine("tshark", ["--version"])).replace(
      /\.?\s*(Running as user.*)?$/,
      "",
    ) || "not installed",
    curl: (await firstLine("curl", ["--version"])).split(" ").slice(0, 2)
      .join(" ") || "not installed",
    virtualised: /^flags\s*:.*\bhypervisor\b/m.test(cpuinfo),
  };
}

/** The 1-minute load average now. */
export function loadAverage(): number {
  return Deno.loadavg()[0] ?? 0;
}
