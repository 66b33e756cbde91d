import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createApp, MAX_PCAP_SEARCHES } from "./app.ts";
import { MAX_SLICES } from "./pcap_slice.ts";
import { EventBus } from "./event_bus.ts";
import type { SensorEvent } from "./events.ts";
import { Sensor, type SensorOptions } from "./sensor.ts";
import { readSse } from "../tests/sse_client.ts";
import { tsharkFields } from "../tests/cli_helpers.ts";
import { StreamHub } from "./stream_hub.ts";
import type { UiAssets } from "./ui_assets.ts";
import { CaptureParser } from "../capture/pcap_reader.ts";
import { AnomalyCounter } from "../capture/anomalies.ts";
import { readPacketFile } from "../capture/packet_source.ts";
import { PcapFileWriter } from "../capture/pcap_file_writer.ts";
import { neighborFrame } from "../capture/frame_builder.ts";
import { concatBytes } from "../capture/concat_bytes.ts";
import {
  PCAP_RECORD_HEADER_LENGTH,
  pcapFileHeader,
  writePcapRecordHeader,
} from "../capture/pcap_writer.ts";
import { openCaptureSource, readCapture } from "../capture/read_capture.ts";

const PCAPS = new URL("../../shared/pcaps/", import.meta.url).pathname;
const HTTP_CAP = `${PCAPS}benign/http_get_classic_wireshark_sample__http.cap`;

async function setup(
  token?: string,
  ui?: UiAssets,
  options: Omit<SensorOptions, "dataDir"> = {},
) {
  const dataDir = await Deno.makeTempDir({ prefix: "netmirror-app-" });
  const bus = new EventBus<SensorEvent>();
  const sensor = new Sensor(bus, { dataDir, ...options });
  const hub = new StreamHub(bus);
  const app = createApp({
    sensor,
    hub,
    version: "test",
    ...(token ? { token } : {}),
    ...(ui ? { ui } : {}),
  });
  const request = (path: string, init: RequestInit = {}) =>
    app.request(path, init);
  const post = (path: string, body?: unknown, headers: HeadersInit = {}) =>
    app.request(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...headers },
      ...(body === undefined
        ? {}
        : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    });
  const close = async () => {
    await sensor.close();
    hub.close();
    await Deno.remove(dataDir, { recursive: true });
  };
  return { app, sensor, hub, request, post, close, dataDir };
}

async function waitStopped(sensor: Sensor): Promise<void> {
  for (let i = 0; i < 200 && sensor.running; i++) {
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.equal(sensor.running, false, "replay did not finish within 5 s");
}

async function errorOf(response: Response): Promise<string> {
  const body = await response.json();
  assert.equal(typeof body.error, "string");
  return body.error;
}

/** A server that has replayed `file` to its end (with `options`, through `filter` when given), and its session. */
async function replayed(
  file: string,
  options: Omit<SensorOptions, "dataDir"> = {},
  filter?: string,
) {
  const server = await setup(undefined, undefined, options);
  const started = await server.post("/api/start", {
    mode: "replay",
    file,
    ...(filter === undefined ? {} : { filter }),
  });
  assert.equal(started.status, 201);
  const session = await started.json();
  await waitStopped(server.sensor);
  return { ...server, session };
}

/** The nmap SYN scan of 1,000 ports, replayed with `options`: its port scan alert's slice (headers, and each record's time and lengths). */
async function scanSlice(options: Omit<SensorOptions, "dataDir">) {
  const { request, close } = await replayed(
    `${PCAPS}attacks/portscan_nmap-sS_1000ports_scanme__synscan.pcapng`,
    options,
  );
  const alerts = await (await request("/api/alerts")).json();
  const scan = alerts.find((a: { kind: string }) => a.kind === "port_scan");
  const response = await request(`/api/export/pcap/alert/${scan.id}`);
  const records: number[][] = [];
  const parser = new CaptureParser();
  parser.push(
    new Uint8Array(await response.arrayBuffer()),
    (r) => records.push([r.timestampUs, r.capturedLength, r.wireLength]),
  );
  parser.finish();
  await close();
  return { headers: response.headers, records };
}

Deno.test("GET /healthz answers ok with the capture state", async () => {
  const { request, close } = await setup();
  const response = await request("/healthz");
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), {
    status: "ok",
    version: "test",
    capture: "idle",
  });
  await close();
});

Deno.test("GET /api/interfaces lists lo and any", async () => {
  const { request, close } = await setup();
  const response = await request("/api/interfaces");
  assert.equal(response.status, 200);
  const names = (await response.json()).map((n: { name: string }) => n.name);
  assert.ok(names.includes("lo"));
  assert.ok(names.includes("any"));
  await close();
});

Deno.test("POST /api/start rejects bad bodies with a clear 400", async () => {
  const { post, close } = await setup();
  const cases: [unknown, number, RegExp][] = [
    ["{not json", 400, /Bad JSON/],
    ["[1,2]", 400, /JSON object/],
    [{}, 400, /"mode" is required/],
    [{ mode: "warp" }, 400, /Unknown mode "warp"/],
    [{ mode: 7 }, 400, /"mode" must be a string/],
    [{ mode: "demo", colour: "red" }, 400, /Unknown field "colour"/],
    // Not fields either, though every object has them.
    [{ mode: "demo", constructor: "x" }, 400, /Unknown field "constructor"/],
    [{ mode: "demo", toString: "x" }, 400, /Unknown field "toString"/],
    [{ mode: "live" }, 400, /needs an interface/],
    [{ mode: "live", interface: "nope0" }, 400, /No such interface "nope0"/],
    [
      { mode: "live", interface: "lo", filter: "tcp prot 80" },
      400,
      /filter/i,
    ],
    [{ mode: "replay" }, 400, /needs a file/],
    [
      { mode: "replay", file: "/no/such.pcap" },
      400,
      /^No such file "\/no\/such\.pcap"$/,
    ],
    [
      {
        mode: "replay",
        file: new URL("../README.md", import.meta.url).pathname,
      },
      400,
      /: not a pcap or pcapng file/,
    ],
    [{ mode: "demo", filter: "tcp" }, 400, /Demo mode takes no filter/],
    // Another mode's field would be ignored: refused instead.
    [
      { mode: "live", interface: "lo", file: "/etc/passwd" },
      400,
      /Field "file" is for replay mode only, not live/,
    ],
    [
      { mode: "demo", interface: "lo" },
      400,
      /Field "interface" is for live mode only, not demo/,
    ],
    [
      { mode: "live", interface: "lo", realtime: true },
      400,
      /Field "realtime" is for replay mode only/,
    ],
  ];
  for (const [body, status, message] of cases) {
    const response = await post("/api/start", body);
    assert.equal(response.status, status, JSON.stringify(body));
    assert.match(await errorOf(response), message, JSON.stringify(body));
  }
  const big = await post("/api/start", { mode: "x".repeat(20_000) });
  assert.equal(big.status, 413);
  await errorOf(big);
  const form = await post("/api/start", "mode=demo", {
    "Content-Type": "application/x-www-form-urlencoded",
  });
  assert.equal(form.status, 400);
  assert.match(await errorOf(form), /application\/json/);
  // An empty file is said to be empty, by its name.
  const empty = await Deno.makeTempFile({ suffix: ".pcap" });
  try {
    const response = await post("/api/start", { mode: "replay", file: empty });
    assert.equal(response.status, 400);
    assert.equal(
      await errorOf(response),
      `Cannot parse capture "${empty}": the file is empty`,
    );
    // So is a file that ends inside its header, not started to fail.
    await Deno.writeFile(
      empty,
      (await Deno.readFile(HTTP_CAP)).subarray(0, 10),
    );
    const short = await post("/api/start", { mode: "replay", file: empty });
    assert.equal(short.status, 400);
    assert.equal(
      await errorOf(short),
      `Cannot parse capture "${empty}": file ends inside the file header (10 of 24 bytes)`,
    );
  } finally {
    await Deno.remove(empty);
  }
  await close();
});

