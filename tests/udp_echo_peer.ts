/**
 * A UDP echo service for the live tests (RFC 862): every datagram to it is
 * sent back to its source. `deno run --unstable-net
 * --allow-net=<host>:<port> udp_echo_peer.ts <host> <port>` (Deno's
 * datagram sockets are unstable). Prints "listening" once it listens;
 * stops on SIGTERM.
 *
 * @module
 */

const [hostname = "127.0.0.1", port = "7"] = Deno.args;
const socket = Deno.listenDatagram({
  transport: "udp",
  hostname,
  port: Number(port),
});
console.log("listening");
Deno.addSignalListener("SIGTERM", () => socket.close());
try {
  for await (const [data, from] of socket) await socket.send(data, from);
} catch (error) {
  if (!(error instanceof Deno.errors.BadResource)) throw error;
}
