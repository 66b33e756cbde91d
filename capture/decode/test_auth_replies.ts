/**
 * Server replies for the tests of capture/decode/auth_reply.ts: refusals
 * of every login it reads and their look-alikes (a success, another
 * error), each with the field and value tshark 4.0 reads in it
 * (tests/auth_reply_tshark_test.ts checks them) and the service
 * `authFailureOf` must name.
 *
 * @module
 */

const text = (line: string) => new TextEncoder().encode(line);

/** The concatenation of `parts`. */
export function bytes(...parts: (number[] | Uint8Array)[]): Uint8Array {
  const out: number[] = [];
  for (const part of parts) out.push(...part);
  return new Uint8Array(out);
}

function le16(value: number): number[] {
  return [value & 0xff, value >>> 8];
}

function le32(value: number): number[] {
  return [...le16(value & 0xffff), ...le16(value >>> 16)];
}

/** `value` as four big-endian bytes. */
export function be32(value: number): number[] {
  return [
    value >>> 24,
    (value >>> 16) & 0xff,
    (value >>> 8) & 0xff,
    value & 0xff,
  ];
}

/** A DER element: `tag`, a definite length, the contents. */
function der(tag: number, ...contents: (number[] | Uint8Array)[]): number[] {
  const body = [...bytes(...contents)];
  const length = body.length < 0x80
    ? [body.length]
    : body.length < 0x100
    ? [0x81, body.length]
    : [0x82, body.length >> 8, body.length & 0xff];
  return [tag, ...length, ...body];
}

const derInteger = (value: number) => der(0x02, [value]);
const derString = (tag: number, value: string) => der(tag, text(value));

/** A NetBIOS session message (RFC 1002) around `smb`. */
function netbios(smb: Uint8Array): Uint8Array {
  return bytes([0, 0, smb.length >> 8, smb.length & 0xff], smb);
}

/** An SMB2 SESSION_SETUP response header with `status`, and an error body, or with `sessionFlags` the response's body (no security buffer). */
function smb2SessionSetup(status: number, sessionFlags?: number): Uint8Array {
  return netbios(bytes(
    [0xfe, 0x53, 0x4d, 0x42],
    le16(64), // StructureSize
    le16(1), // CreditCharge
    le32(status),
    le16(1), // Command: SESSION_SETUP
    le16(1), // CreditResponse
    le32(1), // Flags: SERVER_TO_REDIR
    le32(0), // NextCommand
    le32(2),
    le32(0), // MessageId
    le32(0xfeff), // Reserved
    le32(0), // TreeId
    le32(0x4000_0041),
    le32(0x0000_f800), // SessionId
    new Uint8Array(16), // Signature
    le16(9),
    sessionFlags === undefined
      // ErrorContextCount, Reserved, ByteCount, ErrorData.
      ? [0, 0, ...le32(0), 0]
      // SessionFlags, SecurityBufferOffset, SecurityBufferLength.
      : [...le16(sessionFlags), ...le16(0x48), ...le16(0)],
  ));
}

/** An SMB1 SESSION_SETUP_ANDX response header with NT `status`, and no words or bytes. */
function smb1SessionSetup(status: number): Uint8Array {
  return netbios(bytes(
    [0xff, 0x53, 0x4d, 0x42, 0x73],
    le32(status),
    [0x98], // Flags: reply, case-insensitive paths
    le16(0xc807), // Flags2: unicode, NT status, extended security, long names
    le16(0), // PIDHigh
    new Uint8Array(8), // SecurityFeatures
    le16(0), // Reserved
    le16(0), // TID
    le16(0xfeff), // PID
    le16(0), // UID
    le16(2), // MID
    [0], // WordCount
    le16(0), // ByteCount
  ));
}

/** A MySQL ERR packet with `code`. */
function mysqlError(code: number, message: string): Uint8Array {
  const body = bytes([0xff], le16(code), text("#28000"), text(message));
  return bytes([body.length & 0xff, body.length >> 8, 0, 2], body);
}

/** A PostgreSQL ErrorResponse with SQLSTATE `code`. */
function pgError(code: string, message: string): Uint8Array {
  const fields = bytes(
    text("SFATAL\0VFATAL\0"),
    text(`C${code}\0`),
    text(`M${message}\0`),
    text("Fauth.c\0L335\0Rauth_failed\0"),
    [0],
  );
  return bytes([0x45], be32(fields.length + 4), fields);
}