Deno.test("GET /api/replay-files lists the capture files under --replay-dir, and nothing without one", async () => {
  const none = await setup();
  assert.deepEqual(await (await none.request("/api/replay-files")).json(), {
    dir: "",
    files: [],
    more: false,
  });
  await none.close();
  const dir = await Deno.makeTempDir({ prefix: "netmirror-replays-" });
  const outside = await Deno.makeTempDir({ prefix: "netmirror-outside-" });
  try {
    await Deno.mkdir(`${dir}/day1/deep/deeper/deepest/too-deep`, {
      recursive: true,
    });
    const write = (path: string, bytes: number) =>
      Deno.writeFile(`${dir}/${path}`, new Uint8Array(bytes));
    await write("a.pcap", 24);
    await write("day1/b.pcapng.gz", 10);
    await write("day1/deep/deeper/deepest/c.cap", 5);
    await write("day1/deep/deeper/deepest/too-deep/d.pcap", 5);
    await write("notes.txt", 3);
    await write(".hidden.pcap", 3);
    await Deno.writeFile(`${outside}/secret.pcap`, new Uint8Array(1));
    await Deno.symlink(`${outside}/secret.pcap`, `${dir}/link.pcap`);
    const { request, close } = await setup(undefined, undefined, {
      replayDir: `${dir}/`,
    });
    const listed = await (await request("/api/replay-files")).json();
    assert.deepEqual(listed, {
      dir,
      files: [
        { path: `${dir}/a.pcap`, bytes: 24 },
        { path: `${dir}/day1/b.pcapng.gz`, bytes: 10 },
        { path: `${dir}/day1/deep/deeper/deepest/c.cap`, bytes: 5 },
      ],
      // too-deep/ lies past the walk's depth.
      more: true,
    });
    await close();
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(outside, { recursive: true });
  }
});

Deno.test("POST /api/stop when idle is a 409", async () => {
  const { post, close } = await setup();
  const response = await post("/api/stop");
  assert.equal(response.status, 409);
  assert.match(await errorOf(response), /No capture is running/);
  await close();
});

Deno.test("replay session: start, start again (409), packets, stats, report, PCAP", async () => {
  const { post, request, sensor, close } = await setup();
  const started = await post("/api/start", { mode: "replay", file: HTTP_CAP });
  assert.equal(started.status, 201);
  const session = await started.json();
  assert.equal(session.mode, "replay");
  const again = await post("/api/start", { mode: "replay", file: HTTP_CAP });
  assert.ok(again.status === 409 || !sensor.running);
  if (again.status === 409) {
    assert.match(await errorOf(again), /already running/);
  } else await again.body?.cancel();
  await waitStopped(sensor);

  const info = await (await request("/api/session")).json();
  assert.equal(info.state, "stopped");
  assert.equal(info.packets, 43);

  const packets = await (await request("/api/packets?limit=1000")).json();
  assert.equal(packets.length, 43);
  assert.equal(packets[0].n, 43, "newest first");
  const dns = await (await request("/api/packets?protocol=dns")).json();
  assert.equal(dns.length, 2);
  // The DNS answer's latency, as its streamed row had it (the capture's
  // SYN/ACKs and HTTP answers have theirs too).
  assert.equal(typeof dns[0].latencyMs, "number", JSON.stringify(dns[0]));
  assert.equal(dns[1].latencyMs, undefined);
  assert.ok(
    packets.filter((row: { latencyMs?: number }) => row.latencyMs !== undefined)
      .length >= 3,
  );
  const tcp = await (await request("/api/packets?protocol=tcp&limit=1000"))
    .json();
  assert.equal(tcp.length, 41);
  const search = await (await request("/api/packets?q=pagead2")).json();
  assert.ok(search.length >= 1);
  assert.ok(
    search.every((row: { info: string }) => row.info.includes("pagead2")),
  );
  // Every word is tested on every held packet: the text is bounded.
  const long = await request(`/api/packets?q=${"a%20".repeat(129)}`);
  assert.equal(long.status, 400);
  assert.match(await errorOf(long), /"q" may be at most 256 characters/);
  // So are the protocol list and the addresses: 15,000 names stalled the
  // whole server for seconds (the list was split again for every packet).
  const names = Array.from({ length: 15_000 }, (_, k) => `p${k}`).join(",");
  const manyNames = await request(`/api/packets?protocol=${names}`);
  assert.equal(manyNames.status, 400);
  assert.match(
    await errorOf(manyNames),
    /"protocol" may be at most 256 characters, got 93889/,
  );
  const longSrc = await request(`/api/packets?src=${"1".repeat(100_000)}`);
  assert.equal(longSrc.status, 400);
  assert.match(await errorOf(longSrc), /^"src" may be at most 64 characters/);
  // A list within the bound matches any of its names, case and spaces aside.
  const listed = await (await request(
    `/api/packets?protocol=${
      encodeURIComponent(` DNS ,,${"nothing,".repeat(20)}`)
    }`,
  )).json();
  assert.deepEqual(listed, dns);
  const bySrc =
    await (await request("/api/packets?src=145.254.160.237&limit=1000")).json();
  assert.ok(bySrc.length > 0);
  assert.ok(bySrc.every((r: { src: string }) => r.src === "145.254.160.237"));
  // One address each, or a 400 (a prefix, a name or a typo matched
  // nothing and answered [] before).
  for (const bad of ["145.254.160", "10.0.0.0/8", "%ZZ", "example.com"]) {
    const refused = await request(`/api/packets?src=${bad}`);
    assert.equal(refused.status, 400, bad);
    assert.match(await errorOf(refused), /Bad src: .* is not one IPv4 or IPv6/);
  }
  const badDst = await request("/api/packets?dst=fe80::1::2");
  assert.equal(badDst.status, 400);
  await errorOf(badDst);
  // IPv6 is matched as the decoder writes it, however it was spelt.
  assert.equal((await request("/api/packets?src=FD00:0:0::1")).status, 200);
  for (const limit of ["-3", "1e3", "0x10", "1.0", "%205", "-0"]) {
    const badLimit = await request(`/api/packets?limit=${limit}`);
    assert.equal(badLimit.status, 400, limit);
    await errorOf(badLimit);
  }
  assert.equal((await request("/api/packets/0x5")).status, 400);
  // A whole number past the largest allowed says what is allowed.
  const huge = await request("/api/packets/999999999999");
  assert.equal(huge.status, 400);
  assert.match(
    await errorOf(huge),
    /packet number must be a whole number from 0 to 10000000000, got "999999999999"/,
  );

  const one = await request("/api/packets/1");
  assert.equal(one.status, 200);
  const record = await one.json();
  assert.equal(record.n, 1);
  assert.equal(record.transport, "tcp");
  assert.equal(typeof record.srcAddress, "string");
  assert.ok(!("srcAddressKey" in record), "address keys stay internal");
  const gone = await request("/api/packets/999");
  assert.equal(gone.status, 404);
  assert.match(
    await errorOf(gone),
    /No packet 999: the session's packets are numbered 1 to 43/,
  );
  const zero = await request("/api/packets/0");
  assert.equal(zero.status, 404);
  assert.match(await errorOf(zero), /No packet 0/);

  const stats = await (await request("/api/stats")).json();
  assert.equal(stats.totals.packets, 43);
  assert.equal(stats.totals.bytes, 25091);
  const latency = await (await request("/api/stats/latency")).json();
  assert.ok(latency.protocols.dns.totalCount >= 1);

  const alerts = await request("/api/alerts?severity=low");
  assert.equal(alerts.status, 200);
  assert.deepEqual(await alerts.json(), []);
  for (const name of ["purple", "constructor", "toString", "__proto__"]) {
    const badSeverity = await request(`/api/alerts?severity=${name}`);
    assert.equal(badSeverity.status, 400, name);
    await errorOf(badSeverity);
  }
  const noAlert = await request("/api/alerts/port_scan-99");
  assert.equal(noAlert.status, 404);
  await errorOf(noAlert);
  const noSlice = await request("/api/export/pcap/alert/port_scan-99");
  assert.equal(noSlice.status, 404);
  await errorOf(noSlice);

  const pcapResponse = await request(`/api/export/pcap/${session.id}`);
  assert.equal(pcapResponse.status, 200);
  const pcap = new Uint8Array(await pcapResponse.arrayBuffer());
  let records = 0;
  const parser = new CaptureParser();
  parser.push(pcap, () => records++);
  parser.finish();
  assert.equal(records, 43);

  const reportResponse = await post("/api/export/report");
  assert.equal(reportResponse.status, 200);
  const report = await reportResponse.json();
  assert.equal(report.session.id, session.id);
  assert.equal(report.summary.packets, 43);
  assert.equal(report.pcap.bytes, pcap.length);
  assert.equal(
    report.pcap.sha256,
    createHash("sha256").update(pcap).digest("hex"),
  );
  assert.ok(
    report.recommendations.some((r: { reason: string }) =>
      r.reason.includes("HTTP")
    ),
    "plain HTTP is called out",
  );
  assert.equal(report.pcap.includesBeforeClear, false);
  assert.equal(report.session.clearedMs, null);

  // After a clear the summary counts from it, and the report says the
  // session PCAP still holds what came before.
  assert.equal((await post("/api/clear")).status, 200);
  const afterClear = await (await post("/api/export/report")).json();
  assert.equal(afterClear.summary.packets, 0);
  assert.equal(afterClear.pcap.sha256, report.pcap.sha256);
  assert.equal(afterClear.pcap.includesBeforeClear, true);
  assert.equal(typeof afterClear.session.clearedMs, "number");

  const unknown = await request("/api/export/pcap/nosuchsession");
  assert.equal(unknown.status, 404);
  await errorOf(unknown);
  const traversal = await request("/api/export/pcap/..%2F..%2Fetc");
  assert.equal(traversal.status, 404);
  await errorOf(traversal);

  const cleared = await post("/api/clear");
  assert.equal(cleared.status, 200);
  assert.deepEqual(await (await request("/api/packets")).json(), []);
  await close();
});

