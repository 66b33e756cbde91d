import assert from "node:assert/strict";
import {
  DEFAULT_BUFFER_KIB,
  DEFAULT_SNAP_LENGTH,
  filterArgs,
  lastRunningCounts,
  MAX_SNAP_LENGTH,
  parseTcpdumpStats,
  spawnTcpdump,
  tcpdumpArgs,
} from "./tcpdump.ts";
import { TcpdumpError } from "./tcpdump_errors.ts";

Deno.test("filterArgs() joins command-line words into one expression", () => {
  assert.equal(filterArgs(["tcp", "port", "80"]), "tcp port 80");
  assert.equal(filterArgs(["  tcp port 80 "]), "tcp port 80");
  assert.equal(
    filterArgs(["host", "10.0.0.1", "and", "(udp or icmp)"]),
    "host 10.0.0.1 and (udp or icmp)",
  );
  assert.equal(filterArgs(["", " ", "udp"]), "udp");
  assert.equal(filterArgs([]), "");
});

Deno.test("parseTcpdumpStats() reads tcpdump's exit counts", () => {
  const stderr =
    "tcpdump: listening on lo, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n" +
    "46 packets captured\n" +
    "92 packets received by filter\n" +
    "3 packets dropped by kernel\n";
  assert.deepEqual(parseTcpdumpStats(stderr), {
    captured: 46,
    receivedByFilter: 92,
    droppedByKernel: 3,
    droppedByInterface: 0,
  });
});

Deno.test("parseTcpdumpStats() reads singular counts and interface drops", () => {
  const stderr = "1 packet captured\n1 packet received by filter\n" +
    "0 packets dropped by kernel\n7 packets dropped by interface\n";
  assert.deepEqual(parseTcpdumpStats(stderr), {
    captured: 1,
    receivedByFilter: 1,
    droppedByKernel: 0,
    droppedByInterface: 7,
  });
});

Deno.test("parseTcpdumpStats() counts missing lines as 0", () => {
  assert.deepEqual(parseTcpdumpStats(""), {
    captured: 0,
    receivedByFilter: 0,
    droppedByKernel: 0,
    droppedByInterface: 0,
  });
  // A number inside another line is not a count.
  assert.equal(
    parseTcpdumpStats("tcpdump: oops 5 packets captured later\n").captured,
    0,
  );
});

Deno.test("lastRunningCounts() reads the last of tcpdump's answers to SIGUSR1, not its exit counts", () => {
  const stderr =
    "tcpdump: listening on lo, link-type EN10MB (Ethernet), snapshot length 9216 bytes\n" +
    "tcpdump: 10 packets captured, 20 packets received by filter, 0 packets dropped by kernel\n" +
    // After `-v`'s running count, which ends in a carriage return.
    "Got 16\rtcpdump: 16756 packets captured, 40000 packets received by filter, 6486 packets dropped by kernel, 2 packets dropped by interface\n" +
    "16757 packets captured\n";
  assert.deepEqual(lastRunningCounts(stderr), {
    captured: 16756,
    receivedByFilter: 40000,
    droppedByKernel: 6486,
    droppedByInterface: 2,
  });
  assert.deepEqual(
    lastRunningCounts(
      "tcpdump: 1 packet captured, 1 packet received by filter, 0 packets dropped by kernel\n",
    ),
    {
      captured: 1,
      receivedByFilter: 1,
      droppedByKernel: 0,
      droppedByInterface: 0,
    },
  );
  // Exit counts, and an answer not yet ended by its newline, are none.
  assert.equal(
    lastRunningCounts(
      "46 packets captured\n92 packets received by filter\n3 packets dropped by kernel\n" +
        "tcpdump: 10 packets captured, 20 packets received by filter, 0 packets dropped by kernel",
    ),
    undefined,
  );
});

Deno.test("tcpdumpArgs() builds tcpdump's argv", () => {
  assert.deepEqual(tcpdumpArgs({ iface: "lo" }), [
    "-i",
    "lo",
    "-w",
    "-",
    "-U",
    "--immediate-mode",
    "-n",
    "-s",
    String(DEFAULT_SNAP_LENGTH),
    "-B",
    String(DEFAULT_BUFFER_KIB),
  ]);
  assert.deepEqual(
    tcpdumpArgs({
      iface: "any",
      filter: " udp port 53 ",
      snapLength: 128,
      bufferKib: 4096,
      count: 10,
    }).slice(4),
    [
      "-U",
      "--immediate-mode",
      "-n",
      "-s",
      "128",
      "-B",
      "4096",
      "-c",
      "10",
      "--",
      "udp port 53",
    ],
  );
  // A filter that looks like an option stays the filter, after "--".
  assert.deepEqual(
    tcpdumpArgs({ iface: "lo", filter: "-r /etc/passwd" }).slice(-2),
    ["--", "-r /etc/passwd"],
  );
  assert.ok(!tcpdumpArgs({ iface: "lo", filter: "  " }).includes("--"));
});

Deno.test("tcpdumpArgs() refuses interface names that tcpdump would read as options", () => {
  for (const iface of ["-r", "--help", "", "lo lo", "lo\0", "-"]) {
    assert.throws(
      () => tcpdumpArgs({ iface }),
      (error: unknown) =>
        error instanceof TcpdumpError && error.code === "no_such_device" &&
        error.message.startsWith(
          iface.startsWith("-")
            ? `Cannot capture on "${iface}": tcpdump would read a name that starts with "-" as an option`
            : `No such interface "${iface}"`,
        ),
      JSON.stringify(iface),
    );
  }
  assert.throws(
    () => tcpdumpArgs({ iface: "lo", filter: "udp\0" }),
    (error: unknown) =>
      error instanceof TcpdumpError && error.code === "bad_filter",
  );
});

Deno.test("tcpdumpArgs() refuses out-of-range numbers", () => {
  const bad = [
    { snapLength: -1 },
    { snapLength: MAX_SNAP_LENGTH + 1 },
    { snapLength: 1.5 },
    { bufferKib: 0 },
    { bufferKib: 3_000_000 },
    { count: 0 },
    { count: Number.NaN },
  ];
  for (const options of bad) {
    assert.throws(() => tcpdumpArgs({ iface: "lo", ...options }), RangeError);
  }
});

Deno.test("spawnTcpdump() throws not_installed for a missing binary", () => {
  assert.throws(
    () => spawnTcpdump({ iface: "lo", tcpdumpPath: "/nonexistent/tcpdump" }),
    (error: unknown) =>
      error instanceof TcpdumpError && error.code === "not_installed",
  );
});
