import type { JSX } from "preact";
import { useCallback, useEffect, useState } from "preact/hooks";
import type { PacketRow } from "../../server/packet_row.ts";
import { apiFetch, attachmentName, saveBlob } from "../api.ts";
import { formatDateTimeUs, formatEndpoint } from "../format.ts";
import { packetLayers } from "../packet_layers.ts";
import { fetchPacket, type PacketDetail, selectedPacket } from "../state.ts";
import { Modal } from "./Modal.tsx";

/** Decoded fields by group, in the "All fields" list; fields not listed go under "Other". */
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

/**
 * The detail of the selected packet, from GET /api/packets/:n: the layers
 * it has, labelled and with codes named, a download of its bytes while the
 * sensor holds them, and every decoded field (collapsed); the row's own
 * fields when the server no longer holds the packet.
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
      {shown?.record && (
        <>
          <PacketDownload row={row} key={row.n} />
          <PacketLayers record={shown.record} />
        </>
      )}
      {shown && (
        <details
          class="all-fields"
          data-testid="packet-all-fields"
          open={!shown.record}
        >
          <summary>All decoded fields</summary>
          {/* The server no longer holds the full record: what the row has. */}
          <PacketFields record={shown.record ?? { ...row }} />
        </details>
      )}
    </Modal>
  );
}

interface PacketDownloadProps {
  row: PacketRow;
}

/** "Download this packet (PCAP)": its frame as the sensor still holds it, or why not. */
function PacketDownload({ row }: PacketDownloadProps): JSX.Element {
  const [state, setState] = useState<{ busy: boolean; error: string }>({
    busy: false,
    error: "",
  });
  const download = async () => {
    setState({ busy: true, error: "" });
    try {
      const response = await apiFetch(`/api/packets/${row.n}/pcap`);
      saveBlob(
        await response.blob(),
        attachmentName(response, `netmirror-packet-${row.n}.pcap`),
      );
      setState({ busy: false, error: "" });
    } catch (error) {
      setState({
        busy: false,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  };
  return (
    <div class="packet-actions">
      <button
        type="button"
        class="btn"
        data-testid="packet-pcap-button"
        disabled={state.busy}
        onClick={download}
        title="This packet's frame as captured (cut at 2,048 bytes), for Wireshark"
      >
        Download this packet (PCAP)
      </button>
      {state.error !== "" && (
        <span class="inline-error" data-testid="packet-pcap-error">
          {state.error}
        </span>
      )}
    </div>
  );
}

interface PacketLayersProps {
  record: Record<string, unknown>;
}

/** The layers the packet has, outermost first. */
function PacketLayers({ record }: PacketLayersProps): JSX.Element {
  return (
    <div class="field-groups">
      {packetLayers(record).map((layer) => (
        <section
          class="field-group"
          key={layer.title}
          data-testid="packet-layer"
          data-layer={layer.title}
        >
          <h3>{layer.title}</h3>
          <dl>
            {layer.fields.map((field) => (
              <div
                key={field.label}
                class="field"
                data-testid="layer-field"
                data-label={field.label}
              >
                <dt>{field.label}</dt>
                <dd class="mono">{field.value}</dd>
              </div>
            ))}
          </dl>
        </section>
      ))}
    </div>
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
                      {describeField(field, value)}
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

function describeField(field: string, value: unknown): string {
  if (value === "" || value === null || value === undefined) return "—";
  if (typeof value === "number") {
    if (field === "timestampUs") return `${value} (${formatDateTimeUs(value)})`;
    if (value === -1) return "—";
    if (field === "etherType" || field === "tcpFlags" || field === "ndFlags") {
      return `0x${
        value.toString(16).padStart(field === "etherType" ? 4 : 2, "0")
      }`;
    }
  }
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}
