/**
 * Name poisoning, seen live: in the victim's namespace nmap's llmnr-resolve
 * asks LLMNR (224.0.0.252, UDP 5355), and Samba's nmblookup asks NBT-NS (a
 * broadcast name query, UDP 137), for names no host has, as Windows does
 * when DNS cannot resolve one; in the attacker's, a poisoner
 * (tests/name_poisoner.ts, what Responder does for both) answers each with
 * its own address. `netmirror capture -i <veth> -q --eve -` runs in the
 * victim's namespace (tests/live_sensor.ts). Four names over LLMNR, or over
 * NBT-NS, or WPAD alone, make a name poisoning alert naming the poisoner
 * and the victim; the same queries with nothing answering raise nothing.
 * Over mDNS the victim runs Avahi (avahi-daemon, with nss-mdns: `getent
 * hosts <name>.local` asks 224.0.0.251), and the poisoner answers to the
 * group as Responder does: four names make the alert, and each resolves to
 * the poisoner, over IPv4 and over IPv6 (AAAA queries to ff02::fb, answered
 * from the poisoner's link-local address with its global one); Avahi on the
 * attacker's host publishing four names of other hosts' addresses
 * (/etc/avahi/hosts, as a proxy does) makes none.
 *
 * Needs root, `ip`, `nmap`, `nmblookup` (Samba's samba-common-bin),
 * `avahi-daemon` and nss-mdns (libnss-mdns) (.ci/run installs them; a
 * missing tool fails the test). Each nmap run waits for answers for at
 * most 1 s (its llmnr-resolve.timeout), each nmblookup run a few seconds
 * at most, each `getent` 3 s at most; the poisoner and each avahi-daemon
 * are stopped after each step. Avahi runs in the namespace's own mount
 * namespace (`ip netns exec` makes one), with its runtime directory,
 * /etc/nsswitch.conf and /etc/avahi/hosts mounted over from a temporary
 * directory, so it meets no other Avahi and changes nothing outside.
 */

import assert from "node:assert/strict";
import {
  ATTACKER,
  ATTACKER6,
  createNetnsPair,
  type NetnsPair,
  VICTIM,
  VICTIM6,
} from "./netns_pair.ts";
import { type NsProcess, startInNs } from "./ns_process.ts";
import {
  assertAlert,
  capture,
  READY_TIMEOUT_MS,
  run,
  type Seen,
} from "./live_sensor.ts";

const POISONER = new URL("./name_poisoner.ts", import.meta.url).pathname;

/** The poisoner's permissions: its three ports and two groups, and answers to the victim. */
const POISONER_NET =
  `--allow-net=0.0.0.0:5355,0.0.0.0:137,0.0.0.0:5353,224.0.0.252,224.0.0.251,${VICTIM}`;

/**
 * Starts the poisoner (tests/name_poisoner.ts) in the attacker's namespace,
 * answering with the attacker's address; given `interfaceIndex` (the
 * attacker's interface's), also mDNS AAAA queries over IPv6 with its IPv6
 * address.
 */
function startPoisoner(pair: NetnsPair, interfaceIndex?: number): NsProcess {
  return startInNs(pair.attackerNs, [
    Deno.execPath(),
    "run",
    "--unstable-net",
    interfaceIndex === undefined
      ? POISONER_NET
      : `${POISONER_NET},[::]:5353,[ff02::fb]`,
    POISONER,
    ATTACKER,
    ...(interfaceIndex === undefined
      ? []
      : [ATTACKER6, String(interfaceIndex)]),
  ]);
}

/** The index of interface `iface` in namespace `ns`. */
async function interfaceIndexOf(ns: string, iface: string): Promise<number> {
  const out = await new Deno.Command("ip", {
    args: ["-n", ns, "-j", "link", "show", iface],
    stdout: "piped",
  }).output();
  assert.ok(out.success, `ip -n ${ns} link show ${iface}`);
  return JSON.parse(new TextDecoder().decode(out.stdout))[0].ifindex;
}

/**
 * A shell script that runs avahi-daemon on `iface` as `hostName` in this
 * mount namespace (files from `dir`: avahi.conf, nsswitch.conf, and
 * `hosts` when `publish`), waits for its socket, then runs `then` and
 * stops it; or, without `then`, keeps it running (until stopped, 60 s at
 * most).
 */
