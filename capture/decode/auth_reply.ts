/**
 * Failed logins that a service says in clear: the reply a server sends when
 * a client's credentials were wrong, told from a few bytes at the start of
 * the server's segment (or datagram), read in place. Nothing is kept but
 * the service's name, `PacketRecord.authFailure`, which the brute force
 * detector counts; and, where a reply says so without doubt, a login that
 * succeeded (`PacketRecord.authSuccess`, {@linkcode authSuccessOf}), which
 * tells the detector that a guess was right.
 *
 * - FTP (21): reply code 530, "Not logged in" (RFC 959), on any line of
 *   the segment's first 512 bytes (a pipelining client's USER and PASS
 *   answered together).
 * - SMTP submission (25, 587): reply code 535, "Authentication credentials
 *   invalid" (RFC 4954 section 6).
 * - POP3 (110): "-ERR" whose text speaks of the login (RFC 1939, RFC 3206:
 *   "-ERR [AUTH] Authentication failed.", "-ERR Logon failure: …").
 * - IMAP (143): a tagged NO whose text speaks of the login (RFC 9051:
 *   "a1 NO [AUTHENTICATIONFAILED] …", "NO LOGIN failed"); a login accepted
 *   is a tagged OK whose text, past its response code, says so ("Logged
 *   in", "LOGIN completed").
 * - SMB (139, 445): an SMB2 SESSION_SETUP or SMB1 SESSION_SETUP_ANDX
 *   response with status STATUS_LOGON_FAILURE, STATUS_WRONG_PASSWORD or
 *   STATUS_ACCOUNT_LOCKED_OUT ([MS-SMB2] 2.2.1, [MS-ERREF] 2.3.1).
 * - MySQL (3306): an ERR packet with error 1045, ER_ACCESS_DENIED_ERROR.
 * - PostgreSQL (5432): an ErrorResponse with SQLSTATE 28P01
 *   (invalid_password) or 28000 (invalid_authorization_specification).
 * - LDAP (389): a BindResponse with resultCode 49, invalidCredentials
 *   (RFC 4511 section 4.2.2).
 * - Kerberos (88, UDP and TCP): a KRB-ERROR with KDC_ERR_PREAUTH_FAILED
 *   (24, a wrong password) or KDC_ERR_CLIENT_REVOKED (18, a locked
 *   account) (RFC 4120 section 5.9.1); KDC_ERR_PREAUTH_REQUIRED (25) opens
 *   every Windows logon and is no failure.
 *
 * Services that encrypt their login (SSH, RDP, TLS-wrapped POP3S, IMAPS,
 * SMTPS, LDAPS, or STARTTLS) are not read here; the detector counts SSH's,
 * RDP's, Telnet's and VNC's connections instead. A reply split so that its
 * first bytes fall into another segment is not read, nor is one that does
 * not start its segment (but FTP's).
 *
 * @module
 */

import type { PacketRecord } from "../packet_record.ts";
import { readU32 } from "./bytes.ts";
import { berAfter, berContentOf } from "./ber.ts";

/** The services whose failed logins {@linkcode authFailureOf} reads, by name. */
export type AuthService =
  | "ftp"
  | "smtp"
  | "pop3"
  | "imap"
  | "smb"
  | "mysql"
  | "postgresql"
  | "ldap"
  | "kerberos";

/** The TCP ports whose servers' failed-login replies {@linkcode authFailureOf} reads. */
export const AUTH_TCP_PORTS: Readonly<Record<number, AuthService>> = {
  21: "ftp",
  25: "smtp",
  88: "kerberos",
  110: "pop3",
  139: "smb",
  143: "imap",
  389: "ldap",
  445: "smb",
  587: "smtp",
  3306: "mysql",
  5432: "postgresql",
};

/** Every port of {@linkcode AUTH_TCP_PORTS} is below this one: one comparison turns most segments away. */
export const AUTH_PORTS_END = 5433;

/** The services of {@linkcode AUTH_TCP_PORTS}, each once; a port's entry in {@linkcode PORT_SERVICE} is its index plus one. */
const SERVICE_BY_PORT: readonly (AuthService | undefined)[] = [
  undefined,
  ...new Set(Object.values(AUTH_TCP_PORTS)),
];

