import type { JSX } from "preact";
import { useCallback, useEffect, useState } from "preact/hooks";
import type { PacketRow } from "../../server/packet_row.ts";
import { formatDateTimeUs, formatEndpoint } from "../format.ts";
import { fetchPacket, type PacketDetail, selectedPacket } from "../state.ts";
import { Modal } from "./Modal.tsx";

/** Decoded fields by layer, in display order; fields not listed go under "Other". */
const FIELD_GROUPS: readonly { title: string; fields: readonly string[] }[] = [
  {
    title: "Frame",
    fields: [
      "n",
      "timestampUs",
      "interfaceId",
      "linkType",
      "capturedLength",
      "wireLength",
      "truncated",
      "anomaly",
    ],
  },
  {
    title: "Tunnel",
    fields: ["tunnel", "tunnelSrcAddress", "tunnelDstAddress", "tunnelId"],
  },
  { title: "Link", fields: ["srcMac", "dstMac", "vlanId", "etherType"] },
  {
    title: "Network",
    fields: [
      "network",
      "srcAddress",
      "dstAddress",
      "ipProtocol",
      "ttl",
      "ipLength",
      "fragment",
      "laterFragment",
      "fragmentId",
    ],
  },
  {
    title: "Transport",
    fields: [
      "transport",
      "srcPort",
      "dstPort",
      "tcpFlags",
      "tcpSeq",
      "tcpAck",
      "tcpWindow",
      "payloadLength",
    ],
  },
  {
    title: "ICMP",
    fields: [
      "icmpType",
      "icmpCode",
      "icmpId",
      "icmpSeq",
      "icmpEchoSum",
      "quotedProtocol",
      "quotedDstAddress",
      "quotedSrcPort",
      "quotedDstPort",
    ],
  },
  { title: "ARP", fields: ["arpOperation", "arpSenderMac", "arpTargetMac"] },
  {
    title: "Neighbor Discovery",
    fields: [
      "ndTarget",
      "ndFlags",
      "ndLinkMac",
      "ndRouterLifetimeS",
      "ndPrefixes",
      "ndRoutes",
      "ndDnsServers",
      "ndDnsWithdrawn",
    ],
  },
  {
    title: "DHCP",
    fields: [
      "dhcpMessageType",
      "dhcpServerId",
      "dhcpLeaseAddresses",
      "dhcpDnsServers",
      "dhcpRouters",
      "dhcpRoutes",
      "dhcpPrefixLength",
      "dhcpClientMac",
      "dhcpRelayAddress",
      "dhcpClientAddress",
      "dhcpClientId",
    ],
  },
  {
    title: "Application",
    fields: [
      "app",
      "dnsId",
      "dnsResponse",
      "dnsOpcode",
      "dnsRcode",
      "dnsQname",
      "dnsQtype",
      "dnsQuestionCount",
      "dnsAnswerCount",
      "authFailure",
      "authSuccess",
    ],
  },
];

const TCP_FLAG_NAMES = ["FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"];
/** Neighbor advertisement flags, from the high bit down (RFC 4861 section 4.4). */
const ND_FLAG_NAMES = ["Router", "Solicited", "Override"];
/** Router advertisement flags, from the high bit down (RFC 4861 section 4.2, RFC 6275). */
const RA_FLAG_NAMES = ["Managed", "Other", "HomeAgent"];
/** A router advertisement's default router preference by its two bits (RFC 4191). */
const RA_PREFERENCES = ["medium", "high", "reserved", "low"];
/** ICMPv6 type of a router advertisement, whose flags byte means other bits. */
const ROUTER_ADVERTISEMENT = 134;

/**
 * The detail of the selected packet: every decoded field, from
 * GET /api/packets/:n, or the row's own fields when the server no longer
 * holds the packet.
 */
export function PacketModal(): JSX.Element | null {
  const row = selectedPacket.value;
  const [detail, setDetail] = useState<
    { row: PacketRow; answer: PacketDetail } | null
  >(null);
  const close = useCallback(() => selectedPacket.value = null, []);

  useEffect(() => {
    if (row === null) return;
    let current = true;
    fetchPacket(row).then((answer) => current && setDetail({ row, answer }));
    return () => {
      current = false;
    };
  }, [row]);

  if (row === null) return null;
  // Only the answer about this very row (never one about an earlier row).
  const shown = detail?.row === row ? detail.answer : null;
  return (
    <Modal title={`Packet #${row.n}`} testId="packet-modal" onClose={close}>
      <div class="packet-summary" data-testid="packet-summary">
        <span class="mono">
          {formatEndpoint(row.src, row.srcPort)} →{" "}
          {formatEndpoint(row.dst, row.dstPort)}
        </span>
        <span class="badge">{row.protocol}</span>
        <span>{row.info}</span>
      </div>
      {shown?.error && (
        <div class="inline-error" data-testid="packet-error">
          {shown.error}
        </div>
      )}
      {!shown && <div class="muted">Loading…</div>}
      {shown?.record && <PacketFields record={shown.record} />}
      {shown && !shown.record && (
        // The server no longer holds the full record: show what the row has.
        <PacketFields record={{ ...row }} />
      )}
    </Modal>
  );
}

interface PacketFieldsProps {
  record: Record<string, unknown>;
}

function PacketFields({ record }: PacketFieldsProps): JSX.Element {
  const listed = new Set(FIELD_GROUPS.flatMap((group) => group.fields));
  const other = Object.keys(record).filter((key) => !listed.has(key));
  const groups = other.length > 0
    ? [...FIELD_GROUPS, { title: "Other", fields: other }]
    : FIELD_GROUPS;
  return (
    <div class="field-groups">
      {groups.map((group) => {
        const present = group.fields.filter((field) => field in record);
        if (present.length === 0) return null;
        return (
          <section class="field-group" key={group.title}>
            <h3>{group.title}</h3>
            <dl>
              {present.map((field) => {
                const value = record[field];
                return (
                  <div
                    key={field}
                    class={isAbsent(value) ? "field absent" : "field"}
                    data-testid="packet-field"
                    data-field={field}
                  >
                    <dt>{field}</dt>
                    <dd class="mono">
                      {describeField(field, value, record)}
                    </dd>
                  </div>
                );
              })}
            </dl>
          </section>
        );
      })}
    </div>
  );
}

function isAbsent(value: unknown): boolean {
  return value === "" || value === -1 || value === null;
}

function describeField(
  field: string,
  value: unknown,
  record: Record<string, unknown>,
): string {
  if (value === "" || value === null || value === undefined) return "—";
  if (typeof value === "number") {
    if (field === "timestampUs") return `${value} (${formatDateTimeUs(value)})`;
    if (value === -1) return "—";
    if (field === "etherType") {
      return `0x${value.toString(16).padStart(4, "0")}`;
    }
    if (field === "tcpFlags") {
      const names = TCP_FLAG_NAMES.filter((_, bit) => value & (1 << bit));
      return `0x${value.toString(16).padStart(2, "0")} ${names.join(" ")}`;
    }
    if (field === "ndFlags") {
      const router = record.icmpType === ROUTER_ADVERTISEMENT;
      const names = (router ? RA_FLAG_NAMES : ND_FLAG_NAMES)
        .filter((_, bit) => value & (0x80 >> bit));
      if (router) names.push(`preference ${RA_PREFERENCES[(value >> 3) & 3]}`);
      return `0x${value.toString(16).padStart(2, "0")} ${names.join(" ")}`;
    }
  }
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}