function avahiScript(
  dir: string,
  iface: string,
  hostName: string,
  then?: string,
): string {
  return `set -e
mkdir -p /run/avahi-daemon
mount -t tmpfs none /run/avahi-daemon
mount --bind ${dir}/nsswitch.conf /etc/nsswitch.conf
mount --bind ${dir}/hosts /etc/avahi/hosts
sed 's/@HOST@/${hostName}/; s/@IFACE@/${iface}/' ${dir}/avahi.conf > /run/avahi-daemon/avahi.conf
timeout 60 avahi-daemon --no-drop-root --no-chroot --no-rlimits -f /run/avahi-daemon/avahi.conf &
daemon=$!
trap 'kill $daemon; exit 0' TERM INT
i=0
while [ ! -S /run/avahi-daemon/socket ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
echo avahi ready
${then ?? "wait $daemon"}
kill $daemon
wait $daemon || true
`;
}

/** Writes the files {@linkcode avahiScript} reads into a new temporary directory: `hosts` maps each name of `published` to its address; Avahi speaks IPv6 alone when `six`. */
async function avahiFiles(
  published: Record<string, string> = {},
  six = false,
): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "netmirror-avahi-" });
  await Deno.writeTextFile(
    `${dir}/avahi.conf`,
    `[server]
host-name=@HOST@
use-ipv4=${six ? "no" : "yes"}
use-ipv6=${six ? "yes" : "no"}
allow-interfaces=@IFACE@
enable-dbus=no
ratelimit-interval-usec=0
[publish]
publish-hinfo=no
publish-workstation=no
`,
  );
  await Deno.writeTextFile(
    `${dir}/nsswitch.conf`,
    `hosts: files ${
      six ? "mdns6_minimal" : "mdns4_minimal"
    } [NOTFOUND=return]\n`,
  );
  await Deno.writeTextFile(
    `${dir}/hosts`,
    Object.entries(published).map(([name, address]) => `${address} ${name}\n`)
      .join(""),
  );
  return dir;
}

/**
 * The victim's Avahi asking mDNS for each of `names` (getent, 3 s each;
 * for AAAA records over IPv6 alone when `six`) while the poisoner answers
 * when `poisoned`, and while Avahi on the attacker's host publishes
 * `published` (name → address); returns what the sensor saw and what each
 * name resolved to ("" for none).
 */
async function askMdns(
  pair: NetnsPair,
  names: readonly string[],
  poisoned: boolean,
  published: Record<string, string> = {},
  six = false,
): Promise<{ seen: Seen; resolved: Record<string, string> }> {
  const dir = await avahiFiles(published, six);
  const poisoner = poisoned
    ? startPoisoner(
      pair,
      six
        ? await interfaceIndexOf(pair.attackerNs, pair.attackerIface)
        : undefined,
    )
    : undefined;
  const publisher = Object.keys(published).length > 0
    ? startInNs(pair.attackerNs, [
      "sh",
      "-c",
      avahiScript(dir, pair.attackerIface, "proxyhost"),
    ])
    : undefined;
  const resolved: Record<string, string> = {};
  try {
    await poisoner?.waitFor("listening", READY_TIMEOUT_MS);
    await publisher?.waitFor("Server startup complete", READY_TIMEOUT_MS);
    const lookups = names.map((name) =>
      six
        ? `timeout 3 getent ahostsv6 ${name} | head -1 | grep . || echo "- x ${name}"`
        : `timeout 3 getent hosts ${name} || echo "- ${name}"`
    ).join("\n");
    const seen = await capture(pair, async () => {
      const out = await new Deno.Command("ip", {
        args: [
          "netns",
          "exec",
          pair.victimNs,
          "sh",
          "-c",
          avahiScript(dir, pair.victimIface, "victimhost", lookups),
        ],
        stdout: "piped",
        stderr: "piped",
        signal: AbortSignal.timeout(READY_TIMEOUT_MS + names.length * 4_000),
      }).output();
      const text = new TextDecoder().decode(out.stdout);
      assert.ok(
        out.success && text.includes("avahi ready"),
        `${text} ${new TextDecoder().decode(out.stderr)}`,
      );
      for (const line of text.split("\n")) {
        // "address name", or getent ahostsv6's "address STREAM name".
        const words = line.trim().split(/\s+/);
        const address = words[0];
        const name = words.at(-1);
        if (name !== undefined && names.includes(name)) {
          resolved[name] = address === "-" ? "" : address!;
        }
      }
    });
    return { seen, resolved };
  } finally {
    await poisoner?.stop("SIGTERM");
    await publisher?.stop("SIGTERM");
    await Deno.remove(dir, { recursive: true });
  }
}

/** The protocol a step asks in: LLMNR (nmap's llmnr-resolve) or NBT-NS (nmblookup). */
type Protocol = "llmnr" | "nbt-ns";

