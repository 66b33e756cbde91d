/**
 * A live capture's link going down and coming back: the one sentence the
 * sensor's status events and the command line say of it, and a watch that
 * reads it every few seconds for `netmirror capture`.
 *
 * @module
 */

import {
  listInterfaces,
  type NetworkInterfaceInfo,
} from "../capture/interfaces.ts";

/** What is said when the link of `iface` goes down (`down`) or comes back. */
export function linkStateMessage(iface: string, down: boolean): string {
  return down
    ? `The link of ${iface} is down: nothing is captured until it is up`
    : `The link of ${iface} is up again`;
}

/** Ticks (seconds) between two reads of the link's state. */
export const LINK_CHECK_TICKS = 3;

/** Reads the state of `iface`'s link every {@linkcode LINK_CHECK_TICKS} ticks and says when it changes ("any" has none). */
export class LinkWatch {
  readonly #iface: string;
  readonly #write: (line: string, down: boolean) => void;
  readonly #list: () => Promise<NetworkInterfaceInfo[]>;
  #ticks = 0;
  #checking = false;
  #down = false;

  /** A watch of `iface`, telling each change (its line, and whether the link is down) to `write`, reading the interfaces with `list`. */
  constructor(
    iface: string,
    write: (line: string, down: boolean) => void = (line) =>
      console.error(`netmirror: ${line}`),
    list: () => Promise<NetworkInterfaceInfo[]> = () => listInterfaces(),
  ) {
    this.#iface = iface;
    this.#write = write;
    this.#list = list;
  }

  /** Whether the link was down at the last read. */
  get down(): boolean {
    return this.#down;
  }

  /** One tick (a second): reads the link's state when due; resolves when that read is done. */
  async tick(): Promise<void> {
    if (this.#iface === "any" || this.#checking) return;
    if (++this.#ticks % LINK_CHECK_TICKS !== 0) return;
    this.#checking = true;
    try {
      const nic = (await this.#list().catch(() => [])).find((nic) =>
        nic.name === this.#iface
      );
      // Gone altogether: tcpdump fails and says so. A pseudo-device
      // (nflog) has no link to go down.
      if (nic === undefined || !nic.linkState) return;
      const down = !nic.up || !nic.running;
      if (down === this.#down) return;
      this.#down = down;
      this.#write(linkStateMessage(this.#iface, down), down);
    } finally {
      this.#checking = false;
    }
  }
}
