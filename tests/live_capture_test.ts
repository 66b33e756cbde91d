/**
 * Live capture end to end: real tcpdump on `lo`, real packets sent to
 * 127.0.0.1 (UDP, TCP and ping), tcpdump's pcap output parsed by
 * CaptureParser, and every packet accounted for. Also tcpdump's failures
 * (bad filter, missing interface) and its clean shutdown.
 *
 * Needs root (or a tcpdump with cap_net_raw) and `ping`. Every loop and wait
 * is bounded in count and time.
 */

import assert from "node:assert/strict";
import { createSocket, type Socket } from "node:dgram";
import { AnomalyCounter } from "../capture/anomalies.ts";
import {
  killAllCaptures,
  registeredChildCount,
} from "../capture/child_registry.ts";
import { CaptureParser } from "../capture/pcap_reader.ts";
import { LINK_TYPE } from "../capture/pcap_record.ts";
import {
  isRingDir,
  prepareRingDir,
  type RingDir,
} from "../capture/ring_dir.ts";
import {
  spawnTcpdump,
  type TcpdumpRing,
  type TcpdumpSource,
  type TcpdumpStats,
} from "../capture/tcpdump.ts";
import { TcpdumpError } from "../capture/tcpdump_errors.ts";

const LOCALHOST = "127.0.0.1";
const UDP_DATAGRAMS = 20;
const TCP_CONNECTIONS = 5;
const PINGS = 3;
const STEP_TIMEOUT_MS = 5_000;
/** Matches nothing real: no host sends IPv4 with a TTL of 0. */
const NOTHING_FILTER = "udp and ip[8] = 0";

const IP_PROTOCOL = { ICMP: 1, TCP: 6, UDP: 17 } as const;
const TCP_SYN = 0x02;
const TCP_ACK = 0x10;
const ICMP_ECHO_REPLY = 0;
const ICMP_ECHO_REQUEST = 8;

/** One captured frame, copied out of the reader's reused buffer. */
interface Frame {
  linkType: number;
  bytes: Uint8Array;
}

/** What the test needs of an IPv4 frame on loopback (Ethernet link type). */
interface Ipv4Frame {
  protocol: number;
  srcPort: number;
  dstPort: number;
  /** TCP flags, or the ICMP type. */
  flags: number;
  payload: Uint8Array;
}

function parseIpv4Frame(frame: Uint8Array): Ipv4Frame | undefined {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  if (frame.length < 34 || view.getUint16(12) !== 0x0800) return undefined;
  const headerLength = (view.getUint8(14) & 0x0f) * 4;
  const protocol = view.getUint8(23);
  const transport = 14 + headerLength;
  const end = Math.min(frame.length, 14 + view.getUint16(16));
  if (protocol === IP_PROTOCOL.UDP) {
    return {
      protocol,
      srcPort: view.getUint16(transport),
      dstPort: view.getUint16(transport + 2),
      flags: 0,
      payload: frame.subarray(transport + 8, end),
    };
  }
  if (protocol === IP_PROTOCOL.TCP) {
    return {
      protocol,
      srcPort: view.getUint16(transport),
      dstPort: view.getUint16(transport + 2),
      flags: view.getUint8(transport + 13),
      payload: frame.subarray(
        transport + (view.getUint8(transport + 12) >> 4) * 4,
        end,
      ),
    };
  }
  if (protocol === IP_PROTOCOL.ICMP) {
    return {
      protocol,
      srcPort: 0,
      dstPort: 0,
      flags: view.getUint8(transport),
      payload: frame.subarray(transport + 8, end),
    };
  }
  return undefined;
}

/** Resolves like `promise`, or rejects after `timeoutMs`; leaves no timer behind. */
async function within<T>(
  promise: Promise<T>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`Timed out after ${timeoutMs} ms: ${what}`)),
          timeoutMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `condition` every 20 ms until it holds or `timeoutMs` passes; returns whether it held. */
