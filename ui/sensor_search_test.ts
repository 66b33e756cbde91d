import assert from "node:assert/strict";
import {
  describeSensorMatches,
  searchSensor,
  sensorMatches,
  sensorSearchError,
  sensorSearchQuery,
  sensorView,
  shownRows,
  showPageSample,
} from "./sensor_search.ts";
import { protocolChip, rows, searchText } from "./state.ts";
import { packetRow as row } from "../server/test_rows.ts";

Deno.test("sensorSearchQuery() sends the search words and the chip's protocols", () => {
  const query = new URLSearchParams(
    sensorSearchQuery(" 192.168.1.23:443 SYN ", "DNS"),
  );
  assert.equal(query.get("q"), "192.168.1.23:443 SYN");
  assert.equal(query.get("protocol"), "DNS,mDNS,LLMNR");
  assert.equal(query.get("limit"), "10000");
  const all = new URLSearchParams(sensorSearchQuery("", "All"));
  assert.equal(all.has("q"), false);
  assert.equal(all.has("protocol"), false);
});

Deno.test("searchSensor() shows the sensor's rows until the search changes, and says where it looked", async () => {
  const page = [row({ n: 5, src: "192.168.1.66" })];
  const sensor = [
    row({ n: 900, src: "192.168.1.66" }),
    row({ n: 40, src: "192.168.1.66" }),
  ];
  const asked: string[] = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = (input: RequestInfo | URL) => {
    asked.push(String(input));
    return Promise.resolve(
      new Response(JSON.stringify(sensor), {
        headers: {
          "Content-Type": "application/json",
          "X-Packets-Searched": "10000",
          "X-Packets-Searched-From": "1",
          "X-Packets-Searched-To": "10000",
        },
      }),
    );
  };
  try {
    rows.value = page;
    searchText.value = "192.168.1.66";
    protocolChip.value = "All";
    assert.deepEqual(shownRows.value.map((r) => r.n), [5], "the page's rows");
    await searchSensor();
    assert.equal(sensorSearchError.value, "");
    assert.match(asked[0]!, /^\/api\/packets\?limit=10000&q=192\.168\.1\.66$/);
    assert.deepEqual(
      shownRows.value.map((r) => r.n),
      [40, 900],
      "oldest first",
    );
    assert.equal(
      describeSensorMatches(sensorView.value!),
      "Sensor: 2 matches in its last 10,000 packets (#1–#10,000)",
    );
    // Another search: the page's rows again, until the sensor is asked.
    searchText.value = "192.168.1.6";
    assert.equal(sensorView.value, null);
    assert.deepEqual(shownRows.value.map((r) => r.n), []);
    searchText.value = "192.168.1.66";
    assert.notEqual(sensorView.value, null);
    showPageSample();
    assert.deepEqual(shownRows.value.map((r) => r.n), [5]);
  } finally {
    globalThis.fetch = realFetch;
    sensorMatches.value = null;
    searchText.value = "";
    rows.value = [];
  }
});

Deno.test("describeSensorMatches() says when the limit cut the search short, and when nothing is held", () => {
  const base = {
    text: "",
    chip: "All" as const,
    rows: [],
    searched: 0,
    fromN: 0,
    toN: 0,
    limited: false,
    clears: 0,
  };
  assert.equal(describeSensorMatches(base), "Sensor: it holds no packets now");
  assert.equal(
    describeSensorMatches({
      ...base,
      rows: new Array(10_000).fill(row()),
      searched: 10_000,
      fromN: 1_290_001,
      toN: 1_300_000,
      limited: true,
    }),
    "Sensor: the newest 10,000 matches, in its packets (#1,290,001–#1,300,000)",
  );
  assert.equal(
    describeSensorMatches({
      ...base,
      rows: [row()],
      searched: 43,
      fromN: 1,
      toN: 43,
    }),
    "Sensor: 1 match in its last 43 packets (#1–#43)",
  );
});