/** {@linkcode AUTH_TCP_PORTS} as a table by port: one load per segment, not a lookup in a sparse object. */
const PORT_SERVICE = new Uint8Array(AUTH_PORTS_END);
for (const [port, service] of Object.entries(AUTH_TCP_PORTS)) {
  PORT_SERVICE[Number(port)] = SERVICE_BY_PORT.indexOf(service);
}

/** Kerberos's port, where the KDC answers over UDP as well as TCP. */
export const KERBEROS_PORT = 88;

const ASCII_0 = 0x30;
const ASCII_SPACE = 0x20;
const ASCII_DASH = 0x2d;

/**
 * The service whose failed login the server's TCP payload
 * `bytes[offset, end)` from port `srcPort` (or, with `udp`, its datagram)
 * reports, or "" when it reports none.
 */
export function authFailureOf(
  srcPort: number,
  bytes: Uint8Array,
  offset: number,
  end: number,
  udp = false,
): AuthService | "" {
  const service = serviceAt(srcPort, offset, end, udp);
  return service !== undefined && isRefusal(service, bytes, offset, end, udp)
    ? service
    : "";
}

/**
 * The service whose login, as the client asked it, the server's TCP
 * payload `bytes[offset, end)` from port `srcPort` (or, with `udp`, its
 * datagram) accepts, or "" when it accepts none: FTP 230, SMTP 235, an
 * IMAP OK that speaks of the login, an SMB session that is no guest's or
 * anonymous, PostgreSQL's AuthenticationOk, an LDAP bind's success, a
 * Kerberos AS-REP (a ticket granted). POP3's and MySQL's OK say nothing of
 * a login and are not read.
 */
export function authSuccessOf(
  srcPort: number,
  bytes: Uint8Array,
  offset: number,
  end: number,
  udp = false,
): AuthService | "" {
  const service = serviceAt(srcPort, offset, end, udp);
  return service !== undefined && isAcceptance(service, bytes, offset, end, udp)
    ? service
    : "";
}

/**
 * Sets `record`'s `authFailure` and `authSuccess` from the server's TCP
 * payload `bytes[offset, end)` (or, with `udp`, its datagram), as
 * {@linkcode authFailureOf} and {@linkcode authSuccessOf} tell them, with
 * one look at the port: a refusal is no acceptance.
 */
export function readAuthReply(
  record: Pick<PacketRecord, "srcPort" | "authFailure" | "authSuccess">,
  bytes: Uint8Array,
  offset: number,
  end: number,
  udp = false,
): void {
  const service = serviceAt(record.srcPort, offset, end, udp);
  if (service === undefined) return;
  if (isRefusal(service, bytes, offset, end, udp)) {
    record.authFailure = service;
  } else if (isAcceptance(service, bytes, offset, end, udp)) {
    record.authSuccess = service;
  }
}

/** The service whose replies come from `srcPort` over TCP (with at least 4 payload bytes), or over UDP (Kerberos); undefined for none. */
function serviceAt(
  srcPort: number,
  offset: number,
  end: number,
  udp: boolean,
): AuthService | undefined {
  if (udp) return srcPort === KERBEROS_PORT ? "kerberos" : undefined;
  if (srcPort < 0 || srcPort >= AUTH_PORTS_END || end - offset < 4) {
    return undefined;
  }
  return SERVICE_BY_PORT[PORT_SERVICE[srcPort]!];
}

/** Whether `service`'s reply `bytes[offset, end)` refuses a login. */
function isRefusal(
  service: AuthService,
  bytes: Uint8Array,
  offset: number,
  end: number,
  udp: boolean,
): boolean {
  switch (service) {
    case "ftp":
      return hasReplyLine(bytes, offset, end, 530);
    case "smtp":
      return isReplyCode(bytes, offset, end, 535);
    case "pop3":
      return startsWithText(bytes, offset, end, "-ERR ") &&
        saysLogin(bytes, offset + 5, end);
    case "imap":
      return isImapLogin(bytes, offset, end, " NO ");
    case "smb":
      return isSmbLogonFailure(bytes, offset, end);
    case "mysql":
      return isMysqlAccessDenied(bytes, offset, end);
    case "postgresql":
      return isPostgresAuthError(bytes, offset, end);
    case "ldap":
      return ldapBindResult(bytes, offset, end) === LDAP_INVALID_CREDENTIALS;
    case "kerberos":
      return isKerberosFailure(
        bytes,
        udp ? offset : kerberosMessageAt(bytes, offset),
        end,
      );
  }
}

