/**
 * A minimal name poisoner for the live tests, as Responder poisons LLMNR,
 * NBT-NS and mDNS: it joins 224.0.0.252 on UDP port 5355 (on the interface
 * of the address it is given) and answers every LLMNR A query it hears with
 * an A record of that address (its own); it listens on UDP port 137 and
 * answers every NetBIOS name query (broadcast to the link) with a positive
 * name query response naming that address; and it joins 224.0.0.251 on
 * UDP port 5353 and answers every mDNS A query with an A record of that
 * address, sent to the group, as Responder's MDNS poisoner sends it. LLMNR
 * and NBT-NS answers go by unicast to the querier's address and port.
 * Given an IPv6 address and its interface's index too, it also joins
 * ff02::fb there and answers every mDNS AAAA query over IPv6 with an AAAA
 * record of that address, to the group.
 * Prints "listening" once it listens; runs until killed.
 *
 * Usage: deno run --unstable-net
 * --allow-net=0.0.0.0:5355,0.0.0.0:137,0.0.0.0:5353,224.0.0.252,224.0.0.251,<querier>[,[::]:5353,[ff02::fb]]
 * name_poisoner.ts <address> [<IPv6 address> <interface index>]
 *
 * @module
 */

import { parseIpv6 } from "../capture/frame_builder.ts";

const address = Deno.args[0] ?? "";
const octets = address.split(".").map(Number);
if (octets.length !== 4 || octets.some((o) => !(o >= 0 && o <= 255))) {
  console.error(`usage: name_poisoner.ts <IPv4 address>, got "${address}"`);
  Deno.exit(2);
}

const llmnr = Deno.listenDatagram({
  hostname: "0.0.0.0",
  port: 5355,
  transport: "udp",
});
// Joined on the interface that holds the address.
await llmnr.joinMulticastV4("224.0.0.252", address);
const nbns = Deno.listenDatagram({
  hostname: "0.0.0.0",
  port: 137,
  transport: "udp",
});
const mdns = Deno.listenDatagram({
  hostname: "0.0.0.0",
  port: 5353,
  transport: "udp",
  reuseAddress: true,
});
await mdns.joinMulticastV4("224.0.0.251", address);
const address6 = Deno.args[1];
const mdns6 = address6 === undefined ? undefined : Deno.listenDatagram({
  hostname: "::",
  port: 5353,
  transport: "udp",
  reuseAddress: true,
});
await mdns6?.joinMulticastV6("ff02::fb", Number(Deno.args[2]));
console.log("listening");

await Promise.all([
  ...(mdns6 === undefined ? [] : [
    serve(
      mdns6,
      (query) => mdnsAnswerOf(query, 28, parseIpv6(address6!)),
      { transport: "udp", hostname: "ff02::fb", port: 5353 },
    ),
  ]),
  serve(llmnr, llmnrAnswerOf),
  serve(nbns, nbnsAnswerOf),
  serve(
    mdns,
    mdnsAnswerOf,
    { transport: "udp", hostname: "224.0.0.251", port: 5353 },
  ),
]);

/** Answers each datagram on `socket` that `answerOf` answers, to its sender or to `to`. */
async function serve(
  socket: Deno.DatagramConn,
  answerOf: (query: Uint8Array) => Uint8Array | undefined,
  to?: Deno.NetAddr,
): Promise<void> {
  for await (const [query, from] of socket) {
    const answer = answerOf(query);
    if (answer !== undefined) await socket.send(answer, to ?? from);
  }
}

/** The poisoned answer to `query` (an mDNS query whose first question asks for an A record, or for `type` with `data`), or undefined for anything else: id 0, authoritative, no question, one record of the name asked. */
function mdnsAnswerOf(
  query: Uint8Array,
  type = 1,
  data: Uint8Array = new Uint8Array(octets),
): Uint8Array | undefined {
  if (query.length < 17 || (query[2]! & 0x80) !== 0) return undefined;
  if (((query[4]! << 8) | query[5]!) === 0) return undefined;
  let at = 12;
  while (at < query.length && query[at] !== 0) {
    if (query[at]! >= 0x40) return undefined; // no pointers in a first question
    at += query[at]! + 1;
  }
  if (at + 5 > query.length) return undefined;
  if (((query[at + 1]! << 8) | query[at + 2]!) !== type) return undefined;
  const name = query.subarray(12, at + 1);
  const answer = new Uint8Array(12 + name.length + 10 + data.length);
  answer.set([0, 0, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 0]);
  answer.set(name, 12);
  answer.set(
    [0, type, 0, 1, 0, 0, 0, 120, 0, data.length, ...data],
    12 + name.length,
  );
  return answer;
}

/** The poisoned answer to `query` (an LLMNR A query), or undefined for anything else. */
function llmnrAnswerOf(query: Uint8Array): Uint8Array | undefined {
  // Header (12 bytes), then one question: labels, type, class.
  if (query.length < 17 || (query[2]! & 0x80) !== 0) return undefined;
  let at = 12;
  while (at < query.length && query[at] !== 0) at += query[at]! + 1;
  const questionEnd = at + 5;
  if (questionEnd > query.length) return undefined;
  const qtype = (query[at + 1]! << 8) | query[at + 2]!;
  if (qtype !== 1) return undefined;
  // The answer's owner is the name again, in full (as Responder writes it,
  // and as nmap's llmnr-resolve reads it), not a pointer to the question.
  const name = query.subarray(12, at + 1);
  const answer = new Uint8Array(questionEnd + name.length + 14);
  answer.set(query.subarray(0, questionEnd));
  answer[2] = 0x80; // QR: a response, opcode 0, no flags
  answer[3] = 0;
  answer.set([0, 1, 0, 1, 0, 0, 0, 0], 4); // one question, one answer
  answer.set(name, questionEnd);
  answer.set(
    [0, 1, 0, 1, 0, 0, 0, 30, 0, 4, ...octets],
    questionEnd + name.length,
  );
  return answer;
}

/** The poisoned answer to `query` (an NBT-NS name query), or undefined for anything else (RFC 1002 sections 4.2.12 and 4.2.13). */
function nbnsAnswerOf(query: Uint8Array): Uint8Array | undefined {
  // Header (12 bytes), then the question: the encoded name (34 bytes with
  // its length and the root), type NB (0x20), class IN.
  if (query.length < 50 || (query[2]! & 0xf8) !== 0) return undefined;
  if (query[12] !== 32 || query[45] !== 0 || query[47] !== 0x20) {
    return undefined;
  }
  const answer = new Uint8Array(12 + 34 + 16);
  answer.set(query.subarray(0, 2)); // its id
  answer.set([0x85, 0x00, 0, 0, 0, 1, 0, 0, 0, 0], 2); // response, AA, RD; one answer
  answer.set(query.subarray(12, 46), 12);
  answer.set([0, 0x20, 0, 1, 0, 0, 0, 30, 0, 6, 0, 0, ...octets], 46);
  return answer;
}
