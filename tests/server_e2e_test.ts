/**
 * End to end: the real server, a live tcpdump session on lo, a bounded
 * burst of UDP datagrams and a connect scan of closed loopback ports, read
 * back over SSE with a real HTTP client, then the session PCAP checked
 * with tshark.
 */

import assert from "node:assert/strict";
import type { CaptureOutput } from "../capture/live_capture.ts";
import { createSocket } from "node:dgram";
import { startServer } from "../server/mod.ts";
import { readSse, type SseEvent } from "./sse_client.ts";
import { tsharkFields } from "./cli_helpers.ts";

const UDP_PORT = 47_501;
// Below Linux's ephemeral range (32768–60999): a connect to a closed port in
// that range can pick the same port as its source and connect to itself.
const SCAN_FIRST_PORT = 29_600;
const SCAN_PORTS = 60;
const BURST = 20;

async function sendUdpBurst(): Promise<void> {
  const socket = createSocket("udp4");
  // Bound explicitly: the tests may use 127.0.0.1 only.
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  for (let i = 0; i < BURST; i++) {
    await new Promise<void>((resolve, reject) =>
      socket.send(
        `netmirror-e2e-${i}`,
        UDP_PORT,
        "127.0.0.1",
        (error) => error ? reject(error) : resolve(),
      )
    );
  }
  await new Promise<void>((resolve) => socket.close(() => resolve()));
}

async function connectScan(): Promise<number> {
  let refused = 0;
  for (
    let port = SCAN_FIRST_PORT;
    port < SCAN_FIRST_PORT + SCAN_PORTS;
    port++
  ) {
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      conn.close(); // something listens there: still a probe
    } catch (error) {
      if (error instanceof Deno.errors.ConnectionRefused) refused++;
      else throw error;
    }
  }
  return refused;
}

async function tcpdumpRunning(pid?: number): Promise<boolean> {
  const out = await new Deno.Command("pgrep", { args: ["-x", "tcpdump"] })
    .output();
  const pids = new TextDecoder().decode(out.stdout).split("\n").filter(Boolean)
    .map(Number);
  return pid === undefined ? pids.length > 0 : pids.includes(pid);
}

for (const output of ["pipe", "ring"] as const) {
  Deno.test(`live session on lo streams packets, stats and a port-scan alert; the PCAP holds the burst (tcpdump's ${output})`, () =>
    liveSession(output));
}

async function liveSession(output: CaptureOutput): Promise<void> {
  const dataDir = await Deno.makeTempDir({ prefix: "netmirror-e2e-" });
  const before = await tcpdumpRunning();
  const server = await startServer({
    port: 0,
    dataDir,
    version: "e2e",
    sensor: { capture: { output } },
    start: {
      mode: "live",
      interface: "lo",
      filter: `udp port ${UDP_PORT} or tcp portrange ${SCAN_FIRST_PORT}-${
        SCAN_FIRST_PORT + SCAN_PORTS - 1
      }`,
    },
  });
  try {
    const session = server.sensor.session!;
    const stream = await fetch(`${server.url}/api/stream`, {
      signal: AbortSignal.timeout(30_000),
    });
    assert.equal(stream.status, 200);
    assert.match(
      stream.headers.get("content-type") ?? "",
      /text\/event-stream/,
    );
    const reading = readSse(stream, (_event, all) => {
      const packets = all.filter((e) => e.event === "packet")
        .reduce((sum, e) => sum + e.data.rows.length + e.data.skipped, 0);
      return packets >= BURST + SCAN_PORTS * 2 &&
        all.some((e) => e.event === "stats" && e.data.packets >= BURST) &&
        all.some((e) =>
          e.event === "alert" && e.data.event.alert.kind === "port_scan"
        );
    });
    await new Promise((r) => setTimeout(r, 200)); // the client is subscribed
    await sendUdpBurst();
    const refused = await connectScan();
    assert.equal(refused, SCAN_PORTS, "nothing listens on the scanned ports");
    const events: SseEvent[] = await reading;

    const rows = events.filter((e) => e.event === "packet")
      .flatMap((e) => e.data.rows);
    const udpRows = rows.filter((r) => r.dstPort === UDP_PORT);
    assert.equal(udpRows.length, BURST, "every datagram of the burst as a row");
    assert.ok(
      events.every((e, i) =>
        i === 0 || Number(e.id) > Number(events[i - 1]!.id)
      ),
    );
    const alert = events.find((e) => e.event === "alert")!.data.event;
    assert.equal(alert.type, "engaged");
    assert.equal(alert.alert.kind, "port_scan");
    assert.equal(alert.alert.attacker, "127.0.0.1");
    assert.equal(alert.alert.mitre.id, "T1046");

    const stopped = await fetch(`${server.url}/api/stop`, { method: "POST" });
    assert.equal(stopped.status, 200);
    const info = await stopped.json();
    assert.equal(info.state, "stopped");
    assert.ok(info.tcpdumpCaptured >= BURST + SCAN_PORTS * 2);
    assert.equal(info.captureOutput, output);
    assert.equal(info.pipeReason, "");
    assert.equal(info.skippedByReader, 0);

    const pcap = await fetch(`${server.url}/api/export/pcap/${session.id}`);
    assert.equal(pcap.status, 200);
    const path = `${dataDir}/download.pcap`;
    await Deno.writeFile(path, new Uint8Array(await pcap.arrayBuffer()));
    const lines = await tsharkFields(
      path,
      ["udp.length"],
      `udp.dstport == ${UDP_PORT}`,
    );
    assert.equal(
      lines.length,
      BURST,
      "tshark sees the whole burst in the PCAP",
    );
  } finally {
    await server.close();
    await Deno.remove(dataDir, { recursive: true });
  }
  if (!before) {
    assert.equal(await tcpdumpRunning(), false, "no tcpdump left running");
  }
}

