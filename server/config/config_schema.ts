/**
 * The JSON Schema of `netmirror.json`, built from the detectors' own
 * defaults so that every threshold the code knows is in the schema and no
 * other key is accepted. `netmirror.schema.json` beside this file is this
 * schema, published (a test keeps the two equal).
 *
 * @module
 */

import {
  DEFAULT_BUFFER_KIB,
  DEFAULT_SNAP_LENGTH,
  MAX_BUFFER_KIB,
  MAX_SNAP_LENGTH,
} from "../../capture/tcpdump.ts";
import { ALERT_KINDS } from "../../detectors/alert.ts";
import { ALERT_LIFECYCLE_DEFAULTS } from "../../detectors/alert_lifecycle.ts";
import { ARP_SCAN_DEFAULTS } from "../../detectors/arp_scan.ts";
import { ARP_SPOOF_DEFAULTS } from "../../detectors/arp_spoof.ts";
import { NDP_SCAN_DEFAULTS } from "../../detectors/ndp_scan.ts";
import { NDP_SPOOF_DEFAULTS } from "../../detectors/ndp_spoof.ts";
import { ROGUE_ROUTER_DEFAULTS } from "../../detectors/rogue_router.ts";
import { DHCP_SPOOF_DEFAULTS } from "../../detectors/dhcp_spoof.ts";
import { ROGUE_DHCP_DEFAULTS } from "../../detectors/rogue_dhcp.ts";
import { DHCP_STARVATION_DEFAULTS } from "../../detectors/dhcp_starvation.ts";
import { ICMP_TUNNEL_DEFAULTS } from "../../detectors/icmp_tunnel.ts";
import { BRUTE_FORCE_DEFAULTS } from "../../detectors/brute_force.ts";
import { DATA_EXFIL_DEFAULTS } from "../../detectors/data_exfil.ts";
import { DNS_PORT_MISUSE_DEFAULTS } from "../../detectors/dns_port_misuse.ts";
import { DNS_TUNNEL_DEFAULTS } from "../../detectors/dns_tunnel.ts";
import { ICMP_FLOOD_DEFAULTS } from "../../detectors/icmp_flood.ts";
import { REFLECTION_FLOOD_DEFAULTS } from "../../detectors/reflection_flood.ts";
import { UDP_FLOOD_DEFAULTS } from "../../detectors/udp_flood.ts";
import { MAC_FLOOD_DEFAULTS } from "../../detectors/mac_flood.ts";
import { NAME_POISONING_DEFAULTS } from "../../detectors/name_poisoning.ts";
import { ICMP_SWEEP_DEFAULTS } from "../../detectors/icmp_sweep.ts";
import { PORT_SCAN_DEFAULTS } from "../../detectors/port_scan.ts";
import { SYN_FLOOD_DEFAULTS } from "../../detectors/syn_flood.ts";
import { EVE_LOGGER_DEFAULTS } from "../eve/eve_logger.ts";
import { EVE_WRITER_DEFAULTS } from "../eve/eve_writer.ts";
import { DEFAULT_PACKET_ROWS_PER_SECOND } from "../packet_sampler.ts";
import { PCAP_STORE_DEFAULTS } from "../pcap_store.ts";

