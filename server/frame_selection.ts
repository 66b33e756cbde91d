/**
 * Which frames an alert's PCAP slice holds: a time range and the alert's
 * ends (IP addresses, or a MAC matched in an Ethernet header), compiled once
 * into a test that the in-memory frame ring and the session PCAP's reader
 * apply to each frame alike.
 *
 * @module
 */

import { parseIpv4 } from "../capture/decode/address_key.ts";

/** What to select. */
export interface FrameSelection {
  /** First packet time, µs (inclusive). */
  fromUs: number;
  /** Last packet time, µs (inclusive). */
  toUs: number;
  /**
   * Frames from or to any of these addresses (all frames when empty): IP
   * addresses, or MAC addresses ("00:e0:4d:3c:25:7b"), matched in an
   * Ethernet frame's header.
   */
  addresses: string[];
  /** With two addresses: only frames between them, either way. */
  between?: boolean;
}

/**
 * One frame as a selection looks at it: its decoded addresses (an IPv4
 * address by key, other addresses by text, as `PacketRecord` keys and
 * `keptText` give them) and its bytes.
 */
export interface FrameView {
  timestampUs: number;
  linkType: number;
  /** Address keys (`PacketRecord.srcAddressKey`): IPv4 addresses are matched by these. */
  srcKey: number;
  dstKey: number;
  /** Other addresses' text ("" for IPv4). */
  src: string;
  dst: string;
  /** The frame's captured bytes: `bytes[offset, offset + length)`. */
  bytes: Uint8Array;
  offset: number;
  length: number;
}

/** A view to fill frame by frame, over `bytes`. */
export function emptyFrameView(bytes: Uint8Array): FrameView {
  return {
    timestampUs: 0,
    linkType: 0,
    srcKey: -1,
    dstKey: -1,
    src: "",
    dst: "",
    bytes,
    offset: 0,
    length: 0,
  };
}

/** A MAC address's text, as the decoder writes it. */
const MAC_TEXT = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/i;

/** Link type of Ethernet frames, whose first 12 bytes are the destination and source MACs. */
const LINKTYPE_ETHERNET = 1;

/** Whether a frame's source (`source` true) or destination is one address. */
type EndTest = (view: FrameView, source: boolean) => boolean;

/** Compiles `selection` into a test of one frame. */
export function compileSelection(
  selection: FrameSelection,
): (view: FrameView) => boolean {
  const { fromUs, toUs } = selection;
  const ends = selection.addresses.filter((a) => a !== "").map(endTest);
  const between = selection.between === true && ends.length === 2;
  return (view) => {
    if (view.timestampUs < fromUs || view.timestampUs > toUs) return false;
    if (ends.length === 0) return true;
    if (between) {
      const [a, b] = ends as [EndTest, EndTest];
      return (a(view, true) && b(view, false)) ||
        (b(view, true) && a(view, false));
    }
    return ends.some((end) => end(view, true) || end(view, false));
  };
}

function endTest(address: string): EndTest {
  const key = parseIpv4(address);
  if (key >= 0) {
    return (view, source) => (source ? view.srcKey : view.dstKey) === key;
  }
  if (MAC_TEXT.test(address)) {
    const mac = address.split(":").map((byte) => parseInt(byte, 16));
    return (view, source) => {
      if (view.linkType !== LINKTYPE_ETHERNET || view.length < 12) {
        return false;
      }
      const at = view.offset + (source ? 6 : 0);
      return mac.every((byte, k) => view.bytes[at + k] === byte);
    };
  }
  return (view, source) => (source ? view.src : view.dst) === address;
}
