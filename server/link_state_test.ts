import assert from "node:assert/strict";
import type { NetworkInterfaceInfo } from "../capture/interfaces.ts";
import { LINK_CHECK_TICKS, LinkWatch } from "./link_state.ts";

function nic(
  up: boolean,
  running: boolean,
  linkState = true,
): NetworkInterfaceInfo {
  return {
    name: "eth9",
    description: "",
    up,
    running,
    loopback: false,
    linkState,
    addresses: [],
  };
}

Deno.test("LinkWatch reads the link every few ticks and says each change once; 'any' and a vanished interface say nothing", async () => {
  const lines: string[] = [];
  const states = [nic(true, true), nic(true, false), nic(true, false)];
  let reads = 0;
  const watch = new LinkWatch("eth9", (line) => lines.push(line), () => {
    reads++;
    return Promise.resolve([states.shift() ?? nic(true, true)]);
  });
  for (let tick = 0; tick < 4 * LINK_CHECK_TICKS; tick++) await watch.tick();
  assert.equal(reads, 4);
  assert.deepEqual(lines, [
    "The link of eth9 is down: nothing is captured until it is up",
    "The link of eth9 is up again",
  ]);
  const any = new LinkWatch("any", (line) => lines.push(line), () => {
    throw new Error("not read");
  });
  for (let tick = 0; tick < 2 * LINK_CHECK_TICKS; tick++) await any.tick();
  const gone = new LinkWatch(
    "eth9",
    (line) => lines.push(line),
    () => Promise.resolve([]),
  );
  for (let tick = 0; tick < 2 * LINK_CHECK_TICKS; tick++) await gone.tick();
  // A pseudo-device (nflog) is never up, and has no link to go down.
  const pseudo = new LinkWatch(
    "eth9",
    (line) => lines.push(line),
    () => Promise.resolve([nic(false, false, false)]),
  );
  for (let tick = 0; tick < 2 * LINK_CHECK_TICKS; tick++) await pseudo.tick();
  assert.equal(lines.length, 2);
});