/** Detector sections of the config file and the defaults they override. */
export const DETECTOR_DEFAULTS = {
  portScan: PORT_SCAN_DEFAULTS,
  synFlood: SYN_FLOOD_DEFAULTS,
  arpScan: ARP_SCAN_DEFAULTS,
  ndpScan: NDP_SCAN_DEFAULTS,
  arpSpoof: ARP_SPOOF_DEFAULTS,
  ndpSpoof: NDP_SPOOF_DEFAULTS,
  rogueRouter: ROGUE_ROUTER_DEFAULTS,
  dhcpSpoof: DHCP_SPOOF_DEFAULTS,
  rogueDhcp: ROGUE_DHCP_DEFAULTS,
  dhcpStarvation: DHCP_STARVATION_DEFAULTS,
  icmpFlood: ICMP_FLOOD_DEFAULTS,
  reflectionFlood: REFLECTION_FLOOD_DEFAULTS,
  udpFlood: UDP_FLOOD_DEFAULTS,
  macFlood: MAC_FLOOD_DEFAULTS,
  namePoisoning: NAME_POISONING_DEFAULTS,
  icmpSweep: ICMP_SWEEP_DEFAULTS,
  icmpTunnel: ICMP_TUNNEL_DEFAULTS,
  bruteForce: BRUTE_FORCE_DEFAULTS,
  dnsTunnel: DNS_TUNNEL_DEFAULTS,
  dnsPortMisuse: DNS_PORT_MISUSE_DEFAULTS,
  dataExfil: (({ homeNet: _homeNet, ...rest }) => rest)(DATA_EXFIL_DEFAULTS),
} as const;

type JsonSchema = Record<string, unknown>;

/** Shortest API token accepted, in the config file and on the command line. */
export const MIN_TOKEN_LENGTH = 8;

const STRINGS: JsonSchema = { type: "array", items: { type: "string" } };
const ENTRIES: JsonSchema = {
  type: "object",
  additionalProperties: false,
  properties: { cidrs: STRINGS, domains: STRINGS },
};

/**
 * Settings that take any number although their default is whole (a ratio,
 * a share, a score): the schema would otherwise read "integer" off the
 * default and refuse `outboundRatio: 2.5`.
 */
const FRACTIONAL_SETTING = /(Ratio|Share|scoreThreshold)$/;

/** A list of whole numbers (ports), for a setting whose default is one. */
const WHOLE_NUMBERS: JsonSchema = {
  type: "array",
  items: { type: "integer", minimum: 0 },
};

function schemaOfValue(key: string, value: unknown): JsonSchema {
  if (Array.isArray(value)) {
    // A list's items are of its default's kind: numbers when it holds
    // some and nothing else, text otherwise (an empty default is a list
    // of addresses or names, unless its name says ports).
    // A list of ports may start empty (reflectionFlood.extraUdpPorts).
    return (value.length > 0 && value.every(Number.isInteger)) ||
        (value.length === 0 && /Ports$/.test(key))
      ? WHOLE_NUMBERS
      : STRINGS;
  }
  if (typeof value === "boolean") return { type: "boolean" };
  if (typeof value === "string") return { type: "string" };
  if (typeof value === "number") {
    return Number.isInteger(value) && !FRACTIONAL_SETTING.test(key)
      ? { type: "integer", minimum: 0, default: value }
      : { type: "number", minimum: 0, default: value };
  }
  return { type: "object" };
}

function sectionOf(defaults: Record<string, unknown>): JsonSchema {
  return {
    type: "object",
    additionalProperties: false,
    properties: Object.fromEntries(
      Object.entries(defaults).map((
        [key, value],
      ) => [key, schemaOfValue(key, value)]),
    ),
  };
}

