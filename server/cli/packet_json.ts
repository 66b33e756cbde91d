/**
 * `--json` output: one packet record per line, written straight into UTF-8
 * bytes. The text is exactly `JSON.stringify(publicPacketFields(packet))`
 * for the decoder's records (packet_json_test.ts checks it on real
 * captures), without the two copies of the record and the string that
 * made: `netmirror read --json` spent most of its time on them.
 *
 * @module
 */

import type { PacketRecord } from "../../capture/packet_record.ts";
import { encodeText, type JsonBytes } from "../json_bytes.ts";
import type { LineWriter } from "./args.ts";

/** Queues `packet` as one `--json` line on `lines`. */
export function writePacketLine(lines: LineWriter, packet: PacketRecord): void {
  writePacketJson(lines.out, packet);
  lines.endLine();
}

/** Writes `packet`'s public fields as one JSON object (no newline) into `out`, in the decoder's record's field order. */
export function writePacketJson(out: JsonBytes, packet: PacketRecord): void {
  out.raw(K_TIMESTAMP_US);
  out.number(packet.timestampUs);
  out.raw(K_INTERFACE_ID);
  out.number(packet.interfaceId);
  out.raw(K_LINK_TYPE);
  out.number(packet.linkType);
  out.raw(K_CAPTURED_LENGTH);
  out.number(packet.capturedLength);
  out.raw(K_WIRE_LENGTH);
  out.number(packet.wireLength);
  out.raw(K_VLAN_ID);
  out.number(packet.vlanId);
  out.raw(K_ETHER_TYPE);
  out.number(packet.etherType);
  out.raw(K_NETWORK);
  out.string(packet.network);
  out.raw(K_IP_PROTOCOL);
  out.number(packet.ipProtocol);
  out.raw(K_TTL);
  out.number(packet.ttl);
  out.raw(K_IP_LENGTH);
  out.number(packet.ipLength);
  out.raw(K_LATER_FRAGMENT);
  out.bool(packet.laterFragment);
  out.raw(K_FRAGMENT);
  out.bool(packet.fragment);
  out.raw(K_FRAGMENT_ID);
  out.number(packet.fragmentId);
  out.raw(K_TRANSPORT);
  out.string(packet.transport);
  out.raw(K_SRC_PORT);
  out.number(packet.srcPort);
  out.raw(K_DST_PORT);
  out.number(packet.dstPort);
  out.raw(K_TCP_FLAGS);
  out.number(packet.tcpFlags);
  out.raw(K_TCP_SEQ);
  out.number(packet.tcpSeq);
  out.raw(K_TCP_ACK);
  out.number(packet.tcpAck);
  out.raw(K_TCP_WINDOW);
  out.number(packet.tcpWindow);
  out.raw(K_PAYLOAD_LENGTH);
  out.number(packet.payloadLength);
  out.raw(K_ICMP_TYPE);
  out.number(packet.icmpType);
  out.raw(K_ICMP_CODE);
  out.number(packet.icmpCode);
  out.raw(K_ICMP_ID);
  out.number(packet.icmpId);
  out.raw(K_ICMP_SEQ);
  out.number(packet.icmpSeq);
  out.raw(K_QUOTED_PROTOCOL);
  out.number(packet.quotedProtocol);
  out.raw(K_QUOTED_DST_ADDRESS);
  out.string(packet.quotedDstAddress);
  out.raw(K_QUOTED_DST_PORT);
  out.number(packet.quotedDstPort);
  out.raw(K_ARP_OPERATION);
  out.number(packet.arpOperation);
  out.raw(K_ARP_SENDER_MAC);
  out.string(packet.arpSenderMac);
  out.raw(K_ARP_TARGET_MAC);
  out.string(packet.arpTargetMac);
  out.raw(K_ND_TARGET);
  out.string(packet.ndTarget);
  out.raw(K_ND_FLAGS);
  out.number(packet.ndFlags);
  out.raw(K_ND_LINK_MAC);
  out.string(packet.ndLinkMac);
  out.raw(K_ND_ROUTER_LIFETIME_S);
  out.number(packet.ndRouterLifetimeS);
  out.raw(K_ND_PREFIXES);
  out.string(packet.ndPrefixes);
  out.raw(K_ND_ROUTES);
  out.string(packet.ndRoutes);
  out.raw(K_ND_DNS_SERVERS);
  out.string(packet.ndDnsServers);
  out.raw(K_ND_DNS_WITHDRAWN);
  out.string(packet.ndDnsWithdrawn);
  out.raw(K_DHCP_MESSAGE_TYPE);
  out.number(packet.dhcpMessageType);
  out.raw(K_DHCP_SERVER_ID);
  out.string(packet.dhcpServerId);
  out.raw(K_DHCP_LEASE_ADDRESSES);
  out.string(packet.dhcpLeaseAddresses);
  out.raw(K_DHCP_DNS_SERVERS);
  out.string(packet.dhcpDnsServers);
  out.raw(K_DHCP_ROUTERS);
  out.string(packet.dhcpRouters);
  out.raw(K_DHCP_ROUTES);
  out.string(packet.dhcpRoutes);
  out.raw(K_DHCP_PREFIX_LENGTH);
  out.number(packet.dhcpPrefixLength);
  out.raw(K_DHCP_CLIENT_MAC);
  out.string(packet.dhcpClientMac);
  out.raw(K_DHCP_RELAY_ADDRESS);
  out.string(packet.dhcpRelayAddress);
  out.raw(K_DHCP_CLIENT_ADDRESS);
  out.string(packet.dhcpClientAddress);
  out.raw(K_DHCP_CLIENT_ID);
  out.string(packet.dhcpClientId);
  out.raw(K_APP);
  out.string(packet.app);
  out.raw(K_DNS_ID);
  out.number(packet.dnsId);
  out.raw(K_DNS_RESPONSE);
  out.bool(packet.dnsResponse);
  out.raw(K_DNS_OPCODE);
  out.number(packet.dnsOpcode);
  out.raw(K_DNS_RCODE);
  out.number(packet.dnsRcode);
  out.raw(K_DNS_QTYPE);
  out.number(packet.dnsQtype);
  out.raw(K_DNS_QUESTION_COUNT);
  out.number(packet.dnsQuestionCount);
  out.raw(K_DNS_ANSWER_COUNT);
  out.number(packet.dnsAnswerCount);
  out.raw(K_TRUNCATED);
  out.bool(packet.truncated);
  out.raw(K_ANOMALY);
  out.string(packet.anomaly);
  out.raw(K_SRC_MAC);
  out.string(packet.srcMac);
  out.raw(K_DST_MAC);
  out.string(packet.dstMac);
  out.raw(K_SRC_ADDRESS);
  out.string(packet.srcAddress);
  out.raw(K_DST_ADDRESS);
  out.string(packet.dstAddress);
  out.raw(K_DNS_QNAME);
  out.string(packet.dnsQname);
  out.byte(CLOSE);
}

