import assert from "node:assert/strict";
import type { EveRecord } from "./eve_logger.ts";
import { HttpExchanges, MAX_PENDING_HTTP } from "./http_exchanges.ts";

/** A request's record named `url`. */
function request(url: string): EveRecord {
  return { http: { url } };
}

/** The written records as "url status" ("-" for none). */
function written(records: EveRecord[]): string[] {
  return records.map((record) => {
    const http = record.http as { url: string; status?: number };
    return `${http.url} ${http.status ?? "-"}`;
  });
}

Deno.test("HttpExchanges answers pipelined requests in order, each when its response starts", () => {
  const out: EveRecord[] = [];
  const sink = (record: EveRecord) => out.push(record);
  const exchanges = new HttpExchanges();
  exchanges.request(request("/a"), 1000, true, sink);
  exchanges.request(request("/b"), 1100, true, sink);
  assert.deepEqual(out, [], "nothing written before a response");
  exchanges.response(200, 5000, false, sink);
  assert.deepEqual(written(out), ["/a 200"]);
  exchanges.response(404, 6000, false, sink);
  assert.deepEqual(written(out), ["/a 200", "/b 404"]);
  exchanges.response(500, 7000, false, sink);
  assert.equal(
    out.length,
    2,
    "a response with no request waiting answers none",
  );
  assert.equal(exchanges.size, 0);
});

Deno.test("HttpExchanges: an interim 100 Continue waits for the final status; 101 is final", () => {
  const out: EveRecord[] = [];
  const sink = (record: EveRecord) => out.push(record);
  const exchanges = new HttpExchanges();
  exchanges.request(request("/upload"), 1000, true, sink);
  exchanges.response(100, 5000, false, sink);
  assert.deepEqual(out, []);
  exchanges.response(201, 5100, false, sink);
  exchanges.request(request("/socket"), 2000, true, sink);
  exchanges.response(101, 6000, false, sink);
  assert.deepEqual(written(out), ["/upload 201", "/socket 101"]);
});

Deno.test("HttpExchanges counts a retransmitted request or response once", () => {
  const out: EveRecord[] = [];
  const sink = (record: EveRecord) => out.push(record);
  const exchanges = new HttpExchanges();
  assert.equal(exchanges.request(request("/a"), 1000, true, sink), true);
  assert.equal(exchanges.request(request("/a"), 1000, true, sink), false);
  exchanges.request(request("/b"), 1100, true, sink);
  exchanges.response(200, 5000, false, sink);
  exchanges.response(200, 5000, false, sink); // the same segment again
  assert.deepEqual(written(out), ["/a 200"]);
  exchanges.response(304, 5400, false, sink);
  assert.deepEqual(written(out), ["/a 200", "/b 304"]);
});

Deno.test("HttpExchanges keeps at most MAX_PENDING_HTTP waiting; later responses still meet their own requests", () => {
  const out: EveRecord[] = [];
  const sink = (record: EveRecord) => out.push(record);
  const exchanges = new HttpExchanges();
  for (let i = 0; i <= MAX_PENDING_HTTP; i++) {
    exchanges.request(request(`/${i}`), 1000 + i, true, sink);
  }
  assert.deepEqual(written(out), ["/0 -"], "the oldest written without status");
  assert.equal(exchanges.size, MAX_PENDING_HTTP);
  for (let i = 0; i <= MAX_PENDING_HTTP; i++) {
    exchanges.response(200 + i, 9000 + i, false, sink);
  }
  assert.deepEqual(
    written(out),
    [
      "/0 -",
      ...Array.from(
        { length: MAX_PENDING_HTTP },
        (_, i) => `/${i + 1} ${201 + i}`,
      ),
    ],
  );
});

Deno.test("HttpExchanges: a response from the requests' side answers nothing; drain writes the unanswered", () => {
  const out: EveRecord[] = [];
  const sink = (record: EveRecord) => out.push(record);
  const exchanges = new HttpExchanges();
  exchanges.request(request("/a"), 1000, true, sink);
  exchanges.response(200, 5000, true, sink);
  assert.deepEqual(out, []);
  exchanges.drain(sink);
  assert.deepEqual(written(out), ["/a -"]);
  assert.equal(exchanges.size, 0);
});
