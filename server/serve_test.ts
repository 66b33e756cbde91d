import assert from "node:assert/strict";
import { isLoopback } from "./security.ts";
import { effectiveToken, ListenError, startServer } from "./serve.ts";

Deno.test("isLoopback knows loopback addresses", () => {
  for (const host of ["127.0.0.1", "127.1.2.3", "::1", "localhost"]) {
    assert.equal(isLoopback(host), true, host);
  }
  for (const host of ["0.0.0.0", "::", "192.168.1.10", "10.0.0.1"]) {
    assert.equal(isLoopback(host), false, host);
  }
});

Deno.test("binding off loopback always gets a token", () => {
  assert.equal(effectiveToken("127.0.0.1"), "");
  assert.equal(effectiveToken("127.0.0.1", "given-token"), "given-token");
  assert.equal(effectiveToken("0.0.0.0", "given-token"), "given-token");
  const first = effectiveToken("0.0.0.0");
  const second = effectiveToken("0.0.0.0");
  assert.match(first, /^[A-Za-z0-9_-]{24}$/);
  assert.notEqual(first, second, "random each time");
});

Deno.test("startServer with a token refuses the API without it", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "netmirror-serve-" });
  const server = await startServer({
    port: 0,
    dataDir,
    version: "t",
    token: "s3cret-token",
  });
  try {
    assert.equal(server.token, "s3cret-token");
    const denied = await fetch(`${server.url}/api/session`);
    assert.equal(denied.status, 401);
    await denied.body?.cancel();
    const allowed = await fetch(`${server.url}/api/session`, {
      headers: { Authorization: "Bearer s3cret-token" },
    });
    assert.equal(allowed.status, 200);
    await allowed.body?.cancel();
  } finally {
    await server.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("startServer names the address it cannot listen on (a port in use) and leaves nothing running", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "netmirror-serve-" });
  const first = await startServer({ port: 0, dataDir, version: "t" });
  try {
    const port = Number(new URL(first.url).port);
    await assert.rejects(
      startServer({ port, dataDir, version: "t" }),
      (error: unknown) =>
        error instanceof ListenError &&
        error.message.startsWith(`Cannot listen on 127.0.0.1:${port}: `) &&
        error.cause instanceof Deno.errors.AddrInUse,
    );
  } finally {
    await first.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});