Deno.test("GET /api/packets?q= searches as the page does (whole hosts, addr:port, flag words), says where it looked, and a packet's own PCAP", async () => {
  const { post, request, sensor, close } = await setup();
  const started = await post("/api/start", { mode: "replay", file: HTTP_CAP });
  assert.equal(started.status, 201);
  await waitStopped(sensor);
  const numbers = async (query: string) => {
    const response = await request(`/api/packets?limit=1000&${query}`);
    assert.equal(response.status, 200, query);
    return (await response.json()).map((row: { n: number }) => row.n);
  };
  assert.deepEqual(await numbers("q=SYN"), [2, 1]);
  assert.deepEqual(await numbers("q=syn%2Fack"), [2]);
  assert.deepEqual(await numbers("q=%5BS%5D"), [1], "[S]: SYN alone");
  assert.deepEqual(await numbers("q=FIN"), [42, 40]);
  assert.deepEqual(
    await numbers("q=145.254.160.237%3A3371"),
    [37, 36, 28, 27, 26, 24, 18],
  );
  assert.deepEqual(await numbers("q=145.253.2.203"), [17, 13]);
  // A whole address: a shorter one is another host, not a prefix.
  assert.deepEqual(await numbers("q=145.253.2.20"), []);
  assert.deepEqual(await numbers("q=145.253.2.203+53"), [17, 13]);
  // Protocols, any of a list (the page's DNS and ICMP chips are lists).
  assert.equal((await numbers("protocol=dns,tcp")).length, 43);
  assert.deepEqual(await numbers("protocol=icmp,icmpv6"), []);

  const all = await request("/api/packets?limit=1000");
  assert.equal(all.headers.get("X-Packets-Searched"), "43");
  assert.equal(all.headers.get("X-Packets-Searched-From"), "1");
  assert.equal(all.headers.get("X-Packets-Searched-To"), "43");
  await all.body?.cancel();
  // The limit reached: only the newest were looked at.
  const five = await request("/api/packets?limit=5");
  assert.equal(five.headers.get("X-Packets-Searched"), "5");
  assert.equal(five.headers.get("X-Packets-Searched-From"), "39");
  await five.body?.cancel();

  const record = await (await request("/api/packets/5")).json();
  const one = await request("/api/packets/5/pcap");
  assert.equal(one.status, 200);
  assert.equal(one.headers.get("Content-Type"), "application/vnd.tcpdump.pcap");
  const session = sensor.session!.id;
  assert.match(
    one.headers.get("Content-Disposition") ?? "",
    new RegExp(`netmirror-${session}-packet-5\\.pcap`),
  );
  const bytes = new Uint8Array(await one.arrayBuffer());
  const frames: { timestampUs: number; length: number; wire: number }[] = [];
  const parser = new CaptureParser();
  parser.push(bytes, (r) =>
    frames.push({
      timestampUs: r.timestampUs,
      length: r.capturedLength,
      wire: r.wireLength,
    }));
  parser.finish();
  assert.deepEqual(frames, [{
    timestampUs: record.timestampUs,
    length: record.capturedLength,
    wire: record.wireLength,
  }]);
  const gone = await request("/api/packets/999/pcap");
  assert.equal(gone.status, 404);
  assert.match(await errorOf(gone), /bytes of packet 999 are no longer held/);
  assert.equal((await request("/api/packets/x/pcap")).status, 400);
  await close();
});

Deno.test("a token guards every /api route and the stream", async () => {
  const { request, close } = await setup("s3cret");
  const missing = await request("/api/stats");
  assert.equal(missing.status, 401);
  assert.equal(
    missing.headers.get("WWW-Authenticate"),
    'Bearer realm="netmirror"',
  );
  assert.match(await errorOf(missing), /token/);
  const wrong = await request("/api/stream", {
    headers: { Authorization: "Bearer nope" },
  });
  assert.equal(wrong.status, 401);
  await wrong.body?.cancel();
  const header = await request("/api/stats", {
    headers: { Authorization: "Bearer s3cret" },
  });
  assert.equal(header.status, 200);
  await header.body?.cancel();
  const lowerCase = await request("/api/stats", {
    headers: { Authorization: "bearer s3cret" },
  });
  assert.equal(lowerCase.status, 200, "the scheme is case-insensitive");
  await lowerCase.body?.cancel();
  const query = await request("/api/stats?token=s3cret");
  assert.equal(query.status, 200);
  await query.body?.cancel();
  const health = await request("/healthz");
  assert.equal(health.status, 200, "health checks need no token");
  await health.body?.cancel();
  await close();
});