// SIGTERM from another process makes tcpdump exit cleanly, as NetMirror's
// own stop does: it must still count as a failure.
for (const signal of ["SIGKILL", "SIGTERM"] as const) {
  Deno.test(`tcpdump ended mid-session by another process (${signal}) becomes a failed session and a status event, not a dead server`, async () => {
    const dataDir = await Deno.makeTempDir({ prefix: "netmirror-e2e-" });
    const port = signal === "SIGKILL" ? 47_777 : 47_778;
    const server = await startServer({
      port: 0,
      dataDir,
      version: "e2e",
      start: { mode: "live", interface: "lo", filter: `udp port ${port}` },
    });
    try {
      const stream = await fetch(`${server.url}/api/stream?types=status`, {
        signal: AbortSignal.timeout(20_000),
      });
      const reading = readSse(
        stream,
        (event) => event.event === "status" && event.data.state === "failed",
      );
      const found = await new Deno.Command("pgrep", {
        args: ["-f", `tcpdump .*udp port ${port}`],
      }).output();
      const pids = new TextDecoder().decode(found.stdout).trim().split("\n")
        .filter(Boolean).map(Number);
      assert.equal(pids.length, 1, "exactly our tcpdump");
      Deno.kill(pids[0]!, signal);
      const events = await reading;
      const failed = events.at(-1)!;
      assert.match(failed.data.message, /failed/);
      const session = await (await fetch(`${server.url}/api/session`)).json();
      assert.equal(session.state, "failed");
      assert.match(
        session.error,
        signal === "SIGKILL"
          ? /killed by SIGKILL/
          : /exited before NetMirror stopped it/,
      );
      const health = await fetch(`${server.url}/healthz`);
      // The server lives on; the health check tells the capture died.
      assert.equal(health.status, 200);
      assert.equal((await health.json()).capture, "failed");
      // And a new session starts fine.
      const again = await fetch(`${server.url}/api/start`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          mode: "live",
          interface: "lo",
          filter: `udp port ${port}`,
        }),
      });
      assert.equal(again.status, 201);
      await again.body?.cancel();
    } finally {
      await server.close();
      await Deno.remove(dataDir, { recursive: true });
    }
  });
}

Deno.test("replay with realtime keeps the capture's pace", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "netmirror-e2e-" });
  const file = new URL(
    "../../shared/pcaps/benign/tcp_latency_wire_slow_synack_878ms__latency2.pcapng",
    import.meta.url,
  ).pathname; // 6 packets over 1.446 s
  const server = await startServer({ port: 0, dataDir, version: "e2e" });
  try {
    const started = performance.now();
    await server.sensor.start({ mode: "replay", file, realtime: true });
    for (let i = 0; i < 200 && server.sensor.running; i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    const elapsedMs = performance.now() - started;
    assert.equal(server.sensor.running, false);
    assert.equal(server.sensor.session!.packets, 6);
    assert.ok(
      elapsedMs >= 1_400,
      `finished after ${elapsedMs} ms, before the capture's 1.446 s`,
    );
  } finally {
    await server.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});