async function waitFor(
  condition: () => boolean,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() >= deadline) return false;
    await sleep(20);
  }
  return true;
}

function randomHex(bytes: number): string {
  return [...crypto.getRandomValues(new Uint8Array(bytes))]
    .map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Starts reading `tcpdump` into frames; the returned promise ends with its output. */
function collectFrames(
  tcpdump: TcpdumpSource,
  frames: Frame[],
  anomalies: AnomalyCounter,
): Promise<void> {
  const parser = new CaptureParser({ anomalies });
  return (async () => {
    for await (const chunk of tcpdump.chunks()) {
      parser.push(chunk, (record) => {
        frames.push({
          linkType: record.linkType,
          bytes: record.bytes.slice(
            record.offset,
            record.offset + record.capturedLength,
          ),
        });
      });
    }
    if (parser.format !== undefined) parser.finish();
  })();
}

async function bindUdp(socket: Socket): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(0, LOCALHOST, () => {
      socket.off("error", reject);
      resolve();
    });
  });
  return socket.address().port;
}

function closeUdp(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // not bound, or already closed
    }
  });
}

async function sendUdp(
  socket: Socket,
  port: number,
  payload: string,
): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    socket.send(
      new TextEncoder().encode(payload),
      port,
      LOCALHOST,
      (error) => error ? reject(error) : resolve(),
    );
  });
}

/** Accepts `count` connections and returns what each client sent. */
async function serveTcp(
  listener: Deno.Listener,
  count: number,
): Promise<string[]> {
  const received: string[] = [];
  for (let i = 0; i < count; i++) {
    const conn = await listener.accept();
    try {
      received.push(await new Response(conn.readable).text());
    } catch (error) {
      try {
        conn.close();
      } catch {
        // already closed by the stream
      }
      throw error;
    }
  }
  return received;
}

async function connectAndSend(port: number, payload: string): Promise<void> {
  const conn = await Deno.connect({ hostname: LOCALHOST, port });
  const writer = conn.writable.getWriter();
  await writer.write(new TextEncoder().encode(payload));
  await writer.close(); // closes the connection
}

async function rejection(promise: Promise<unknown>): Promise<TcpdumpError> {
  const error = await within(
    promise.then(() => undefined, (error: unknown) => error),
    STEP_TIMEOUT_MS,
    "tcpdump to fail",
  );
  assert.ok(error instanceof TcpdumpError, `expected a TcpdumpError: ${error}`);
  return error;
}

