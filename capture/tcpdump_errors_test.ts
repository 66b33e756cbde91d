// Samples are tcpdump 4.99.3 / libpcap 1.10.3 stderr, captured verbatim
// (the permission ones as user "nobody").

import assert from "node:assert/strict";
import { CaptureFormatError } from "./pcap_reader.ts";
import {
  classifyTcpdumpReadStderr,
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

// tcpdump -r - -w - -n -- tcp < truncated_file_cut_mid_record__http-fault-post.pcap
const READ_TRUNCATED =
  "reading from file -, link-type EN10MB (Ethernet), snapshot length 65535\n" +
  "tcpdump: pcap_loop: truncated dump file; tried to read 16 header bytes, only got 2\n";
// tcpdump -r - -w - -n -- udp < pcapng_multisection_mixed_linktypes_LE__test202.pcapng
const READ_MIXED_LINK_TYPES =
  "reading from file -, link-type EN10MB (Ethernet), snapshot length 96\n" +
  "tcpdump: pcap_loop: an interface has a type 0 different from the type of the first interface\n";
// tcpdump -r - -w - -n -- tcp < bad_header_pcap_version1.4__pcap-invalid-version-1.pcap
const READ_ARCHAIC = "tcpdump: archaic pcap savefile format\n";
// tcpdump -r - -w - -n -- tcp < MANIFEST.md
const READ_UNKNOWN_FORMAT = "tcpdump: unknown file format\n";
// tcpdump -r - -w - -n -- arp < rawip_DLT101_tcp_session__tcp-opt.pcap
const READ_REJECTS_ALL =
  "reading from file -, link-type RAW (Raw IP), snapshot length 262144\n" +
  "tcpdump: expression rejects all packets\n";
// tcpdump -r - -w - -n -- 'tcp prot 80' < http.cap
const READ_SYNTAX_ERROR =
  "reading from file -, link-type EN10MB (Ethernet), snapshot length 65535\n" +
  "tcpdump: can't parse filter expression: syntax error\n";

function classify(
  stderr: string,
  context: { filter?: string; iface?: string; file?: string },
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
  assert.equal(down.code, "interface_down");
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

/** classifyTcpdumpReadStderr() for `tcpdump -r - … <filter>`, checked for one line. */
function classifyRead(
  stderr: string,
  filter: string,
): TcpdumpError | CaptureFormatError {
  const error = classifyTcpdumpReadStderr(stderr, { filter, file: "-" });
  assert.doesNotMatch(error.message, /\n/, "message is one line");
  assert.doesNotMatch(error.message, /reading from file/);
  return error;
}

Deno.test("classifyTcpdumpReadStderr() reports a capture tcpdump stopped reading as damaged, not as a bad filter", () => {
  const truncated = classifyRead(READ_TRUNCATED, "tcp");
  assert.ok(truncated instanceof CaptureFormatError);
  assert.equal(
    truncated.message,
    "Cannot parse capture: truncated dump file; tried to read 16 header bytes, only got 2 (tcpdump, applying the filter)",
  );
  const mixed = classifyRead(READ_MIXED_LINK_TYPES, "udp");
  assert.ok(mixed instanceof CaptureFormatError);
  assert.match(
    mixed.message,
    /^Cannot parse capture: an interface has a type 0 different from the type of the first interface \(.*read it without a filter/,
  );
});

Deno.test("classifyTcpdumpReadStderr() reports a capture tcpdump could not open as damaged", () => {
  for (
    const [stderr, reason] of [
      [READ_ARCHAIC, "archaic pcap savefile format"],
      [READ_UNKNOWN_FORMAT, "unknown file format"],
    ]
  ) {
    const error = classifyRead(stderr!, "tcp");
    assert.ok(error instanceof CaptureFormatError, stderr);
    assert.equal(
      error.message,
      `Cannot parse capture: ${reason} (tcpdump, applying the filter)`,
    );
  }
});

Deno.test("classifyTcpdumpReadStderr() names a filter the capture's link type rejects, and syntax errors", () => {
  const rejects = classifyRead(READ_REJECTS_ALL, "arp");
  assert.ok(rejects instanceof TcpdumpError);
  assert.equal(rejects.code, "bad_filter");
  assert.equal(
    rejects.message,
    'Bad BPF filter "arp" for link type RAW (Raw IP): expression rejects all packets',
  );
  const syntax = classifyRead(READ_SYNTAX_ERROR, "tcp prot 80");
  assert.ok(syntax instanceof TcpdumpError);
  assert.equal(syntax.code, "bad_filter");
  assert.equal(syntax.message, 'Bad BPF filter "tcp prot 80": syntax error');
});

Deno.test("classifyTcpdumpStderr() reading a file takes only compiler errors for filter errors", () => {
  // tcpdump killed by a signal says nothing.
  const quiet = classify("", { filter: "tcp", file: "-" });
  assert.equal(quiet.code, "failed");
  const other = classify(
    "reading from file -, link-type EN10MB (Ethernet), snapshot length 65535\n" +
      "tcpdump: pcap_loop: error reading dump file: Input/output error\n",
    { filter: "tcp", file: "-" },
  );
  assert.equal(other.code, "failed");
  assert.match(
    other.message,
    /^tcpdump failed: .*error reading dump file: Input\/output error$/,
  );
});
