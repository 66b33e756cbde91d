/**
 * An HTTP server that reads and discards every request body, for the live
 * data exfiltration test: `deno run --allow-net=<host>:<port> upload_sink.ts
 * <host> <port>`. Prints "listening" once it listens; stops on SIGTERM.
 *
 * @module
 */

const [hostname = "127.0.0.1", port = "8080"] = Deno.args;
const server = Deno.serve({
  hostname,
  port: Number(port),
  onListen: () => console.log("listening"),
}, async (request) => {
  const bytes = (await request.arrayBuffer()).byteLength;
  return new Response(`${bytes}\n`);
});
Deno.addSignalListener("SIGTERM", () => void server.shutdown());
await server.finished;