Deno.test("without a token only loopback Host names are answered (DNS rebinding)", async () => {
  const { request, post, close } = await setup();
  // A page at attacker.example, re-pointed at 127.0.0.1, is same-origin to
  // itself: its Origin matches its Host, so only the name gives it away.
  const rebound = await post("/api/start", {
    mode: "replay",
    file: "/etc/shadow",
  }, {
    Host: "attacker.example:5000",
    Origin: "http://attacker.example:5000",
  });
  assert.equal(rebound.status, 403);
  assert.match(await errorOf(rebound), /not a loopback address.*--token/);
  for (const path of ["/", "/api/alerts", "/api/stream", "/metrics"]) {
    const read = await request(path, { headers: { Host: "attacker.example" } });
    assert.equal(read.status, 403, path);
    await read.body?.cancel();
  }
  for (const host of ["127.0.0.1:5000", "localhost:5000", "[::1]:5000"]) {
    const ok = await request("/api/alerts", { headers: { Host: host } });
    assert.equal(ok.status, 200, host);
    await ok.body?.cancel();
  }
  await close();

  const guarded = await setup("s3cret");
  const named = await guarded.request("/api/alerts", {
    headers: { Host: "sensor.example:5000", Authorization: "Bearer s3cret" },
  });
  assert.equal(named.status, 200, "a token lets any name through");
  await named.body?.cancel();
  await guarded.close();
});

Deno.test("cross-origin POSTs are refused", async () => {
  const { post, close } = await setup();
  const evil = await post("/api/clear", undefined, {
    Origin: "http://evil.example",
    Host: "127.0.0.1:5000",
  });
  assert.equal(evil.status, 403);
  assert.match(await errorOf(evil), /Cross-origin/);
  const site = await post("/api/clear", undefined, {
    "Sec-Fetch-Site": "cross-site",
  });
  assert.equal(site.status, 403);
  await errorOf(site);
  const same = await post("/api/clear", undefined, {
    Origin: "http://127.0.0.1:5000",
    Host: "127.0.0.1:5000",
  });
  assert.equal(same.status, 200);
  await same.body?.cancel();
  // Host names are compared as URLs compare them: case aside, and a
  // scheme's default port said or not.
  for (
    const [origin, host] of [
      ["http://localhost:5000", "LOCALHOST:5000"],
      ["http://localhost", "localhost:80"],
    ] as const
  ) {
    const alike = await post("/api/clear", undefined, {
      Origin: origin,
      Host: host,
    });
    assert.equal(alike.status, 200, `${origin} ${host}`);
    await alike.body?.cancel();
  }
  await close();
});

Deno.test("unknown routes and stream types answer JSON errors", async () => {
  const { request, close } = await setup();
  const none = await request("/api/nothing");
  assert.equal(none.status, 404);
  assert.match(await errorOf(none), /No route/);
  // Known paths asked with the wrong method: 405 with Allow.
  for (
    const [method, path, allow] of [
      ["GET", "/api/start", "POST"],
      ["PUT", "/api/start", "POST"],
      ["DELETE", "/api/alerts", "GET, HEAD"],
      ["POST", "/api/export/pcap/alert/port_scan-1", "GET, HEAD"],
    ] as const
  ) {
    const wrong = await request(path, { method });
    assert.equal(wrong.status, 405, `${method} ${path}`);
    assert.equal(wrong.headers.get("Allow"), allow);
    assert.match(await errorOf(wrong), /is not allowed on/);
  }
  const badTypes = await request("/api/stream?types=alert,gossip");
  assert.equal(badTypes.status, 400);
  assert.match(await errorOf(badTypes), /Unknown event type "gossip"/);
  const noTypes = await request("/api/stream?types=,,,");
  assert.equal(noTypes.status, 400);
  assert.match(await errorOf(noTypes), /names no event type/);
  await close();
});

Deno.test("GET /api/export/pcap/<session>?q=&filter= streams every frame of the session PCAP that matches, whole; bad searches are 400s; at most a few at once", async () => {
  const iphone =
    `${PCAPS}benign/mixed_iphone_dns_tls_http_icmp_ipv6__iphone.pcap`;
  const { app, request, session, close } = await replayed(iphone);
  const path = `/api/export/pcap/${session.id}`;
  /** The frames (time, lengths) of a download, as tshark reads them. */
  const framesOf = async (query: string) => {
    const response = await request(`${path}?${query}`);
    assert.equal(response.status, 200, query);
    assert.match(
      response.headers.get("Content-Disposition") ?? "",
      new RegExp(`netmirror-${session.id}-matches\\.pcap`),
    );
    const file = await Deno.makeTempFile({ suffix: ".pcap" });
    try {
      await Deno.writeFile(file, new Uint8Array(await response.arrayBuffer()));
      return await tsharkFields(file, ["frame.time_epoch", "frame.len"]);
    } finally {
      await Deno.remove(file);
    }
  };
  const oracle = (displayFilter: string) =>
    tsharkFields(iphone, ["frame.time_epoch", "frame.len"], displayFilter);
  try {
    const host = await framesOf("q=17.248.185.87");
    assert.ok(host.length >= 70);
    assert.deepEqual(host, await oracle("ip.addr == 17.248.185.87"));
    const bpf = await framesOf(`filter=${encodeURIComponent("udp port 53")}`);
    assert.ok(bpf.length >= 20);
    assert.deepEqual(bpf, await oracle("udp.port == 53 && !icmp && !icmpv6"));
    const chip = await framesOf("protocol=dns&dst=192.168.2.1");
    assert.deepEqual(chip, await oracle("dns && ip.dst == 192.168.2.1"));

    const bad = [
      [`filter=${encodeURIComponent("port nonsense")}`, /Bad BPF filter/],
      [`q=${"x".repeat(257)}`, /"q" may be at most 256 characters/],
      ["src=192.168.2", /Bad src/],
      [`protocol=${"dns,".repeat(65)}`, /"protocol" may be at most 256/],
      [`dst=${"f".repeat(65)}`, /"dst" may be at most 64 characters/],
    ] as const;
    for (const [query, message] of bad) {
      const response = await request(`${path}?${query}`);
      assert.equal(response.status, 400, query);
      assert.match(await errorOf(response), message);
    }
    // The server names the phone asked for, in the stats and the report.
    const stats = await (await request("/api/stats")).json();
    assert.deepEqual(stats.serverNames[0], {
      name: "gateway.icloud.com",
      tlsHellos: 3,
      httpRequests: 0,
      clients: 1,
      firstUs: stats.serverNames[0].firstUs,
      lastUs: stats.serverNames[0].lastUs,
    });
    const report = await (await app.request("/api/export/report", {
      method: "POST",
    })).json();
    assert.deepEqual(report.serverNames, stats.serverNames);
    const unknown = await request("/api/export/pcap/s0nosuchsession?q=SYN");
    assert.equal(unknown.status, 404);
    await errorOf(unknown);
    // HEAD says whether a download would start (no length: the size of
    // what matches is known only at its end).
    const head = await request(`${path}?q=SYN`, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("Content-Length"), null);
    await head.body?.cancel();
  } finally {
    await close();
  }
});

Deno.test("GET /api/export/pcap/<session>?q=: searches that wait for their readers hold their slots, and one more is a 503 until a reader leaves", async () => {
  // 1.4 MB of one TCP transfer: far more matches than a search hands on
  // before its reader takes them.
  const { request, session, close } = await replayed(
    `${PCAPS}benign/bulk_lan_irc_dcc_send_1.4MB__irc-dcc-send.pcapng`,
  );
  const path = `/api/export/pcap/${session.id}`;
  try {
    const held: Response[] = [];
    for (let i = 0; i < MAX_PCAP_SEARCHES; i++) {
      const response = await request(`${path}?q=TCP`);
      assert.equal(response.status, 200);
      held.push(response);
    }
    const refused = await request(`${path}?q=TCP`);
    assert.equal(refused.status, 503);
    assert.match(await errorOf(refused), /searches of a session PCAP/);
    await held[0]!.body!.cancel();
    const again = await request(`${path}?q=TCP`);
    assert.equal(again.status, 200);
    await again.arrayBuffer();
    await held[1]!.arrayBuffer();
  } finally {
    await close();
  }
});

