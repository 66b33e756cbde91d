/**
 * UDP payloads for the tests of capture/decode/service_reply.ts and of the
 * port scan detector: replies and requests of Kerberos, the portmapper,
 * NTP, the NetBIOS name service, SNMP and IKE (each checked with tshark 4.0, which dissects it as
 * named), and the payloads nmap -sU sends to ports above 1023
 * ({@linkcode NMAP_HIGH_PORT_PAYLOADS}).
 *
 * @module
 */

import { concat, hex } from "./test_helpers.ts";

/** An NTP server's reply (version 4, mode 4, stratum 2), from the shared capture portscan_tcp-connect-sT_3hosts_plus_arpsweep (frame 7068). */
export const NTP_SERVER_REPLY = hex(
  "240203e9000005f1000001d5cc303a32df6502d8bec66de5df6503990fe23dc7" +
    "df6503995239f45adf650399523aefbc",
);

/** An NTP broadcast (mode 5): {@linkcode NTP_SERVER_REPLY} with its mode changed. */
export const NTP_BROADCAST = concat(hex("25"), NTP_SERVER_REPLY.subarray(1));

/** A kiss-o'-death (mode 4, stratum 0, "RATE"): {@linkcode NTP_SERVER_REPLY} with its stratum and reference id changed. */
export const NTP_KISS_OF_DEATH = concat(
  hex("2400 03e9 000005f1 000001d5 52415445"),
  NTP_SERVER_REPLY.subarray(16),
);

/** nmap's payload for port 123: an NTP client request (version 4, mode 3). */
export const NTP_CLIENT_REQUEST = hex(
  "e30004fa000100000001000000000000" +
    "00000000000000000000000000000000" +
    "0000000000000000c54f234b71b152f3",
);

/** ntpd's answer to ntpdc's monlist (private mode 7, response and more bits, implementation 3, request 42, 6 items of 72 bytes), as in NTP amplification. */
export const NTP_MONLIST_RESPONSE = concat(
  hex("d700032a00060048"),
  new Uint8Array(6 * 72),
);

/** A monlist request (private mode 7, no response bit), padded to 48 bytes as amplification scanners send it. */
export const NTP_MONLIST_REQUEST = concat(
  hex("1700032a00000000"),
  new Uint8Array(40),
);

/** ntpd's answer to ntpq's "read variables" (control mode 6, response bit, opcode 2), as in NTP mode 6 amplification. */
export const NTP_READVAR_RESPONSE = hex(
  "16820001061800000000001776657273696f6e3d226e74706420342e322e3870" +
    "31352200",
);

/** ntpq's "read variables" request (control mode 6, no response bit). */
export const NTP_READVAR_REQUEST = hex(
  "160200010000000000000000",
);

/** A KDC's AS-REP (tag 0x6b) to alice@EXAMPLE.COM. */
export const KERBEROS_AS_REP = hex(
  "6b81e03081dda003020105a10302010ba30d1b0b4558414d504c452e434f4da4" +
    "123010a003020101a10930071b05616c696365a56c616a3068a003020105a10d" +
    "1b0b4558414d504c452e434f4da220301ea003020102a11730151b066b726274" +
    "67741b0b4558414d504c452e434f4da330302ea003020112a103020102a22204" +
    "20000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e" +
    "1fa640303ea003020112a103020102a2320430000102030405060708090a0b0c" +
    "0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c" +
    "2d2e2f",
);

/** A KDC's KRB-ERROR (tag 0x7e): preauthentication required. */
export const KERBEROS_ERROR = hex(
  "7e5a3058a003020105a10302011ea411180f3230323430313031303030303030" +
    "5aa503020100a603020119a90d1b0b4558414d504c452e434f4daa20301ea003" +
    "020102a11730151b066b72627467741b0b4558414d504c452e434f4d",
);

/** A client's AS-REQ (tag 0x6a) for alice@EXAMPLE.COM. */
export const KERBEROS_AS_REQ = hex(
  "6a8184308181a103020105a20302010aa4753073a00703050040810010a11230" +
    "10a003020101a10930071b05616c696365a20d1b0b4558414d504c452e434f4d" +
    "a320301ea003020102a11730151b066b72627467741b0b4558414d504c452e43" +
    "4f4da511180f32303337303931333032343830355aa706020412345678a80830" +
    "06020112020111",
);