/** Whether `service`'s reply `bytes[offset, end)` accepts a login. */
function isAcceptance(
  service: AuthService,
  bytes: Uint8Array,
  offset: number,
  end: number,
  udp: boolean,
): boolean {
  switch (service) {
    case "ftp":
      return hasReplyLine(bytes, offset, end, 230);
    case "smtp":
      return isReplyCode(bytes, offset, end, 235);
    case "imap":
      return isImapLogin(bytes, offset, end, " OK ");
    case "smb":
      return isSmbLogon(bytes, offset, end);
    case "postgresql":
      return isPostgresAuthenticationOk(bytes, offset, end);
    case "ldap":
      return ldapBindResult(bytes, offset, end) === 0;
    case "kerberos":
      return isKerberosTicket(
        bytes,
        udp ? offset : kerberosMessageAt(bytes, offset),
        end,
      );
    case "pop3":
    case "mysql":
      return false;
  }
}

/**
 * Where a Kerberos message over TCP starts: after its 4-byte record mark
 * (RFC 4120 section 7.2.2), or at once when the mark came alone in the
 * segment before (rarely).
 */
function kerberosMessageAt(bytes: Uint8Array, offset: number): number {
  const tag = bytes[offset];
  return tag === KRB_ERROR || tag === KRB_AS_REP ? offset : offset + 4;
}

/** Whether the payload opens with the three-digit reply `code` and a space or dash (FTP, SMTP). */
function isReplyCode(
  bytes: Uint8Array,
  offset: number,
  end: number,
  code: number,
): boolean {
  if (end - offset < 4) return false;
  const value = (bytes[offset]! - ASCII_0) * 100 +
    (bytes[offset + 1]! - ASCII_0) * 10 + (bytes[offset + 2]! - ASCII_0);
  const next = bytes[offset + 3];
  return value === code && (next === ASCII_SPACE || next === ASCII_DASH);
}

/** How far into a segment FTP's reply lines are looked for (a pipelining client's USER and PASS answered in one segment: "331 …", then "530 …"). */
const FTP_SCAN_BYTES = 512;

/** Whether a line within the payload's first {@linkcode FTP_SCAN_BYTES} opens with the reply `code`. */
function hasReplyLine(
  bytes: Uint8Array,
  offset: number,
  end: number,
  code: number,
): boolean {
  const scanEnd = Math.min(end, offset + FTP_SCAN_BYTES);
  for (let at = offset; at < scanEnd; at++) {
    if (
      (at === offset || bytes[at - 1] === 0x0a) &&
      isReplyCode(bytes, at, end, code)
    ) {
      return true;
    }
  }
  return false;
}

/** Whether the payload opens with the ASCII `text`. */
function startsWithText(
  bytes: Uint8Array,
  offset: number,
  end: number,
  text: string,
): boolean {
  if (end - offset < text.length) return false;
  for (let i = 0; i < text.length; i++) {
    if (bytes[offset + i] !== text.charCodeAt(i)) return false;
  }
  return true;
}

/** How far into a POP3 or IMAP line its text is searched for the login's words. */
const LINE_SCAN = 160;

/**
 * Whether the payload is a tagged IMAP `status` response (a tag of
 * letters, digits and dots, then " NO " or " OK ") whose line speaks of the
 * login ({@linkcode saysLogin}).
 */
function isImapLogin(
  bytes: Uint8Array,
  offset: number,
  end: number,
  status: " NO " | " OK ",
): boolean {
  let at = offset;
  const tagEnd = Math.min(end, offset + 32);
  while (at < tagEnd && isTagByte(bytes[at]!)) at++;
  if (at === offset || !startsWithText(bytes, at, end, status)) return false;
  return status === " NO "
    ? saysLogin(bytes, at + 4, end)
    : saysLoggedIn(bytes, at + 4, end);
}

/** What an IMAP server's OK to a login says, after its response code: Dovecot's "Logged in", Exchange's "LOGIN completed", Courier's "LOGIN Ok", Gmail's "authenticated (Success)". */
const LOGGED_IN_WORDS = [
  "logged in",
  "login completed",
  "login ok",
  "authenticated",
];