Deno.test("an alert's PCAP slice holds the incident's packets", async () => {
  const { request, sensor, close, dataDir } = await replayed(
    `${PCAPS}attacks/portscan_nmap-sS_1000ports_scanme__synscan.pcapng`,
  );
  const alerts = await (await request("/api/alerts")).json();
  const scan = alerts.find((a: { kind: string }) => a.kind === "port_scan");
  assert.ok(scan, "the scan raised an alert");
  const one = await request(`/api/alerts/${scan.id}`);
  assert.equal((await one.json()).mitre.id, "T1046");
  const slice = await request(`/api/export/pcap/alert/${scan.id}`);
  assert.equal(slice.status, 200);
  const frames = Number(slice.headers.get("X-Frames"));
  assert.ok(frames >= 1000, `${frames} frames`);
  const path = `${dataDir}/slice.pcap`;
  await Deno.writeFile(path, new Uint8Array(await slice.arrayBuffer()));
  const lines = await tsharkFields(path, ["ip.src", "ip.dst"]);
  assert.equal(lines.length, frames);
  assert.ok(
    lines.every((l) => l.includes("172.16.0.8") && l.includes("64.13.134.52")),
    "only packets between the attacker and the victim",
  );
  assert.match(
    slice.headers.get("Content-Disposition") ?? "",
    new RegExp(`filename="netmirror-${sensor.session!.id}-${scan.id}\\.pcap"`),
  );
  await close();
});

Deno.test("alert slices being sent are bounded: a fifth waits for one of four to be read or dropped (503), and HEAD holds none", async () => {
  const { request, close } = await replayed(
    `${PCAPS}attacks/portscan_nmap-sS-F_cloudvm__syn_scan.pcap`,
  );
  const [scan] = await (await request("/api/alerts")).json();
  const path = `/api/export/pcap/alert/${scan.id}`;
  for (let i = 0; i < 3; i++) {
    const head = await request(path, { method: "HEAD" });
    assert.equal(head.status, 200);
  }
  const unread = [];
  for (let i = 0; i < MAX_SLICES; i++) {
    const slice = await request(path);
    assert.equal(slice.status, 200);
    unread.push(slice);
  }
  const refused = await request(path);
  assert.equal(refused.status, 503);
  assert.match(await errorOf(refused), /alert slices are being built or sent/);
  // One read to its end, one dropped: two slots free again.
  const bytes = new Uint8Array(await unread[0]!.arrayBuffer());
  assert.equal(String(bytes.length), unread[0]!.headers.get("Content-Length"));
  await unread[1]!.body!.cancel();
  const again = [await request(path), await request(path)];
  assert.deepEqual(again.map((r) => r.status), [200, 200]);
  assert.equal((await request(path)).status, 503);
  for (const slice of [...unread.slice(2), ...again]) {
    assert.deepEqual(new Uint8Array(await slice.arrayBuffer()), bytes);
  }
  assert.equal((await request(path)).status, 200);
  await close();
});

