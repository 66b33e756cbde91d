/**
 * Generates an ARP storm for benchmarks: a LAN where one host sweeps a /16
 * with ARP requests over and over (arp-scan, nmap -sn) while the hosts that
 * exist answer it and the others keep asking for their gateway. Every frame
 * is ARP, so the ARP scan and ARP spoofing detectors see every packet: the
 * attack traffic those two must keep up with. Deterministic.
 *
 *   deno run --allow-write bench/arp_capture.ts <file> [packets]
 *
 * @module
 */

import { arpFrame } from "../capture/frame_builder.ts";
import { writeHostMac, writeUint32 } from "./frame_patch.ts";
import { PcapSink } from "./pcap_sink.ts";

/** Options of {@linkcode writeArpCapture}. */
export interface ArpCaptureOptions {
  /** Frames to write. */
  packets: number;
  /** Hosts that exist in the swept /16 (10.0.0.1 up), at most 65 535. */
  hosts: number;
  /** Time between frames, µs (default 5). */
  gapUs?: number;
}

/** The sweeping host. */
export const ARP_SCANNER = "10.0.255.250";
/** The gateway every host asks for. */
export const ARP_GATEWAY = "10.0.255.254";
/** Timestamp of the first frame, µs since the epoch. */
export const ARP_START_US = 1_700_000_000_000_000;

/** Addresses in the swept /16 (10.0.0.0 – 10.0.255.255). */
const SWEPT = 65_536;
/** Where the scanner and the gateway are in the /16. */
const SCANNER_INDEX = 0xfffa;
const GATEWAY_INDEX = 0xfffe;
/** One frame in this many is a host asking for its gateway, or the answer. */
const CHATTER_EVERY = 4;

// Offsets in an Ethernet/ARP frame.
const ETH_DST = 0;
const ETH_SRC = 6;
const SENDER_MAC = 22;
const SENDER_IP = 28;
const TARGET_MAC = 32;
const TARGET_IP = 38;

/** 10.0.0.0 + `index` as a 32-bit word. */
function addressWord(index: number): number {
  return (0x0a000000 | index) >>> 0;
}

/**
 * Writes the capture to `path` (Ethernet pcap) and returns its size in
 * bytes. Step i: the scanner asks who has 10.0.x.y (i mod 65 536, skipping
 * its own and the gateway's address), and when that address is one of the
 * first `hosts` the host answers at once; every fourth step one host asks
 * for the gateway and is answered too. Frames are patched copies of four
 * templates.
 */
export async function writeArpCapture(
  path: string,
  options: ArpCaptureOptions,
): Promise<number> {
  const { packets, hosts } = options;
  if (!(Number.isInteger(hosts) && hosts >= 1 && hosts < SWEPT - 6)) {
    throw new RangeError(
      `Cannot write ARP capture: hosts must be 1-65529, got ${hosts}`,
    );
  }
  const gapUs = options.gapUs ?? 5;
  const scannerMac = "02:aa:00:00:00:01";
  const gatewayMac = "02:ff:00:00:00:01";
  const request = (senderMac: string, senderIp: string) =>
    arpFrame({
      operation: 1,
      senderMac,
      senderIp,
      targetMac: "00:00:00:00:00:00",
      targetIp: "10.0.0.1",
    });
  const reply = (senderMac: string, senderIp: string) =>
    arpFrame({
      operation: 2,
      senderMac,
      senderIp,
      targetMac: "02:00:00:00:00:01",
      targetIp: "10.0.0.1",
    }, "02:00:00:00:00:01");
  const scan = request(scannerMac, ARP_SCANNER);
  const answer = reply("02:00:00:00:00:01", "10.0.0.1");
  const ask = request("02:00:00:00:00:01", "10.0.0.1");
  const gatewayAnswer = reply(gatewayMac, ARP_GATEWAY);
  const scannerWord = addressWord(SCANNER_INDEX);
  const gatewayWord = addressWord(GATEWAY_INDEX);
  return await PcapSink.write(path, async (sink) => {
    const buffer = sink.buffer;
    let timestampUs = ARP_START_US;
    let written = 0;
    const put = (frame: Uint8Array): number => {
      const at = sink.append(timestampUs, frame.length);
      buffer.set(frame, at);
      timestampUs += gapUs;
      written++;
      return at;
    };
    for (let step = 0; written < packets; step++) {
      if (!sink.fits(4 * 64)) await sink.flush();
      let index = step % SWEPT;
      // Not the network, the broadcast, the scanner or the gateway address.
      if (
        index === 0 || index === SWEPT - 1 || index === SCANNER_INDEX ||
        index === GATEWAY_INDEX
      ) index = 1;
      const target = addressWord(index);
      let at = put(scan);
      writeUint32(buffer, at + TARGET_IP, target);
      if (index >= 1 && index <= hosts && written < packets) {
        // The host answers the scanner.
        at = put(answer);
        writeHostMac(buffer, at + ETH_SRC, index);
        writeHostMac(buffer, at + SENDER_MAC, index);
        writeUint32(buffer, at + SENDER_IP, target);
        buffer.set(scan.subarray(ETH_SRC, ETH_SRC + 6), at + ETH_DST);
        buffer.set(scan.subarray(ETH_SRC, ETH_SRC + 6), at + TARGET_MAC);
        writeUint32(buffer, at + TARGET_IP, scannerWord);
      }
      if (step % CHATTER_EVERY === 0 && written + 1 < packets) {
        const host = 1 + (step / CHATTER_EVERY) % hosts;
        const word = addressWord(host);
        at = put(ask);
        writeHostMac(buffer, at + ETH_SRC, host);
        writeHostMac(buffer, at + SENDER_MAC, host);
        writeUint32(buffer, at + SENDER_IP, word);
        writeUint32(buffer, at + TARGET_IP, gatewayWord);
        at = put(gatewayAnswer);
        writeHostMac(buffer, at + ETH_DST, host);
        writeHostMac(buffer, at + TARGET_MAC, host);
        writeUint32(buffer, at + TARGET_IP, word);
      }
    }
  });
}

if (import.meta.main) {
  const [path, packets = "1000000"] = Deno.args;
  if (!path) {
    console.error("usage: arp_capture.ts <file> [packets]");
    Deno.exit(2);
  }
  await writeArpCapture(path, { packets: Number(packets), hosts: 2_000 });
}
