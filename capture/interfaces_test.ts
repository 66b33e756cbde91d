import assert from "node:assert/strict";
import {
  checkCaptureAccess,
  listInterfaces,
  parseTcpdumpInterfaces,
} from "./interfaces.ts";
import type { TcpdumpError } from "./tcpdump_errors.ts";

// tcpdump 4.99.3 -D on a Debian container.
const TCPDUMP_D = `1.eth0 [Up, Running, Connected]
2.any (Pseudo-device that captures on all interfaces) [Up, Running]
3.lo [Up, Running, Loopback]
4.ifb0 [none]
5.bluetooth-monitor (Bluetooth Linux Monitor) [Wireless]
6.nflog (Linux netfilter log (NFLOG) interface) [none]
7.eth0.100 [Up, Running, Disconnected]
`;

Deno.test("parseTcpdumpInterfaces() reads names, descriptions and flags", () => {
  const parsed = parseTcpdumpInterfaces(TCPDUMP_D);
  assert.deepEqual(parsed.map((nic) => nic.name), [
    "eth0",
    "any",
    "lo",
    "ifb0",
    "bluetooth-monitor",
    "nflog",
    "eth0.100",
  ]);
  assert.deepEqual(parsed[1], {
    name: "any",
    description: "Pseudo-device that captures on all interfaces",
    up: true,
    running: true,
    loopback: false,
    linkState: true,
    addresses: [],
  });
  assert.deepEqual(parsed[2], {
    name: "lo",
    description: "",
    up: true,
    running: true,
    loopback: true,
    linkState: true,
    addresses: [],
  });
  assert.equal(parsed[3]?.up, false);
  assert.equal(parsed[3]?.running, false);
  // "[none]": a device that is down (ifb0), or a pseudo-device, which
  // has a description (nflog); bluetooth-monitor is one too.
  assert.deepEqual(parsed.map((nic) => nic.linkState), [
    true,
    true,
    true,
    true,
    false,
    false,
    true,
  ]);
  assert.equal(parsed[5]?.description, "Linux netfilter log (NFLOG) interface");
});

Deno.test("parseTcpdumpInterfaces() skips lines it does not understand", () => {
  assert.deepEqual(parseTcpdumpInterfaces(""), []);
  assert.deepEqual(
    parseTcpdumpInterfaces("tcpdump: something odd\n3.lo [Up]\n").map((nic) =>
      nic.name
    ),
    ["lo"],
  );
});

Deno.test("listInterfaces() lists lo (up, loopback, 127.0.0.1) and any", async () => {
  const interfaces = await listInterfaces();
  const lo = interfaces.find((nic) => nic.name === "lo");
  assert.ok(lo, "lo is listed");
  assert.equal(lo.up, true);
  assert.equal(lo.running, true);
  assert.equal(lo.loopback, true);
  assert.ok(
    lo.addresses.includes("127.0.0.1"),
    `lo has 127.0.0.1: ${lo.addresses}`,
  );
  const any = interfaces.find((nic) => nic.name === "any");
  assert.ok(any, "any is listed");
  assert.equal(any.loopback, false);
  assert.deepEqual(any.addresses, []);
  assert.equal(
    new Set(interfaces.map((nic) => nic.name)).size,
    interfaces.length,
  );
});

Deno.test("listInterfaces() tells a network device that is down from a pseudo-device with no link", async () => {
  // A veth pair, never brought up: no traffic, removed after.
  const name = `nmdown${Math.floor(Math.random() * 1e4)}`;
  const ip = (...args: string[]) =>
    new Deno.Command("ip", { args, stdout: "null", stderr: "piped" }).output();
  const added = await ip(
    "link",
    "add",
    name,
    "type",
    "veth",
    "peer",
    "name",
    `${name}p`,
  );
  assert.ok(added.success, new TextDecoder().decode(added.stderr));
  try {
    const interfaces = await listInterfaces();
    const down = interfaces.find((nic) => nic.name === name);
    assert.ok(down, `${name} is listed`);
    assert.deepEqual([down.up, down.running, down.linkState], [
      false,
      false,
      true,
    ]);
    // libpcap's netfilter pseudo-devices, where it lists them.
    for (
      const nic of interfaces.filter((nic) => /^nf(log|queue)$/.test(nic.name))
    ) {
      assert.equal(nic.linkState, false, nic.name);
    }
  } finally {
    await ip("link", "del", name);
  }
});

Deno.test("checkCaptureAccess() opens lo as tcpdump would, and names what stops another interface", async () => {
  await checkCaptureAccess("lo");
  await assert.rejects(
    () => checkCaptureAccess("nm-nosuch0"),
    (error: TcpdumpError) => {
      assert.equal(error.code, "no_such_device");
      assert.match(error.message, /No such interface "nm-nosuch0"/);
      return true;
    },
  );
  await assert.rejects(
    () => checkCaptureAccess("lo", "/nonexistent/tcpdump"),
    (error: TcpdumpError) => error.code === "not_installed",
  );
});