/**
 * Whether the line from `at`, past a bracketed response code (whose
 * CAPABILITY list names AUTH= and LOGIN-REFERRALS), says a login
 * succeeded ({@linkcode LOGGED_IN_WORDS}, in any case); a greeting's
 * "Pre-login capabilities" does not.
 */
function saysLoggedIn(bytes: Uint8Array, at: number, end: number): boolean {
  const lineEnd = Math.min(end, at + LINE_SCAN);
  let i = at;
  if (bytes[i] === 0x5b) {
    // "[": skip to the matching "]".
    while (i < lineEnd && bytes[i] !== 0x5d) i++;
  }
  for (; i < lineEnd; i++) {
    const byte = bytes[i]!;
    if (byte === 0x0d || byte === 0x0a) return false;
    for (const words of LOGGED_IN_WORDS) {
      if (lowerStartsWith(bytes, i, lineEnd, words)) return true;
    }
  }
  return false;
}

/**
 * Whether the line from `at` (up to {@linkcode LINE_SCAN} bytes) has a
 * word of a login, in any case: "auth" (AUTHENTICATIONFAILED, [AUTH],
 * "Authentication failed"), "login", "logon" or "pass". Dovecot's,
 * Courier's, Cyrus's, Exchange's, Gmail's and qpopper's refusals have one;
 * other errors ("-ERR There's no message 1.", "NO [NONEXISTENT] Unknown
 * Mailbox", "[IN-USE]") do not.
 */
function saysLogin(bytes: Uint8Array, at: number, end: number): boolean {
  const lineEnd = Math.min(end, at + LINE_SCAN);
  for (let i = at; i + 4 <= lineEnd; i++) {
    const byte = bytes[i]!;
    if (byte === 0x0d || byte === 0x0a) return false;
    const c = byte | 0x20;
    if (
      c === 0x61
        ? lowerStartsWith(bytes, i, lineEnd, "auth")
        : c === 0x6c
        ? lowerStartsWith(bytes, i, lineEnd, "login") ||
          lowerStartsWith(bytes, i, lineEnd, "logon")
        : c === 0x70 && lowerStartsWith(bytes, i, lineEnd, "pass")
    ) {
      return true;
    }
  }
  return false;
}

function isTagByte(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) ||
    ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) ||
    c === 0x2e;
}

/** Whether `bytes[at, end)` opens with the lower-case ASCII `text`, in any case. */
function lowerStartsWith(
  bytes: Uint8Array,
  at: number,
  end: number,
  text: string,
): boolean {
  if (end - at < text.length) return false;
  for (let i = 0; i < text.length; i++) {
    if ((bytes[at + i]! | 0x20) !== text.charCodeAt(i)) return false;
  }
  return true;
}

/** NT status codes of a refused logon ([MS-ERREF] 2.3.1). */
const STATUS_LOGON_FAILURE = 0xc000006d;
const STATUS_WRONG_PASSWORD = 0xc000006a;
const STATUS_ACCOUNT_LOCKED_OUT = 0xc0000234;
/** SMB2's SESSION_SETUP command, SMB1's SESSION_SETUP_ANDX. */
const SMB2_SESSION_SETUP = 1;
const SMB1_SESSION_SETUP_ANDX = 0x73;
/** SMB1's flags2 bit for 32-bit NT status codes. */
const SMB1_NT_STATUS = 0x4000;

/** Whether the payload holds an SMB2 SESSION_SETUP or SMB1 SESSION_SETUP_ANDX response that refused the logon. */
function isSmbLogonFailure(
  bytes: Uint8Array,
  offset: number,
  end: number,
): boolean {
  const status = smbSessionSetupStatus(bytes, offset, end);
  return status === STATUS_LOGON_FAILURE || status === STATUS_WRONG_PASSWORD ||
    status === STATUS_ACCOUNT_LOCKED_OUT;
}

/** SMB2's SessionFlags and SMB1's Action bits of a guest or anonymous session. */
const SMB2_GUEST_OR_NULL = 0x0003;
const SMB1_GUEST = 0x0001;

/**
 * Whether the payload is an SMB2 SESSION_SETUP or SMB1 SESSION_SETUP_ANDX
 * response that opened a session as the user asked: status success, and
 * neither a guest nor an anonymous session (a server that maps wrong
 * passwords to its guest account answers those with success too).
 */
