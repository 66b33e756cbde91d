/**
 * Lists the interfaces tcpdump can capture on: names, descriptions and
 * state from `tcpdump -D`, addresses from `Deno.networkInterfaces()`.
 *
 * @module
 */

import {
  classifyTcpdumpStderr,
  type TcpdumpErrorContext,
  tcpdumpNotInstalled,
} from "./tcpdump_errors.ts";

/** One interface tcpdump can capture on. */
export interface NetworkInterfaceInfo {
  /** Name to pass to `-i` (e.g. "eth0", "lo", "any"). */
  name: string;
  /** libpcap's description ("" when it has none). */
  description: string;
  /** Administratively up. */
  up: boolean;
  /** Running (carrier present). */
  running: boolean;
  /** A loopback interface. */
  loopback: boolean;
  /** Whether up/running mean anything: false for libpcap's pseudo-devices (nflog, nfqueue, dbus-…, usbmon…), which have no link and capture whatever `up` says. */
  linkState: boolean;
  /** IPv4 and IPv6 addresses, without prefix length (e.g. "127.0.0.1", "::1"). */
  addresses: string[];
}

// "3.lo [Up, Running, Loopback]", "2.any (Pseudo-device that captures on all interfaces) [Up, Running]"
const DEVICE_LINE_REGEXP = /^\d+\.(\S+)(?: \((.*)\))?(?: \[([^\]]*)\])?$/;

/**
 * Returns every interface `tcpdump -D` lists (including "any"), in its
 * order, with the addresses Deno reports for each. Throws `TcpdumpError`
 * when tcpdump is missing or fails; needs `--allow-run=tcpdump` and
 * `--allow-sys=networkInterfaces`.
 */
export async function listInterfaces(
  tcpdumpPath = "tcpdump",
): Promise<NetworkInterfaceInfo[]> {
  const stdout = await runTcpdump(tcpdumpPath, ["-D"], "list interfaces", {});
  const interfaces = parseTcpdumpInterfaces(stdout);
  const addresses = new Map<string, string[]>();
  for (const address of Deno.networkInterfaces()) {
    const list = addresses.get(address.name) ?? [];
    list.push(address.address);
    addresses.set(address.name, list);
  }
  for (const nic of interfaces) nic.addresses = addresses.get(nic.name) ?? [];
  return interfaces;
}

/** Parses the output of `tcpdump -D` (addresses are left empty); skips lines it does not understand. */
export function parseTcpdumpInterfaces(text: string): NetworkInterfaceInfo[] {
  const interfaces: NetworkInterfaceInfo[] = [];
  for (const line of text.split(/\r?\n/)) {
    const match = DEVICE_LINE_REGEXP.exec(line.trim());
    if (!match) continue;
    const [, name = "", description = "", flagText = ""] = match;
    const flags = new Set(
      flagText.split(",").map((flag) => flag.trim().toLowerCase()),
    );
    interfaces.push({
      name,
      description,
      up: flags.has("up"),
      running: flags.has("running"),
      loopback: flags.has("loopback"),
      // Neither up nor running ("[none]"): a network device that is
      // down, or one of libpcap's pseudo-devices, which alone come with a
      // description on Linux ("Linux netfilter log (NFLOG) interface").
      linkState: flags.has("up") || flags.has("running") || description === "",
      addresses: [],
    });
  }
  return interfaces;
}

/**
 * Resolves when tcpdump can open `iface` for capture (`tcpdump -L -i`,
 * which activates the device and exits, in about 60 ms); throws the
 * `TcpdumpError` a capture would meet: "no_such_device", "interface_down",
 * "permission_denied", or "not_installed".
 */
export async function checkCaptureAccess(
  iface: string,
  tcpdumpPath = "tcpdump",
): Promise<void> {
  await runTcpdump(tcpdumpPath, ["-L", "-i", iface], "open an interface", {
    iface,
  });
}

/**
 * Runs tcpdump with `args` to its end and returns its stdout; a failure is
 * the classified `TcpdumpError` of its stderr (`context` names what it was
 * given), a missing tcpdump "not_installed" (it was needed to `purpose`).
 */
async function runTcpdump(
  tcpdumpPath: string,
  args: string[],
  purpose: string,
  context: TcpdumpErrorContext,
): Promise<string> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(tcpdumpPath, {
      args,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw tcpdumpNotInstalled(tcpdumpPath, purpose);
    }
    throw error;
  }
  const decoder = new TextDecoder();
  if (!output.success) {
    throw classifyTcpdumpStderr(decoder.decode(output.stderr), context);
  }
  return decoder.decode(output.stdout);
}