/** The victim asking for each of `names` in turn over `protocol`, while the poisoner answers when `poisoned`. */
async function askFor(
  pair: NetnsPair,
  names: readonly string[],
  poisoned: boolean,
  protocol: Protocol = "llmnr",
): Promise<Seen> {
  const poisoner = poisoned ? startPoisoner(pair) : undefined;
  try {
    await poisoner?.waitFor("listening", READY_TIMEOUT_MS);
    return await capture(pair, async () => {
      for (const name of names) {
        await run(
          pair.victimNs,
          protocol === "llmnr"
            ? [
              "nmap",
              "-n",
              "-e",
              pair.victimIface,
              "--script",
              "llmnr-resolve",
              "--script-args",
              `llmnr-resolve.hostname=${name},llmnr-resolve.timeout=1s`,
            ]
            // A broadcast name query (to 255.255.255.255: the veth's
            // address has no broadcast address of its own).
            : ["nmblookup", "-B", "255.255.255.255", name],
          // nmblookup fails when nothing answers, as it should then.
          poisoned || protocol === "llmnr" ? undefined : () => {},
        );
      }
    });
  } finally {
    await poisoner?.stop("SIGTERM");
  }
}

Deno.test("live name poisoning: a host answering the victim's LLMNR, NBT-NS or mDNS queries for four names, or for WPAD, raises it", async (t) => {
  const pair = await createNetnsPair("np");
  try {
    // Multicast and broadcasts out of each end's link (the namespaces have
    // no default route).
    for (const destination of ["224.0.0.0/4", "255.255.255.255/32"]) {
      for (
        const [ns, iface] of [
          [pair.victimNs, pair.victimIface],
          [pair.attackerNs, pair.attackerIface],
        ]
      ) {
        await run(ns!, ["ip", "route", "add", destination, "dev", iface!]);
      }
    }
    const expected = {
      kind: "name_poisoning",
      attacker: ATTACKER,
      victim: VICTIM,
      technique: "T1557.001",
    };
    const names = ["fileserv", "printsrv01", "sharepiont", "nas-old"];
    await t.step(
      "four names over LLMNR (nmap's llmnr-resolve), each answered by the poisoner",
      async () => {
        assertAlert(await askFor(pair, names, true), expected);
      },
    );
    await t.step(
      "WPAD alone over LLMNR, answered by the poisoner",
      async () => {
        assertAlert(await askFor(pair, ["wpad"], true), expected);
      },
    );
    await t.step(
      "four names over NBT-NS (nmblookup), each answered by the poisoner",
      async () => {
        assertAlert(await askFor(pair, names, true, "nbt-ns"), expected);
      },
    );
    const localNames = names.map((name) => `${name}.local`);
    await t.step(
      "four names over mDNS (Avahi on the victim), answered to the group by the poisoner",
      async () => {
        const { seen, resolved } = await askMdns(pair, localNames, true);
        assertAlert(seen, expected);
        for (const name of localNames) assert.equal(resolved[name], ATTACKER);
      },
    );
    await t.step(
      "four names over mDNS on IPv6 (AAAA), answered to ff02::fb from the poisoner's link-local address with its global one",
      async () => {
        const { seen, resolved } = await askMdns(
          pair,
          localNames,
          true,
          {},
          true,
        );
        assertAlert(seen, {
          ...expected,
          attacker: ATTACKER6,
          victim: VICTIM6,
        });
        for (const name of localNames) assert.equal(resolved[name], ATTACKER6);
      },
    );
    await t.step(
      "Avahi on the attacker's host publishing four other hosts' names and addresses: no alert",
      async () => {
        const published = Object.fromEntries(
          localNames.map((name, i) => [name, `10.77.0.${50 + i}`]),
        );
        const { seen, resolved } = await askMdns(
          pair,
          localNames,
          false,
          published,
        );
        assert.deepEqual(resolved, published);
        assert.deepEqual(seen.alerts, []);
      },
    );
    await t.step(
      "the same mDNS queries with nothing answering: no alert",
      async () => {
        const { seen, resolved } = await askMdns(pair, localNames, false);
        assert.deepEqual(Object.values(resolved), ["", "", "", ""]);
        assert.deepEqual(seen.alerts, []);
      },
    );
    for (const protocol of ["llmnr", "nbt-ns"] as const) {
      await t.step(
        `the same ${protocol} queries and WPAD with nothing answering: no alert`,
        async () => {
          const seen = await askFor(
            pair,
            [...names, "wpad"],
            false,
            protocol,
          );
          assert.deepEqual(seen.alerts, []);
          assert.ok(seen.kernelPackets >= 5, "the queries were captured");
        },
      );
    }
  } finally {
    await pair.close();
  }
});