/** Asserts no tcpdump runs as `pid` (Deno reads /proc only with --allow-all, so ask cat). */
async function assertProcessGone(pid: number): Promise<void> {
  const output = await new Deno.Command("cat", {
    args: [`/proc/${pid}/comm`],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).output();
  if (!output.success) return; // no such process
  // The pid exists again only if the kernel reused it for another program.
  const comm = new TextDecoder().decode(output.stdout).trim();
  assert.notEqual(comm, "tcpdump", `tcpdump (pid ${pid}) is still running`);
}

function assertStatsShape(stats: TcpdumpStats): void {
  for (const value of Object.values(stats)) {
    assert.ok(Number.isSafeInteger(value) && value >= 0, `${value}`);
  }
}

/** A ring directory for one test (throws where none can be made: the tests run as root on Linux). */
function testRing(): RingDir {
  const ring = prepareRingDir({ anyFileSystem: true });
  if (!isRingDir(ring)) throw new Error(`No ring directory: ${ring.reason}`);
  return ring;
}

/** tcpdump's ring options for `ring`. */
function ringOption(ring: RingDir): TcpdumpRing {
  return { dir: ring.path, ...(ring.user ? { user: ring.user } : {}) };
}

for (const output of ["pipe", "ring"] as const) {
  Deno.test(`spawnTcpdump() on lo captures exactly the UDP, TCP and ICMP packets sent (${output})`, async () => {
    const ring = output === "ring" ? testRing() : undefined;
    try {
      await capturesExactlyWhatWasSent(ring);
    } finally {
      await ring?.remove();
    }
    if (ring) await assert.rejects(Deno.lstat(ring.path), Deno.errors.NotFound);
  });
}

async function capturesExactlyWhatWasSent(
  ring: RingDir | undefined,
): Promise<void> {
  const nonce = randomHex(4);
  const pattern = randomHex(4); // ping -p fills its payload with it
  const udpReceiver = createSocket("udp4");
  const udpSender = createSocket("udp4");
  const listener = Deno.listen({ hostname: LOCALHOST, port: 0 });
  let tcpdump: TcpdumpSource | undefined;
  let collecting: Promise<void> | undefined;
  const frames: Frame[] = [];
  const anomalies = new AnomalyCounter();
  const udpMarkers = Array.from(
    { length: UDP_DATAGRAMS },
    (_, i) => `NMUDP-${nonce}-${i}`,
  );
  const tcpMarkers = Array.from(
    { length: TCP_CONNECTIONS },
    (_, i) => `NMTCP-${nonce}-${i}`,
  );
  try {
    const udpPort = await bindUdp(udpReceiver);
    await bindUdp(udpSender);
    const tcpPort = listener.addr.port;
    // Bound first, so the filter names ports nothing else on lo can use.
    const filter = `(udp and port ${udpPort}) or (tcp and port ${tcpPort}) ` +
      `or (icmp and icmp[40:4] = 0x${pattern})`;
    tcpdump = spawnTcpdump({
      iface: "lo",
      filter,
      ...(ring ? { ring: ringOption(ring) } : {}),
    });
    collecting = collectFrames(tcpdump, frames, anomalies);
    await within(tcpdump.ready, STEP_TIMEOUT_MS, "tcpdump to listen");

    // UDP: 20 datagrams, each with its own marker, all received.
    const udpReceived: string[] = [];
    udpReceiver.on("message", (message: Uint8Array) => {
      udpReceived.push(new TextDecoder().decode(message));
    });
    for (const marker of udpMarkers) {
      await sendUdp(udpSender, udpPort, marker);
    }
    assert.ok(
      await waitFor(
        () => udpReceived.length >= UDP_DATAGRAMS,
        STEP_TIMEOUT_MS,
      ),
      `received ${udpReceived.length} of ${UDP_DATAGRAMS} datagrams`,
    );
    assert.deepEqual(udpReceived.toSorted(), udpMarkers.toSorted());

    // TCP: 5 connections, each sending one marker.
    const served = serveTcp(listener, TCP_CONNECTIONS);
    served.catch(() => {}); // awaited below
    for (const marker of tcpMarkers) await connectAndSend(tcpPort, marker);
    const tcpReceived = await within(served, STEP_TIMEOUT_MS, "TCP server");
    assert.deepEqual(tcpReceived.toSorted(), tcpMarkers.toSorted());

    // ICMP: 3 echo requests, 3 replies.
    const ping = await within(
      new Deno.Command("ping", {
        args: [
          "-n",
          "-q",
          "-c",
          String(PINGS),
          "-i",
          "0.2",
          "-w",
          "5",
          "-p",
          pattern,
          LOCALHOST,
        ],
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output(),
      STEP_TIMEOUT_MS + 2_000,
      "ping",
    );
    assert.ok(ping.success, new TextDecoder().decode(ping.stderr));

    // Wait until the last expected packets are in (bounded), plus a moment
    // for TCP's closing segments.
    const icmpSeen = () =>
      frames.filter((frame) =>
        parseIpv4Frame(frame.bytes)?.protocol === IP_PROTOCOL.ICMP
      ).length;
    await waitFor(() => icmpSeen() >= 2 * PINGS, STEP_TIMEOUT_MS);
    await sleep(200);
  } finally {
    const stopping = tcpdump?.stop();
    await stopping?.catch(() => {});
    await collecting?.catch(() => {});
    listener.close();
    await closeUdp(udpReceiver);
    await closeUdp(udpSender);
  }
  const stats = await tcpdump.stop();
  await collecting;

  // Every frame is one of ours, on Ethernet (lo's link type).
  const udp: Ipv4Frame[] = [];
  const tcp: Ipv4Frame[] = [];
  const icmp: Ipv4Frame[] = [];
  const decoder = new TextDecoder();
  for (const frame of frames) {
    assert.equal(frame.linkType, LINK_TYPE.ETHERNET);
    const packet = parseIpv4Frame(frame.bytes);
    assert.ok(packet, "every frame is IPv4 UDP, TCP or ICMP");
    if (packet.protocol === IP_PROTOCOL.UDP) udp.push(packet);
    else if (packet.protocol === IP_PROTOCOL.TCP) tcp.push(packet);
    else icmp.push(packet);
  }

  // UDP: each marker exactly once.
  assert.deepEqual(
    udp.map((packet) => decoder.decode(packet.payload)).toSorted(),
    udpMarkers.toSorted(),
  );

  // TCP: 5 handshakes from 5 client ports, each marker exactly once, and
  // nothing but those 5 connections.
  const syns = tcp.filter((packet) =>
    (packet.flags & (TCP_SYN | TCP_ACK)) === TCP_SYN
  );
  assert.equal(syns.length, TCP_CONNECTIONS, "one SYN per connection");
  const clientPorts = new Set(syns.map((packet) => packet.srcPort));
  assert.equal(clientPorts.size, TCP_CONNECTIONS);
  const synAcks = tcp.filter((packet) =>
    (packet.flags & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK)
  );
  assert.equal(synAcks.length, TCP_CONNECTIONS, "one SYN-ACK per connection");
  for (const packet of tcp) {
    const client = clientPorts.has(packet.srcPort)
      ? packet.srcPort
      : packet.dstPort;
    assert.ok(clientPorts.has(client), "TCP frame of one of the connections");
  }
  assert.deepEqual(
    tcp.filter((packet) => packet.payload.length > 0)
      .map((packet) => decoder.decode(packet.payload)).toSorted(),
    tcpMarkers.toSorted(),
  );

  // ICMP: 3 echo requests and 3 replies, all carrying ping's pattern.
  assert.equal(
    icmp.filter((packet) => packet.flags === ICMP_ECHO_REQUEST).length,
    PINGS,
  );
  assert.equal(
    icmp.filter((packet) => packet.flags === ICMP_ECHO_REPLY).length,
    PINGS,
  );
  assert.equal(icmp.length, 2 * PINGS);

  // tcpdump's own counts agree with what was parsed.
  assertStatsShape(stats);
  assert.equal(stats.captured, frames.length);
  assert.ok(stats.receivedByFilter >= stats.captured);
  assert.equal(anomalies.total(), 0, JSON.stringify(anomalies.toJSON()));

  // Reaped and forgotten.
  await assertProcessGone(tcpdump.pid);
  assert.equal(registeredChildCount(), 0);
  assert.deepEqual(await tcpdump.done, stats);
  assert.deepEqual(await tcpdump.stop(), stats, "stop() is idempotent");
  assert.equal(tcpdump.skippedPackets(), 0);
}

Deno.test("spawnTcpdump() rejects a bad BPF filter with a clear bad_filter error", async () => {
  const tcpdump = spawnTcpdump({ iface: "lo", filter: "tcp prot 80" });
  const error = await rejection(tcpdump.ready);
  assert.equal(error.code, "bad_filter");
  assert.equal(error.message, 'Bad BPF filter "tcp prot 80": syntax error');
  assert.match(error.stderr, /can't parse filter expression: syntax error/);
  assert.equal(await rejection(tcpdump.done), error);
  assert.equal(await rejection(tcpdump.stop()), error);
  await assertProcessGone(tcpdump.pid);
  assert.equal(registeredChildCount(), 0);
});

Deno.test("spawnTcpdump() reports a missing interface as no_such_device", async () => {
  const tcpdump = spawnTcpdump({ iface: "nope0", filter: "udp" });
  const error = await rejection(tcpdump.ready);
  assert.equal(error.code, "no_such_device");
  assert.equal(error.message, 'No such interface "nope0"');
  assert.equal(await rejection(tcpdump.done), error);
  await assertProcessGone(tcpdump.pid);
  assert.equal(registeredChildCount(), 0);
});

Deno.test("spawnTcpdump() with a ring a reader falls behind on skips whole files, and counts every packet it skipped", async () => {
  // A ring of 4 files of 1 MB; about 3.3 MB written before anything is
  // read, so the reader starts two files behind the one tcpdump writes.
  const ring = testRing();
  const receiver = createSocket("udp4");
  const sender = createSocket("udp4");
  let tcpdump: TcpdumpSource | undefined;
  try {
    const port = await bindUdp(receiver);
    await bindUdp(sender);
    tcpdump = spawnTcpdump({
      iface: "lo",
      filter: `udp and dst port ${port}`,
      ring: { ...ringOption(ring), fileCount: 4, fileMegabytes: 1 },
    });
    await within(tcpdump.ready, STEP_TIMEOUT_MS, "tcpdump to listen");
    const payload = "x".repeat(1_000);
    for (let i = 0; i < 3_300; i++) {
      await sendUdp(sender, port, payload);
      if (i % 100 === 99) await sleep(5);
    }
    await sleep(300);
    const frames: Frame[] = [];
    const collecting = collectFrames(tcpdump, frames, new AnomalyCounter());
    await sleep(300);
    const stats = await within(tcpdump.stop(), STEP_TIMEOUT_MS, "stop()");
    await collecting;
    assert.equal(stats.droppedByKernel, 0);
    assert.equal(stats.captured, 3_300);
    const skipped = tcpdump.skippedPackets();
    assert.ok(skipped > 500, `a whole file skipped, got ${skipped}`);
    assert.equal(frames.length + skipped, stats.captured);
  } finally {
    await tcpdump?.stop().catch(() => {});
    await closeUdp(receiver);
    await closeUdp(sender);
    await ring.remove();
  }
});

Deno.test("spawnTcpdump() with count stops by itself after that many packets", async () => {
  const receiver = createSocket("udp4");
  const sender = createSocket("udp4");
  let tcpdump: TcpdumpSource | undefined;
  let collecting: Promise<void> | undefined;
  const frames: Frame[] = [];
  try {
    const port = await bindUdp(receiver);
    await bindUdp(sender);
    tcpdump = spawnTcpdump({
      iface: "lo",
      filter: `udp and dst port ${port}`,
      count: 2,
      snapLength: 64,
    });
    collecting = collectFrames(tcpdump, frames, new AnomalyCounter());
    await within(tcpdump.ready, STEP_TIMEOUT_MS, "tcpdump to listen");
    // Bounded: at most 50 datagrams, until tcpdump has its 2 and exits.
    let exited = false;
    const markExited = (): void => {
      exited = true;
    };
    tcpdump.done.then(markExited, markExited);
    for (let i = 0; i < 50 && !exited; i++) {
      await sendUdp(sender, port, `NMCOUNT-${i}-${"x".repeat(200)}`);
      await sleep(20);
    }
    const stats = await within(tcpdump.done, STEP_TIMEOUT_MS, "tcpdump -c");
    await collecting;
    assert.equal(stats.captured, 2);
    assert.equal(frames.length, 2);
    // The snap length cuts each frame to 64 bytes.
    for (const frame of frames) assert.equal(frame.bytes.length, 64);
  } finally {
    await tcpdump?.stop().catch(() => {});
    await collecting?.catch(() => {});
    await closeUdp(receiver);
    await closeUdp(sender);
  }
  await assertProcessGone(tcpdump.pid);
});

Deno.test("spawnTcpdump() stops cleanly when its output is never read", async () => {
  const tcpdump = spawnTcpdump({ iface: "lo", filter: NOTHING_FILTER });
  await within(tcpdump.ready, STEP_TIMEOUT_MS, "tcpdump to listen");
  const [first, second] = await within(
    Promise.all([tcpdump.stop(), tcpdump.stop()]),
    STEP_TIMEOUT_MS,
    "stop()",
  );
  assert.equal(first, second, "stop() is idempotent");
  assertStatsShape(first);
  assert.equal(first.captured, 0);
  await assertProcessGone(tcpdump.pid);
  assert.equal(registeredChildCount(), 0);
  // stop() drained the unread output so that tcpdump could exit.
  await assert.rejects(Array.fromAsync(tcpdump.chunks()), TypeError);
});

Deno.test("spawnTcpdump() stops cleanly after its reader leaves early", async () => {
  const tcpdump = spawnTcpdump({ iface: "lo", filter: NOTHING_FILTER });
  await within(tcpdump.ready, STEP_TIMEOUT_MS, "tcpdump to listen");
  for await (const chunk of tcpdump.chunks()) {
    assert.ok(chunk.length > 0); // the pcap file header
    break;
  }
  const stats = await within(tcpdump.stop(), STEP_TIMEOUT_MS, "stop()");
  assertStatsShape(stats);
  await assertProcessGone(tcpdump.pid);
  assert.equal(registeredChildCount(), 0);
});

Deno.test("killAllCaptures() ends every running capture", async () => {
  const captures = [
    spawnTcpdump({ iface: "lo", filter: NOTHING_FILTER }),
    spawnTcpdump({ iface: "lo", filter: NOTHING_FILTER }),
  ];
  try {
    await within(
      Promise.all(captures.map((capture) => capture.ready)),
      STEP_TIMEOUT_MS,
      "tcpdump to listen",
    );
    assert.equal(registeredChildCount(), 2);
    await within(killAllCaptures(), STEP_TIMEOUT_MS, "killAllCaptures()");
    for (const capture of captures) {
      // SIGTERM makes tcpdump print its counts and exit normally.
      assertStatsShape(
        await within(capture.done, STEP_TIMEOUT_MS, "tcpdump to exit"),
      );
      await assertProcessGone(capture.pid);
    }
    assert.equal(registeredChildCount(), 0);
  } finally {
    await Promise.all(
      captures.map((capture) => capture.stop().catch(() => {})),
    );
  }
});

Deno.test("spawnTcpdump(): a tcpdump ended by another process fails; a Ctrl-C that reaches tcpdump just before NetMirror's own stop does not", async () => {
  const external = spawnTcpdump({ iface: "lo", filter: NOTHING_FILTER });
  await within(external.ready, STEP_TIMEOUT_MS, "tcpdump to listen");
  Deno.kill(external.pid, "SIGTERM"); // as `kill` from a shell would
  const error = await rejection(external.done);
  assert.equal(error.code, "failed");
  assert.match(error.message, /exited before NetMirror stopped it/);
  await assertProcessGone(external.pid);

  const terminal = spawnTcpdump({ iface: "lo", filter: NOTHING_FILTER });
  await within(terminal.ready, STEP_TIMEOUT_MS, "tcpdump to listen");
  // Ctrl-C reaches the whole process group: tcpdump may see it first.
  Deno.kill(terminal.pid, "SIGINT");
  await new Promise((resolve) => setTimeout(resolve, 50));
  assertStatsShape(
    await within(terminal.stop(), STEP_TIMEOUT_MS, "stop()"),
  );
  assert.equal(registeredChildCount(), 0);
});
