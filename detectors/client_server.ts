/**
 * The two ends of a client/server exchange as detector state keeps them:
 * address keys, with the text {@linkcode keptText} keeps ("" for IPv4,
 * rebuilt from the key when a finding needs it).
 *
 * @module
 */

import type { PacketRecord } from "../capture/packet_record.ts";
import { addressTextOf, keptText } from "../capture/decoded_packet.ts";

/** A client and a server, by address key and kept text; detector state classes extend it. */
export class ClientServerEnds {
  /** Client address key, and its kept text. */
  clientKey = -1;
  clientText = "";
  /** Server address key, and its kept text. */
  serverKey = -1;
  serverText = "";

  /** Takes the ends from `packet`: its source is the client when `fromClient`, else its destination. */
  setEnds(packet: PacketRecord, fromClient: boolean): void {
    const client = fromClient ? packet.srcAddressKey : packet.dstAddressKey;
    const server = fromClient ? packet.dstAddressKey : packet.srcAddressKey;
    this.clientKey = client;
    this.clientText = keptText(client, packet, fromClient);
    this.serverKey = server;
    this.serverText = keptText(server, packet, !fromClient);
  }

  /** Client address text (built when a finding needs it). */
  get client(): string {
    return addressTextOf(this.clientKey, this.clientText);
  }

  /** Server address text. */
  get server(): string {
    return addressTextOf(this.serverKey, this.serverText);
  }
}
