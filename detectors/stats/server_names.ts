/**
 * The server names clients ask for: the name a TLS ClientHello sends (SNI)
 * and the Host of an HTTP request, counted per name over the session, with
 * how many clients asked. Which sites a network talks to, as an analyst
 * reads them, where top talkers give only addresses (a CDN's address serves
 * thousands of names).
 *
 * Bounded: at most {@linkcode MAX_SERVER_NAMES} names, each with at most
 * {@linkcode MAX_NAMED_CLIENTS} clients told apart. Past that, a new name
 * gets in as TinyLFU admits keys (table_admission.ts): from its second ask
 * (a doorkeeper), and only when asked more often lately (a frequency
 * sketch) than the least asked of the next few names in turn, whose place
 * it takes. A flood of random names, each asked once, is turned away and
 * replaces nothing; a name asked again and again among them gets in. Only ClientHellos and
 * HTTP requests are looked at: other packets cost one comparison.
 *
 * @module
 */

import type { PacketRecord } from "../../capture/packet_record.ts";
import type { TableStats } from "../detector.ts";
import { fmix32, fnv1a } from "../hash.ts";
import { Doorkeeper } from "./doorkeeper.ts";
import { FrequencySketch } from "./frequency_sketch.ts";

/** Names counted at most. */
export const MAX_SERVER_NAMES = 1_024;
/** Clients of a name told apart at most (more count as that many). */
export const MAX_NAMED_CLIENTS = 32;
/** Entries looked at for the least asked when a new name needs a place. */
const EVICTION_SAMPLE = 8;

/** One server name and how it was asked for. */
export interface ServerNameCount {
  /** Lower case, without a port ("www.example.org"). */
  name: string;
  /** TLS ClientHellos that named it (SNI). */
  tlsHellos: number;
  /** HTTP requests whose Host it was. */
  httpRequests: number;
  /** Distinct client addresses that asked (at most {@linkcode MAX_NAMED_CLIENTS}: "32" means 32 or more). */
  clients: number;
  /** Packet time of the first and latest ask, µs. */
  firstUs: number;
  lastUs: number;
}

interface Entry extends Omit<ServerNameCount, "clients"> {
  /** Its name's hash (admission's key). */
  hash: number;
  /** Address keys of the clients told apart (text for a client without one): `clients` is their count. */
  clientKeys: (number | string)[];
}

/** Counts the server names of ClientHellos and HTTP requests (see the module doc). */
export class ServerNames {
  readonly #byName = new Map<string, Entry>();
  /** The same entries, for sampling the least asked. */
  readonly #entries: Entry[] = [];
  #nextVictim = 0;
  #replaced = 0;
  #refused = 0;
  /** Admission once full: names asked once are only marked; later asks are counted, recent ones more. */
  readonly #doorkeeper = new Doorkeeper(17, 1 << 14);
  readonly #frequency = new FrequencySketch(12, 1 << 14);

  /** Counts `packet`'s server name, if it is a ClientHello or an HTTP request that names one. */
  observe(packet: PacketRecord): void {
    const app = packet.app;
    if (app !== "tls_client_hello" && app !== "http_request") return;
    const tls = app === "tls_client_hello";
    const name = tls
      ? packet.tlsServerName.toLowerCase()
      : hostName(packet.httpHost);
    if (name === "") return;
    const hash = fmix32(fnv1a(name));
    let entry = this.#byName.get(name);
    if (entry === undefined) {
      entry = this.#admit(name, hash, packet.timestampUs);
      if (entry === undefined) return;
    } else {
      this.#frequency.add(hash);
    }
    if (tls) entry.tlsHellos++;
    else entry.httpRequests++;
    if (packet.timestampUs > entry.lastUs) entry.lastUs = packet.timestampUs;
    const clients = entry.clientKeys;
    if (clients.length < MAX_NAMED_CLIENTS) {
      const key = packet.srcAddressKey >= 0
        ? packet.srcAddressKey
        : packet.srcAddress;
      if (!clients.includes(key)) clients.push(key);
    }
  }

  /** The `limit` most asked names, most first (ties: the name first asked). */
  top(limit = 10): ServerNameCount[] {
    return [...this.#entries]
      .sort((a, b) => asked(b) - asked(a) || a.firstUs - b.firstUs)
      .slice(0, limit)
      .map(({ clientKeys, hash: _hash, ...count }) => ({
        ...count,
        clients: clientKeys.length,
      }));
  }

  /** Names held, names that took another's place, and asks of new names turned away (not counted). */
  stats(): Required<TableStats> {
    return {
      size: this.#entries.length,
      capacity: MAX_SERVER_NAMES,
      evictions: this.#replaced,
      rejected: this.#refused,
    };
  }

  /** A new name's entry, or undefined when the full table turns it away. */
  #admit(name: string, hash: number, nowUs: number): Entry | undefined {
    const fresh: Entry = {
      name,
      hash,
      tlsHellos: 0,
      httpRequests: 0,
      firstUs: nowUs,
      lastUs: nowUs,
      clientKeys: [],
    };
    const entries = this.#entries;
    if (entries.length < MAX_SERVER_NAMES) {
      this.#frequency.add(hash);
      entries.push(fresh);
      this.#byName.set(name, fresh);
      return fresh;
    }
    // The least asked lately of the next few would make way, for a name
    // asked more than it lately (and at least twice).
    const seenBefore = this.#doorkeeper.seen(hash);
    const estimate = seenBefore ? this.#frequency.add(hash) : 0;
    const frequency = this.#frequency;
    let victim = this.#nextVictim;
    let least = frequency.estimate(entries[victim]!.hash);
    for (let i = 1; i < EVICTION_SAMPLE; i++) {
      const at = (this.#nextVictim + i) % entries.length;
      const lately = frequency.estimate(entries[at]!.hash);
      if (
        lately < least ||
        (lately === least && asked(entries[at]!) < asked(entries[victim]!))
      ) {
        victim = at;
        least = lately;
      }
    }
    if (!seenBefore || estimate <= least) {
      this.#refused++;
      return undefined;
    }
    this.#nextVictim = (this.#nextVictim + EVICTION_SAMPLE) % entries.length;
    const old = entries[victim]!;
    this.#byName.delete(old.name);
    entries[victim] = fresh;
    this.#byName.set(name, fresh);
    this.#replaced++;
    return fresh;
  }
}

/** "1 client", "5 clients", "32+ clients" (as many as are told apart, or more). */
export function clientsText(count: ServerNameCount): string {
  if (count.clients >= MAX_NAMED_CLIENTS) {
    return `${MAX_NAMED_CLIENTS}+ clients`;
  }
  return count.clients === 1 ? "1 client" : `${count.clients} clients`;
}

function asked(
  entry: Pick<ServerNameCount, "tlsHellos" | "httpRequests">,
): number {
  return entry.tlsHellos + entry.httpRequests;
}

/** An HTTP Host header's name: lower case, without its port or an IPv6 literal's brackets' port. */
export function hostName(host: string): string {
  const text = host.trim().toLowerCase();
  if (text.startsWith("[")) {
    const end = text.indexOf("]");
    return end < 0 ? text : text.slice(0, end + 1);
  }
  const colon = text.lastIndexOf(":");
  if (colon < 0) return text;
  for (let i = colon + 1; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x30 || code > 0x39) return text;
  }
  return text.slice(0, colon);
}
