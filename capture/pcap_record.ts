/**
 * The raw record a capture-file reader hands to the decoder.
 *
 * @module
 */

/** Well-known link types (LINKTYPE_* from the tcpdump.org registry). */
export const LINK_TYPE = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

/**
 * One captured frame, zero-copy: `bytes[offset .. offset + capturedLength)`
 * is the frame. The record object and the buffer are reused by the reader and
 * are valid only until the callback returns (copy what you keep).
 */
export interface PcapRecord {
  /** Capture time, in microseconds since the Unix epoch. */
  timestampUs: number;
  /**
   * Nanoseconds past `timestampUs` (0–999) when the capture's times can fall
   * between microseconds (nanosecond pcap, pcapng with an `if_tsresol` finer
   * than 1 µs or not a whole number of µs; in a pcapng, once such an
   * interface is described, the other interfaces' records carry 0); -1 when
   * it counts whole microseconds. Writers keep it: a nanosecond capture
   * exported again stays nanosecond.
   */
  subMicrosecondNs: number;
  /** Bytes present in the capture. */
  capturedLength: number;
  /** Bytes on the wire (the original length). */
  wireLength: number;
  /** Link type of the interface the frame was captured on. */
  linkType: number;
  /** Interface index (pcapng IDB index within the section; 0 for classic pcap). */
  interfaceId: number;
  /** Buffer that holds the frame; not owned by the consumer. */
  bytes: Uint8Array;
  /** Offset of the frame's first byte in `bytes`. */
  offset: number;
}
