/**
 * A router's cold ARP cache on a VRRP segment, seen live: keepalived
 * (`use_vmac`) in the attacker's namespace is the master of virtual router
 * 51, the gateway 10.77.0.254 at the virtual MAC 00:00:5e:00:01:33; the
 * victim's namespace holds 60 more addresses whose default route is that
 * gateway, and the router pings each from an address beyond it
 * (198.51.100.1), resolving each host first from its own address and MAC.
 * The hosts answer to their gateway's virtual MAC, not to the MAC that
 * asked; the router's advertisements, from the virtual MAC and its own
 * address, tie the two. `netmirror capture -i <veth> -q --eve -` runs in the
 * victim's namespace (tests/live_sensor.ts): the pings are an ICMP sweep,
 * and the router's requests no ARP scan.
 *
 * Needs root, `ip`, `keepalived` and `ping` (.ci/run installs them; a
 * missing tool fails the test). keepalived runs for a few seconds and is
 * stopped; the pings are 60, one each, waiting 1 s at most.
 */

import assert from "node:assert/strict";
import { createNetnsPair, type NetnsPair } from "./netns_pair.ts";
import { startInNs } from "./ns_process.ts";
import { capture, READY_TIMEOUT_MS, run } from "./live_sensor.ts";

/** The virtual router's gateway address (its hosts' default route). */
const GATEWAY = "10.77.0.254";
/** An address beyond the router, which it pings from. */
const REMOTE = "198.51.100.1";
/** The 60 hosts on the victim's link. */
const HOSTS = Array.from({ length: 60 }, (_, i) => `10.77.0.${100 + i}`);

/**
 * The link of `pair` as a routed segment: the 60 hosts on the victim's
 * side, whose default route is the virtual gateway; on the router's, an
 * address beyond it to ping from, and ARP requests from its own address on
 * the link (as a router forwarding others' packets asks).
 */
async function hostsBehindGateway(pair: NetnsPair): Promise<void> {
  for (const host of HOSTS) {
    await run(pair.victimNs, [
      "ip",
      "addr",
      "add",
      `${host}/24`,
      "dev",
      pair.victimIface,
    ]);
  }
  await run(pair.victimNs, ["ip", "route", "add", "default", "via", GATEWAY]);
  await run(pair.attackerNs, [
    "ip",
    "addr",
    "add",
    `${REMOTE}/32`,
    "dev",
    "lo",
  ]);
  await run(pair.attackerNs, [
    "sysctl",
    "-qw",
    "net.ipv4.conf.all.arp_announce=2",
  ]);
}

/** The router pinging every host once, from the address beyond it (each resolved first). */
async function pingHosts(pair: NetnsPair): Promise<void> {
  await Promise.all(
    HOSTS.map((host) =>
      run(pair.attackerNs, ["ping", "-c", "1", "-W", "1", "-I", REMOTE, host])
    ),
  );
}

Deno.test("live VRRP router: a master resolving 60 hosts that answer to its virtual MAC is no ARP scan", async () => {
  const pair = await createNetnsPair("vr");
  const dir = await Deno.makeTempDir({ prefix: "netmirror_vrrp_" });
  try {
    const config = `${dir}/keepalived.conf`;
    await Deno.writeTextFile(
      config,
      [
        "global_defs {",
        "  router_id netmirror_test",
        "}",
        "vrrp_instance NM {",
        "  state MASTER",
        `  interface ${pair.attackerIface}`,
        "  virtual_router_id 51",
        // The address owner's priority: master at once, no election wait.
        "  priority 255",
        "  advert_int 1",
        "  use_vmac",
        "  virtual_ipaddress {",
        `    ${GATEWAY}/24`,
        "  }",
        "}",
        "",
      ].join("\n"),
    );
    await hostsBehindGateway(pair);
    const keepalived = startInNs(pair.attackerNs, [
      "keepalived",
      "--dont-fork",
      "--log-console",
      "--vrrp",
      "-f",
      config,
      "-p",
      `${dir}/keepalived.pid`,
      "-r",
      `${dir}/vrrp.pid`,
    ]);
    try {
      await keepalived.waitFor("Entering MASTER STATE", READY_TIMEOUT_MS);
      const seen = await capture(pair, async () => {
        // An advertisement or two first (one a second), as a sensor on a
        // VRRP segment has seen long before a router's cache goes cold.
        await new Promise((resolve) => setTimeout(resolve, 2_200));
        await pingHosts(pair);
      });
      assert.deepEqual(
        seen.alerts.map(({ kind, attacker }) => [kind, attacker]),
        [["icmp_sweep", REMOTE]],
        `the pings are a sweep, the router's requests no ARP scan; keepalived: ${keepalived.output()}`,
      );
      assert.equal(seen.kernelDrops, 0, "tcpdump dropped packets");
    } finally {
      await keepalived.stop("SIGTERM");
    }
  } finally {
    await pair.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("live VRRP router: the same requests without the router's advertisements are an ARP scan (the documented limit)", async () => {
  // No keepalived: the gateway's address and virtual MAC on a macvlan of the
  // router's, sending no advertisement; the hosts still answer to it.
  const pair = await createNetnsPair("vs");
  try {
    await run(pair.attackerNs, [
      "ip",
      "link",
      "add",
      "nmvmac",
      "link",
      pair.attackerIface,
      "address",
      "00:00:5e:00:01:33",
      "type",
      "macvlan",
      "mode",
      "bridge",
    ]);
    await run(pair.attackerNs, [
      "ip",
      "addr",
      "add",
      `${GATEWAY}/24`,
      "dev",
      "nmvmac",
      "noprefixroute",
    ]);
    await run(pair.attackerNs, ["ip", "link", "set", "nmvmac", "up"]);
    // Only the macvlan answers for the gateway (as keepalived arranges).
    await run(pair.attackerNs, [
      "sysctl",
      "-qw",
      `net.ipv4.conf.${pair.attackerIface}.arp_ignore=1`,
    ]);
    await hostsBehindGateway(pair);
    const seen = await capture(pair, () => pingHosts(pair));
    assert.deepEqual(
      seen.alerts.map(({ kind, attacker }) => [kind, attacker]).sort(),
      [["arp_scan", "10.77.0.1"], ["icmp_sweep", REMOTE]],
    );
  } finally {
    await pair.close();
  }
});