/** An LDAP BindResponse with `resultCode`. */
function ldapBindResponse(resultCode: number): Uint8Array {
  return bytes(
    der(
      0x30,
      derInteger(1),
      der(0x61, der(0x0a, [resultCode]), der(0x04), der(0x04)),
    ),
  );
}

/** A KRB-ERROR (RFC 4120 section 5.9.1) with `errorCode`, as a KDC sends it. */
export function krbError(errorCode: number): Uint8Array {
  const realm = "EXAMPLE.COM";
  return bytes(der(
    0x7e,
    der(
      0x30,
      der(0xa0, derInteger(5)),
      der(0xa1, derInteger(30)),
      der(0xa4, derString(0x18, "20261206120000Z")),
      der(0xa5, derInteger(0)),
      der(0xa6, derInteger(errorCode)),
      der(0xa9, derString(0x1b, realm)),
      der(
        0xaa,
        der(
          0x30,
          der(0xa0, derInteger(2)),
          der(
            0xa1,
            der(0x30, derString(0x1b, "krbtgt"), derString(0x1b, realm)),
          ),
        ),
      ),
    ),
  ));
}

/** A KRB-AS-REP (RFC 4120 section 5.4.2): alice's ticket-granting ticket, its encrypted parts random. */
export function krbAsRep(): Uint8Array {
  const realm = "EXAMPLE.COM";
  const encrypted = (etype: number, length: number) =>
    der(
      0x30,
      der(0xa0, derInteger(etype)),
      der(0xa1, derInteger(2)),
      der(0xa2, der(0x04, new Uint8Array(length).fill(0x5a))),
    );
  return bytes(der(
    0x6b,
    der(
      0x30,
      der(0xa0, derInteger(5)),
      der(0xa1, derInteger(11)),
      der(0xa3, derString(0x1b, realm)),
      der(
        0xa4,
        der(
          0x30,
          der(0xa0, derInteger(1)),
          der(0xa1, der(0x30, derString(0x1b, "alice"))),
        ),
      ),
      der(
        0xa5,
        der(
          0x61,
          der(
            0x30,
            der(0xa0, derInteger(5)),
            der(0xa1, derString(0x1b, realm)),
            der(
              0xa2,
              der(
                0x30,
                der(0xa0, derInteger(2)),
                der(
                  0xa1,
                  der(0x30, derString(0x1b, "krbtgt"), derString(0x1b, realm)),
                ),
              ),
            ),
            der(0xa3, encrypted(18, 200)),
          ),
        ),
      ),
      der(0xa6, encrypted(18, 120)),
    ),
  ));
}

/** One server reply: its port, payload, what tshark must read in it, and the service `authFailureOf` must name ("" for none). */
export interface Reply {
  port: number;
  payload: Uint8Array;
  udp?: boolean;
  /** tshark's field and the value it must hold. */
  field: string;
  value: string;
  expected: string;
  /** The service `authSuccessOf` must name ("" when absent). */
  success?: string;
}

