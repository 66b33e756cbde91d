/**
 * The decoder's reading of failed logins (`PacketRecord.authFailure`,
 * capture/decode/auth_reply.ts), which the brute force detector counts,
 * checked against tshark's dissectors: server replies of every service it
 * reads, refusals and their look-alikes (a success, another error), built
 * here and written to a pcap; each must be what tshark reads it as (the
 * reply code, status or error it names), and we must take exactly the
 * refusals. Then the shared captures: the FTP brute force's refusals and
 * the Windows LAN's five SMB logon failures, frame by frame as tshark reads
 * them.
 *
 * Needs `tshark`.
 */

import assert from "node:assert/strict";
import { tcpFrame, udpFrame } from "../capture/frame_builder.ts";
import { readPacketFile } from "../capture/packet_source.ts";
import { PcapBuilder } from "../capture/pcap_writer.ts";
import { tsharkFields } from "./cli_helpers.ts";

const SERVER = {
  src: "10.0.0.2",
  dst: "10.0.0.1",
  srcMac: "02:00:00:00:00:02",
  dstMac: "02:00:00:00:00:01",
};

const text = (line: string) => new TextEncoder().encode(line);

function bytes(...parts: (number[] | Uint8Array)[]): Uint8Array {
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

function be32(value: number): number[] {
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

/** An SMB2 SESSION_SETUP response header with `status`, and an error body. */
function smb2SessionSetup(status: number): Uint8Array {
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
    [0, 0], // ErrorContextCount, Reserved
    le32(0), // ByteCount
    [0],
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
function krbError(errorCode: number): Uint8Array {
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

/** One server reply: its port, payload, what tshark must read in it, and the service we must name ("" for none). */
interface Reply {
  port: number;
  payload: Uint8Array;
  udp?: boolean;
  /** tshark's field and the value it must hold. */
  field: string;
  value: string;
  expected: string;
}

const REPLIES: Reply[] = [
  {
    port: 21,
    payload: text("530 Login incorrect.\r\n"),
    field: "ftp.response.code",
    value: "530",
    expected: "ftp",
  },
  {
    port: 21,
    payload: text("230 Login successful.\r\n"),
    field: "ftp.response.code",
    value: "230",
    expected: "",
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

/** Our `authFailure` of every packet in `path`, by frame number (1-based), where not "". */
async function ourFailures(path: string): Promise<Map<number, string>> {
  const failures = new Map<number, string>();
  let frame = 0;
  await readPacketFile(path, (packet) => {
    frame++;
    if (packet.authFailure !== "") failures.set(frame, packet.authFailure);
  });
  return failures;
}

Deno.test("failed logins: each built reply is what tshark reads, and we take exactly the refusals", async () => {
  const pcap = new PcapBuilder(1);
  REPLIES.forEach((reply, i) => {
    const ports = { srcPort: reply.port, dstPort: 50_000 + i };
    pcap.add(
      1_700_000_000_000_000 + i * 1_000,
      reply.udp ? udpFrame(SERVER, ports, reply.payload) : tcpFrame(
        SERVER,
        { ...ports, flags: 0x18, seq: 1000, ack: 2000 },
        reply.payload,
      ),
    );
  });
  const path = await Deno.makeTempFile({ suffix: ".pcap" });
  try {
    await Deno.writeFile(path, pcap.toBytes());
    const fields = [...new Set(REPLIES.map((reply) => reply.field))];
    const lines = await tsharkFields(path, fields);
    assert.equal(lines.length, REPLIES.length);
    const ours = await ourFailures(path);
    REPLIES.forEach((reply, i) => {
      const values = lines[i]!.split("\t");
      const read = values[fields.indexOf(reply.field)]!.toLowerCase();
      assert.equal(
        read,
        reply.value.toLowerCase(),
        `tshark reads reply ${
          i + 1
        } (port ${reply.port}) as ${reply.field} ${read}`,
      );
      assert.equal(
        ours.get(i + 1) ?? "",
        reply.expected,
        `reply ${i + 1}: port ${reply.port}, ${reply.field} ${reply.value}`,
      );
    });
  } finally {
    await Deno.remove(path);
  }
});

const PCAPS = new URL("../../shared/pcaps/", import.meta.url);

Deno.test("failed logins: the shared FTP brute force's 530 replies and the Windows LAN's SMB logon failures, frame by frame as tshark reads them", async () => {
  for (
    const [file, filter, service] of [
      [
        "attacks/bruteforce_ftp_1400conns_not_flood__ftp-crack.pcap",
        "ftp.response.code == 530",
        "ftp",
      ],
      [
        "benign/mixed_windows_lan_dhcp_nbns_llmnr_dns_smb__smb2-ntlmssp-negotiateflags.pcap",
        "smb2.cmd == 1 && smb2.nt_status == 0xc000006d",
        "smb",
      ],
    ] as const
  ) {
    const path = new URL(file, PCAPS).pathname;
    // The FTP capture holds its packets twice; tshark takes the copies for
    // retransmissions and dissects no FTP in them unless told not to.
    const theirs = (await tsharkFields(path, ["frame.number"], filter, [
      "-o",
      "tcp.analyze_sequence_numbers:FALSE",
    ])).map(Number);
    const ours = await ourFailures(path);
    assert.ok(theirs.length >= 5, `${file}: tshark found ${theirs.length}`);
    assert.deepEqual([...ours.keys()], theirs, file);
    assert.ok([...ours.values()].every((name) => name === service), file);
  }
});
