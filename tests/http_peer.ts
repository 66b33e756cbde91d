/**
 * An HTTP server for the live tests: it reads and discards every request
 * body (uploads), and answers `GET /bytes/<n>` with n zero bytes
 * (downloads). `deno run --allow-net=<host>:<port> http_peer.ts <host>
 * <port>`. Prints "listening" once it listens; stops on SIGTERM.
 *
 * @module
 */

/** Largest download served, bytes. */
const MAX_BYTES = 100_000_000;

const [hostname = "127.0.0.1", port = "8080"] = Deno.args;
const server = Deno.serve({
  hostname,
  port: Number(port),
  onListen: () => console.log("listening"),
}, async (request) => {
  const wanted = new URL(request.url).pathname.match(/^\/bytes\/(\d+)$/);
  if (request.method === "GET" && wanted) {
    const bytes = Math.min(Number(wanted[1]), MAX_BYTES);
    return new Response(new Uint8Array(bytes));
  }
  const bytes = (await request.arrayBuffer()).byteLength;
  return new Response(`${bytes}\n`);
});
Deno.addSignalListener("SIGTERM", () => void server.shutdown());
await server.finished;