function isSmbLogon(bytes: Uint8Array, offset: number, end: number): boolean {
  if (smbSessionSetupStatus(bytes, offset, end) !== 0) return false;
  const smb = offset + 4;
  if (bytes[smb] === 0xfe) {
    // The response's StructureSize (9), then SessionFlags.
    return smb + 68 <= end && littleU16(bytes, smb + 64) === 9 &&
      (littleU16(bytes, smb + 66) & SMB2_GUEST_OR_NULL) === 0;
  }
  // WordCount 3 or 4, then AndX (4 bytes) and Action.
  const words = bytes[smb + 32];
  return smb + 39 <= end && (words === 3 || words === 4) &&
    (littleU16(bytes, smb + 37) & SMB1_GUEST) === 0;
}

/**
 * The NT status of the payload's SMB2 SESSION_SETUP or SMB1
 * SESSION_SETUP_ANDX response, in a NetBIOS session message (RFC 1002
 * section 4.3.1; direct TCP on 445 frames alike); -1 when it holds none.
 */
function smbSessionSetupStatus(
  bytes: Uint8Array,
  offset: number,
  end: number,
): number {
  // Session message type 0, then the SMB header's protocol id.
  if (bytes[offset] !== 0 || end - offset < 4 + 16) return -1;
  const smb = offset + 4;
  const id = bytes[smb + 1] === 0x53 && bytes[smb + 2] === 0x4d &&
    bytes[smb + 3] === 0x42;
  if (!id) return -1;
  if (bytes[smb] === 0xfe) {
    // SMB2: StructureSize, CreditCharge, Status (4, LE), Command (2, LE),
    // with SMB2_FLAGS_SERVER_TO_REDIR (a response).
    if (littleU16(bytes, smb + 12) !== SMB2_SESSION_SETUP) return -1;
    if ((bytes[smb + 16]! & 1) === 0) return -1;
    return littleU32(bytes, smb + 8);
  }
  if (bytes[smb] === 0xff) {
    // SMB1: Command (1), Status (4, LE), Flags (1, 0x80 a reply), Flags2
    // (2, LE).
    if (bytes[smb + 4] !== SMB1_SESSION_SETUP_ANDX) return -1;
    if ((bytes[smb + 9]! & 0x80) === 0) return -1;
    if ((littleU16(bytes, smb + 10) & SMB1_NT_STATUS) === 0) return -1;
    return littleU32(bytes, smb + 5);
  }
  return -1;
}

function littleU16(bytes: Uint8Array, at: number): number {
  return bytes[at]! | (bytes[at + 1]! << 8);
}

function littleU32(bytes: Uint8Array, at: number): number {
  return (littleU16(bytes, at) | (littleU16(bytes, at + 2) << 16)) >>> 0;
}

/** MySQL's ERR packet header byte and its access-denied error. */
const MYSQL_ERR = 0xff;
const ER_ACCESS_DENIED_ERROR = 1045;

/** Whether the payload is a MySQL packet (3-byte length, sequence) holding an ERR packet with error 1045. */
function isMysqlAccessDenied(
  bytes: Uint8Array,
  offset: number,
  end: number,
): boolean {
  if (end - offset < 7 || bytes[offset + 4] !== MYSQL_ERR) return false;
  const length = littleU16(bytes, offset) | (bytes[offset + 2]! << 16);
  return length >= 3 && littleU16(bytes, offset + 5) === ER_ACCESS_DENIED_ERROR;
}

/** PostgreSQL's ErrorResponse message type ('E') and its SQLSTATE field's type ('C'). */
const PG_ERROR_RESPONSE = 0x45;
const PG_FIELD_CODE = 0x43;

/**
 * Whether the payload is a PostgreSQL ErrorResponse whose SQLSTATE is
 * 28P01 or 28000 (class 28, invalid authorization specification).
 */
function isPostgresAuthError(
  bytes: Uint8Array,
  offset: number,
  end: number,
): boolean {
  if (bytes[offset] !== PG_ERROR_RESPONSE || end - offset < 5) return false;
  const messageEnd = Math.min(end, offset + 1 + readU32(bytes, offset + 1));
  let at = offset + 5;
  // Fields: a type byte and a NUL-terminated string each, then a NUL.
  while (at < messageEnd && bytes[at] !== 0) {
    const type = bytes[at]!;
    if (type === PG_FIELD_CODE) {
      return at + 6 <= messageEnd &&
        (startsWithText(bytes, at + 1, messageEnd, "28P01") ||
          startsWithText(bytes, at + 1, messageEnd, "28000"));
    }
    at++;
    while (at < messageEnd && bytes[at] !== 0) at++;
    at++;
  }
  return false;
}

