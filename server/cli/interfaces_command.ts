/**
 * `netmirror interfaces`: the interfaces tcpdump can capture on.
 *
 * @module
 */

import { parseArgs } from "node:util";
import {
  listInterfaces,
  type NetworkInterfaceInfo,
} from "../../capture/interfaces.ts";
import { parse, writeLine } from "./args.ts";

/** `netmirror interfaces --help`. */
export const INTERFACES_USAGE = `Usage: netmirror interfaces [--json]

Lists the interfaces tcpdump can capture on, with state and addresses.
A state of "-" is a pseudo-device (nflog, nfqueue, dbus-…) that has no
link to be up or down; a capture on it runs all the same.`;

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
  // A pseudo-device (nflog) has no link state: "-", not "down".
  const stateOf = (nic: NetworkInterfaceInfo) =>
    nic.linkState
      ? [nic.up ? "up" : "down", nic.running ? "running" : ""].filter(Boolean)
        .join(",")
      : "-";
  // Columns as wide as their longest entry ("bluetooth-monitor"), and no
  // trailing or doubled spaces where a column is empty.
  const nameWidth = Math.max(...interfaces.map((nic) => nic.name.length), 4);
  const stateWidth = Math.max(...interfaces.map((nic) => stateOf(nic).length));
  for (const nic of interfaces) {
    const detail = [
      nic.addresses.join(" "),
      nic.description ? `(${nic.description})` : "",
    ].filter(Boolean).join("  ");
    await writeLine(
      `${nic.name.padEnd(nameWidth)}  ${
        stateOf(nic).padEnd(stateWidth)
      }  ${detail}`
        .trimEnd(),
    );
  }
  return 0;
}
