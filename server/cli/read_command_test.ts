/**
 * `netmirror read` with a BPF filter, run as a real process against real
 * captures in ../shared/pcaps and real tcpdump: damaged input, the "file:"
 * line's format, and a filtered pipe.
 */

import assert from "node:assert/strict";
import {
  type Run,
  runOf,
  summaryField as field,
  tcpdumpCount,
} from "../../tests/cli_helpers.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const PCAPS = new URL("../../../shared/pcaps/", import.meta.url).pathname;
const TRUNCATED =
  `${PCAPS}malformed/truncated_file_cut_mid_record__http-fault-post.pcap`;
const MIXED_LINK_TYPES =
  `${PCAPS}formats/pcapng_multisection_mixed_linktypes_LE__test202.pcapng`;
const GZIP_PCAPNG =
  `${PCAPS}formats/gzip_compressed_pcapng__portmapper-many-unanswered-calls.pcapng.gz`;
const SECOND_SECTION_BAD =
  `${PCAPS}malformed/bad_header_pcapng_shb_version2.0_after_valid__test901.pcapng`;
const IPHONE =
  `${PCAPS}benign/mixed_iphone_dns_tls_http_icmp_ipv6__iphone.pcap`;

function netmirrorCommand(args: string[], stdin: "piped" | "null") {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--allow-run=tcpdump",
      "--allow-read",
      MAIN,
      "read",
      "--no-progress",
      ...args,
    ],
    stdin,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  });
}

async function netmirrorRead(args: string[]): Promise<Run> {
  return runOf(await netmirrorCommand(args, "null").output());
}

Deno.test("netmirror read <truncated file> <bpf> summarises the packets before the damage, then names it", async () => {
  const good = await tcpdumpCount(TRUNCATED, ["tcp"]);
  assert.ok(good > 0);
  const run = await netmirrorRead([TRUNCATED, "tcp"]);
  assert.equal(run.code, 1, run.stderr);
  assert.equal(field(run.stdout, "packets"), String(good));
  assert.equal(field(run.stdout, "filter"), "tcp");
  assert.equal(field(run.stdout, "file"), `${TRUNCATED} (pcap)`);
  assert.match(
    run.stderr,
    /^netmirror read: Cannot parse capture "[^"]+": truncated dump file; tried to read 16 header bytes, only got 2 \(tcpdump, applying the filter\)\n$/,
  );
});

Deno.test("netmirror read <mixed link types pcapng> <bpf> gives tcpdump's reason, not a bad filter", async () => {
  const run = await netmirrorRead([MIXED_LINK_TYPES, "udp"]);
  assert.equal(run.code, 1, run.stderr);
  assert.equal(field(run.stdout, "file"), `${MIXED_LINK_TYPES} (pcapng)`);
  assert.equal(run.stderr.trim().split("\n").length, 1, run.stderr);
  assert.doesNotMatch(run.stderr, /Bad BPF filter|reading from file/);
  assert.match(
    run.stderr,
    /^netmirror read: Cannot parse capture "[^"]+": an interface has a type 0 different from the type of the first interface/,
  );
});

Deno.test("netmirror read shows the input's own format when filtering and after a parse error", async () => {
  const filtered = await netmirrorRead([GZIP_PCAPNG, "udp"]);
  assert.equal(filtered.code, 0, filtered.stderr);
  assert.equal(field(filtered.stdout, "file"), `${GZIP_PCAPNG} (pcapng, gzip)`);

  const failed = await netmirrorRead([SECOND_SECTION_BAD]);
  assert.equal(failed.code, 1);
  assert.equal(field(failed.stdout, "packets"), "1");
  assert.equal(field(failed.stdout, "file"), `${SECOND_SECTION_BAD} (pcapng)`);
  assert.equal(
    failed.stderr.startsWith(
      `netmirror read: Cannot parse capture "${SECOND_SECTION_BAD}": `,
    ),
    true,
    failed.stderr,
  );
});

Deno.test("netmirror read - <bpf> from a pipe that stays open has every packet when stopped", async () => {
  const expected = await tcpdumpCount(IPHONE, ["tcp"]);
  const child = netmirrorCommand(["-", "tcp"], "piped").spawn();
  const writer = child.stdin.getWriter();
  await writer.write(await Deno.readFile(IPHONE));
  // The producer is still there: stdin stays open. Without -U, tcpdump
  // keeps the last packets in its block buffer until stdin ends.
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  child.kill("SIGTERM");
  const output = await child.output();
  await writer.close().catch(() => {});
  const stdout = new TextDecoder().decode(output.stdout);
  assert.equal(output.code, 143, new TextDecoder().decode(output.stderr));
  assert.equal(field(stdout, "packets"), String(expected));
  assert.match(stdout, /^interrupted: by SIGTERM/m);
});
