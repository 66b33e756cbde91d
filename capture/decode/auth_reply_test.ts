import assert from "node:assert/strict";
import { AUTH_TCP_PORTS, authFailureOf, authSuccessOf } from "./auth_reply.ts";
import { be32, bytes, krbError, REPLIES } from "./test_auth_replies.ts";

const ASCII = (text: string) => new TextEncoder().encode(text);

Deno.test("authFailureOf: each reply as expected, whatever follows the segment's end", () => {
  for (const reply of REPLIES) {
    const { payload } = reply;
    assert.equal(
      authFailureOf(reply.port, payload, 0, payload.length, reply.udp),
      reply.expected,
      `${reply.port} ${reply.field} ${reply.value}`,
    );
    assert.equal(
      authSuccessOf(reply.port, payload, 0, payload.length, reply.udp),
      reply.success ?? "",
      `${reply.port} ${reply.field} ${reply.value} as a login`,
    );
    // Within a larger buffer, bytes past `end` unread.
    const padded = bytes([1, 2, 3], payload, new Uint8Array(64).fill(0x35));
    assert.equal(
      authFailureOf(reply.port, padded, 3, 3 + payload.length, reply.udp),
      reply.expected,
    );
  }
});

Deno.test("authFailureOf: every cut of every reply reads as no refusal or as its own, and never throws", () => {
  for (const reply of REPLIES) {
    for (let length = 0; length < reply.payload.length; length++) {
      const service = authFailureOf(
        reply.port,
        reply.payload,
        0,
        length,
        reply.udp,
      );
      assert.ok(
        service === "" || service === reply.expected,
        `${reply.port} cut at ${length}: ${service}`,
      );
      const login = authSuccessOf(
        reply.port,
        reply.payload,
        0,
        length,
        reply.udp,
      );
      assert.ok(
        login === "" || login === reply.success,
        `${reply.port} cut at ${length}: a login of ${login}`,
      );
    }
  }
});

Deno.test("authFailureOf: random bytes from every port it reads never throw", () => {
  let seed = 1;
  const random = () => (seed = Math.imul(seed, 1_103_515_245) + 12_345) >>> 16;
  const ports = [...Object.keys(AUTH_TCP_PORTS).map(Number), 88];
  for (let i = 0; i < 20_000; i++) {
    const payload = Uint8Array.from(
      { length: random() % 64 },
      () => random() & 0xff,
    );
    // Sometimes a real reply's first bytes, then noise.
    const real = REPLIES[random() % REPLIES.length]!.payload;
    if (i % 2 === 0) payload.set(real.subarray(0, payload.length));
    for (const port of ports) {
      const service = authFailureOf(port, payload, 0, payload.length);
      assert.equal(typeof service, "string");
      authFailureOf(port, payload, 0, payload.length, true);
      authSuccessOf(port, payload, 0, payload.length);
      authSuccessOf(port, payload, 0, payload.length, true);
    }
  }
});

Deno.test("authFailureOf: a Kerberos refusal over TCP whose record mark came in the segment before", () => {
  const error = krbError(24);
  assert.equal(authFailureOf(88, error, 0, error.length), "kerberos");
  const marked = bytes(be32(error.length), error);
  assert.equal(authFailureOf(88, marked, 0, marked.length), "kerberos");
  // Pre-authentication required opens every Windows logon: no refusal.
  const required = krbError(25);
  assert.equal(authFailureOf(88, required, 0, required.length), "");
});

Deno.test("authFailureOf: POP3 and IMAP refusals must speak of the login", () => {
  for (
    const [port, line, expected] of [
      [110, "-ERR [AUTH] Authentication failed.\r\n", "pop3"],
      [110, "-ERR [AUTH] Username and password not accepted.\r\n", "pop3"],
      [110, "-ERR Login failed.\r\n", "pop3"],
      [110, "-ERR [IN-USE] Unable to lock maildrop\r\n", ""],
      [110, "-ERR Unknown command: CAPA\r\n", ""],
      [110, "-ERR\r\n", ""],
      [143, "A001 NO [AUTHENTICATIONFAILED] Invalid credentials\r\n", "imap"],
      [
        143,
        "3 NO Logon failure: unknown user name or bad password.\r\n",
        "imap",
      ],
      [143, "a2 NO [TRYCREATE] Mailbox doesn't exist: Sent\r\n", ""],
      // The words on the next line are another reply's.
      [143, "a2 NO Mailbox is full\r\n* 3 EXISTS login\r\n", ""],
      [143, "* NO login referral\r\n", ""],
    ] as const
  ) {
    const payload = ASCII(line);
    assert.equal(
      authFailureOf(port, payload, 0, payload.length),
      expected,
      line,
    );
  }
  // A login accepted: an OK that says so past its response code.
  for (
    const [line, expected] of [
      ["a1 OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] Logged in\r\n", "imap"],
      ["a0001 OK LOGIN completed.\r\n", "imap"],
      ["a OK LOGIN Ok.\r\n", "imap"],
      ["1 OK [CAPABILITY IMAP4rev1 LOGIN-REFERRALS AUTH=PLAIN] ready\r\n", ""],
      [
        "1 OK Pre-login capabilities listed, post-login capabilities have more.\r\n",
        "",
      ],
      ["a3 OK Select completed (0.001 + 0.000 secs).\r\n", ""],
    ] as const
  ) {
    const payload = ASCII(line);
    assert.equal(
      authSuccessOf(143, payload, 0, payload.length),
      expected,
      line,
    );
  }
});

Deno.test("authFailureOf: FTP's 530 on any line of the segment's first 512 bytes, not within a line", () => {
  const cases = [
    ["331 Password required for admin.\r\n530 Login incorrect.\r\n", "ftp"],
    ["530-Login incorrect.\r\n530 Goodbye.\r\n", "ftp"],
    ["230 User logged in, proceed; 530 was not said\r\n", ""],
    ["220 x" + "y".repeat(600) + "\r\n530 Login incorrect.\r\n", ""],
  ] as const;
  for (const [text, expected] of cases) {
    const payload = ASCII(text);
    assert.equal(
      authFailureOf(21, payload, 0, payload.length),
      expected,
      text.slice(0, 40),
    );
  }
});