/** Builds the config file's JSON Schema (draft-07). */
export function buildConfigSchema(): JsonSchema {
  const { allowlist: _allowlist, ...lifecycle } = ALERT_LIFECYCLE_DEFAULTS;
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    $id: "https://netmirror.invalid/schemas/netmirror.schema.json",
    title: "NetMirror configuration (netmirror.json)",
    description:
      "Every field is optional; command-line flags override the file. Times are in microseconds (names end in Us), sizes in bytes.",
    type: "object",
    additionalProperties: false,
    properties: {
      $schema: { type: "string" },
      bind: { type: "string", minLength: 1, default: "127.0.0.1" },
      port: { type: "integer", minimum: 0, maximum: 65535, default: 5000 },
      token: { type: "string", minLength: MIN_TOKEN_LENGTH },
      homeNet: { ...STRINGS, default: DATA_EXFIL_DEFAULTS.homeNet },
      dataDir: { type: "string", minLength: 1, default: "netmirror-data" },
      replayDir: {
        type: "string",
        minLength: 1,
        description:
          "Replays may read only files under this directory (symbolic links followed). Absent: any file NetMirror can read.",
      },
      pcap: {
        type: "object",
        additionalProperties: false,
        properties: {
          fileBytes: {
            type: "integer",
            minimum: 4096,
            default: PCAP_STORE_DEFAULTS.fileBytes,
          },
          sessionBytes: {
            type: "integer",
            minimum: 4096,
            default: PCAP_STORE_DEFAULTS.sessionBytes,
          },
        },
      },
      packetRowsPerSecond: {
        type: "integer",
        minimum: 1,
        default: DEFAULT_PACKET_ROWS_PER_SECOND,
      },
      capture: {
        type: "object",
        additionalProperties: false,
        properties: {
          snapLength: {
            type: "integer",
            minimum: 1,
            maximum: MAX_SNAP_LENGTH,
            default: DEFAULT_SNAP_LENGTH,
          },
          bufferKib: {
            type: "integer",
            minimum: 1,
            maximum: MAX_BUFFER_KIB,
            default: DEFAULT_BUFFER_KIB,
          },
          output: {
            description:
              "How NetMirror reads tcpdump: ring (files in /run/netmirror) or pipe (its stdout). Absent: ring where /run/netmirror is a tmpfs NetMirror can write, else pipe.",
            enum: ["ring", "pipe"],
          },
        },
      },
      eve: {
        type: "object",
        additionalProperties: false,
        required: ["path"],
        properties: {
          path: { type: "string", minLength: 1 },
          rotateBytes: {
            type: "integer",
            minimum: 0,
            default: EVE_WRITER_DEFAULTS.rotateBytes,
          },
          keepFiles: {
            type: "integer",
            minimum: 0,
            default: EVE_WRITER_DEFAULTS.keepFiles,
          },
          types: {
            type: "array",
            items: {
              enum: ["alert", "flow", "dns", "http", "tls", "arp", "stats"],
            },
            default: EVE_LOGGER_DEFAULTS.types,
          },
        },
      },
      detectors: {
        type: "object",
        additionalProperties: false,
        properties: Object.fromEntries(
          Object.entries(DETECTOR_DEFAULTS).map(([name, defaults]) => [
            name,
            sectionOf(defaults as Record<string, unknown>),
          ]),
        ),
      },
      alerts: {
        type: "object",
        additionalProperties: false,
        properties: {
          ...(sectionOf(lifecycle).properties as JsonSchema),
          allowlist: {
            type: "object",
            additionalProperties: false,
            properties: {
              cidrs: STRINGS,
              domains: STRINGS,
              perKind: {
                type: "object",
                additionalProperties: false,
                properties: Object.fromEntries(
                  ALERT_KINDS.map((kind) => [kind, ENTRIES]),
                ),
              },
            },
          },
        },
      },
    },
  };
}

/**
 * `config` with every default of the config schema filled in where it says
 * nothing (objects merged key by key, any other value taken whole): the
 * configuration NetMirror runs with, for `--print-config`. A section with a
 * required key (`eve` needs its path) is filled only when given: absent, it
 * is off.
 */
export function withSchemaDefaults(
  config: Record<string, unknown>,
  schema: JsonSchema = buildConfigSchema(),
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  for (const [key, property] of Object.entries(properties)) {
    const given = config[key];
    if (property.type === "object" && property.properties !== undefined) {
      if (property.required !== undefined && !isPlainObject(given)) continue;
      const nested = withSchemaDefaults(
        isPlainObject(given) ? given : {},
        property,
      );
      if (Object.keys(nested).length > 0) out[key] = nested;
    } else if (given !== undefined) out[key] = given;
    else if (property.default !== undefined) out[key] = property.default;
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
