// Samples are tcpdump 4.99.3 / libpcap 1.10.3 stderr, captured verbatim
// (the permission ones as user "nobody").

import assert from "node:assert/strict";
import {
  classifyTcpdumpStderr,
  TcpdumpError,
  tcpdumpNotInstalled,
} from "./tcpdump_errors.ts";

// tcpdump -i lo -w - 'tcp prot 80'
const SYNTAX_ERROR = "tcpdump: can't parse filter expression: syntax error\n";
// tcpdump -d 'tcp prot 80' (no -y: tcpdump warns first)
const SYNTAX_ERROR_ASSUMING_ETHERNET =
  "Warning: assuming Ethernet\ntcpdump: can't parse filter expression: syntax error\n";
// tcpdump -d -y EN10MB 'tcp port 99999'
const ILLEGAL_PORT = "tcpdump: illegal port number 99999 > 65535\n";
// tcpdump -i lo -w - 'ip6 and arp'
const REJECTS_ALL = "tcpdump: expression rejects all packets\n";
// tcpdump -i any -w - 'ether host 1:2:3:4:5:6'
const ETHER_ON_ANY = "tcpdump: data link type LINUX_SLL2\n" +
  "tcpdump: ethernet addresses supported only on ethernet/FDDI/token ring/802.11/ATM LANE/Fibre Channel\n";
// tcpdump -d -y EN10MB 'host foo.invalid.'
const UNKNOWN_HOST = "tcpdump: unknown host 'foo.invalid.'\n";
// tcpdump -i nope0 -w -
const NO_SUCH_DEVICE =
  "tcpdump: nope0: No such device exists\n(No such device exists)\n";
// tcpdump -i 99 -w -
const BAD_INDEX = "tcpdump: Invalid adapter index\n";
// tcpdump -i eth0 -w - (as nobody)
const NO_PERMISSION =
  "tcpdump: eth0: You don't have permission to perform this capture on that device\n" +
  "(socket: Operation not permitted)\n";
// libpcap 1.9 wording
const NO_PERMISSION_OLD =
  "tcpdump: eth0: You don't have permission to capture on that device\n" +
  "(socket: Operation not permitted)\n";
// tcpdump -i ifb0 -w -
const DEVICE_DOWN = "tcpdump: ifb0: That device is not up\n";
// tcpdump -i bluetooth-monitor -w -
const RAW_SOCKET =
  "tcpdump: Can't create raw socket: Address family not supported by protocol\n";
// tcpdump -i lo -s -5 -w -
const BAD_SNAPLEN =
  "tcpdump: invalid snaplen -5 (must be >= 0 and <= 262144)\n";

function classify(
  stderr: string,
  context: { filter?: string; iface?: string },
): TcpdumpError {
  const error = classifyTcpdumpStderr(stderr, context);
  assert.ok(error instanceof TcpdumpError);
  assert.ok(error instanceof Error);
  assert.equal(error.name, "TcpdumpError");
  assert.equal(error.stderr, stderr);
  assert.doesNotMatch(error.message, /\n/, "message is one line");
  return error;
}

Deno.test("classifyTcpdumpStderr() names a syntax error with the filter", () => {
  const error = classify(SYNTAX_ERROR, { filter: "tcp prot 80", iface: "lo" });
  assert.equal(error.code, "bad_filter");
  assert.equal(error.message, 'Bad BPF filter "tcp prot 80": syntax error');
});

Deno.test("classifyTcpdumpStderr() skips tcpdump's 'assuming Ethernet' warning", () => {
  const error = classify(SYNTAX_ERROR_ASSUMING_ETHERNET, {
    filter: "tcp prot 80",
  });
  assert.equal(error.code, "bad_filter");
  assert.equal(error.message, 'Bad BPF filter "tcp prot 80": syntax error');
});