/** PostgreSQL's Authentication message type ('R'). */
const PG_AUTHENTICATION = 0x52;

/** Whether the payload is PostgreSQL's AuthenticationOk: 'R', length 8, code 0. */
function isPostgresAuthenticationOk(
  bytes: Uint8Array,
  offset: number,
  end: number,
): boolean {
  return end - offset >= 9 && bytes[offset] === PG_AUTHENTICATION &&
    readU32(bytes, offset + 1) === 8 && readU32(bytes, offset + 5) === 0;
}

/** BER tags (X.690) of the LDAP and Kerberos messages read here. */
const BER_INTEGER = 0x02;
const BER_ENUMERATED = 0x0a;
const BER_SEQUENCE = 0x30;
/** LDAP's BindResponse ([APPLICATION 1], constructed). */
const LDAP_BIND_RESPONSE = 0x61;
const LDAP_INVALID_CREDENTIALS = 49;

/** The resultCode of the payload's LDAPMessage holding a BindResponse (0 success, 49 invalidCredentials), or -1 when it holds none. */
function ldapBindResult(
  bytes: Uint8Array,
  offset: number,
  end: number,
): number {
  // SEQUENCE { messageID INTEGER, BindResponse { resultCode ENUMERATED, … } }
  let at = berContentOf(bytes, offset, end, BER_SEQUENCE);
  if (at >= 0) at = berAfter(bytes, at, end, BER_INTEGER);
  if (at >= 0) at = berContentOf(bytes, at, end, LDAP_BIND_RESPONSE);
  if (at >= 0) at = berContentOf(bytes, at, end, BER_ENUMERATED);
  return at >= 0 && at < end && bytes[at - 1] === 1 ? bytes[at]! : -1;
}

/** Kerberos's AS-REP ([APPLICATION 11]): a ticket-granting ticket for the client. */
const KRB_AS_REP = 0x6b;

/** Whether `bytes[offset, end)` is a Kerberos AS-REP: an [APPLICATION 11] holding a SEQUENCE whose first field is pvno 5. */
function isKerberosTicket(
  bytes: Uint8Array,
  offset: number,
  end: number,
): boolean {
  let at = berContentOf(bytes, offset, end, KRB_AS_REP);
  if (at >= 0) at = berContentOf(bytes, at, end, BER_SEQUENCE);
  if (at >= 0) at = berContentOf(bytes, at, end, 0xa0);
  if (at >= 0) at = berContentOf(bytes, at, end, BER_INTEGER);
  return at >= 0 && at < end && bytes[at - 1] === 1 && bytes[at] === 5;
}

/** Kerberos's KRB-ERROR ([APPLICATION 30]) and its error-code field ([6]). */
const KRB_ERROR = 0x7e;
const KRB_ERROR_CODE_FIELD = 0xa6;
const KDC_ERR_CLIENT_REVOKED = 18;
const KDC_ERR_PREAUTH_FAILED = 24;

/** Whether `bytes[offset, end)` is a KRB-ERROR whose error-code says a wrong password or a locked account. */
function isKerberosFailure(
  bytes: Uint8Array,
  offset: number,
  end: number,
): boolean {
  let at = berContentOf(bytes, offset, end, KRB_ERROR);
  if (at >= 0) at = berContentOf(bytes, at, end, BER_SEQUENCE);
  // Fields [0] pvno … [5] susec come first, some optional, in order.
  while (
    at >= 0 && at < end && bytes[at]! >= 0xa0 &&
    bytes[at]! < KRB_ERROR_CODE_FIELD
  ) {
    at = berAfter(bytes, at, end, bytes[at]!);
  }
  if (at >= 0) at = berContentOf(bytes, at, end, KRB_ERROR_CODE_FIELD);
  if (at >= 0) at = berContentOf(bytes, at, end, BER_INTEGER);
  if (at < 0 || at >= end || bytes[at - 1] !== 1) return false;
  const code = bytes[at];
  return code === KDC_ERR_PREAUTH_FAILED || code === KDC_ERR_CLIENT_REVOKED;
}
