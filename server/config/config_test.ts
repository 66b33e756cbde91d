import assert from "node:assert/strict";
import {
  ConfigError,
  engineConfigOf,
  loadConfig,
  mergeConfig,
  validateConfig,
} from "./config.ts";
import { configSchemaText } from "./write_schema.ts";

Deno.test("the published netmirror.schema.json is the schema the code builds", async () => {
  const published = await Deno.readTextFile(
    new URL("./netmirror.schema.json", import.meta.url),
  );
  assert.equal(
    published,
    configSchemaText(),
    "run `deno task config-schema` to update it",
  );
});

Deno.test("validateConfig accepts a full config and maps it to engine settings", () => {
  const config = validateConfig({
    bind: "0.0.0.0",
    port: 8080,
    token: "a-long-token",
    homeNet: ["10.0.0.0/8", "fd00::/8"],
    dataDir: "/var/lib/netmirror",
    pcap: { sessionBytes: 1_000_000 },
    eve: { path: "eve.json", rotateBytes: 1000, types: ["alert", "dns"] },
    detectors: {
      portScan: { failedPortThreshold: 20, minFailedRatio: 0.6 },
      dnsTunnel: { ignoreDomains: ["example.com"] },
      dataExfil: { exfilMinBytes: 1_000_000 },
    },
    alerts: {
      suppressionUs: 60_000_000,
      allowlist: {
        cidrs: ["192.168.1.10/32"],
        perKind: { port_scan: { cidrs: ["10.1.1.1/32"] } },
      },
    },
  }, "test.json");
  const engine = engineConfigOf(config);
  assert.deepEqual(engine.homeNet, ["10.0.0.0/8", "fd00::/8"]);
  assert.equal(engine.portScan?.failedPortThreshold, 20);
  assert.equal(engine.dataExfil?.exfilMinBytes, 1_000_000);
  assert.equal(engine.lifecycle?.suppressionUs, 60_000_000);
  assert.deepEqual(engine.lifecycle?.allowlist?.cidrs, ["192.168.1.10/32"]);
});

Deno.test("validateConfig takes fractional ratios, shares and scores, but whole counts only", () => {
  const config = validateConfig({
    detectors: {
      dnsTunnel: { scoreThreshold: 0.7 },
      dataExfil: { outboundRatio: 2.5 },
      synFlood: { dominantSourceShare: 0.75 },
    },
  }, "tuned.json");
  const engine = engineConfigOf(config);
  assert.equal(engine.dnsTunnel?.scoreThreshold, 0.7);
  assert.equal(engine.dataExfil?.outboundRatio, 2.5);
  assert.throws(
    () =>
      validateConfig(
        { detectors: { synFlood: { halfOpenThreshold: 12.5 } } },
        "tuned.json",
      ),
    /field "detectors.synFlood.halfOpenThreshold" must be integer/,
  );
});

Deno.test("validateConfig takes a list of ports where the default is one, and no text in it", () => {
  const config = validateConfig({
    detectors: { bruteForce: { connectionPorts: [22, 2222, 3389] } },
  }, "ports.json");
  assert.deepEqual(engineConfigOf(config).bruteForce?.connectionPorts, [
    22,
    2222,
    3389,
  ]);
  assert.throws(
    () =>
      validateConfig(
        { detectors: { bruteForce: { connectionPorts: ["ssh"] } } },
        "ports.json",
      ),
    /field "detectors.bruteForce.connectionPorts.0" must be integer/,
  );
});

Deno.test("validateConfig names the bad field", () => {
  const cases: [unknown, RegExp][] = [
    [{ prot: 1 }, /unknown field "prot"/],
    [{ port: 70000 }, /field "port" must be <= 65535/],
    [{ port: "80" }, /field "port" must be integer/],
    [{ capture: { snapLength: 0 } }, /field "capture.snapLength" must be >= 1/],
    [
      { capture: { snapLength: 262_145 } },
      /field "capture.snapLength" must be <= 262144/,
    ],
    [{ capture: { snaplen: 1500 } }, /unknown field "snaplen" in "capture"/],
    [
      { capture: { output: "file" } },
      /field "capture.output" must be one of "ring", "pipe"/,
    ],
    [
      { detectors: { portScan: { windowSeconds: 5 } } },
      /unknown field "windowSeconds" in "detectors.portScan"/,
    ],
    [
      { detectors: { synFlood: { halfOpenThreshold: -1 } } },
      /field "detectors.synFlood.halfOpenThreshold" must be >= 0/,
    ],
    [{ homeNet: ["10.0.0.0/33"] }, /field "homeNet"/],
    [{ eve: { rotateBytes: 5 } }, /must have required property 'path'/],
    [
      { alerts: { allowlist: { perKind: { portscan: {} } } } },
      /unknown field "portscan"/,
    ],
    [[1, 2], /must be object/],
    [
      { detectors: { portScan: { maxNewSources: 0 } } },
      /^bad\.json: field "detectors\.portScan\.maxNewSources": Cannot create port scan detector: maxNewSources must be positive, got 0$/,
    ],
    [
      { detectors: { synFlood: { halfOpenThreshold: Infinity } } },
      /field "detectors\.synFlood\.halfOpenThreshold" is too large a number/,
    ],
    [
      { detectors: { dnsTunnel: { maxGroups: 0 } } },
      /capacity must be a positive integer, got 0/,
    ],
    [
      { detectors: { rogueRouter: { knownRouters: ["fe80::1"] } } },
      /knownRouters holds "fe80::1", not a MAC address/,
    ],
  ];
  for (const [value, message] of cases) {
    assert.throws(
      () => validateConfig(value, "bad.json"),
      (error: unknown) =>
        error instanceof ConfigError && /^bad\.json: /.test(error.message) &&
        message.test(error.message),
      JSON.stringify(value),
    );
  }
});

Deno.test("loadConfig reports unreadable files and bad JSON", async () => {
  await assert.rejects(
    loadConfig("/no/such/netmirror.json"),
    /^ConfigError: Cannot read config "\/no\/such\/netmirror.json": No such file or directory$/,
  );
  const path = await Deno.makeTempFile({ suffix: ".json" });
  await Deno.writeTextFile(path, '{"port": 80,}');
  await assert.rejects(
    loadConfig(path),
    (error: unknown) =>
      error instanceof ConfigError && error.message.includes("bad JSON"),
  );
  await Deno.remove(path);
});

Deno.test("mergeConfig lets set flags win and keeps the rest of the file", () => {
  const merged = mergeConfig(
    { bind: "0.0.0.0", port: 8080, dataDir: "/data" },
    { port: 9090, bind: undefined },
  );
  assert.deepEqual(merged, { bind: "0.0.0.0", port: 9090, dataDir: "/data" });
});
