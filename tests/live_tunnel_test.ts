/**
 * Attacks seen only inside a tunnel, live: the kernel's VXLAN (RFC 7348,
 * UDP 4789) joins the two namespaces of tests/netns_pair.ts over their veth
 * pair, as AWS and Azure traffic mirroring deliver a network's packets to a
 * sensor, and `netmirror capture -i <veth>` runs on the veth, the underlay,
 * where every packet is a UDP datagram between the two tunnel endpoints.
 * nmap's SYN scans over IPv4 and IPv6 and arp-scan's ARP scan inside the
 * tunnel must raise their alerts with the inner addresses (before
 * decapsulation NetMirror saw one UDP conversation and raised nothing),
 * and pings inside it must raise none. The kernel here has VXLAN but no
 * GRE, Geneve or IP-in-IP devices: tests/tunnel_tshark_test.ts checks
 * those against tshark.
 *
 * Needs root, `ip`, `nmap`, `arp-scan` and `ping` (.ci/run installs them).
 * Every tool runs with a bounded target list or packet count.
 */

import assert from "node:assert/strict";
import {
  ATTACKER,
  createNetnsPair,
  type NetnsPair,
  VICTIM,
} from "./netns_pair.ts";
import { assertAlert, attack } from "./live_sensor.ts";

/** The tunnel's inner addresses: the attacker's and the victim's. */
const INNER_ATTACKER = "10.79.0.1";
const INNER_VICTIM = "10.79.0.2";
const INNER_SUBNET = "10.79.0.0/24";
const INNER_ATTACKER6 = "fd00:79::1";
const INNER_VICTIM6 = "fd00:79::2";
/** The VXLAN network identifier. */
const VNI = 4242;

/** The VXLAN interface's name in either namespace. */
const VXLAN_IFACE = "nmvx0";

/** Adds a VXLAN interface to each namespace, over the veth pair, with the inner addresses. */
async function addVxlan(pair: NetnsPair): Promise<void> {
  const ends = [
    [
      pair.attackerNs,
      pair.attackerIface,
      ATTACKER,
      VICTIM,
      INNER_ATTACKER,
      INNER_ATTACKER6,
    ],
    [
      pair.victimNs,
      pair.victimIface,
      VICTIM,
      ATTACKER,
      INNER_VICTIM,
      INNER_VICTIM6,
    ],
  ];
  for (const [ns, underlay, local, remote, inner, inner6] of ends) {
    for (
      const line of [
        `link add ${VXLAN_IFACE} type vxlan id ${VNI} local ${local} remote ${remote} dstport 4789 dev ${underlay}`,
        `addr add ${inner}/24 dev ${VXLAN_IFACE}`,
        `addr add ${inner6}/64 dev ${VXLAN_IFACE} nodad`,
        `link set ${VXLAN_IFACE} up`,
      ]
    ) {
      const out = await new Deno.Command("ip", {
        args: ["-n", ns!, ...line.split(" ")],
        stderr: "piped",
      }).output();
      assert.ok(
        out.success,
        `ip -n ${ns} ${line}: ${new TextDecoder().decode(out.stderr)}`,
      );
    }
  }
}

Deno.test("live tunnel: attacks inside VXLAN, captured on the underlay, raise their alerts with the inner addresses", async (t) => {
  const pair = await createNetnsPair("tu");
  try {
    await addVxlan(pair);

    for (
      const [family, flags, attacker, victim] of [
        ["IPv4", [], INNER_ATTACKER, INNER_VICTIM],
        ["IPv6", ["-6"], INNER_ATTACKER6, INNER_VICTIM6],
      ] as const
    ) {
      await t.step(
        `nmap ${flags.join(" ")} -sS inside VXLAN over ${family}`,
        async () => {
          const seen = await attack(pair, [
            "nmap",
            ...flags,
            "-n",
            "-T5",
            "-sS",
            "-Pn",
            "--max-retries",
            "1",
            "-p",
            "1-200",
            victim,
          ]);
          assertAlert(seen, {
            kind: "port_scan",
            attacker,
            victim,
            technique: "T1046",
          });
        },
      );
    }

    await t.step(
      "arp-scan inside VXLAN: an ARP scan of the inner subnet",
      async () => {
        const seen = await attack(pair, [
          "arp-scan",
          "-I",
          VXLAN_IFACE,
          "--retry",
          "1",
          INNER_SUBNET,
        ]);
        assertAlert(seen, {
          kind: "arp_scan",
          attacker: INNER_ATTACKER,
          victim: "",
          technique: "T1018",
        });
      },
    );

    await t.step(
      "ping inside VXLAN: ordinary traffic raises nothing",
      async () => {
        const seen = await attack(pair, [
          "ping",
          "-c",
          "20",
          "-i",
          "0.01",
          "-q",
          INNER_VICTIM,
        ]);
        assert.deepEqual(seen.alerts, []);
        assert.equal(seen.kernelDrops, 0);
        // Requests and replies, each seen inside its tunnel.
        assert.ok(seen.icmpv4 >= 40, `${seen.icmpv4} ICMP packets`);
        assert.ok(seen.tunneled >= 40, `${seen.tunneled} tunneled packets`);
      },
    );
  } finally {
    await pair.close();
  }
});
