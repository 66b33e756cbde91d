import assert from "node:assert/strict";
import { Hono } from "hono";
import { EventBus } from "./event_bus.ts";
import type { SensorEvent } from "./events.ts";
import { sseMessage, StreamHub, type StreamHubOptions } from "./stream_hub.ts";
import { readSse } from "../tests/sse_client.ts";
import { SensorError } from "./session_errors.ts";

function status(message: string, cleared = false): SensorEvent {
  return {
    type: "status",
    state: "running",
    sessionId: "s1",
    mode: "demo",
    message,
    droppedByKernel: 0,
    cleared,
  };
}

function setup(options: StreamHubOptions = {}) {
  const bus = new EventBus<SensorEvent>();
  const hub = new StreamHub(bus, { keepAliveMs: 50, firstId: 1, ...options });
  const app = new Hono();
  // As the app answers a SensorError.
  app.onError((error, c) =>
    error instanceof SensorError
      ? c.json({ error: error.message }, error.status)
      : c.json({ error: "Internal error" }, 500)
  );
  app.get("/stream", (c) => hub.handle(c));
  return { bus, hub, app };
}

Deno.test("StreamHub replays missed alert and status events after Last-Event-ID", async () => {
  const { bus, hub, app } = setup();
  for (let i = 1; i <= 5; i++) bus.publish(status(`event ${i}`));
  bus.publish({ type: "packet", rows: [], skipped: 3 }); // not replayed
  const response = await app.request("/stream", {
    headers: { "Last-Event-ID": "2" },
  });
  assert.equal(response.status, 200);
  const reading = readSse(response, (_e, all) => all.length === 4);
  bus.publish(status("after reconnect"));
  const events = await reading;
  assert.deepEqual(events.map((e) => e.id), ["3", "4", "5", "7"]);
  assert.deepEqual(
    events.slice(0, 3).map((e) => e.data.message),
    ["event 3", "event 4", "event 5"],
  );
  hub.close();
});

Deno.test("StreamHub replays nothing from before a status that says the sensor cleared its state", async () => {
  const { bus, hub, app } = setup();
  bus.publish(status("old session")); // id 1
  bus.publish(status("old session's last")); // id 2
  bus.publish(status("new session", true)); // id 3
  bus.publish(status("new session's first")); // id 4
  bus.publish(status("cleared", true)); // id 5
  bus.publish(status("after the clear")); // id 6
  const response = await app.request("/stream", {
    headers: { "Last-Event-ID": "1" },
  });
  const events = await readSse(response, (_e, all) => all.length === 2);
  assert.deepEqual(events.map((e) => e.id), ["5", "6"]);
  assert.deepEqual(events.map((e) => e.data.message), [
    "cleared",
    "after the clear",
  ]);
  hub.close();
});

Deno.test("StreamHub replays the latest clear to a client from before it even when the history has moved past it", async () => {
  const bus = new EventBus<SensorEvent>();
  const hub = new StreamHub(bus, {
    keepAliveMs: 50,
    historySize: 3,
    firstId: 1,
  });
  const app = new Hono();
  app.get("/stream", (c) => hub.handle(c));
  bus.publish(status("before")); // id 1
  bus.publish(status("cleared", true)); // id 2
  for (let i = 3; i <= 7; i++) bus.publish(status(`after ${i}`));
  const resumed = await readSse(
    await app.request("/stream", { headers: { "Last-Event-ID": "1" } }),
    (event) => event.id === "7",
  );
  assert.deepEqual(resumed.map((e) => [e.id, e.data.cleared]), [
    ["2", true],
    ["5", false],
    ["6", false],
    ["7", false],
  ]);
  // A client that saw the clear is not told again.
  const later = await app.request("/stream", {
    headers: { "Last-Event-ID": "4" },
  });
  bus.publish(status("live")); // id 8
  assert.deepEqual(
    (await readSse(later, (event) => event.id === "8")).map((e) => e.id),
    ["5", "6", "7", "8"],
  );
  hub.close();
});

