import assert from "node:assert/strict";
import { requirePorts, requirePositive } from "./option_checks.ts";

Deno.test("requirePositive() accepts positive values", () => {
  requirePositive("test detector", { windowUs: 1, share: 0.5 }, [
    "windowUs",
    "share",
  ]);
});

Deno.test("requirePositive() names the first value that is not positive", () => {
  const config = { windowUs: 1, maxSources: 0, threshold: -1, rate: NaN };
  assert.throws(
    () =>
      requirePositive("test detector", config, [
        "windowUs",
        "maxSources",
        "threshold",
      ]),
    new RangeError(
      "Cannot create test detector: maxSources must be positive, got 0",
    ),
  );
  assert.throws(
    () => requirePositive("test detector", config, ["rate"]),
    new RangeError(
      "Cannot create test detector: rate must be positive, got NaN",
    ),
  );
});

Deno.test("requirePositive() checks only the names given", () => {
  const config = { windowUs: 5, unused: -1, homeNet: ["10.0.0.0/8"] };
  requirePositive("test detector", config, ["windowUs"]);
});

Deno.test("requirePorts() takes a list of ports within the bound, and names the first out of place", () => {
  requirePorts("x", "ports", [1, 22, 65_535], "TCP");
  requirePorts("x", "ports", [], "UDP", 0);
  assert.throws(
    () => requirePorts("x", "ports", [22, 0], "TCP"),
    /Cannot create x: ports must hold TCP ports 1–65535, got 0/,
  );
  assert.throws(
    () => requirePorts("x", "ports", [22.5], "UDP"),
    /ports must hold UDP ports 1–65535, got 22.5/,
  );
  assert.throws(
    () => requirePorts("x", "ports", [1, 2, 3], "UDP", 2),
    /ports must hold at most 2 ports, got 3/,
  );
  assert.throws(
    () => requirePorts("x", "ports", 5 as unknown as number[], "UDP"),
    /ports must be a list of ports, got 5/,
  );
});
