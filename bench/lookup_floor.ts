/**
 * The floor under any per-flow and per-host analysis written like the
 * engine's: each decoded IP packet is looked up once in a flow table (both
 * addresses and ports, either direction) and once per address in a host
 * table, both bounded {@linkcode NumericKeyMap}s (entries reused, least
 * recently used evicted), and each entry counts packets and bytes. Nothing
 * else happens, so its rate is what decoding plus three lookups per packet
 * allow: an engine that did all of its work through one shared flow table
 * and two host entries could go no faster. The benchmark replays it beside
 * the full engine (`engine_replay.ts`, stage `floor`).
 *
 * @module
 */

import type { PacketRecord } from "../capture/packet_record.ts";
import { hashKey, NumericKeyMap } from "../detectors/numeric_key_map.ts";

/** Packets and bytes of one flow or host. */
class Tally {
  packets = 0;
  bytes = 0;
  lastUs = 0;

  /** Starts the tally afresh (an entry reused under a new key). */
  reset(): this {
    this.packets = 0;
    this.bytes = 0;
    this.lastUs = 0;
    return this;
  }
}

/** Capacities of {@linkcode LookupFloor}'s tables. */
export interface LookupFloorOptions {
  /** Flows held at most (default 65,536, as the engine's largest tables). */
  maxFlows?: number;
  /** Hosts held at most (default 65,536). */
  maxHosts?: number;
}

/** Decoded packets → one flow lookup and two host lookups each (see the module). */
export class LookupFloor {
  readonly #flows: NumericKeyMap<Tally>;
  readonly #hosts: NumericKeyMap<Tally>;
  /** Table lookups made. */
  lookups = 0;

  /** Empty tables of the given capacities. */
  constructor(options: LookupFloorOptions = {}) {
    this.#flows = new NumericKeyMap(options.maxFlows ?? 65_536, undefined, {
      recycle: true,
    });
    this.#hosts = new NumericKeyMap(options.maxHosts ?? 65_536, undefined, {
      recycle: true,
    });
  }

  /** Counts one packet in its flow and its two hosts (packets without two IP addresses are skipped). */
  observe(packet: PacketRecord): void {
    const srcKey = packet.srcAddressKey;
    const dstKey = packet.dstAddressKey;
    if (srcKey < 0 || dstKey < 0) return;
    const bytes = packet.wireLength;
    const nowUs = packet.timestampUs;
    const srcLow = srcKey < dstKey;
    count(
      this.#flows,
      srcLow ? srcKey : dstKey,
      srcLow ? dstKey : srcKey,
      portsKey(srcLow, packet.srcPort, packet.dstPort),
      bytes,
      nowUs,
    );
    count(this.#hosts, srcKey, 0, 0, bytes, nowUs);
    count(this.#hosts, dstKey, 0, 0, bytes, nowUs);
    this.lookups += 3;
  }

  /** Flows and hosts held now. */
  get sizes(): { flows: number; hosts: number } {
    return { flows: this.#flows.size, hosts: this.#hosts.size };
  }

  /** Packets counted for the flow of these endpoints (either direction; ports -1 when none), 0 when not held. */
  flowPackets(
    aKey: number,
    aPort: number,
    bKey: number,
    bPort: number,
  ): number {
    const aLow = aKey < bKey;
    return this.#flows.peek(
      aLow ? aKey : bKey,
      aLow ? bKey : aKey,
      portsKey(aLow, aPort, bPort),
    )?.packets ?? 0;
  }

  /** Packets counted for the host with this address key, 0 when not held. */
  hostPackets(key: number): number {
    return this.#hosts.peek(key, 0, 0)?.packets ?? 0;
  }
}

/**
 * The flow key's port word, the same for both directions: the port of the
 * lower address first (`aLow`: whether endpoint a has it); 0 without ports.
 */
function portsKey(aLow: boolean, aPort: number, bPort: number): number {
  if (aPort < 0 || bPort < 0) return 0;
  return aLow ? aPort * 65_536 + bPort : bPort * 65_536 + aPort;
}

/** Counts a packet in the entry for (a, b, c), adding it (a reused entry when there is one) when absent. */
function count(
  table: NumericKeyMap<Tally>,
  a: number,
  b: number,
  c: number,
  bytes: number,
  nowUs: number,
): void {
  const hash = hashKey(a, b, c);
  let tally = table.get(a, b, c, hash);
  if (tally === undefined) {
    tally = (table.spare() ?? new Tally()).reset();
    table.add(a, b, c, tally, hash);
  }
  tally.packets++;
  tally.bytes += bytes;
  tally.lastUs = nowUs;
}