Deno.test("an ARP poisoner's alert slice holds its frames, found by its MAC", async () => {
  const file =
    `${PCAPS}attacks/arpspoof_bidirectional_mitm_1Hz__na-arpSpoofing.pcap`;
  const { request, close, dataDir } = await replayed(file);
  const alerts = await (await request("/api/alerts")).json();
  const spoof = alerts.find((a: { kind: string }) => a.kind === "arp_spoof");
  assert.ok(spoof, "the poisoning raised an alert");
  assert.match(spoof.attacker, /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
  const slice = await request(`/api/export/pcap/alert/${spoof.id}`);
  const path = `${dataDir}/spoof.pcap`;
  await Deno.writeFile(path, new Uint8Array(await slice.arrayBuffer()));
  const frames = Number(slice.headers.get("X-Frames"));
  // tshark counts the poisoner's frames in the original capture.
  const count = async (capture: string) =>
    (await tsharkFields(
      capture,
      ["frame.number"],
      `eth.addr == ${spoof.attacker}`,
    )).length;
  const expected = await count(file);
  assert.ok(expected > 0);
  assert.equal(frames, expected);
  assert.equal(await count(path), expected);
  await close();
});

Deno.test("an NDP poisoner's alert slice holds its forged advertisements, which come from the address they forge", async () => {
  // fake_advertise6 after the poisoner resolved the gateway from its own
  // address: each forged advertisement comes from the gateway's address.
  const gw = "fe80::1";
  const gwMac = "02:00:00:00:00:01";
  const victim = "fe80::2";
  const victimMac = "02:00:00:00:00:02";
  const evil = "fe80::66";
  const evilMac = "02:00:00:00:00:66";
  const startUs = 1_700_000_000_000_000;
  const frames: [number, Uint8Array][] = [
    [
      0,
      neighborFrame({
        srcMac: victimMac,
        src: victim,
        dst: "ff02::1:ff00:1",
        type: 135,
        target: gw,
      }),
    ],
    [
      1_000,
      neighborFrame({
        srcMac: gwMac,
        dstMac: victimMac,
        src: gw,
        dst: victim,
        type: 136,
        target: gw,
        flags: 0xe0,
      }),
    ],
    [
      2_000_000,
      neighborFrame({
        srcMac: evilMac,
        src: evil,
        dst: "ff02::1:ff00:1",
        type: 135,
        target: gw,
      }),
    ],
    [
      2_001_000,
      neighborFrame({
        srcMac: gwMac,
        dstMac: evilMac,
        src: gw,
        dst: evil,
        type: 136,
        target: gw,
        flags: 0xe0,
      }),
    ],
  ];
  for (let i = 0; i < 3; i++) {
    frames.push([
      (10 + i) * 1_000_000,
      neighborFrame({
        srcMac: evilMac,
        dstMac: victimMac,
        src: gw,
        dst: victim,
        type: 136,
        target: gw,
        flags: 0xa0,
      }),
    ]);
  }
  const dir = await Deno.makeTempDir();
  const file = `${dir}/ndp.pcap`;
  const chunks: Uint8Array[] = [pcapFileHeader(1)];
  for (const [offsetUs, frame] of frames) {
    const header = new Uint8Array(PCAP_RECORD_HEADER_LENGTH);
    writePcapRecordHeader(header, 0, startUs + offsetUs, frame.length);
    chunks.push(header, frame);
  }
  await Deno.writeFile(file, concatBytes(chunks));
  try {
    const { request, close } = await replayed(file);
    const alerts = await (await request("/api/alerts")).json();
    assert.deepEqual(
      alerts.map((a: { kind: string; attacker: string; victim: string }) => [
        a.kind,
        a.attacker,
        a.victim,
      ]),
      [["ndp_spoof", evil, victim]],
    );
    const slice = await request(`/api/export/pcap/alert/${alerts[0].id}`);
    await slice.arrayBuffer();
    // The three forged advertisements, from a second before the first
    // (none of them is between the poisoner's address and the victim's).
    assert.equal(Number(slice.headers.get("X-Frames")), 3);
    await close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("replay session counts each decode anomaly and snap-length cut once, as `netmirror read` does", async () => {
  // One file with damage, one whose only trouble is its snap length.
  const counted: AnomalyCounter[] = [];
  for (
    const name of [
      "ipv4_total_length_exceeds_capture__truncated.pcap",
      "tcp_header_overflow__tcp_header_heapoverflow.pcap",
    ]
  ) {
    const file = `${PCAPS}malformed/${name}`;
    const expected = new AnomalyCounter();
    await readPacketFile(file, () => {}, { anomalies: expected }).catch(
      () => {}, // a damaged file: the good packets before the damage count
    );
    counted.push(expected);
    const { request, close } = await replayed(file);
    const info = await (await request("/api/session")).json();
    assert.deepEqual(
      [info.anomalies, info.cuts],
      [expected.toJSON(), expected.cutsJSON()],
      name,
    );
    await close();
  }
  assert.deepEqual(
    counted.map((c) => [c.total() > 0, Object.keys(c.cutsJSON()).length > 0]),
    [[true, false], [false, true]],
  );
});

Deno.test("the dashboard's assets are served by their own names only", async () => {
  const { request, close } = await setup(undefined, {
    html: "<!doctype html><title>NetMirror</title>",
    assets: { "app.js": { contentType: "text/javascript", body: "void 0;" } },
  });
  const script = await request("/assets/app.js");
  assert.equal(script.status, 200);
  assert.equal(await script.text(), "void 0;");
  // Names every object inherits are no assets.
  for (const name of ["constructor", "toString", "__proto__"]) {
    const inherited = await request(`/assets/${name}`);
    assert.equal(inherited.status, 404, name);
    assert.match(await errorOf(inherited), /No such asset/);
  }
  await close();
});

Deno.test("/healthz says failed after a capture failed, until the next one starts", async () => {
  const { request, post, sensor, close } = await setup();
  const health = async () => (await (await request("/healthz")).json()).capture;
  assert.equal(await health(), "idle");
  const broken = await post("/api/start", {
    mode: "replay",
    file:
      `${PCAPS}malformed/truncated_file_cut_mid_record__http-fault-post.pcap`,
  });
  assert.equal(broken.status, 201);
  await broken.body?.cancel();
  await waitStopped(sensor);
  assert.equal(sensor.session?.state, "failed");
  assert.equal(await health(), "failed");
  const good = await post("/api/start", { mode: "replay", file: HTTP_CAP });
  assert.equal(good.status, 201);
  await good.body?.cancel();
  await waitStopped(sensor);
  assert.equal(await health(), "idle");
  await close();
});

/**
 * Replays `file` and checks that the session PCAP lacks exactly the frames
 * the session counts in `field`, and that the report counts them and gives
 * `reason(count)` for a recommendation.
 */
async function assertPcapShortfall(
  file: string,
  field: "pcapSkippedFrames" | "pcapRotatedFrames",
  reason: (count: number) => string,
  options: Omit<SensorOptions, "dataDir"> = {},
): Promise<void> {
  const { request, post, sensor, session, close } = await replayed(
    file,
    options,
  );
  const info = sensor.session!;
  const missing = info[field];
  assert.ok(missing > 0);
  const pcap = new Uint8Array(
    await (await request(`/api/export/pcap/${session.id}`)).arrayBuffer(),
  );
  let records = 0;
  const parser = new CaptureParser();
  parser.push(pcap, () => records++);
  parser.finish();
  assert.equal(records + missing, info.packets);
  const report = await (await post("/api/export/report")).json();
  assert.equal(report.session[field], missing);
  assert.ok(
    report.recommendations.some((r: { reason: string }) =>
      r.reason === reason(missing)
    ),
  );
  // And in /metrics, which a monitoring system watches.
  const metric = field === "pcapSkippedFrames"
    ? "netmirror_pcap_skipped_frames_total"
    : "netmirror_pcap_rotated_frames_total";
  const metrics = await (await request("/metrics")).text();
  assert.match(metrics, new RegExp(`^${metric} ${missing}$`, "m"));
  await close();
}

Deno.test("a capture of two link types: the session PCAP holds the first's frames and the report says the rest were left out", async () => {
  await assertPcapShortfall(
    `${PCAPS}formats/pcapng_multisection_mixed_linktypes_LE__test202.pcapng`,
    "pcapSkippedFrames",
    (count) =>
      `${count} frames of a second link type were left out of the session PCAP`,
  );
});

Deno.test("a session PCAP that lost its first files to its size limit: the report counts those frames and says so", async () => {
  await assertPcapShortfall(
    `${PCAPS}attacks/portscan_nmap-sS_1000ports_scanme__synscan.pcapng`,
    "pcapRotatedFrames",
    (count) =>
      `${count} of the session's first frames were deleted with the PCAP's oldest files`,
    { pcap: { fileBytes: 20_000, sessionBytes: 60_000 } },
  );
});

Deno.test("the report counts every alert of the session, also those past the alert history, and keeps the most severe listed", async () => {
  const file =
    `${PCAPS}attacks/portscan_tcp-connect-sT_3hosts_plus_arpsweep__tcpconnect.pcap`;
  const reportOf = async (options: Omit<SensorOptions, "dataDir">) => {
    const { post, close } = await replayed(file, options);
    const report = await (await post("/api/export/report")).json();
    await close();
    return report;
  };
  const whole = await reportOf({});
  assert.ok(whole.alerts.length >= 2, `${whole.alerts.length} alerts`);
  assert.equal(whole.summary.alertsNotListed, 0);
  const short = await reportOf({ engine: { lifecycle: { maxHistory: 1 } } });
  assert.equal(short.alerts.length, 1);
  assert.equal(short.summary.alerts, whole.summary.alerts);
  assert.deepEqual(
    short.summary.alertsBySeverity,
    whole.summary.alertsBySeverity,
  );
  assert.deepEqual(short.summary.alertsByKind, whole.summary.alertsByKind);
  assert.equal(short.summary.highestSeverity, whole.summary.highestSeverity);
  assert.equal(short.summary.alertsNotListed, whole.alerts.length - 1);
  assert.equal(short.alerts[0].severity, whole.summary.highestSeverity);
  // Every kind raised gets its recommendation, listed or not.
  assert.deepEqual(short.recommendations, whole.recommendations);
});

Deno.test("an alert's PCAP slice comes from the session PCAP once the frame ring has moved past the alert", async () => {
  const whole = await scanSlice({});
  assert.equal(whole.headers.get("X-Frames-Source"), "ring");
  const small = await scanSlice({ frames: { maxFrames: 100 } });
  assert.equal(small.headers.get("X-Frames-Source"), "session-pcap");
  assert.ok(whole.records.length >= 1000, `${whole.records.length} frames`);
  assert.deepEqual(small.records, whole.records);
  assert.equal(small.headers.get("X-Frames"), String(whole.records.length));
  assert.equal(whole.headers.get("X-Frames-Start-Lost"), null);
  assert.equal(small.headers.get("X-Frames-Start-Lost"), null);
  // Neither the ring (its last 100 frames) nor the session PCAP (its last
  // 60 kB) reaches back to the alert's first packet: the slice says so.
  const late = await scanSlice({
    frames: { maxFrames: 100 },
    pcap: { fileBytes: 20_000, sessionBytes: 60_000 },
  });
  assert.ok(late.records.length < whole.records.length);
  assert.equal(late.headers.get("X-Frames-Start-Lost"), "true");
  assert.ok(late.records[0]![0]! > whole.records[0]![0]!);
});

Deno.test("a nanosecond capture's session PCAP and alert slices, from the ring and from disk, keep its nanoseconds, filtered or not", async () => {
  // The nmap SYN scan, written as a nanosecond pcap with times between
  // microseconds (a frame's nanoseconds past its µs: 37 × its number).
  const dir = await Deno.makeTempDir({ prefix: "netmirror-nano-" });
  const file = `${dir}/synscan-ns.pcap`;
  const writer = new PcapFileWriter(file, { nanosecond: true });
  const input: string[] = [];
  await readCapture(
    await openCaptureSource(
      `${PCAPS}attacks/portscan_nmap-sS_1000ports_scanme__synscan.pcapng`,
    ),
    (raw) => {
      const subMicrosecondNs = (input.length * 37) % 1000;
      writer.write({ ...raw, subMicrosecondNs });
      input.push(`${raw.timestampUs}.${subMicrosecondNs}`);
    },
  );
  await writer.close();
  /** The magic and each record's time ("µs.ns") of a pcap. */
  const timesOf = async (response: Response) => {
    assert.equal(response.status, 200);
    const bytes = new Uint8Array(await response.arrayBuffer());
    const times: string[] = [];
    const parser = new CaptureParser();
    parser.push(
      bytes,
      (r) => times.push(`${r.timestampUs}.${r.subMicrosecondNs}`),
    );
    parser.finish();
    return { magic: new DataView(bytes.buffer).getUint32(0, true), times };
  };
  const sliceOf = async (options: Omit<SensorOptions, "dataDir">) => {
    const { request, session, close } = await replayed(file, options);
    const whole = await timesOf(
      await request(`/api/export/pcap/${session.id}`),
    );
    const alerts = await (await request("/api/alerts")).json();
    const scan = alerts.find((a: { kind: string }) => a.kind === "port_scan");
    const response = await request(`/api/export/pcap/alert/${scan.id}`);
    const source = response.headers.get("X-Frames-Source");
    const slice = await timesOf(response);
    await close();
    return { whole, slice, source };
  };
  const ring = await sliceOf({});
  assert.deepEqual(ring.whole, { magic: 0xa1b23c4d, times: input });
  assert.equal(ring.source, "ring");
  assert.equal(ring.slice.magic, 0xa1b23c4d);
  assert.ok(ring.slice.times.length >= 1000, `${ring.slice.times.length}`);
  const inputTimes = new Set(input);
  assert.deepEqual(
    ring.slice.times.filter((time) => !inputTimes.has(time)),
    [],
  );
  const disk = await sliceOf({ frames: { maxFrames: 100 } });
  assert.equal(disk.source, "session-pcap");
  assert.deepEqual(disk.slice, ring.slice);
  // Through a BPF filter (tcpdump, asked for nanoseconds) too.
  const { request, session, close } = await replayed(file, {}, "tcp");
  const filtered = await timesOf(
    await request(`/api/export/pcap/${session.id}`),
  );
  await close();
  assert.equal(filtered.magic, 0xa1b23c4d);
  assert.ok(filtered.times.length >= 1000, `${filtered.times.length}`);
  assert.deepEqual(
    filtered.times.filter((time) => !inputTimes.has(time)),
    [],
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("the report's PCAP digest is reused while the session's files are unchanged, and taken afresh when they change", async () => {
  const { post, request, session, dataDir, close } = await replayed(HTTP_CAP);
  const digest = async () =>
    (await (await post("/api/export/report")).json()).pcap;
  const download = async () =>
    new Uint8Array(
      await (await request(`/api/export/pcap/${session.id}`)).arrayBuffer(),
    );
  const sha256 = (bytes: Uint8Array) =>
    createHash("sha256").update(bytes).digest("hex");
  const first = await digest();
  assert.deepEqual(await digest(), first);
  const pcap = await download();
  assert.deepEqual(first, {
    ...first,
    sha256: sha256(pcap),
    bytes: pcap.length,
  });
  // The session's file grows (as a running session's does): a new digest.
  const [file] = (await Array.fromAsync(Deno.readDir(dataDir))).filter((
    entry,
  ) => entry.name.startsWith(`netmirror-${session.id}-`));
  const path = `${dataDir}/${file!.name}`;
  const lastRecord = pcap.subarray(pcap.length - 100);
  await Deno.writeFile(path, lastRecord, { append: true });
  const grown = await download();
  assert.equal(grown.length, pcap.length + 100);
  const second = await digest();
  assert.equal(second.sha256, sha256(grown));
  assert.equal(second.bytes, grown.length);
  assert.notEqual(second.sha256, first.sha256);
  await close();
});

Deno.test("a session that captured nothing exports an empty, valid PCAP; HEAD of a slice gives its length", async () => {
  const { post, request, sensor, session, close } = await replayed(
    `${PCAPS}malformed/empty_header_only_0_packets__empty.pcap`,
  );
  const empty = await request(`/api/export/pcap/${session.id}`);
  assert.equal(empty.status, 200);
  const bytes = new Uint8Array(await empty.arrayBuffer());
  assert.equal(bytes.length, 24);
  let records = 0;
  const parser = new CaptureParser();
  parser.push(bytes, () => records++);
  parser.finish();
  assert.equal(records, 0);
  const other = await request(`/api/export/pcap/s0nosuchsession`);
  assert.equal(other.status, 404);
  await other.body?.cancel();
  // HEAD says whether there is one, without reading it.
  const sessionHead = await request(`/api/export/pcap/${session.id}`, {
    method: "HEAD",
  });
  assert.equal(sessionHead.status, 200);
  const otherHead = await request(`/api/export/pcap/s0nosuchsession`, {
    method: "HEAD",
  });
  assert.equal(otherHead.status, 404);

  const replay = await post("/api/start", {
    mode: "replay",
    file: `${PCAPS}attacks/portscan_nmap-sS-F_cloudvm__syn_scan.pcap`,
  });
  await replay.body?.cancel();
  await waitStopped(sensor);
  const [scan] = await (await request("/api/alerts")).json();
  const path = `/api/export/pcap/alert/${scan.id}`;
  const length = (await (await request(path)).arrayBuffer()).byteLength;
  const head = await request(path, { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get("Content-Length"), String(length));
  await close();
});

Deno.test("HEAD of a session PCAP of several files gives the length its download has", async () => {
  const { request, session, dataDir, close } = await replayed(
    `${PCAPS}attacks/portscan_nmap-sS_1000ports_scanme__synscan.pcapng`,
    { pcap: { fileBytes: 20_000, sessionBytes: 10_000_000 } },
  );
  let files = 0;
  for await (const entry of Deno.readDir(dataDir)) {
    if (entry.name.includes(session.id)) files++;
  }
  assert.ok(files > 2, `the session wrote ${files} files`);
  const path = `/api/export/pcap/${session.id}`;
  const length = (await (await request(path)).arrayBuffer()).byteLength;
  const head = await request(path, { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get("Content-Length"), String(length));
  await close();
});

Deno.test("the report recommends against cleartext protocols that carried data, not against a scan's probes of their ports", async () => {
  const reasonsOf = async (file: string) => {
    const { post, close } = await replayed(file);
    const report = await (await post("/api/export/report")).json();
    await close();
    return report.recommendations.map((r: { reason: string }) => r.reason);
  };
  // nmap -F probes Telnet, FTP, POP3 and IMAP's ports: SYNs and resets.
  const scan = await reasonsOf(
    `${PCAPS}attacks/portscan_nmap-sS-F_cloudvm__syn_scan.pcap`,
  );
  assert.deepEqual(
    scan.filter((reason: string) => /Telnet|FTP|POP3|IMAP/.test(reason)),
    [],
  );
  const browsing = await reasonsOf(
    `${PCAPS}benign/mixed_wiki_browse_dns_http_arp_ipv6__wikipedia.pcap`,
  );
  assert.ok(
    browsing.some((reason: string) =>
      /^\d+ HTTP packets with data seen$/.test(reason)
    ),
    browsing.join("; "),
  );
});

Deno.test("an analyst acknowledges an alert and reopens it; every client hears of it, and the report says so", async () => {
  const { post, request, hub, close } = await replayed(
    `${PCAPS}attacks/portscan_nmap-sS-F_cloudvm__syn_scan.pcap`,
  );
  const [scan] = await (await request("/api/alerts")).json();
  assert.equal(scan.acknowledged, undefined);
  const stream = await request("/api/stream?types=ack");
  const heard = readSse(stream, (_e, all) => all.length === 2);
  const acked = await post(`/api/alerts/${scan.id}/ack`, {
    note: "authorised scan",
  });
  assert.equal(acked.status, 200);
  const body = await acked.json();
  assert.equal(body.acknowledged.note, "authorised scan");
  assert.ok(Math.abs(body.acknowledged.atMs - Date.now()) < 60_000);
  const listed = await (await request(`/api/alerts/${scan.id}`)).json();
  assert.deepEqual(listed.acknowledged, body.acknowledged);
  const report = await (await post("/api/export/report")).json();
  assert.equal(report.summary.alertsAcknowledged, 1);
  assert.deepEqual(report.alerts[0].acknowledged, body.acknowledged);
  const reopened = await post(`/api/alerts/${scan.id}/reopen`);
  assert.equal((await reopened.json()).acknowledged, undefined);
  const events = await heard;
  assert.deepEqual(
    events.map((
      e,
    ) => [e.event, e.data.alert.id, e.data.alert.acknowledged?.note]),
    [["ack", scan.id, "authorised scan"], ["ack", scan.id, undefined]],
  );
  // Refusals: no such alert, a note too long, another field.
  const missing = await post("/api/alerts/port_scan-999999/ack");
  assert.equal(missing.status, 404);
  await missing.body?.cancel();
  const long = await post(`/api/alerts/${scan.id}/ack`, {
    note: "x".repeat(501),
  });
  assert.equal(long.status, 400);
  assert.match(await errorOf(long), /at most 500 characters/);
  // Characters, not UTF-16 units: 500 emoji are a note.
  const emoji = await post(`/api/alerts/${scan.id}/ack`, {
    note: "\u{1F600}".repeat(500),
  });
  assert.equal(emoji.status, 200);
  assert.equal([...(await emoji.json()).acknowledged.note].length, 500);
  const other = await post(`/api/alerts/${scan.id}/ack`, { by: "me" });
  assert.equal(other.status, 400);
  assert.match(await errorOf(other), /Unknown field "by"/);
  hub.close();
  await close();
});

Deno.test("an alert's PCAP slice stays the ring's when the session PCAP has lost the alert's start, and takes in every host a scan reached", async () => {
  const whole = await scanSlice({});
  // The ring cuts every frame (a 40-byte snap length), and the session
  // PCAP keeps only its last 60 kB: the ring holds more of the alert.
  const cut = await scanSlice({
    frames: { snapLength: 40 },
    pcap: { fileBytes: 20_000, sessionBytes: 60_000 },
  });
  assert.equal(cut.headers.get("X-Frames-Source"), "ring");
  assert.equal(cut.records.length, whole.records.length);
  assert.equal(cut.headers.get("X-Frames-Start-Lost"), null);
  // The slice says how many of its frames the ring cut.
  const cutCount = Number(cut.headers.get("X-Frames-Cut"));
  assert.ok(cutCount > 0 && cutCount <= cut.records.length, `${cutCount}`);
  assert.equal(whole.headers.get("X-Frames-Cut"), null);

  // A scan of three hosts: its slice holds frames to each of them.
  const { request, close, dataDir } = await replayed(
    `${PCAPS}attacks/portscan_tcp-connect-sT_3hosts_plus_arpsweep__tcpconnect.pcap`,
  );
  const alerts = await (await request("/api/alerts")).json();
  const scan = alerts.find((a: { kind: string }) => a.kind === "port_scan");
  assert.ok(scan.evidence.distinctHosts > 1, "a scan of several hosts");
  const slice = await request(`/api/export/pcap/alert/${scan.id}`);
  const path = `${dataDir}/hosts.pcap`;
  await Deno.writeFile(path, new Uint8Array(await slice.arrayBuffer()));
  const hosts = new Set(
    await tsharkFields(path, ["ip.dst"], `ip.src == ${scan.attacker}`),
  );
  assert.ok(
    hosts.size >= scan.evidence.distinctHosts,
    `${[...hosts]} for ${scan.evidence.distinctHosts} hosts`,
  );
  await close();
});

Deno.test("a session before its first frame: the report's PCAP digest is that of the empty capture its export gives", async () => {
  const { request, post, close } = await setup();
  try {
    // Live on lo, filtered to a port nothing uses: no frame arrives.
    const started = await post("/api/start", {
      mode: "live",
      interface: "lo",
      filter: "udp port 9 and host 192.0.2.1",
    });
    assert.equal(started.status, 201);
    const { id } = await started.json();
    const pcap = new Uint8Array(
      await (await request(`/api/export/pcap/${id}`)).arrayBuffer(),
    );
    assert.equal(pcap.length, 24, "the file header alone");
    const report = await (await post("/api/export/report")).json();
    assert.equal(report.pcap.bytes, pcap.length);
    assert.equal(
      report.pcap.sha256,
      createHash("sha256").update(pcap).digest("hex"),
    );
    await (await post("/api/stop")).body?.cancel();
  } finally {
    await close();
  }
});

Deno.test("GET /api/export/pcap/<session>?filter=: a filter the session's link type cannot take is a 400 with tcpdump's reason", async () => {
  // Raw IPv4 frames (DLT 228): no Ethernet header, no VLAN tag.
  const raw =
    `${PCAPS}formats/rawipv4_DLT228_tcp_icmp__timeout-with-pings.pcap`;
  const { request, session, close } = await replayed(raw);
  const path = `/api/export/pcap/${session.id}`;
  try {
    const bad = [
      ["vlan", /no VLAN support for Raw IPv4/],
      ["ether src 00:11:22:33:44:55", /ethernet addresses supported only/],
    ] as const;
    for (const [filter, reason] of bad) {
      const response = await request(
        `${path}?filter=${encodeURIComponent(filter)}`,
      );
      assert.equal(response.status, 400, filter);
      assert.match(await errorOf(response), reason);
    }
    // What the link type takes is searched as before.
    const icmp = await request(`${path}?filter=icmp`);
    assert.equal(icmp.status, 200);
    const file = await Deno.makeTempFile({ suffix: ".pcap" });
    try {
      await Deno.writeFile(file, new Uint8Array(await icmp.arrayBuffer()));
      const frames = await tsharkFields(file, ["frame.time_epoch"]);
      assert.ok(frames.length > 0);
      assert.deepEqual(
        frames,
        await tsharkFields(raw, ["frame.time_epoch"], "icmp"),
      );
    } finally {
      await Deno.remove(file);
    }
  } finally {
    await close();
  }
});

Deno.test("GET /api/packets/<n> says when the sensor kept only a frame's first bytes (its own cut, not the capture's snap length)", async () => {
  const { request, close } = await replayed(
    `${PCAPS}formats/sll2_http_download_2.6MB__decode-sll2-02.pcap`,
  );
  try {
    // Frame 8 is 7,312 bytes, captured whole; frame 1 is a short SYN.
    const long = await (await request("/api/packets/8")).json();
    assert.equal(long.cutBySensor, true);
    assert.equal(long.capturedLength, 2048);
    assert.equal(long.wireLength, 7312);
    const short = await (await request("/api/packets/1")).json();
    assert.equal(short.cutBySensor, undefined);
    assert.equal(short.capturedLength, short.wireLength);
  } finally {
    await close();
  }
});