/** A stats event whose session has seen `packets` packets (the snapshot itself is not read). */
function stats(packets: number): SensorEvent {
  return {
    type: "stats",
    stats: {} as Extract<SensorEvent, { type: "stats" }>["stats"],
    packets,
    alerts: 0,
  };
}

Deno.test("StreamHub sends every new client the latest stats, in id order among replayed events, and none from before a clear", async () => {
  const { bus, hub, app } = setup();
  bus.publish(stats(10)); // id 1
  bus.publish(status("running")); // id 2
  bus.publish(stats(20)); // id 3
  bus.publish(status("stopped")); // id 4: no stats come after it
  const fresh = await readSse(
    await app.request("/stream"),
    (_e, all) => all.length === 1,
  );
  assert.deepEqual(fresh.map((e) => [e.id, e.event, e.data.packets]), [
    ["3", "stats", 20],
  ]);
  const resumed = await readSse(
    await app.request("/stream", { headers: { "Last-Event-ID": "1" } }),
    (_e, all) => all.length === 3,
  );
  assert.deepEqual(resumed.map((e) => [e.id, e.event]), [
    ["2", "status"],
    ["3", "stats"],
    ["4", "status"],
  ]);
  // Not for a client that has it already, nor one that asked for other types.
  const upToDate = await app.request("/stream?types=status,stats", {
    headers: { "Last-Event-ID": "4" },
  });
  bus.publish(status("later")); // id 5
  assert.deepEqual(
    (await readSse(upToDate, (_e, all) => all.length === 1)).map((e) => e.id),
    ["5"],
  );
  // After a clear the old figures are gone until the sensor sends new ones.
  bus.publish(status("cleared", true)); // id 6
  const afterClear = await app.request("/stream");
  bus.publish(status("after")); // id 7
  assert.deepEqual(
    (await readSse(afterClear, (_e, all) => all.length === 1)).map((e) => [
      e.id,
      e.event,
    ]),
    [["7", "status"]],
  );
  hub.close();
});

Deno.test("StreamHub replays everything held to a Last-Event-ID it never issued (a client of an earlier server process)", async () => {
  const { bus, hub, app } = setup();
  bus.publish(status("one")); // id 1
  bus.publish(status("two")); // id 2
  const response = await app.request("/stream", {
    headers: { "Last-Event-ID": "460" },
  });
  const events = await readSse(response, (_e, all) => all.length === 2);
  assert.deepEqual(events.map((e) => e.data.message), ["one", "two"]);
  hub.close();
});

Deno.test("StreamHub sends live events with ids, retry and keep-alives, filtered by ?types=", async () => {
  const { bus, hub, app } = setup();
  const response = await app.request("/stream?types=status");
  const reader = response.body!.pipeThrough(new TextDecoderStream())
    .getReader();
  let text = "";
  const waitFor = async (needle: string) => {
    for (let i = 0; i < 100 && !text.includes(needle); i++) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
  };
  await waitFor("retry:");
  bus.publish({ type: "packet", rows: [], skipped: 1 });
  bus.publish(status("live"));
  await waitFor('"live"');
  await waitFor(": keep-alive");
  await reader.cancel();
  assert.match(text, /^retry: \d+/);
  assert.match(
    text,
    /event: status\ndata: \{.*"message":"live".*\}\nid: 2\n\n/,
  );
  assert.doesNotMatch(text, /event: packet/);
  assert.match(text, /: keep-alive/);
  hub.close();
});

Deno.test("StreamHub answers HEAD with the stream's headers and makes no client", async () => {
  const { bus, hub, app } = setup();
  for (let i = 0; i < 50; i++) {
    const response = await app.request("/stream", { method: "HEAD" });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("Content-Type"), "text/event-stream");
    await response.body?.cancel();
  }
  bus.publish(status("after the HEADs"));
  assert.equal(hub.clients, 0);
  hub.close();
});