const CLOSE = 0x7d; // "}"

/** Each field's key with the punctuation before it, encoded once. */
const K_TIMESTAMP_US = encodeText('{"timestampUs":');
const K_INTERFACE_ID = encodeText(',"interfaceId":');
const K_LINK_TYPE = encodeText(',"linkType":');
const K_CAPTURED_LENGTH = encodeText(',"capturedLength":');
const K_WIRE_LENGTH = encodeText(',"wireLength":');
const K_VLAN_ID = encodeText(',"vlanId":');
const K_ETHER_TYPE = encodeText(',"etherType":');
const K_NETWORK = encodeText(',"network":');
const K_IP_PROTOCOL = encodeText(',"ipProtocol":');
const K_TTL = encodeText(',"ttl":');
const K_IP_LENGTH = encodeText(',"ipLength":');
const K_LATER_FRAGMENT = encodeText(',"laterFragment":');
const K_FRAGMENT = encodeText(',"fragment":');
const K_FRAGMENT_ID = encodeText(',"fragmentId":');
const K_TRANSPORT = encodeText(',"transport":');
const K_SRC_PORT = encodeText(',"srcPort":');
const K_DST_PORT = encodeText(',"dstPort":');
const K_TCP_FLAGS = encodeText(',"tcpFlags":');
const K_TCP_SEQ = encodeText(',"tcpSeq":');
const K_TCP_ACK = encodeText(',"tcpAck":');
const K_TCP_WINDOW = encodeText(',"tcpWindow":');
const K_PAYLOAD_LENGTH = encodeText(',"payloadLength":');
const K_ICMP_TYPE = encodeText(',"icmpType":');
const K_ICMP_CODE = encodeText(',"icmpCode":');
const K_ICMP_ID = encodeText(',"icmpId":');
const K_ICMP_SEQ = encodeText(',"icmpSeq":');
const K_QUOTED_PROTOCOL = encodeText(',"quotedProtocol":');
const K_QUOTED_DST_ADDRESS = encodeText(',"quotedDstAddress":');
const K_QUOTED_DST_PORT = encodeText(',"quotedDstPort":');
const K_ARP_OPERATION = encodeText(',"arpOperation":');
const K_ARP_SENDER_MAC = encodeText(',"arpSenderMac":');
const K_ARP_TARGET_MAC = encodeText(',"arpTargetMac":');
const K_ND_TARGET = encodeText(',"ndTarget":');
const K_ND_FLAGS = encodeText(',"ndFlags":');
const K_ND_LINK_MAC = encodeText(',"ndLinkMac":');
const K_ND_ROUTER_LIFETIME_S = encodeText(',"ndRouterLifetimeS":');
const K_ND_PREFIXES = encodeText(',"ndPrefixes":');
const K_ND_ROUTES = encodeText(',"ndRoutes":');
const K_ND_DNS_SERVERS = encodeText(',"ndDnsServers":');
const K_ND_DNS_WITHDRAWN = encodeText(',"ndDnsWithdrawn":');
const K_DHCP_MESSAGE_TYPE = encodeText(',"dhcpMessageType":');
const K_DHCP_SERVER_ID = encodeText(',"dhcpServerId":');
const K_DHCP_LEASE_ADDRESSES = encodeText(',"dhcpLeaseAddresses":');
const K_DHCP_DNS_SERVERS = encodeText(',"dhcpDnsServers":');
const K_DHCP_ROUTERS = encodeText(',"dhcpRouters":');
const K_DHCP_ROUTES = encodeText(',"dhcpRoutes":');
const K_DHCP_PREFIX_LENGTH = encodeText(',"dhcpPrefixLength":');
const K_DHCP_CLIENT_MAC = encodeText(',"dhcpClientMac":');
const K_DHCP_RELAY_ADDRESS = encodeText(',"dhcpRelayAddress":');
const K_DHCP_CLIENT_ADDRESS = encodeText(',"dhcpClientAddress":');
const K_DHCP_CLIENT_ID = encodeText(',"dhcpClientId":');
const K_APP = encodeText(',"app":');
const K_DNS_ID = encodeText(',"dnsId":');
const K_DNS_RESPONSE = encodeText(',"dnsResponse":');
const K_DNS_OPCODE = encodeText(',"dnsOpcode":');
const K_DNS_RCODE = encodeText(',"dnsRcode":');
const K_DNS_QTYPE = encodeText(',"dnsQtype":');
const K_DNS_QUESTION_COUNT = encodeText(',"dnsQuestionCount":');
const K_DNS_ANSWER_COUNT = encodeText(',"dnsAnswerCount":');
const K_TRUNCATED = encodeText(',"truncated":');
const K_ANOMALY = encodeText(',"anomaly":');
const K_SRC_MAC = encodeText(',"srcMac":');
const K_DST_MAC = encodeText(',"dstMac":');
const K_SRC_ADDRESS = encodeText(',"srcAddress":');
const K_DST_ADDRESS = encodeText(',"dstAddress":');
const K_DNS_QNAME = encodeText(',"dnsQname":');
