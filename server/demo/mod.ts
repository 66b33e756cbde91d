/**
 * Demo mode: a simulated office LAN as real Ethernet frames (ARP, IPv4,
 * IPv6, TCP, UDP, ICMP, ICMPv6, DNS, HTTP, TLS, SSH, NTP) with every attack
 * family of the detectors injected about once a minute, each frame labelled.
 * Because the bytes are real, the decoders, detectors and PCAP export run on
 * demo traffic exactly as on live traffic.
 *
 * @example
 * ```ts
 * import { DemoTraffic } from "./server/demo/mod.ts";
 *
 * const demo = new DemoTraffic({ seed: 42 });
 * for (const frame of demo.framesUntil(demo.startUs + 1_000_000)) {
 *   console.log(frame.timestampUs, frame.bytes.length, frame.label);
 * }
 * ```
 *
 * @module
 */

export {
  DEMO_TRAFFIC_DEFAULTS,
  type DemoFrame,
  DemoTraffic,
  type DemoTrafficOptions,
  FIRST_ATTACK_DELAY_US,
} from "./demo_traffic.ts";
export {
  ATTACK_SCHEDULE,
  EXFIL_BYTES,
  type InjectedAttack,
} from "./attacks.ts";
export type { AlertKind } from "../../detectors/alert.ts";