Deno.test("StreamHub forgets a client that went away", async () => {
  const { bus, hub, app } = setup();
  const response = await app.request("/stream");
  const events = readSse(response, () => true);
  bus.publish(status("one"));
  await events;
  for (let i = 0; i < 50 && hub.clients > 0; i++) {
    bus.publish(status("tick"));
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(hub.clients, 0);
  hub.close();
});

Deno.test("StreamHub formats each event once, as Hono's writeSSE would, for every client over real HTTP", async () => {
  const { bus, hub, app } = setup();
  // The shared message is byte for byte writeSSE's format.
  const item = { id: 7, event: status("line one\nline two \u2028 ✓") };
  const text = new TextDecoder().decode(sseMessage(item));
  assert.equal(
    text,
    `event: status\ndata: ${
      JSON.stringify({ ...item.event, type: undefined })
    }\nid: 7\n\n`,
  );
  assert.equal(sseMessage(item), sseMessage(item), "encoded once");

  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    app.fetch,
  );
  try {
    const url = `http://127.0.0.1:${server.addr.port}/stream?types=status`;
    const clients = 3;
    const events = 200;
    const readings = [];
    for (let i = 0; i < clients; i++) {
      const response = await fetch(url);
      readings.push(readSse(response, (_e, all) => all.length === events));
    }
    for (let i = 0; hub.clients < clients && i < 100; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(hub.clients, clients);
    for (let i = 0; i < events; i++) {
      bus.publish(status(`event ${i} ${"x".repeat(i * 37)}\r\n`));
      if (i % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    for (const received of await Promise.all(readings)) {
      assert.equal(received.length, events);
      received.forEach((event, i) => {
        assert.equal(event.event, "status");
        assert.equal(event.id, String(i + 1));
        assert.equal(
          event.data.message,
          `event ${i} ${"x".repeat(i * 37)}\r\n`,
        );
      });
    }
  } finally {
    hub.close();
    await server.shutdown();
  }
});

Deno.test("StreamHub cuts off a client too far behind on alerts with an overflow status, and forgets it", async () => {
  const bus = new EventBus<SensorEvent>();
  const hub = new StreamHub(bus, {
    keepAliveMs: 50,
    maxAlertEvents: 3,
    firstId: 1,
  });
  const app = new Hono();
  app.get("/stream", (c) => hub.handle(c));
  const response = await app.request("/stream?types=status");
  // Nothing is read yet: the events wait in the client's queue.
  for (let i = 1; i <= 5; i++) bus.publish(status(`event ${i}`));
  // Cut off at once, though it has not read (a client whose socket is
  // full makes no more pulls): nothing more is queued for it.
  assert.equal(hub.clients, 0);
  assert.deepEqual(hub.queueSizes(), []);
  const text = await response.text(); // ends when the hub closes the stream
  // Cut off before it read anything: what it missed comes back when it
  // reconnects with Last-Event-ID (the first test).
  assert.doesNotMatch(text, /event \d/);
  assert.match(
    text,
    /event: status\ndata: \{"state":"overflow","message":"This client fell too far behind; reconnect with Last-Event-ID"\}\n\n$/,
  );
  assert.equal(hub.clients, 0);
  hub.close();
});

Deno.test("StreamHub sends a backlog queued while the client was not reading in one chunk, in order", async () => {
  const { bus, hub, app } = setup();
  const response = await app.request("/stream?types=status");
  const reader = response.body!.getReader();
  const retry = await reader.read(); // the retry line comes first, alone
  assert.match(new TextDecoder().decode(retry.value), /^retry: \d+\n\n$/);
  for (let i = 1; i <= 3; i++) bus.publish(status(`queued ${i}`));
  const chunk = new TextDecoder().decode((await reader.read()).value);
  assert.deepEqual(
    [...chunk.matchAll(/"message":"([^"]*)"[^\n]*\nid: (\d+)/g)].map((m) =>
      `${m[1]}#${m[2]}`
    ),
    ["queued 1#1", "queued 2#2", "queued 3#3"],
  );
  await reader.cancel();
  hub.close();
});

Deno.test("StreamHub gives a client of an earlier server process everything held, however many events that process had sent", async () => {
  // The old process sent 460 events; the new one has sent 500 so far, a
  // cleared status (its new session) among them.
  const oldBus = new EventBus<SensorEvent>();
  const old = new StreamHub(oldBus, {});
  const oldApp = new Hono();
  oldApp.get("/stream", (c) => old.handle(c));
  const reading = readSse(
    await oldApp.request("/stream?types=status"),
    (_e, all) => all.length === 460,
  );
  for (let i = 0; i < 460; i++) oldBus.publish(status(`old ${i}`));
  const lastSeen = (await reading).at(-1)!.id;
  old.close();
  await new Promise((resolve) => setTimeout(resolve, 2));
  const bus = new EventBus<SensorEvent>();
  const hub = new StreamHub(bus, { keepAliveMs: 50 });
  bus.publish(status("new session", true));
  for (let i = 1; i < 500; i++) bus.publish(status(`new ${i}`));
  const app = new Hono();
  app.get("/stream", (c) => hub.handle(c));
  const response = await app.request("/stream?types=status", {
    headers: { "Last-Event-ID": lastSeen },
  });
  const resumed = readSse(response, (e) => e.data.message === "live");
  bus.publish(status("live"));
  const events = await resumed;
  assert.equal(events.length, 501);
  assert.equal(events[0]!.data.message, "new session");
  hub.close();
});

Deno.test("StreamHub refuses a client past its limit with 503, and takes one again when another leaves", async () => {
  const { hub, app } = setup({ maxClients: 2 });
  const first = await app.request("/stream");
  const second = await app.request("/stream");
  assert.equal(hub.clients, 2);
  const third = await app.request("/stream");
  assert.equal(third.status, 503);
  assert.match(
    (await third.json()).error,
    /Too many stream clients \(2 connected\)/,
  );
  assert.equal(hub.clients, 2);
  await first.body!.cancel();
  assert.equal(hub.clients, 1);
  const again = await app.request("/stream");
  assert.equal(again.status, 200);
  await again.body!.cancel();
  await second.body!.cancel();
  assert.equal(hub.clients, 0);
  hub.close();
});

Deno.test("StreamHub, when full, gives a newcomer the place of the client that has taken nothing for longest, once it has stalled", async () => {
  const { bus, hub, app } = setup({
    keepAliveMs: 10_000,
    maxClients: 2,
    stalledMs: 100,
  });
  // One client that reads (its next read waits for an event), one that
  // never reads.
  const reading = (await app.request("/stream")).body!.getReader();
  await reading.read(); // the retry line
  const waiting = reading.read(); // pending: nothing to send yet
  const silent = await app.request("/stream");
  assert.equal(hub.clients, 2);
  // Not stalled yet: refused.
  const early = await app.request("/stream");
  assert.equal(early.status, 503);
  await early.body?.cancel();
  await new Promise((resolve) => setTimeout(resolve, 150));
  // The silent one is now stalled and gives its place; the reader keeps its.
  const late = await app.request("/stream");
  assert.equal(late.status, 200);
  assert.equal(hub.clients, 2);
  // Ended at once: even the retry line it never took is dropped.
  const reason = await silent.body!.getReader().read().then(
    () => "read",
    (reason) => String(reason),
  );
  assert.match(reason, /stream client that took nothing for too long/);
  bus.publish(status("still here"));
  const { value } = await waiting;
  assert.match(new TextDecoder().decode(value), /still here/);
  // Both remaining clients took something lately or wait now: refused.
  const lateReader = late.body!.getReader();
  await lateReader.read();
  const lateWaiting = lateReader.read();
  const refused = await app.request("/stream");
  assert.equal(refused.status, 503);
  await refused.body?.cancel();
  hub.close();
  await reading.cancel();
  await lateReader.cancel();
  await lateWaiting.catch(() => {});
});
