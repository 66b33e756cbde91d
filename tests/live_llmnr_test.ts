/**
 * LLMNR poisoning, seen live: in the victim's namespace nmap's
 * llmnr-resolve asks LLMNR (224.0.0.252, UDP 5355) for names no host has,
 * as Windows does when DNS cannot resolve one; in the attacker's, a
 * poisoner (tests/llmnr_poisoner.ts, what Responder does for LLMNR) answers
 * each with its own address. `netmirror capture -i <veth> -q --eve -` runs
 * in the victim's namespace (tests/live_sensor.ts). Four names, or WPAD
 * alone, make an LLMNR poisoning alert naming the poisoner and the victim;
 * the same queries with nothing answering raise nothing.
 *
 * Needs root, `ip` and `nmap` (.ci/run installs them; a missing tool fails
 * the test). Each nmap run waits for answers for at most 1 s (its
 * llmnr-resolve.timeout); the poisoner is stopped after each step.
 */

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
import assert from "node:assert/strict";

const POISONER = new URL("./llmnr_poisoner.ts", import.meta.url).pathname;

/** nmap's llmnr-resolve asking for each of `names` in turn, from the victim, while the poisoner answers when `poisoned`. */
async function askFor(
  pair: NetnsPair,
  names: readonly string[],
  poisoned: boolean,
): Promise<Seen> {
  const poisoner = poisoned
    ? startInNs(pair.attackerNs, [
      Deno.execPath(),
      "run",
      "--unstable-net",
      `--allow-net=0.0.0.0:5355,224.0.0.252,${VICTIM}`,
      POISONER,
      ATTACKER,
    ])
    : undefined;
  try {
    await poisoner?.waitFor("listening", READY_TIMEOUT_MS);
    return await capture(pair, async () => {
      for (const name of names) {
        await run(pair.victimNs, [
          "nmap",
          "-n",
          "-e",
          pair.victimIface,
          "--script",
          "llmnr-resolve",
          "--script-args",
          `llmnr-resolve.hostname=${name},llmnr-resolve.timeout=1s`,
        ]);
      }
    });
  } finally {
    await poisoner?.stop("SIGTERM");
  }
}

Deno.test("live LLMNR poisoning: a host answering the victim's LLMNR queries for four names, or for WPAD, raises it", async (t) => {
  const pair = await createNetnsPair("ll");
  try {
    // Multicast out of the victim's link (the namespace has no default route).
    await run(pair.victimNs, [
      "ip",
      "route",
      "add",
      "224.0.0.0/4",
      "dev",
      pair.victimIface,
    ]);
    const expected = {
      kind: "llmnr_poisoning",
      attacker: ATTACKER,
      victim: VICTIM,
      technique: "T1557.001",
    };
    await t.step(
      "four names no host has, each answered by the poisoner",
      async () => {
        const seen = await askFor(
          pair,
          ["fileserv", "printsrv01", "sharepiont", "nas-old"],
          true,
        );
        assertAlert(seen, expected);
      },
    );
    await t.step("WPAD alone, answered by the poisoner", async () => {
      assertAlert(await askFor(pair, ["wpad"], true), expected);
    });
    await t.step(
      "the same queries with nothing answering: no alert",
      async () => {
        const seen = await askFor(
          pair,
          ["fileserv", "printsrv01", "sharepiont", "nas-old", "wpad"],
          false,
        );
        assert.deepEqual(seen.alerts, []);
        assert.ok(seen.kernelPackets >= 5, "the queries were captured");
      },
    );
  } finally {
    await pair.close();
  }
});
