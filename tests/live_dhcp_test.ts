/**
 * DHCP over IPv4 attacks, seen live: dnsmasq serves the link (on a macvlan
 * of the attacker's namespace, its own MAC, as the network's server), a
 * second dnsmasq in the attacker's namespace answers as a rogue server
 * naming itself router and DNS server or giving routes through itself
 * (TunnelVision), and nmap's DHCP client
 * (broadcast-dhcp-discover) asks from the victim's; then dhcpstarv in the
 * attacker's namespace empties the pool of a dnsmasq on the victim, and
 * yersinia floods the link with discovers from random MACs (a MAC flood
 * too). `netmirror capture -i <veth> -q --eve -` runs in the victim's
 * namespace (tests/live_sensor.ts). Each attack must raise its alert, with
 * attacker, victim and ATT&CK technique, and no other; a second server
 * that gives what the first gives raises nothing.
 *
 * Needs root, `ip`, `dnsmasq`, `dhcpstarv`, `yersinia` and `nmap` (.ci/run
 * installs them; a missing tool fails the test). dhcpstarv runs for 3 s,
 * yersinia for 0.1 s, nmap's client waits 2 s, and every daemon is
 * stopped.
 */

import assert from "node:assert/strict";
import {
  addAttackerMacvlan,
  ATTACKER,
  createNetnsPair,
  macOf,
  VICTIM,
} from "./netns_pair.ts";
import { type NsProcess, startInNs } from "./ns_process.ts";
import {
  assertAlert,
  capture,
  READY_TIMEOUT_MS,
  run,
  stopAll,
  withoutMacFlood,
} from "./live_sensor.ts";

/** The link's DHCP server: its NIC, its address, its pool. */
const SERVER_IFACE = "nmdhcp";
const SERVER = "10.77.0.253";
const SERVER_POOL = "10.77.0.10,10.77.0.250";
/** The rogue's pool, on the same link (the attacker's own address serves it). */
const ROGUE_POOL = "10.77.0.100,10.77.0.150";

