import assert from "node:assert/strict";
import {
  emptyPacketRecord,
  type PacketRecord,
} from "../../capture/packet_record.ts";
import {
  hostName,
  MAX_NAMED_CLIENTS,
  MAX_SERVER_NAMES,
  ServerNames,
} from "./server_names.ts";

/** A ClientHello naming `name` (or an HTTP request with Host `host`) from client `client`. */
function ask(
  options: { sni?: string; host?: string; client?: number; us?: number },
): PacketRecord {
  const packet = emptyPacketRecord();
  packet.app = options.sni !== undefined ? "tls_client_hello" : "http_request";
  packet.tlsServerName = options.sni ?? "";
  packet.httpMethod = options.host !== undefined ? "GET" : "";
  packet.httpHost = options.host ?? "";
  packet.srcAddressKey = options.client ?? 1;
  packet.timestampUs = options.us ?? 1;
  return packet;
}

Deno.test("ServerNames counts each name's hellos and requests and clients, most asked first", () => {
  const names = new ServerNames();
  names.observe(ask({ sni: "A.example", client: 1, us: 10 }));
  names.observe(ask({ sni: "a.example", client: 2, us: 20 }));
  names.observe(ask({ host: "a.example:8080", client: 2, us: 30 }));
  names.observe(ask({ host: "b.example", client: 3, us: 5 }));
  names.observe(ask({ sni: "" }));
  const other = emptyPacketRecord();
  other.app = "tls";
  names.observe(other);
  assert.deepEqual(names.top(), [
    {
      name: "a.example",
      tlsHellos: 2,
      httpRequests: 1,
      clients: 2,
      firstUs: 10,
      lastUs: 30,
    },
    {
      name: "b.example",
      tlsHellos: 0,
      httpRequests: 1,
      clients: 1,
      firstUs: 5,
      lastUs: 5,
    },
  ]);
});

Deno.test("ServerNames stays bounded under a flood of random names, and keeps the names asked often", () => {
  const names = new ServerNames();
  for (let i = 0; i < 200; i++) {
    for (let n = 0; n < 5; n++) {
      names.observe(ask({ sni: `popular${n}.example` }));
    }
  }
  for (let i = 0; i < 100_000; i++) {
    names.observe(ask({ sni: `r${i}.flood.example` }));
  }
  assert.equal(names.stats().size, MAX_SERVER_NAMES);
  // Each asked once: turned away, but for a few the doorkeeper took for
  // seen before (a false positive of its bits).
  assert.ok(names.stats().evictions < 5_000, `${names.stats().evictions}`);
  assert.ok(names.stats().rejected > 90_000);
  assert.deepEqual(
    names.top(5).map((entry) => [entry.name, entry.tlsHellos]),
    [0, 1, 2, 3, 4].map((n) => [`popular${n}.example`, 200]),
  );
});

Deno.test("ServerNames: a name asked again and again among a flood of one-off names gets in and keeps its place", () => {
  const names = new ServerNames();
  // The table full of names asked once.
  for (let i = 0; i < MAX_SERVER_NAMES; i++) {
    names.observe(ask({ sni: `first${i}.example` }));
  }
  for (let i = 0; i < 60_000; i++) {
    names.observe(ask({ sni: `r${i}.flood.example` }));
    if (i % 600 === 0) names.observe(ask({ sni: "bank.example" }));
  }
  const [top] = names.top(1);
  assert.equal(top!.name, "bank.example");
  // Its first asks, before it got in, are not counted.
  assert.ok(top!.tlsHellos >= 97 && top!.tlsHellos <= 100, `${top!.tlsHellos}`);
  assert.ok(names.stats().evictions >= 1);
});

Deno.test("ServerNames tells at most MAX_NAMED_CLIENTS clients apart", () => {
  const names = new ServerNames();
  for (let client = 0; client < 100; client++) {
    names.observe(ask({ sni: "busy.example", client }));
  }
  assert.equal(names.top()[0]!.clients, MAX_NAMED_CLIENTS);
  assert.equal(names.top()[0]!.tlsHellos, 100);
});

Deno.test("hostName() drops a Host header's port and case", () => {
  assert.equal(hostName("Example.COM:8080"), "example.com");
  assert.equal(hostName("example.com"), "example.com");
  assert.equal(hostName("[fd00::1]:443"), "[fd00::1]");
  assert.equal(hostName("10.0.0.1:80"), "10.0.0.1");
  assert.equal(hostName("odd:name"), "odd:name");
});
