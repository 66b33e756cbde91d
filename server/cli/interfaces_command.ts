/**
 * `netmirror interfaces`: the interfaces tcpdump can capture on.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { listInterfaces } from "../../capture/interfaces.ts";
import { parse, writeLine } from "./args.ts";

/** `netmirror interfaces --help`. */
export const INTERFACES_USAGE = `Usage: netmirror interfaces [--json]

Lists the interfaces tcpdump can capture on, with state and addresses.`;

/** Runs `interfaces`; resolves with the exit code. */
export async function interfacesCommand(args: string[]): Promise<number> {
  const { values } = parse(() =>
    parseArgs({
      args,
      options: {
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    })
  );
  if (values.help) {
    await writeLine(INTERFACES_USAGE);
    return 0;
  }
  const interfaces = await listInterfaces();
  if (values.json) {
    await writeLine(JSON.stringify(interfaces, null, 2));
    return 0;
  }
  for (const nic of interfaces) {
    const state = [nic.up ? "up" : "down", nic.running ? "running" : ""]
      .filter(Boolean).join(",");
    await writeLine(
      `${nic.name.padEnd(12)} ${state.padEnd(12)} ${nic.addresses.join(" ")}${
        nic.description ? `  (${nic.description})` : ""
      }`,
    );
  }
  return 0;
}