/** Refusals of every service `authFailureOf` reads, and their look-alikes. */
export const REPLIES: readonly Reply[] = [
  {
    port: 21,
    payload: text("530 Login incorrect.\r\n"),
    field: "ftp.response.code",
    value: "530",
    expected: "ftp",
  },
  {
    // A pipelining client's USER and PASS, answered in one segment (tshark
    // names the first reply's code; its Info column shows both).
    port: 21,
    payload: text("331 Password required.\r\n530 Login incorrect.\r\n"),
    field: "ftp.response.code",
    value: "331",
    expected: "ftp",
  },
  {
    port: 21,
    payload: text("230 Login successful.\r\n"),
    field: "ftp.response.code",
    value: "230",
    expected: "",
    success: "ftp",
  },
  {
    port: 21,
    payload: text("331 Please specify the password.\r\n"),
    field: "ftp.response.code",
    value: "331",
    expected: "",
  },
  {
    port: 587,
    payload: text("535 5.7.8 Error: authentication failed\r\n"),
    field: "smtp.response.code",
    value: "535",
    expected: "smtp",
  },
  {
    port: 25,
    payload: text("235 2.7.0 Authentication successful\r\n"),
    field: "smtp.response.code",
    value: "235",
    expected: "",
    success: "smtp",
  },
  {
    port: 110,
    payload: text("-ERR [AUTH] Authentication failed.\r\n"),
    field: "pop.response.indicator",
    value: "-ERR",
    expected: "pop3",
  },
  {
    port: 110,
    payload: text(
      "-ERR Logon failure: unknown user name or bad password.\r\n",
    ),
    field: "pop.response.indicator",
    value: "-ERR",
    expected: "pop3",
  },
  {
    // Not a login's refusal: a RETR after a login.
    port: 110,
    payload: text("-ERR There's no message 1.\r\n"),
    field: "pop.response.indicator",
    value: "-ERR",
    expected: "",
  },
  {
    port: 110,
    payload: text("+OK Logged in.\r\n"),
    field: "pop.response.indicator",
    value: "+OK",
    expected: "",
  },
  {
    port: 143,
    payload: text("a1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n"),
    field: "imap.response.status",
    value: "no",
    expected: "imap",
  },
  {
    port: 143,
    payload: text("a0001 NO LOGIN failed.\r\n"),
    field: "imap.response.status",
    value: "no",
    expected: "imap",
  },
  {
    port: 143,
    payload: text("a5 NO [NONEXISTENT] Unknown Mailbox: Archive\r\n"),
    field: "imap.response.status",
    value: "no",
    expected: "",
  },
  {
    port: 143,
    payload: text("a1 OK [CAPABILITY IMAP4rev1] Logged in\r\n"),
    field: "imap.response.status",
    value: "ok",
    expected: "",
    success: "imap",
  },
  {
    port: 445,
    payload: smb2SessionSetup(0xc000006d),
    field: "smb2.nt_status",
    value: "0xc000006d",
    expected: "smb",
  },
  {
    port: 445,
    payload: smb2SessionSetup(0xc0000016),
    field: "smb2.nt_status",
    value: "0xc0000016",
    expected: "",
  },
  {
    port: 445,
    payload: smb2SessionSetup(0xc0000234),
    field: "smb2.nt_status",
    value: "0xc0000234",
    expected: "smb",
  },
  {
    port: 445,
    payload: smb2SessionSetup(0, 0),
    field: "smb2.nt_status",
    value: "0x00000000",
    expected: "",
    success: "smb",
  },
  {
    // A guest session (a wrong password mapped to the guest account).
    port: 445,
    payload: smb2SessionSetup(0, 1),
    field: "smb2.nt_status",
    value: "0x00000000",
    expected: "",
  },
  {
    port: 5432,
    payload: bytes([0x52], be32(8), be32(0)),
    field: "pgsql.authtype",
    value: "0",
    expected: "",
    success: "postgresql",
  },
  {
    port: 88,
    udp: true,
    payload: krbAsRep(),
    field: "kerberos.msg_type",
    value: "11",
    expected: "",
    success: "kerberos",
  },
  {
    port: 139,
    payload: smb1SessionSetup(0xc000006d),
    field: "smb.nt_status",
    value: "0xc000006d",
    expected: "smb",
  },
  {
    port: 139,
    payload: smb1SessionSetup(0),
    field: "smb.nt_status",
    value: "0x00000000",
    expected: "",
  },
  {
    port: 3306,
    payload: mysqlError(
      1045,
      "Access denied for user 'root'@'10.0.0.1' (using password: YES)",
    ),
    field: "mysql.error_code",
    value: "1045",
    expected: "mysql",
  },
  {
    port: 3306,
    payload: mysqlError(1146, "Table 'shop.orders' doesn't exist"),
    field: "mysql.error_code",
    value: "1146",
    expected: "",
  },
  {
    port: 5432,
    payload: pgError(
      "28P01",
      'password authentication failed for user "postgres"',
    ),
    field: "pgsql.code",
    value: "28P01",
    expected: "postgresql",
  },
  {
    port: 5432,
    payload: pgError("42P01", 'relation "orders" does not exist'),
    field: "pgsql.code",
    value: "42P01",
    expected: "",
  },
  {
    port: 389,
    payload: ldapBindResponse(49),
    field: "ldap.resultCode",
    value: "49",
    expected: "ldap",
  },
  {
    port: 389,
    payload: ldapBindResponse(0),
    field: "ldap.resultCode",
    value: "0",
    expected: "",
    success: "ldap",
  },
  {
    port: 88,
    udp: true,
    payload: krbError(24),
    field: "kerberos.error_code",
    value: "24",
    expected: "kerberos",
  },
  {
    port: 88,
    udp: true,
    payload: krbError(25),
    field: "kerberos.error_code",
    value: "25",
    expected: "",
  },
  {
    port: 88,
    payload: bytes(be32(krbError(18).length), krbError(18)),
    field: "kerberos.error_code",
    value: "18",
    expected: "kerberos",
  },
];
