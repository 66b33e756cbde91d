import assert from "node:assert/strict";
import { parseArgs } from "node:util";
import { captureFlags, nonEmpty, parse, UsageError } from "./args.ts";

function usageMessage(call: () => unknown): string {
  try {
    call();
  } catch (error) {
    assert.ok(error instanceof UsageError, String(error));
    return error.message;
  }
  throw new Error("no usage error");
}

Deno.test("parse() says how to give a value that starts with a dash", () => {
  const message = usageMessage(() =>
    parse(() =>
      parseArgs({
        args: ["--port", "-1"],
        options: { port: { type: "string" } },
      })
    )
  );
  assert.equal(
    message,
    '--port needs a value (one starting with "-" is written --port=-XYZ)',
  );
});

Deno.test("captureFlags() takes -s 0 as the largest snap length and says so when refusing", () => {
  assert.equal(captureFlags({ snaplen: "0" }).snapLength, 262144);
  assert.equal(captureFlags({ snaplen: "96" }).snapLength, 96);
  for (const snaplen of ["999999", "-5", "1e4", ""]) {
    assert.equal(
      usageMessage(() => captureFlags({ snaplen })),
      `--snaplen must be a whole number from 0 to 262144 (0: 262144), got "${snaplen}"`,
    );
  }
});

Deno.test("nonEmpty() names what the flag needs", () => {
  assert.equal(nonEmpty("--eve", "x.json"), "x.json");
  assert.equal(nonEmpty("--eve", undefined), undefined);
  assert.equal(
    usageMessage(() => nonEmpty("--eve", " ")),
    '--eve needs a path, got ""',
  );
  assert.equal(
    usageMessage(() => nonEmpty("--bind", "", "an address")),
    '--bind needs an address, got ""',
  );
});
