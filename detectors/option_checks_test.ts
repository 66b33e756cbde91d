import assert from "node:assert/strict";
import { requirePositive } from "./option_checks.ts";

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
