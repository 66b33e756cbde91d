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
 *
 * Needs root, `ip`, `nmap` and `nmblookup` (Samba's samba-common-bin;
 * .ci/run installs them; a missing tool fails the test). Each nmap run
 * waits for answers for at most 1 s (its llmnr-resolve.timeout), each
 * nmblookup run a few seconds at most; the poisoner is stopped after each
 * step.
 */

import assert from "node:assert/strict";
import {
  ATTACKER,
  createNetnsPair,
  type NetnsPair,
  VICTIM,
} from "./netns_pair.ts";
import { startInNs } from "./ns_process.ts";
import {
  assertAlert,
  capture,
  READY_TIMEOUT_MS,
  run,
  type Seen,
} from "./live_sensor.ts";

const POISONER = new URL("./name_poisoner.ts", import.meta.url).pathname;

/** The protocol a step asks in: LLMNR (nmap's llmnr-resolve) or NBT-NS (nmblookup). */
type Protocol = "llmnr" | "nbt-ns";

/** The victim asking for each of `names` in turn over `protocol`, while the poisoner answers when `poisoned`. */
async function askFor(
  pair: NetnsPair,
  names: readonly string[],
  poisoned: boolean,
  protocol: Protocol = "llmnr",
): Promise<Seen> {
  const poisoner = poisoned
    ? startInNs(pair.attackerNs, [
      Deno.execPath(),
      "run",
      "--unstable-net",
      `--allow-net=0.0.0.0:5355,0.0.0.0:137,224.0.0.252,${VICTIM}`,
      POISONER,
      ATTACKER,
    ])
    : undefined;
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

Deno.test("live name poisoning: a host answering the victim's LLMNR or NBT-NS queries for four names, or for WPAD, raises it", async (t) => {
  const pair = await createNetnsPair("np");
  try {
    // Multicast and broadcasts out of the victim's link (the namespace has
    // no default route).
    for (const destination of ["224.0.0.0/4", "255.255.255.255/32"]) {
      await run(pair.victimNs, [
        "ip",
        "route",
        "add",
        destination,
        "dev",
        pair.victimIface,
      ]);
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