Deno.test("classifyTcpdumpStderr() recognises filter compiler errors other than syntax", () => {
  const cases: [string, string, string][] = [
    [ILLEGAL_PORT, "tcp port 99999", "illegal port number 99999 > 65535"],
    [REJECTS_ALL, "ip6 and arp", "expression rejects all packets"],
    [UNKNOWN_HOST, "host foo.invalid.", "unknown host 'foo.invalid.'"],
    [
      ETHER_ON_ANY,
      "ether host 1:2:3:4:5:6",
      "ethernet addresses supported only on ethernet/FDDI/token ring/802.11/ATM LANE/Fibre Channel",
    ],
  ];
  for (const [stderr, filter, detail] of cases) {
    // Both while capturing (with an interface) and from tcpdump -d (without).
    for (const iface of ["any", undefined]) {
      const error = classify(
        stderr,
        iface === undefined ? { filter } : { filter, iface },
      );
      assert.equal(error.code, "bad_filter", stderr);
      assert.equal(error.message, `Bad BPF filter "${filter}": ${detail}`);
    }
  }
});

Deno.test("classifyTcpdumpStderr() reports a missing interface", () => {
  const error = classify(NO_SUCH_DEVICE, { iface: "nope0" });
  assert.equal(error.code, "no_such_device");
  assert.equal(error.message, 'No such interface "nope0"');
  // The name comes from stderr when the caller does not give it.
  assert.equal(
    classify(NO_SUCH_DEVICE, {}).message,
    'No such interface "nope0"',
  );
  // Even with a filter, a missing device is not a filter error.
  assert.equal(
    classify(NO_SUCH_DEVICE, { iface: "nope0", filter: "udp" }).code,
    "no_such_device",
  );
  const index = classify(BAD_INDEX, { iface: "99" });
  assert.equal(index.code, "no_such_device");
  assert.equal(index.message, 'No such interface "99"');
});

Deno.test("classifyTcpdumpStderr() explains how to get capture permission", () => {
  for (const stderr of [NO_PERMISSION, NO_PERMISSION_OLD]) {
    const error = classify(stderr, { iface: "eth0", filter: "tcp" });
    assert.equal(error.code, "permission_denied");
    assert.equal(
      error.message,
      'No permission to capture on "eth0": run as root or setcap cap_net_raw,cap_net_admin+eip $(which tcpdump)',
    );
  }
  assert.match(classify(NO_PERMISSION, {}).message, /on "eth0"/);
  assert.equal(
    classify("tcpdump: socket: Operation not permitted\n", { iface: "lo" })
      .code,
    "permission_denied",
  );
});

Deno.test("classifyTcpdumpStderr() reports other failures as 'failed' with tcpdump's words", () => {
  const down = classify(DEVICE_DOWN, { iface: "ifb0" });
  assert.equal(down.code, "failed");
  assert.match(down.message, /^Interface "ifb0" is down/);

  const raw = classify(RAW_SOCKET, { iface: "bluetooth-monitor" });
  assert.equal(raw.code, "failed");
  assert.equal(
    raw.message,
    'tcpdump failed on "bluetooth-monitor": Can\'t create raw socket: Address family not supported by protocol',
  );

  // An option error is not the filter's fault, even with a filter.
  const snap = classify(BAD_SNAPLEN, { iface: "lo", filter: "udp" });
  assert.equal(snap.code, "failed");
  assert.equal(
    snap.message,
    "Invalid tcpdump option: invalid snaplen -5 (must be >= 0 and <= 262144)",
  );

  const empty = classify("", { iface: "lo" });
  assert.equal(empty.code, "failed");
  assert.equal(empty.message, "tcpdump failed without an error message");
});

Deno.test("classifyTcpdumpStderr() ignores the listening line and exit counts", () => {
  const stderr =
    "tcpdump: listening on lo, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n" +
    "tcpdump: pcap_loop: The interface disappeared\n" +
    "0 packets captured\n0 packets received by filter\n0 packets dropped by kernel\n";
  const error = classify(stderr, { iface: "lo" });
  assert.equal(error.code, "failed");
  assert.equal(
    error.message,
    'tcpdump failed on "lo": pcap_loop: The interface disappeared',
  );
});

Deno.test("tcpdumpNotInstalled() says what was looked for", () => {
  const error = tcpdumpNotInstalled("/nope/tcpdump", "capture");
  assert.equal(error.code, "not_installed");
  assert.match(error.message, /^Cannot capture: tcpdump is not installed/);
  assert.match(error.message, /"\/nope\/tcpdump"/);
});
