/**
 * ARP (RFC 826), read in place; addresses are decoded for Ethernet/IPv4.
 *
 * @module
 */

import type { AnomalyCounter } from "../anomalies.ts";
import type { PacketRecord } from "../packet_record.ts";
import { formatIpv4, formatMac } from "./address.ts";
import { ipv4AddressKey } from "./address_key.ts";
import { readU16 } from "./bytes.ts";
import { reportAnomaly, reportTruncated } from "./report.ts";

/** Fixed part of an ARP packet: hardware type, protocol type, lengths, operation. */
const ARP_FIXED_LENGTH = 8;
const MAC_LENGTH = 6;
const PROTOCOL_IPV4 = 0x0800;

/**
 * Decodes the ARP packet at `bytes[offset, end)`: operation, and for
 * Ethernet/IPv4 the sender/target MACs (arpSenderMac/arpTargetMac) and IPs
 * (srcAddress/dstAddress). Other address sizes keep only the operation.
 */
export function decodeArp(
  record: PacketRecord,
  bytes: Uint8Array,
  offset: number,
  end: number,
  anomalies: AnomalyCounter,
): void {
  record.network = "arp";
  if (end - offset < ARP_FIXED_LENGTH) {
    reportTruncated(record, anomalies, "arp_truncated");
    return;
  }
  // Non-null: the eight fixed bytes are present (checked above).
  const hardwareLength = bytes[offset + 4]!;
  const protocolLength = bytes[offset + 5]!;
  record.arpOperation = readU16(bytes, offset + 6);
  if (
    end - offset < ARP_FIXED_LENGTH + 2 * (hardwareLength + protocolLength)
  ) {
    reportTruncated(record, anomalies, "arp_truncated");
    return;
  }
  if (
    hardwareLength !== MAC_LENGTH || protocolLength !== 4 ||
    readU16(bytes, offset + 2) !== PROTOCOL_IPV4
  ) {
    // Any hardware type with 6-byte MACs (Ethernet 1, IEEE 802 6) is read.
    reportAnomaly(record, anomalies, "arp_unsupported_addresses");
    return;
  }
  const sender = offset + ARP_FIXED_LENGTH;
  record.arpSenderMac = formatMac(bytes, sender);
  record.srcAddress = formatIpv4(bytes, sender + 6);
  record.arpTargetMac = formatMac(bytes, sender + 10);
  record.dstAddress = formatIpv4(bytes, sender + 16);
  record.srcAddressKey = ipv4AddressKey(bytes, sender + 6);
  record.dstAddressKey = ipv4AddressKey(bytes, sender + 16);
}