Deno.test("live DHCP attacks: a rogue server beside the link's, and a starvation, raise their alerts", async (t) => {
  const pair = await createNetnsPair("ld");
  const dir = await Deno.makeTempDir({ prefix: "netmirror_dhcp_" });
  try {
    // The server's NIC: a macvlan beside the attacker's, with an address on
    // the link but no route (the attacker's traffic keeps its own NIC).
    await addAttackerMacvlan(pair, SERVER_IFACE);
    await run(pair.attackerNs, ["ip", "link", "set", SERVER_IFACE, "up"]);
    await run(pair.attackerNs, [
      "ip",
      "addr",
      "add",
      `${SERVER}/24`,
      "dev",
      SERVER_IFACE,
      "noprefixroute",
    ]);

    /** A dnsmasq serving DHCP only, on `iface`, from `pool`, naming `router` as router and DNS server; started once it says its range. */
    const dnsmasq = async (
      name: string,
      iface: string,
      pool: string,
      router: string,
      ns = pair.attackerNs,
      extra: string[] = [],
    ): Promise<NsProcess> => {
      const server = startInNs(ns, [
        "dnsmasq",
        "--no-daemon",
        "--conf-file=/dev/null",
        "--port=0",
        `--interface=${iface}`,
        "--bind-interfaces",
        // No ping of an address before it is offered (a second each).
        "--no-ping",
        `--dhcp-range=${pool},255.255.255.0,1h`,
        `--dhcp-option=option:router,${router}`,
        `--dhcp-option=option:dns-server,${router}`,
        `--dhcp-leasefile=${dir}/${name}.leases`,
        "--pid-file=",
        "--log-facility=-",
        ...extra,
      ]);
      await server.waitFor("DHCP, IP range", READY_TIMEOUT_MS);
      return server;
    };

    /** nmap's DHCP client in the victim's namespace: one discover, the offers it gets within 2 s. */
    const discover = () =>
      run(pair.victimNs, [
        "nmap",
        "-e",
        pair.victimIface,
        "--script",
        "broadcast-dhcp-discover",
        "--script-args",
        "broadcast-dhcp-discover.timeout=2s",
      ]);

    /** Discovers until `server` has offered an address (at most five times). */
    const discoverUntilOffered = async (server: NsProcess) => {
      for (let i = 0; i < 5 && !server.output().includes("DHCPOFFER"); i++) {
        await discover();
      }
      assert.match(server.output(), /DHCPOFFER/);
    };

    /**
     * Captures while the link's server offers nmap's client an address,
     * then a second dnsmasq on the attacker's NIC (naming `router` as router
     * and DNS server, with `extra` options) offers one too; returns what
     * the sensor saw and the address the second offered.
     */
    const besideTheLinksServer = async (
      router: string,
      extra: string[] = [],
    ) => {
      let legit: NsProcess | undefined;
      let second: NsProcess | undefined;
      const seen = await capture(pair, async () => {
        try {
          legit = await dnsmasq("legit", SERVER_IFACE, SERVER_POOL, SERVER);
          await discoverUntilOffered(legit);
          second = await dnsmasq(
            "second",
            pair.attackerIface,
            ROGUE_POOL,
            router,
            pair.attackerNs,
            extra,
          );
          await discoverUntilOffered(second);
        } finally {
          await stopAll([second, legit]);
        }
      });
      const offered = /DHCPOFFER\(\S+\) (\S+)/.exec(second!.output())![1]!;
      return { seen, offered };
    };

    await t.step(
      "dnsmasq as a rogue DHCP server: another router and DNS server, beside the link's server",
      async () => {
        const { seen, offered } = await besideTheLinksServer(ATTACKER);
        assertAlert(seen, {
          kind: "dhcp_spoof",
          attacker: ATTACKER,
          victim: offered,
          technique: "T1557.003",
        });
      },
    );

    await t.step(
      "dnsmasq as TunnelVision: the link's router and DNS server, and classless static routes through the attacker",
      async () => {
        // Two /1 routes beat the default route (and a VPN's), RFC 3442;
        // forced, as nmap's client asks for no routes (Windows, systemd
        // and dhclient do).
        const { seen, offered } = await besideTheLinksServer(SERVER, [
          `--dhcp-option-force=option:classless-static-route,0.0.0.0/1,${ATTACKER},128.0.0.0/1,${ATTACKER}`,
        ]);
        assertAlert(seen, {
          kind: "dhcp_spoof",
          attacker: ATTACKER,
          victim: offered,
          technique: "T1557.003",
        });
      },
    );

    await t.step(
      "dnsmasq twice: a second server that gives the same router and DNS server raises nothing",
      async () => {
        const { seen } = await besideTheLinksServer(SERVER);
        assert.deepEqual(seen.alerts, []);
        assert.ok(seen.kernelPackets >= 4, `${seen.kernelPackets} packets`);
      },
    );

    await t.step(
      "dhcpstarv: a DHCP starvation, every lease of the server's pool taken",
      async () => {
        let server: NsProcess | undefined;
        let starver: NsProcess | undefined;
        const seen = await capture(pair, async () => {
          try {
            // On the victim, which the sensor watches (dhcpstarv takes the
            // offers to its made-up MACs off its own veth).
            server = await dnsmasq(
              "starved",
              pair.victimIface,
              SERVER_POOL,
              VICTIM,
              pair.victimNs,
            );
            // Its own MAC in every frame, a new client address in each
            // request, until the server has no address left (it takes the
            // 241 leases in well under a second, mostly; once a lost answer
            // held it up past 3 s), 10 s at most.
            starver = startInNs(pair.attackerNs, [
              "dhcpstarv",
              "-i",
              pair.attackerIface,
            ]);
            await server.waitFor("no address available", 10_000);
          } finally {
            await stopAll([starver, server]);
          }
          assert.match(server!.output(), /no address available/);
        });
        assertAlert(seen, {
          kind: "dhcp_starvation",
          attacker: await macOf(pair.attackerNs, pair.attackerIface),
          victim: VICTIM,
          technique: "T1499.002",
        });
      },
    );

    await t.step(
      "yersinia dhcp -attack 1: discovers from random MACs, each frame's too",
      async () => {
        // A burst of 350 000 frames a second: tcpdump, writing each packet
        // as it comes (-U), falls behind on a loaded 2-core machine, and
        // the default 64 MiB kernel buffer (about 7 000 packets at the
        // 9216-byte snap length) overflowed in some runs. An operator
        // expecting floods gives tcpdump more, as here (256 MiB).
        const config = `${dir}/netmirror.json`;
        await Deno.writeTextFile(
          config,
          JSON.stringify({ capture: { bufferKib: 262_144 } }),
        );
        const seen = await capture(pair, async () => {
          // yersinia sends until a key is pressed: stdin stays open 0.1 s
          // from the moment it has opened the interface (about 35 000
          // discovers here; counted from its start, a loaded machine left
          // it no time to send any), which its log in its working directory
          // (the test's own) says, at most 5 s.
          const started =
            "i=0; while [ $i -lt 500 ] && ! grep -qs iflinkname yersinia.log; do sleep 0.01; i=$((i+1)); done";
          await run(pair.attackerNs, [
            "sh",
            "-c",
            `cd '${dir}' && rm -f yersinia.log && (${started}; sleep 0.1) | yersinia dhcp -attack 1 -interface ${pair.attackerIface}`,
          ]);
        }, config);
        // No server answers: no victim; no MAC sent most: no attacker.
        // Each frame from a new MAC, sent once: a MAC flood too, which
        // fills switches' tables (its IP source, 0.0.0.0, names no one).
        assert.deepEqual(withoutMacFlood(seen), [{
          kind: "dhcp_starvation",
          attacker: "",
          victim: "",
          technique: "T1499.002",
        }]);
        assert.equal(seen.kernelDrops, 0, "tcpdump dropped packets");
        assert.ok(seen.kernelPackets > 1_000, `${seen.kernelPackets} packets`);
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
    await pair.close();
  }
});
