// These run the real tcpdump -d, which needs no privileges.

import assert from "node:assert/strict";
import { MAX_FILTER_LENGTH, validateFilter } from "./bpf.ts";
import { TcpdumpError } from "./tcpdump_errors.ts";

async function badFilter(
  filter: string,
  linkType?: string,
): Promise<TcpdumpError> {
  let caught: unknown;
  try {
    await (linkType === undefined
      ? validateFilter(filter)
      : validateFilter(filter, "tcpdump", linkType));
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof TcpdumpError, `"${filter}" should be rejected`);
  return caught;
}

Deno.test("validateFilter() accepts filters tcpdump accepts", async () => {
  for (
    const filter of [
      "",
      "tcp port 80",
      "udp and (port 53 or port 5353)",
      "icmp[icmptype] = icmp-echo",
      "tcp[tcpflags] & (tcp-syn|tcp-ack) = tcp-syn",
      "net 10.0.0.0/8 and not host 10.1.2.3",
      "ip6 and tcp dst portrange 1000-2000",
      "vlan and tcp",
      "tcp port http",
    ]
  ) {
    await validateFilter(filter);
  }
});

Deno.test("validateFilter() rejects a syntax error with tcpdump's reason", async () => {
  const error = await badFilter("tcp prot 80");
  assert.equal(error.code, "bad_filter");
  assert.equal(error.message, 'Bad BPF filter "tcp prot 80": syntax error');
  assert.match(error.stderr, /can't parse filter expression/);
});

Deno.test("validateFilter() rejects what the filter compiler refuses", async () => {
  const cases: [string, RegExp][] = [
    ["tcp port 99999", /: illegal port number 99999 > 65535$/],
    ["ip6 and arp", /: expression rejects all packets$/],
    ["net 10.0.0.0/33", /: mask length must be <= 32$/],
    ["ether host zz", /: unknown ether host 'zz'$/],
    ["tcp port 80 and", /: syntax error$/],
  ];
  for (const [filter, reason] of cases) {
    const error = await badFilter(filter);
    assert.equal(error.code, "bad_filter", filter);
    assert.ok(error.message.startsWith(`Bad BPF filter "${filter}": `));
    assert.match(error.message, reason);
  }
});

Deno.test("validateFilter() never lets a filter act as a tcpdump option", async () => {
  // Without "--", tcpdump would read this as "-r /etc/passwd".
  const error = await badFilter("-r /etc/passwd");
  assert.equal(error.code, "bad_filter");
  assert.equal(error.message, 'Bad BPF filter "-r /etc/passwd": syntax error');
  const nul = await badFilter("tcp\0port 80");
  assert.equal(nul.code, "bad_filter");
});

Deno.test("validateFilter() checks against the given link type", async () => {
  await validateFilter("vlan and tcp", "tcpdump", "EN10MB");
  const error = await badFilter("vlan and tcp", "LINUX_SLL2");
  assert.equal(error.code, "bad_filter");
  assert.match(error.message, /no VLAN support for Linux cooked v2$/);
});

Deno.test("validateFilter() reports a missing tcpdump as not_installed", async () => {
  await assert.rejects(
    validateFilter("tcp", "/nonexistent/tcpdump"),
    (error: unknown) =>
      error instanceof TcpdumpError && error.code === "not_installed",
  );
});

Deno.test("validateFilter() refuses a filter longer than MAX_FILTER_LENGTH without running tcpdump", async () => {
  const long = Array.from({ length: 600 }, (_, i) => `port ${i + 1}`).join(
    " or ",
  );
  assert.ok(long.length > MAX_FILTER_LENGTH);
  const error = await badFilter(long);
  assert.equal(error.code, "bad_filter");
  assert.match(
    error.message,
    /^BPF filter too long: \d+ characters, at most 4096$/,
  );
});

Deno.test("validateFilter() runs one check at a time, however many are asked at once", async () => {
  // A stand-in tcpdump that notes when each run starts and ends.
  const dir = await Deno.makeTempDir({ prefix: "netmirror-bpf-" });
  const log = `${dir}/log`;
  const script = `${dir}/tcpdump`;
  await Deno.writeTextFile(
    script,
    `#!/bin/sh\necho start >> ${log}\nsleep 0.1\necho end >> ${log}\n`,
  );
  await Deno.chmod(script, 0o755);
  try {
    await Promise.all(
      ["tcp", "udp", "icmp", "arp"].map((f) => validateFilter(f, script)),
    );
    const lines = (await Deno.readTextFile(log)).trim().split("\n");
    assert.deepEqual(lines, [
      "start",
      "end",
      "start",
      "end",
      "start",
      "end",
      "start",
      "end",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