/** An agent's SNMPv2c Response PDU (0xa2) with sysDescr.0. */
export const SNMP_V2C_GET_RESPONSE = hex(
  "303702010104067075626c6963a22a02041a2b3c4d020100020100301c301a06" +
    "082b06010201010100040e4c696e757820677720362e312e30",
);

/** A manager's SNMPv2c GetRequest PDU (0xa0) for sysDescr.0. */
export const SNMP_V2C_GET_REQUEST = hex(
  "302902010104067075626c6963a01c02041a2b3c4d020100020100300e300c06" +
    "082b060102010101000500",
);

/** An agent's SNMPv3 Report (engine discovery answer, reportable flag clear). */
export const SNMP_V3_REPORT = hex(
  "306d020103300f02024a69020300ffe304010002010304223020041180001f88" +
    "80e9bd0c1d12667a5100000000020103020204d2040004000400303304118000" +
    "1f8880e9bd0c1d12667a51000000000400a81c02024a69020100020100301030" +
    "0e06092b060106030f010104410101",
);

/** An agent's SNMPv3 message with authentication and privacy (flags 0x03, reportable clear): its PDU is encrypted. */
export const SNMP_V3_ENCRYPTED_RESPONSE = hex(
  "306b020103300f02024a6a020300ffe3040103020103043b3039041180001f88" +
    "80e9bd0c1d12667a5100000000020103020204d20405616c696365040c000000" +
    "0000000000000000000408000000000000000004189f3c21aa5b6e77d0c4e1f2" +
    "a3b4c5d6e7f8091a2b3c4d5e6f",
);

/** A NetBIOS node status response (response bit, no question, one answer), from the shared capture portscan_nmap-sU-F_UDPscan (frame 328). */
export const NBNS_NBSTAT_RESPONSE = hex(
  "80f08400000000010000000020434b4141414141414141414141414141414141" +
    "4141414141414141414141414100002100010000000000ad0701025f5f4d5342" +
    "524f5753455f5f02018400202020202020202020202020202020000400202020" +
    "2020202020202020202020200304002020202020202020202020202020202004" +
    "00574f524b47524f5550202020202020008400574f524b47524f555020202020" +
    "20201d0400574f524b47524f55502020202020201e8400000000000000000000" +
    "0000000000000000000000000000000000000000000000000000000000000000" +
    "0000000000",
);

/** A NetBIOS node status query for "*" (nmap's payload for port 137). */
export const NBNS_NBSTAT_QUERY = hex(
  "80f00010000100000000000020434b4141414141414141414141414141414141" +
    "414141414141414141414141410000210001",
);

/** A portmapper's reply (RPC REPLY, accepted, a universal address), from the shared capture bigendian_pcap_v2.1_nfs__nfs3-01 (frame 2). */
export const RPC_PORTMAP_REPLY = hex(
  "38434f690000000100000000000000000000000000000000000000123133392e" +
    "32352e32322e3130322e342e32340000",
);

/** nmap's payload for port 111 and other RPC ports: an RPC CALL (program 100000, procedure 0). */
export const RPC_CALL = hex(
  "3eece3ca000000000000000200bc614e00000000000000000000000000000000" +
    "0000000000000000",
);

/** An IKEv2 IKE_SA_INIT response (Response flag, responder SPI set) with a nonce payload: a peer's answer to one behind NAT. */
export const IKE_V2_SA_INIT_RESPONSE = hex(
  "112233445566778899aabbccddeeff0028202220000000000000003000000014" +
    "000102030405060708090a0b0c0d0e0f",
);

/** The IKE_SA_INIT request it answers (Initiator flag, responder SPI zero). */
export const IKE_V2_SA_INIT_REQUEST = hex(
  "1122334455667788000000000000000028202208000000000000003000000014" +
    "000102030405060708090a0b0c0d0e0f",
);

/** An IKEv1 Main Mode message from the responder (its cookie set), with a nonce payload. */
export const IKE_V1_MAIN_MODE_RESPONSE = hex(
  "112233445566778899aabbccddeeff000a100200000000000000003000000014" +
    "000102030405060708090a0b0c0d0e0f",
);

