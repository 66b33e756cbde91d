/**
 * Two network namespaces joined by a veth pair, for tests that run real
 * attack tools: an attacker (10.77.0.1, fd00:77::1) and a victim (10.77.0.2,
 * fd00:77::2) on 10.77.0.0/24 and fd00:77::/64, and 10.78.0.0/24 and
 * fd00:78::/64 routed from the attacker to the victim (addresses with no
 * host behind them, for sweeps). Neither namespace has
 * any other route, so no packet leaves the pair: the victim's replies to
 * spoofed sources, and anything addressed to the empty subnet, have nowhere
 * to go and are dropped. Needs root and
 * `ip` (iproute2).
 *
 * @module
 */

/** The attacker's address. */
export const ATTACKER = "10.77.0.1";
/** The victim's address. */
export const VICTIM = "10.77.0.2";
/** The victim's subnet (the attacker is on it too). */
export const VICTIM_SUBNET = "10.77.0.0/24";
/** A subnet routed from the attacker to the victim, with no hosts. */
export const EMPTY_SUBNET = "10.78.0.0/24";
/** The attacker's IPv6 address. */
export const ATTACKER6 = "fd00:77::1";
/** The victim's IPv6 address. */
export const VICTIM6 = "fd00:77::2";
/** An IPv6 subnet routed from the attacker to the victim, with no hosts. */
export const EMPTY_SUBNET6 = "fd00:78::/64";

/** A namespace pair; `close()` deletes both (and the veth pair with them). */
export interface NetnsPair {
  /** The attacker's namespace. */
  attackerNs: string;
  /** The attacker's end of the veth pair. */
  attackerIface: string;
  /** The victim's namespace. */
  victimNs: string;
  /** The victim's end of the veth pair (capture here). */
  victimIface: string;
  /** Deletes both namespaces. Idempotent. */
  close(): Promise<void>;
}

async function ip(args: string[]): Promise<void> {
  const out = await new Deno.Command("ip", { args, stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(
      `ip ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
}

/** Creates the pair; names carry `tag` and this process's id so parallel runs do not meet. */
export async function createNetnsPair(tag: string): Promise<NetnsPair> {
  const id = `${tag}${Deno.pid % 100_000}`;
  const attackerNs = `nm-${id}-a`;
  const victimNs = `nm-${id}-v`;
  // Interface names have at most 15 characters.
  const attackerIface = `nma${id}`.slice(0, 15);
  const victimIface = `nmv${id}`.slice(0, 15);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    for (const ns of [attackerNs, victimNs]) {
      await new Deno.Command("ip", {
        args: ["netns", "del", ns],
        stderr: "null",
      }).output();
    }
  };
  // Each line one `ip` command; nodad makes an IPv6 address usable at once,
  // without duplicate address detection's wait.
  const setup = [
    `netns add ${attackerNs}`,
    `netns add ${victimNs}`,
    `link add ${attackerIface} netns ${attackerNs} type veth peer name ${victimIface} netns ${victimNs}`,
    `-n ${attackerNs} addr add ${ATTACKER}/24 dev ${attackerIface}`,
    `-n ${victimNs} addr add ${VICTIM}/24 dev ${victimIface}`,
    `-n ${attackerNs} addr add ${ATTACKER6}/64 dev ${attackerIface} nodad`,
    `-n ${victimNs} addr add ${VICTIM6}/64 dev ${victimIface} nodad`,
    `-n ${attackerNs} link set ${attackerIface} up`,
    `-n ${victimNs} link set ${victimIface} up`,
    `-n ${attackerNs} link set lo up`,
    `-n ${victimNs} link set lo up`,
    `-n ${attackerNs} route add ${EMPTY_SUBNET} via ${VICTIM}`,
    `-n ${attackerNs} -6 route add ${EMPTY_SUBNET6} via ${VICTIM6}`,
  ];
  try {
    for (const line of setup) await ip(line.split(" "));
  } catch (error) {
    await close();
    throw error;
  }
  return { attackerNs, attackerIface, victimNs, victimIface, close };
}

/** The MAC of `iface` in namespace `ns`. */
export async function macOf(ns: string, iface: string): Promise<string> {
  const out = await new Deno.Command("ip", {
    args: ["-n", ns, "-j", "link", "show", iface],
    stdout: "piped",
  }).output();
  if (!out.success) throw new Error(`ip -n ${ns} link show ${iface} failed`);
  return JSON.parse(new TextDecoder().decode(out.stdout))[0].address;
}

/** Adds NIC `name` to the attacker's namespace beside its veth end: a macvlan in bridge mode, its own MAC on the same link; down (the caller sets it up). */
export async function addAttackerMacvlan(
  pair: NetnsPair,
  name: string,
): Promise<void> {
  await ip([
    "-n",
    pair.attackerNs,
    "link",
    "add",
    name,
    "link",
    pair.attackerIface,
    "type",
    "macvlan",
    "mode",
    "bridge",
  ]);
}
