import assert from "node:assert/strict";
import { createSocket, type Socket } from "node:dgram";
import { DemoTraffic } from "./demo/demo_traffic.ts";
import { EventBus } from "./event_bus.ts";
import type { SensorEvent } from "./events.ts";
import type { PacketRow } from "./packet_row.ts";
import { Sensor, type SessionInfo } from "./sensor.ts";
import { SensorError } from "./session_errors.ts";
import { CaptureParser } from "../capture/pcap_reader.ts";

const HTTP_CAP = new URL(
  "../../shared/pcaps/benign/http_get_classic_wireshark_sample__http.cap",
  import.meta.url,
).pathname;

const GZIP_CAP = new URL(
  "../../shared/pcaps/formats/gzip_compressed_pcapng__portmapper-many-unanswered-calls.pcapng.gz",
  import.meta.url,
).pathname;

/** Sends one UDP datagram to 127.0.0.1:`port` (the tests send to loopback only). */
function sendToLoopback(
  socket: Socket,
  payload: Uint8Array,
  port: number,
): Promise<void> {
  return new Promise<void>((resolve, reject) =>
    socket.send(
      payload,
      port,
      "127.0.0.1",
      (error) => error ? reject(error) : resolve(),
    )
  );
}

Deno.test("Sensor streams rows with the latency they complete, and keeps streamed rows' records", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "netmirror-sensor-" });
  const bus = new EventBus<SensorEvent>();
  const rows: PacketRow[] = [];
  const statuses: string[] = [];
  bus.subscribe((event) => {
    if (event.type === "packet") rows.push(...event.rows);
    if (event.type === "status") statuses.push(event.message);
  });
  const sensor = new Sensor(bus, { dataDir, packetRingSize: 5 });
  try {
    await sensor.start({ mode: "replay", file: HTTP_CAP });
    for (let i = 0; i < 200 && sensor.running; i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.equal(sensor.session?.packets, 43);
    assert.equal(rows.length, 43, "a small capture is streamed whole");
    const dnsAnswer = rows.find((r) => r.info.startsWith("DNS response"));
    assert.ok(dnsAnswer?.latencyMs !== undefined && dnsAnswer.latencyMs > 0);
    const synAck = rows.find((r) => r.flags === "S.");
    assert.ok(
      synAck?.latencyMs !== undefined,
      "the SYN/ACK completes a handshake",
    );
    assert.equal(rows.find((r) => r.n === 1)?.latencyMs, undefined);
    // Exactly the packets that complete an exchange, each with its own
    // latency (the engine analyses the capture as one batch of 43).
    assert.deepEqual(
      rows.filter((r) => r.latencyMs !== undefined).map((r) => [
        r.n,
        r.latencyMs,
      ]),
      [[2, 911.31], [6, 771.109], [17, 360.518], [26, 931.339]],
    );
    // Only 5 packets are in the recent ring, but every streamed row's record is kept.
    assert.equal(sensor.packets.size, 5);
    assert.equal(sensor.packetRecord(1)?.transport, "tcp");
    sensor.clear();
    assert.equal(sensor.packetRecord(1), undefined);
    assert.ok(statuses.at(-1)?.startsWith("Cleared"));
  } finally {
    await sensor.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("Sensor: after a clear the stream has no row from before it, and numbers rows from 1", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "netmirror-sensor-" });
  const bus = new EventBus<SensorEvent>();
  // Rows of each packet batch, and whether the sensor had cleared before it.
  const batches: { cleared: boolean; numbers: number[] }[] = [];
  let clearing = false;
  let cleared = false;
  bus.subscribe((event) => {
    // A session's start is a cleared status too: only the clear counts.
    if (event.type === "status" && event.cleared && clearing) cleared = true;
    if (event.type === "packet" && event.rows.length > 0) {
      batches.push({ cleared, numbers: event.rows.map((row) => row.n) });
    }
  });
  const sensor = new Sensor(bus, {
    dataDir,
    createDemo: (startUs) => new DemoTraffic({ startUs }),
  });
  const until = async (what: string, check: () => boolean) => {
    for (let i = 0; i < 400 && !check(); i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.ok(check(), `timed out waiting for ${what}`);
  };
  try {
    await sensor.start({ mode: "demo" });
    // Rows are published in batches a few times a second: clear half-way
    // between two, when the sampler holds rows of packets before the clear.
    await until("a batch of rows", () => batches.length > 0);
    const published = batches.length;
    await until(
      "rows past the first batch",
      () =>
        (sensor.session?.packets ?? 0) > Math.max(...batches[0]!.numbers) + 5,
    );
    assert.equal(batches.length, published, "no batch since");
    clearing = true;
    sensor.clear();
    await until("a batch after the clear", () => batches.at(-1)!.cleared);
    const after = batches.filter((batch) => batch.cleared);
    assert.equal(
      after[0]!.numbers[0],
      1,
      `rows after the clear: ${after[0]!.numbers}`,
    );
  } finally {
    await sensor.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});

const FLOOD_CAP = new URL(
  "../../shared/pcaps/attacks/icmpv6flood_echo_with_ext_headers_35k__denial6-5.pcap",
  import.meta.url,
).pathname;
/** Packets of {@linkcode FLOOD_CAP}. */
const FLOOD_CAP_PACKETS = 35_720;

async function run(cmd: string, args: string[]): Promise<void> {
  const out = await new Deno.Command(cmd, { args, stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(
      `${cmd} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
}

/**
 * Runs `session` on a sensor whose data directory is a 1 MiB tmpfs (so its
 * session PCAP cannot be written), then checks that a status event told
 * of the disk's error while the session ran, that the session analysed
 * on and ended stopped, with that error, and that it counted the frames
 * it could not keep. Returns the session.
 */
async function onFullDisk(
  session: (sensor: Sensor) => Promise<void>,
): Promise<SessionInfo> {
  const dataDir = await Deno.makeTempDir({ prefix: "netmirror-full-disk-" });
  await run("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", dataDir]);
  const bus = new EventBus<SensorEvent>();
  const told: string[] = [];
  bus.subscribe((event) => {
    if (event.type === "status" && event.state === "running") {
      told.push(event.message);
    }
  });
  const sensor = new Sensor(bus, { dataDir });
  try {
    await session(sensor);
    if (sensor.running) await sensor.stop();
    const info = sensor.session!;
    assert.equal(info.state, "stopped");
    assert.equal(info.error, "");
    assert.match(info.pcapError, /No space left|os error 28/);
    assert.ok(
      told.some((message) =>
        /^Cannot write the session PCAP: .*(No space left|os error 28).*; capture and analysis go on, without keeping frames$/
          .test(message)
      ),
      told.join("\n"),
    );
    assert.ok(info.packets > 0);
    assert.ok(info.pcapDroppedFrames > 0, "the lost frames are counted");
    assert.equal(sensor.unfoldedPcapDrops, info.pcapDroppedFrames);
    // What the files hold ends with a whole record: they read to the end.
    await sensor.close();
    let kept = 0;
    for await (const entry of Deno.readDir(dataDir)) {
      const parser = new CaptureParser();
      parser.push(
        await Deno.readFile(`${dataDir}/${entry.name}`),
        () => kept++,
      );
      parser.finish();
    }
    assert.ok(kept > 0, "frames before the disk filled are kept");
    return info;
  } finally {
    await sensor.close();
    await run("umount", [dataDir]);
    await Deno.remove(dataDir, { recursive: true });
  }
}

Deno.test("A replay whose session PCAP cannot be written (a full disk) analyses the whole capture, and says why frames were not kept", async () => {
  // The 3.6 MB capture does not fit.
  const info = await onFullDisk(async (sensor) => {
    await sensor.start({ mode: "replay", file: FLOOD_CAP });
    for (let i = 0; i < 400 && sensor.running; i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
  });
  // Every packet of the capture (tshark counts them too).
  assert.equal(info.packets, FLOOD_CAP_PACKETS);
});

Deno.test("A live capture whose session PCAP cannot be written (a full disk) captures and analyses on, and says why frames are not kept", async () => {
  const socket = createSocket("udp4");
  const port = 40_000 + (Deno.pid % 20_000);
  try {
    await new Promise<void>((resolve) =>
      socket.bind(0, "127.0.0.1", () => resolve())
    );
    await onFullDisk(async (sensor) => {
      await sensor.start({
        mode: "live",
        interface: "lo",
        filter: `udp port ${port}`,
      });
      // About 2.8 MB to a port nobody listens on, bounded in count and time.
      const payload = new Uint8Array(1_400);
      const deadline = Date.now() + 10_000;
      for (
        let i = 0;
        i < 2_000 && sensor.running && Date.now() < deadline;
        i++
      ) {
        await sendToLoopback(socket, payload, port);
        if (i % 100 === 99) await new Promise((r) => setTimeout(r, 5));
      }
      // The status comes with the next second's check.
      await new Promise((r) => setTimeout(r, 1_500));
      assert.ok(sensor.running, "the capture goes on");
    });
  } finally {
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
});

/** Polls `check` every 20 ms for up to 5 s; asserts it came true. */
/** Binds `socket` to 127.0.0.1:`port` and starts `sensor` live on lo, capturing the datagrams it sends. */
async function captureSentFrom(
  sensor: Sensor,
  socket: Socket,
  port: number,
): Promise<void> {
  await new Promise<void>((resolve) =>
    socket.bind(port, "127.0.0.1", () => resolve())
  );
  await sensor.start({
    mode: "live",
    interface: "lo",
    filter: `udp src port ${port}`,
  });
}

async function eventually(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check() && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(check(), `timed out waiting for ${what}`);
}

Deno.test("A live session counts decode anomalies after a clear (its source keeps the sensor's one counter)", async () => {
  const socket = createSocket("udp4");
  const port = 40_000 + ((Deno.pid + 11) % 20_000);
  const dataDir = await Deno.makeTempDir({ prefix: "netmirror-clear-" });
  const sensor = new Sensor(new EventBus<SensorEvent>(), { dataDir });
  // 5 bytes to mDNS's port on loopback: a DNS message shorter than its header.
  const tooShort = async () => {
    for (let i = 0; i < 5; i++) {
      await sendToLoopback(socket, new Uint8Array(5), 5353);
    }
  };
  const counted = () => sensor.session?.anomalies.dns_too_short ?? 0;
  try {
    await captureSentFrom(sensor, socket, port);
    await tooShort();
    await eventually("5 anomalies", () => counted() === 5);
    sensor.clear();
    assert.equal(counted(), 0);
    await tooShort();
    await eventually("5 anomalies after the clear", () => counted() === 5);
  } finally {
    if (sensor.running) await sensor.stop();
    await sensor.close();
    await new Promise<void>((resolve) => socket.close(() => resolve()));
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("A stop while a live session is still starting stops it once tcpdump listens", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "netmirror-stop-" });
  const sensor = new Sensor(new EventBus<SensorEvent>(), { dataDir });
  try {
    const starting = sensor.start({ mode: "live", interface: "lo" });
    // Running as far as the API can tell, with tcpdump not yet listening.
    await eventually("the session to exist", () => sensor.running);
    const stopped = await sensor.stop();
    assert.equal(stopped.state, "stopped");
    assert.equal((await starting).id, stopped.id);
    assert.equal(sensor.running, false);
    assert.equal(sensor.session?.state, "stopped");
  } finally {
    if (sensor.running) await sensor.stop();
    await sensor.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("A live start on a down interface is refused with a 400 before it touches the earlier session: its packets, alerts and figures stay", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "netmirror-down-" });
  const bus = new EventBus<SensorEvent>();
  const statuses: { state: string; cleared: boolean }[] = [];
  bus.subscribe((event) => {
    if (event.type === "status") {
      statuses.push({ state: event.state, cleared: event.cleared });
    }
  });
  const sensor = new Sensor(bus, { dataDir });
  const link = `nmdown${Deno.pid % 10_000}`;
  // A veth pair, left down (no route, no traffic).
  await run("ip", [
    "link",
    "add",
    link,
    "type",
    "veth",
    "peer",
    "name",
    `${link}p`,
  ]);
  try {
    const earlier = await sensor.start({ mode: "replay", file: HTTP_CAP });
    await eventually("the replay to end", () => !sensor.running);
    const held = sensor.packets.size;
    assert.ok(held > 0);
    statuses.length = 0;
    await assert.rejects(
      () => sensor.start({ mode: "live", interface: link }),
      (error: Error & { status?: number }) => {
        assert.match(error.message, /is down/);
        assert.equal(error.status, 400);
        return true;
      },
    );
    assert.equal(sensor.packets.size, held);
    assert.deepEqual(statuses, []);
    const session = sensor.session!;
    assert.equal(session.id, earlier.id);
    assert.equal(session.state, "stopped");
    assert.ok(session.packets >= held);
  } finally {
    await sensor.close();
    await run("ip", ["link", "del", link]);
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("A live session keeps the snap length it is given (capture.snapLength), and 9216 bytes by default", async () => {
  const socket = createSocket("udp4");
  const port = 40_000 + ((Deno.pid + 7) % 20_000);
  // 1 000 payload bytes: a 1 042-byte frame on lo.
  const payload = new Uint8Array(1_000);
  const truncatedOf = async (capture?: { snapLength: number }) => {
    const dataDir = await Deno.makeTempDir({ prefix: "netmirror-snap-" });
    const seen: boolean[] = [];
    const sensor = new Sensor(new EventBus<SensorEvent>(), {
      dataDir,
      ...(capture ? { capture } : {}),
      onPacket: (packet) => {
        if (packet.dstPort === port) seen.push(packet.truncated);
      },
    });
    try {
      await sensor.start({
        mode: "live",
        interface: "lo",
        filter: `udp dst port ${port}`,
      });
      for (let i = 0; i < 3; i++) {
        await sendToLoopback(socket, payload, port);
      }
      const deadline = Date.now() + 5_000;
      while (seen.length < 3 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      await sensor.stop();
      await Deno.remove(dataDir, { recursive: true });
    }
    return seen;
  };
  try {
    await new Promise<void>((resolve) =>
      socket.bind(0, "127.0.0.1", () => resolve())
    );
    assert.deepEqual(await truncatedOf({ snapLength: 256 }), [
      true,
      true,
      true,
    ]);
    assert.deepEqual(await truncatedOf(), [false, false, false]);
  } finally {
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
});

Deno.test("Sensor: a new session's alerts never reuse an earlier session's ids", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "netmirror-sensor-" });
  const bus = new EventBus<SensorEvent>();
  const ids: string[] = [];
  bus.subscribe((event) => {
    if (event.type === "alert" && event.event.type === "engaged") {
      ids.push(event.event.alert.id);
    }
  });
  const sensor = new Sensor(bus, { dataDir });
  const file = new URL(
    "../../shared/pcaps/attacks/portscan_masscan_tcp0-1000_oneway__tcp_0_1000_20190821.pcap",
    import.meta.url,
  ).pathname;
  try {
    // The same capture twice: the same incident, but two alerts.
    for (let session = 0; session < 2; session++) {
      await sensor.start({ mode: "replay", file });
      for (let i = 0; i < 400 && sensor.running; i++) {
        await new Promise((r) => setTimeout(r, 25));
      }
      assert.equal(sensor.running, false);
    }
    assert.equal(ids.length, 2);
    assert.notEqual(ids[0], ids[1]);
    for (const id of ids) assert.match(id, /^port_scan-\d+$/);
  } finally {
    await sensor.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("Sensor: frames of a second link type are counted as left out of the session PCAP, and said so", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "netmirror-sensor-" });
  const bus = new EventBus<SensorEvent>();
  const messages: string[] = [];
  bus.subscribe((event) => {
    if (event.type === "status") messages.push(event.message);
  });
  const sensor = new Sensor(bus, { dataDir });
  // Ethernet and NULL (BSD loopback) interfaces in one pcapng.
  const file = new URL(
    "../../shared/pcaps/formats/pcapng_multisection_mixed_linktypes_LE__test202.pcapng",
    import.meta.url,
  ).pathname;
  try {
    await sensor.start({ mode: "replay", file });
    for (let i = 0; i < 400 && sensor.running; i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    const session = sensor.session!;
    assert.equal(session.state, "stopped", session.error);
    assert.ok(session.pcapSkippedFrames > 0, "some frames were left out");
    assert.ok(session.pcapSkippedFrames < session.packets);
    assert.match(
      messages.at(-1)!,
      new RegExp(
        `; ${session.pcapSkippedFrames} frames of a second link type left out of the session PCAP`,
      ),
    );
  } finally {
    await sensor.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("Sensor: a start that fails before its source (a data directory that is a file) fails the session, so the next start is not refused as running", async () => {
  const dir = await Deno.makeTempDir({ prefix: "netmirror-sensor-" });
  const dataDir = `${dir}/not-a-directory`;
  await Deno.writeTextFile(dataDir, "x");
  const statuses: string[] = [];
  const bus = new EventBus<SensorEvent>();
  bus.subscribe((event) => {
    if (event.type === "status") statuses.push(event.state);
  });
  const sensor = new Sensor(bus, { dataDir });
  try {
    for (let attempt = 1; attempt <= 2; attempt++) {
      await assert.rejects(
        sensor.start({ mode: "demo" }),
        (error: unknown) =>
          error instanceof SensorError && error.status === 500 &&
          /not-a-directory/.test(error.message),
        `attempt ${attempt}`,
      );
      assert.equal(sensor.session?.state, "failed");
      assert.equal(sensor.running, false);
    }
    assert.deepEqual(statuses, ["failed", "failed"]);
  } finally {
    await sensor.stop().catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Sensor with replayDir replays files under it only, by path and by real path, and says nothing of a path outside", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "netmirror-sensor-" });
  const allowed = await Deno.makeTempDir({ prefix: "netmirror-replays-" });
  await Deno.copyFile(HTTP_CAP, `${allowed}/ok.pcap`);
  await Deno.symlink(HTTP_CAP, `${allowed}/link.pcap`);
  const sensor = new Sensor(new EventBus<SensorEvent>(), {
    dataDir,
    replayDir: allowed,
  });
  const refused = (error: unknown) =>
    error instanceof SensorError && error.status === 400 &&
    /may read only files under/.test(error.message);
  try {
    for (
      const file of [
        HTTP_CAP,
        `${allowed}/../${HTTP_CAP.split("/").at(-1)}`,
        `${allowed}/link.pcap`,
        "/etc/shadow",
        "/no/such/dir/x.pcap",
      ]
    ) {
      await assert.rejects(
        sensor.start({ mode: "replay", file }),
        refused,
        file,
      );
    }
    await assert.rejects(
      sensor.start({ mode: "replay", file: `${allowed}/missing.pcap` }),
      /^SensorError: No such file ".*\/missing\.pcap"$/,
    );
    // A relative path is taken within the directory.
    await assert.rejects(
      sensor.start({ mode: "replay", file: "../ok.pcap" }),
      refused,
    );
    const real = await Deno.realPath(`${allowed}/ok.pcap`);
    // A link inside to a file inside: the replay reads the real path that
    // was checked, never the link again (swapped for one out meanwhile, it
    // would be followed).
    await Deno.symlink(`${allowed}/ok.pcap`, `${allowed}/inside.pcap`);
    for (const file of ["ok.pcap", `${allowed}/ok.pcap`, "inside.pcap"]) {
      await sensor.start({ mode: "replay", file });
      assert.equal(sensor.session?.file, real, file);
      for (let i = 0; i < 200 && sensor.running; i++) {
        await new Promise((r) => setTimeout(r, 25));
      }
      assert.equal(sensor.session?.packets, 43, file);
    }
  } finally {
    await sensor.stop().catch(() => {});
    await Deno.remove(dataDir, { recursive: true });
    await Deno.remove(allowed, { recursive: true });
  }
});

/** A sensor that has replayed the 43-packet HTTP capture, with its data directory. */
async function sensorAfterReplay(): Promise<
  { sensor: Sensor; dataDir: string; before: SessionInfo }
> {
  const dataDir = await Deno.makeTempDir({ prefix: "netmirror-sensor-" });
  const sensor = new Sensor(new EventBus<SensorEvent>(), { dataDir });
  await sensor.start({ mode: "replay", file: HTTP_CAP });
  for (let i = 0; i < 200 && sensor.running; i++) {
    await new Promise((r) => setTimeout(r, 25));
  }
  const before = sensor.session!;
  assert.equal(before.packets, 43);
  return { sensor, dataDir, before };
}

/** Asserts that starting a replay of `file` is refused (400, a message from `message` on) and that `before` stays the session. */
async function assertRefusedKeeping(
  sensor: Sensor,
  file: string,
  message: string,
  before: SessionInfo,
): Promise<void> {
  await assert.rejects(
    sensor.start({ mode: "replay", file }),
    (error) =>
      error instanceof SensorError && error.status === 400 &&
      error.message.startsWith(`Cannot parse capture "${file}": ${message}`),
    message,
  );
  assert.equal(sensor.session?.id, before.id);
  assert.equal(sensor.session?.packets, 43);
  assert.equal(sensor.session?.state, "stopped");
}

Deno.test("Sensor refuses a capture whose header no reader takes, and the last session stays as it was", async () => {
  const { sensor, dataDir, before } = await sensorAfterReplay();
  const malformed = new URL("../../shared/pcaps/malformed/", import.meta.url)
    .pathname;
  try {
    for (
      const name of [
        "bad_header_pcap_version2.5__pcap-invalid-version-2.pcap",
        "bad_header_pcapng_shb_version0.1__pcapng-invalid-vers-1.pcapng",
      ]
    ) {
      await assertRefusedKeeping(
        sensor,
        malformed + name,
        "unsupported ",
        before,
      );
    }
  } finally {
    await sensor.stop().catch(() => {});
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("Sensor refuses a capture that ends before its first record, and a gzip that breaks before it; the last session stays as it was", async () => {
  const { sensor, dataDir, before } = await sensorAfterReplay();
  const http = await Deno.readFile(HTTP_CAP);
  const gzip = await Deno.readFile(GZIP_CAP);
  const cut = `${dataDir}/cut.pcap`;
  try {
    for (
      const [bytes, reason] of [
        [
          http.subarray(0, 10),
          "file ends inside the file header (10 of 24 bytes)",
        ],
        [
          http.subarray(0, 30),
          "file ends inside a record (6 of 16 header bytes)",
        ],
        [gzip.subarray(0, 40), "gzip data is corrupt or truncated ("],
      ] as const
    ) {
      await Deno.writeFile(cut, bytes);
      await assertRefusedKeeping(sensor, cut, reason, before);
    }
  } finally {
    await sensor.stop().catch(() => {});
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("Sensor replays a gzip capture cut short: the packets before the cut, then the session fails with the gzip's error", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "netmirror-sensor-" });
  const sensor = new Sensor(new EventBus<SensorEvent>(), { dataDir });
  const cut = `${dataDir}/cut.pcapng.gz`;
  try {
    await Deno.writeFile(
      cut,
      (await Deno.readFile(GZIP_CAP)).subarray(0, 3000),
    );
    await sensor.start({ mode: "replay", file: cut });
    for (let i = 0; i < 200 && sensor.running; i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    const session = sensor.session!;
    assert.equal(session.state, "failed");
    assert.equal(session.packets, 32); // as `netmirror read` reads it
    assert.match(
      session.error,
      /^Cannot parse capture: gzip data is corrupt or truncated \(/,
    );
  } finally {
    await sensor.stop().catch(() => {});
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("Sensor: a stop that comes while a start still checks its input stops the session it starts", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "netmirror-sensor-" });
  const sensor = new Sensor(new EventBus<SensorEvent>(), { dataDir });
  try {
    // A paced replay runs for the capture's own span: still running when
    // the stop is handled, unless the stop waited for it and stopped it.
    const starting = sensor.start({
      mode: "replay",
      file: HTTP_CAP,
      realtime: true,
    });
    const stopped = await sensor.stop();
    await starting;
    assert.equal(stopped.state, "stopped");
    assert.equal(sensor.running, false);
  } finally {
    await sensor.stop().catch(() => {});
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("A live session on a link gone quiet releases its alerts by the wall clock, without waiting for the next packet", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "netmirror-quiet-" });
  const bus = new EventBus<SensorEvent>();
  const alertEvents: string[] = [];
  bus.subscribe((event) => {
    if (event.type === "alert") alertEvents.push(event.event.type);
  });
  // Alerts released after 3 s without a finding (120 s by default).
  const sensor = new Sensor(bus, {
    dataDir,
    engine: { lifecycle: { releaseAfterUs: 3_000_000 } },
  });
  try {
    // Only this test's scan: 40 closed ports of 127.0.0.1 from one socket
    // address each, the ports refused with resets.
    await sensor.start({
      mode: "live",
      interface: "lo",
      filter: "tcp and portrange 47000-47039",
    });
    for (let port = 47_000; port < 47_040; port++) {
      try {
        (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      } catch {
        // Refused: the probe's answer.
      }
    }
    await eventually("the scan's alert", () => alertEvents.includes("engaged"));
    // The scan's last resets, through tcpdump.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const packets = sensor.session!.packets;
    // No packet after the scan: the release comes from the quiet alone.
    const deadline = Date.now() + 10_000;
    while (!alertEvents.includes("released") && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(alertEvents.includes("released"), alertEvents.join(", "));
    assert.equal(sensor.session!.packets, packets, "no packet came meanwhile");
    assert.ok(sensor.running);
  } finally {
    if (sensor.running) await sensor.stop();
    await sensor.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("A running live session shows tcpdump's counts and kernel drops as they happen: a status event announces the drops before the session stops", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "netmirror-drops-" });
  const bus = new EventBus<SensorEvent>();
  const statuses: { state: string; droppedByKernel: number }[] = [];
  bus.subscribe((event) => {
    if (event.type === "status") statuses.push(event);
  });
  // A kernel buffer of 32 KiB holds a few packets: a burst overflows it.
  const sensor = new Sensor(bus, { dataDir, capture: { bufferKib: 32 } });
  const socket = createSocket("udp4");
  const port = 40_000 + ((Deno.pid + 23) % 20_000);
  try {
    await captureSentFrom(sensor, socket, port);
    // First a few packets at a walk: counted, none dropped.
    for (let i = 0; i < 10; i++) {
      await sendToLoopback(socket, new Uint8Array(100), port);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await eventually(
      "tcpdump's count of the first 10",
      () => sensor.session!.tcpdumpCaptured === 10,
    );
    assert.equal(sensor.session!.droppedByKernel, 0);
    // Then 20 000 at once (to itself: the socket reads none), in bursts
    // until the kernel drops some (five at most).
    for (let burst = 0; burst < 5; burst++) {
      const sent: Promise<void>[] = [];
      for (let i = 0; i < 20_000; i++) {
        sent.push(sendToLoopback(socket, new Uint8Array(100), port));
      }
      await Promise.all(sent);
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      if (sensor.session!.droppedByKernel > 0) break;
    }
    const session = sensor.session!;
    assert.equal(session.state, "running");
    assert.ok(session.droppedByKernel > 0, "the kernel dropped packets");
    assert.ok(session.tcpdumpCaptured > 10, `${session.tcpdumpCaptured}`);
    const announced = statuses.filter((status) =>
      status.state === "running" && status.droppedByKernel > 0
    );
    assert.ok(announced.length > 0, "a status event told of the drops");
    assert.equal(announced.at(-1)!.droppedByKernel, session.droppedByKernel);
    const running = session.droppedByKernel;
    await sensor.stop();
    // tcpdump's final counts: at least those it gave while running.
    assert.ok(sensor.session!.droppedByKernel >= running);
    assert.equal(
      sensor.session!.tcpdumpCaptured,
      sensor.session!.packets + sensor.session!.skippedByReader,
    );
  } finally {
    if (sensor.running) await sensor.stop();
    await sensor.close();
    await new Promise<void>((resolve) => socket.close(() => resolve()));
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("A live session's PCAP reaches the disk within seconds on a quiet link, without a download asking for it", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "netmirror-quiet-pcap-" });
  const sensor = new Sensor(new EventBus<SensorEvent>(), { dataDir });
  const socket = createSocket("udp4");
  const port = 40_000 + ((Deno.pid + 37) % 20_000);
  try {
    await captureSentFrom(sensor, socket, port);
    for (let i = 0; i < 10; i++) {
      await sendToLoopback(socket, new Uint8Array(100), port);
    }
    await eventually("10 packets", () => sensor.session!.packets === 10);
    const path = `${dataDir}/netmirror-${sensor.session!.id}-0000.pcap`;
    // A file header, and 10 records of 16 + 142 bytes (Ethernet, IPv4, UDP).
    const expected = 24 + 10 * (16 + 142);
    const deadline = Date.now() + 5_000;
    let size = 0;
    while (size < expected && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      size = (await Deno.stat(path).catch(() => ({ size: 0 }))).size;
    }
    assert.equal(size, expected);
    assert.ok(sensor.running);
  } finally {
    if (sensor.running) await sensor.stop();
    await sensor.close();
    await new Promise<void>((resolve) => socket.close(() => resolve()));
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("A live session tells in status events when its interface's link goes down and comes back", async () => {
  // A veth pair of this test's own (no address, no traffic).
  const [link, peer] = [
    `nmlk${Deno.pid % 10_000}a`,
    `nmlk${Deno.pid % 10_000}b`,
  ];
  await run("ip", ["link", "add", link, "type", "veth", "peer", "name", peer]);
  const dataDir = await Deno.makeTempDir({ prefix: "netmirror-link-" });
  const bus = new EventBus<SensorEvent>();
  const told: string[] = [];
  bus.subscribe((event) => {
    if (event.type === "status") told.push(event.message);
  });
  const sensor = new Sensor(bus, { dataDir });
  /** Waits up to 10 s for `check` (the link is read every 3 s). */
  const within10s = async (what: string, check: () => boolean) => {
    const deadline = Date.now() + 10_000;
    while (!check() && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(check(), `timed out waiting for ${what}: ${told.join("; ")}`);
  };
  try {
    await run("ip", ["link", "set", link, "up"]);
    await run("ip", ["link", "set", peer, "up"]);
    await sensor.start({ mode: "live", interface: link });
    // The far end goes down: no carrier.
    await run("ip", ["link", "set", peer, "down"]);
    await within10s("the link down", () => sensor.session!.linkDown);
    assert.ok(
      told.includes(
        `The link of ${link} is down: nothing is captured until it is up`,
      ),
    );
    assert.ok(sensor.running);
    await run("ip", ["link", "set", peer, "up"]);
    await within10s("the link up", () => !sensor.session!.linkDown);
    assert.ok(told.includes(`The link of ${link} is up again`));
  } finally {
    if (sensor.running) await sensor.stop();
    await sensor.close();
    await run("ip", ["link", "del", link]).catch(() => {});
    await Deno.remove(dataDir, { recursive: true });
  }
});