/** nmap's payload for port 500: an IKEv1 Main Mode request (ike-scan's; responder cookie zero). */
export const IKE_V1_MAIN_MODE_REQUEST = hex(
  "001122334455667700000000000000000110020000000000000000c0000000a4" +
    "0000000100000001000000980101000403000024010100008001000580020002" +
    "8003000180040002800b0001000c000400000001030000240201000080010005" +
    "800200018003000180040002800b0001000c0004000000010300002403010000" +
    "80010001800200028003000180040002800b0001000c00040000000100000024" +
    "0401000080010001800200018003000180040002800b0001000c000400000001",
);

/**
 * Each payload nmap 7.93 sends to a port above 1023 (nmap-payloads), with
 * the ports it goes to: what a UDP scan of high ports carries, whatever its
 * source port (nmap -sU -g 123). None is a reply of Kerberos, the
 * portmapper, NTP, NBNS, SNMP or IKE.
 */
export const NMAP_HIGH_PORT_PAYLOADS: readonly (readonly [
  ports: string,
  payload: Uint8Array,
])[] = [
  [
    "53,69,5353,26198",
    hex(
      "000010000000000000000000",
    ),
  ],
  [
    "53,5353,26198",
    hex(
      "7777010000010000000000000776657273696f6e0462696e640000100003",
    ),
  ],
  ["111,2049,4045,32768-65535", RPC_CALL],
  [
    "135,1025-1199",
    hex(
      "05000b03100000004800000001000000b810b810000000000100000000000100" +
        "0123456789abcdef0123456789abcdefe7030000fedcba987654321001234567" +
        "89abcdefe7030000",
    ),
  ],
  [
    "161,260,3401",
    hex(
      "303a020103300f02024a69020300ffe30401040201030410300e040002010002" +
        "0100040004000400301204000400a00c020237f00201000201003000",
    ),
  ],
  [
    "161,260,3401",
    hex(
      "301f02010004067075626c6963a1120201000201000201003007300506010005" +
        "00",
    ),
  ],
  [
    "443,853,3391,4433,4740,5349,5684,5868,6514,6636,8232,10161,10162,12346,12446,12546,12646,12746,12846,12946,13046",
    hex(
      "16feff000000000000000000360100002a000000000000002afefd000000007c" +
        "77401e8ac822a0a018ff9308caac0a642fc92264bc08a81689193f0000000200" +
        "2f0100",
    ),
  ],
  [
    "500,4500",
    hex(
      "3127fcb038109e8900000000000000000110020000000000000000cc0d00005c" +
        "0000000100000001000000500101000203000024010100008001000580020002" +
        "8004000280030003800b0001000c000400000e10000000240201000080010005" +
        "800200018004000280030003800b0001000c000400000e100d0000181e2b5169" +
        "05991c7d7c96fcbfb587e461000000040d0000144048b7d56ebce88525e7de7f" +
        "00d6c2d30d00001490cb80913ebb696e086381b5ec427b1f0000001426244d38" +
        "eddb61b3172a36e3d0cfb819",
    ),
  ],
  [
    "1194",
    hex(
      "3864c17801b89bcb8f0000000000",
    ),
  ],
  [
    "1194",
    hex(
      "38010203040506070800000000",
    ),
  ],
  [
    "1604",
    hex(
      "1e00013002fda8e300000000000000000000000000000000000000000000",
    ),
  ],
  [
    "1645,1812",
    hex(
      "0100001400000000000000000000000000000000",
    ),
  ],
  [
    "1701",
    hex(
      "c802003c000000000000000080080000000000018008000000020100800e0000" +
        "00076e78702d7363616e800a00000003000000038008000000090000",
    ),
  ],
  [
    "1900",
    hex(
      "4d2d534541524348202a20485454502f312e310d0a486f73743a203233392e32" +
        "35352e3235352e3235303a313930300d0a4d616e3a2022737364703a64697363" +
        "6f766572220d0a4d583a20350d0a53543a20737364703a616c6c0d0a0d0a",
    ),
  ],
  [
    "2049",
    hex(
      "000000000000000000000002000186a300000002000000000000000000000000" +
        "0000000000000000",
    ),
  ],
  [
    "2123,2152",
    hex(
      "320100040000420013370000",
    ),
  ],
  [
    "3386",
    hex(
      "4e010004defec800",
    ),
  ],
  [
    "2302",
    hex(
      "0002f1260126f090a6f026574eaca0ecf868e48d21",
    ),
  ],
  [
    "3283",
    hex(
      "0014000103",
    ),
  ],
  [
    "3478",
    hex(
      "000100002112a442000000000000000000000000",
    ),
  ],
  [
    "6481",
    hex(
      "5b50524f42455d2030303030",
    ),
  ],
  [
    "5351",
    hex(
      "0000",
    ),
  ],
  [
    "5353",
    hex(
      "000000000001000000000000095f7365727669636573075f646e732d7364045f" +
        "756470056c6f63616c00000c8001",
    ),
  ],
  [
    "5353",
    hex(
      "000000000001000000000000095f7365727669636573075f646e732d7364045f" +
        "756470056c6f63616c00000c0001",
    ),
  ],
  [
    "5632",
    hex(
      "5354",
    ),
  ],
  [
    "5683",
    hex(
      "400101cebb2e77656c6c2d6b6e6f776e04636f7265",
    ),
  ],
  [
    "7777",
    hex(
      "4e6f6e6500",
    ),
  ],
  [
    "10001",
    hex(
      "01000000",
    ),
  ],
  [
    "10080",
    hex(
      "416d616e646120322e36205245512048414e444c45203030302d303030303030" +
        "30302053455120300a53455256494345206e6f6f700a",
    ),
  ],
  [
    "17185",
    hex(
      "0000000000000000000000025555555500000001000000000000000000000000" +
        "0000000000000000ffff55130000003000000001000000020000000000000000",
    ),
  ],
  [
    "17185",
    hex(
      "7237723700000000000000025555555500000001000000010000000000000000" +
        "0000000000000000ffff55100000003c00000003000000020000000000000000",
    ),
  ],
  [
    "27910-27914",
    hex(
      "ffffffff737461747573",
    ),
  ],
  [
    "26000-26004,27960-27964,30720-30724,44400",
    hex(
      "ffffffff676574737461747573",
    ),
  ],
  [
    "64738",
    hex(
      "000000006162636465666768",
    ),
  ],
  [
    "3784",
    hex(
      "01e7e57531a3170b21cfbf2b994edd19acde085f8b240a1119b6736fad2813d2" +
        "0ab91275",
    ),
  ],
  [
    "4665,4666,4672,6429",
    hex(
      "e460",
    ),
  ],
  [
    "8767",
    hex(
      "f4be03000000000000000000010000003278ba85095465616d537065616b0000" +
        "0000000000000000000000000000000000000a57696e646f7773205850000000" +
        "000000000000000000000000000000000200000020003c000001000000000000" +
        "0000000000000000000000000000000000000000000000000000000000000000" +
        "00000000000000000000000000000000000000000000086e69636b6e616d6500" +
        "0000000000000000000000000000000000000000",
    ),
  ],
  [
    "9987",
    hex(
      "545333494e49543100650000880a397b0f005b5572efdc78326b000000000000" +
        "0000",
    ),
  ],
  [
    "9987",
    hex(
      "05ca7f169c11f98900000000029d748b45aa7befb99efead0819bacf41e016a2" +
        "326cf3cff48e3c4483c88d51456f9095233e00972b1c71b24ec061f1d76fc57e" +
        "f64852bf826aa23b65aa187a1738c38127c347fca735bafc0f9d9d72249dfc02" +
        "176d6bb12d72c6e3171c95d9699957cedddf05dc039456043a14e5ad9a2b1430" +
        "3a23a325ade8e6398a852ac6dfe55d2da02f5d9cd72b24fbb09cc2ba89b41b17" +
        "a2b6",
    ),
  ],
  [
    "11211",
    hex(
      "000100000001000076657273696f6e0d0a",
    ),
  ],
  [
    "27015-27030",
    hex(
      "ffffffff54536f7572636520456e67696e6520517565727900",
    ),
  ],
  [
    "27444",
    hex(
      "706e67206c34346164736c",
    ),
  ],
  [
    "31337",
    hex(
      "ce63d1d216e713cf38a5a586b2754b99aa3258",
    ),
  ],
  [
    "34555",
    hex(
      "706e67205b5d2e2e4b73",
    ),
  ],
  [
    "48899",
    hex(
      "036614710000000001000000000000000101102700000000],",
    ),
  ],
];
