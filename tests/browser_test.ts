/**
 * The dashboard in real headless Chromium (Debian's, driven by
 * puppeteer-core) against the real server in demo mode: live KPIs and
 * charts, chips and search, packet and alert modals, report download, Stop,
 * a screenshot for people, responsiveness at 20k packets/s, an outage
 * (nothing looks live), a Clear from another client, a finished replay's
 * whole table, and keyboard use (modal focus trap, one tab stop per table).
 *
 * The screenshot is written to tests/output/dashboard.png (ignored by git).
 */

import assert from "node:assert/strict";
import {
  byTestId,
  canvasInk,
  centreOf,
  ensureUiBuilt,
  measureClick,
  postAsOtherClient,
  recordToasts,
  replayToTheEnd,
  resizeTo,
  startDemoServer,
  textOf,
  toastsSeen,
  visibleRowPoint,
  waitUntil,
  withDashboardPage,
  withDemoDashboard,
} from "./browser/harness.ts";
import type { Page } from "./browser/puppeteer.ts";
import type { StatsSnapshot } from "../detectors/stats/traffic_stats.ts";
import type { SessionInfo } from "../server/sensor.ts";
import { dnsMessage, udpFrame } from "../capture/frame_builder.ts";
import {
  PCAP_RECORD_HEADER_LENGTH,
  pcapFileHeader,
  writePcapRecordHeader,
} from "../capture/pcap_writer.ts";
import { concatBytes } from "../capture/concat_bytes.ts";
import { formatDuration } from "../ui/format.ts";

const SCREENSHOT = new URL("./output/dashboard.png", import.meta.url);
/** Four pings and their replies (8 packets), for a replay from the UI. */
const PING_PCAP = new URL(
  "../../shared/pcaps/benign/icmp_normal_ping_4x__icmp_echo.pcapng",
  import.meta.url,
).pathname;
const VIEWPORT = { width: 1440, height: 900 };
/** Slowest acceptable click handling, ms (issue #5). */
const CLICK_BUDGET_MS = 200;
/** Most JS heap the page may use at 20k packets/s (rows are capped at 10k). */
const MAX_HEAP_BYTES = 100 * 2 ** 20;

/** Chromium's console line for a packet record the server no longer holds. */
const EVICTED_PACKET = /status of 404 .*\/api\/packets\/\d+\)$/;

/** A DNS tunnel (438 packets): far more than the stream's row sample of a fast replay. */
const IODINE_PCAP = new URL(
  "../../shared/pcaps/attacks/dnstunnel_iodine_NULL_pirate.sea__dns-tunnel-iodine.pcap",
  import.meta.url,
).pathname;

/** The services the DNS chip stands for (ui/packet_filter.ts). */
const DNS_SERVICES = ["DNS", "mDNS", "LLMNR"];

Deno.test("dashboard: live demo traffic, chips, search, modals, alerts, report, stop", async () => {
  await withDemoDashboard(
    VIEWPORT,
    async (page, errors, server, downloadDir) => {
      await recordToasts(page);
      await page.goto(server.url, { waitUntil: "load" });

      // The stream connects and rows arrive.
      await page.waitForSelector(
        `${byTestId("connection-state")}[data-state="open"]`,
      );
      await page.waitForSelector(byTestId("packet-row"));
      assert.equal(await textOf(page, "status-pill"), "demo");

      // KPIs move: the packet counter grows and packets/s is a number.
      const firstCount = await textOf(page, "packet-counter");
      await waitUntil(
        "the packet counter to change",
        async () => (await textOf(page, "packet-counter")) !== firstCount,
      );
      await waitUntil(
        "a packets/s KPI",
        async () => /\d/.test(await textOf(page, "kpi-pps-value")),
      );
      assert.match(await textOf(page, "kpi-top-protocol-value"), /\w/);

      // Doughnut and timeline render (the timeline needs two whole seconds).
      await waitUntil(
        "the protocol doughnut to draw",
        async () => (await canvasInk(page, "protocol-chart")) > 500,
      );
      await waitUntil(
        "the traffic timeline to draw",
        async () => (await canvasInk(page, "traffic-chart")) > 500,
      );
      assert.ok(
        (await page.$$(byTestId("legend-item"))).length > 1,
        "the doughnut legend lists services",
      );

      // A chip filters rows: DNS leaves only DNS-family rows.
      await page.click(byTestId("chip-DNS"));
      await waitUntil("DNS rows under the DNS chip", async () => {
        const protocols = await page.$$eval(
          byTestId("packet-row"),
          (rows) => rows.map((row) => row.getAttribute("data-protocol")),
        );
        return protocols.length > 0 &&
          protocols.every((p) => DNS_SERVICES.includes(p ?? ""));
      });
      await page.click(byTestId("chip-All"));
      await waitUntil("every protocol back under All", async () => {
        const protocols = await page.$$eval(
          byTestId("packet-row"),
          (rows) => rows.map((row) => row.getAttribute("data-protocol")),
        );
        return protocols.some((p) => !DNS_SERVICES.includes(p ?? ""));
      });

      // Search filters rows: an address from the table.
      await page.click(byTestId("pause-button"));
      const address = await page.$eval(
        `${byTestId("packet-row")}:last-child span:nth-child(3)`,
        (cell) => (cell.textContent ?? "").trim(),
      );
      assert.ok(address !== "", "a row shows a source address");
      const totalRows = (await page.$$(byTestId("packet-row"))).length;
      await page.type(byTestId("search-input"), address);
      await waitUntil("rows matching the searched address", async () => {
        const texts = await page.$$eval(
          byTestId("packet-row"),
          (rows) => rows.map((row) => row.textContent ?? ""),
        );
        return texts.length > 0 && texts.every((t) => t.includes(address));
      });
      const searchedCount = await textOf(page, "row-count");
      await page.$eval(byTestId("search-input"), (input) => {
        (input as HTMLInputElement).value = "";
        input.dispatchEvent(new Event("input", { bubbles: true }));
      });
      await waitUntil(
        "the search to clear",
        async () => (await textOf(page, "row-count")) !== searchedCount,
      );
      await page.click(byTestId("pause-button"));
      assert.ok(totalRows > 0);

      // Clicking the newest row opens the packet modal with decoded fields
      // (paused, so the row stays put between finding and clicking it).
      await page.click(byTestId("pause-button"));
      const newest = `${byTestId("packet-row")}:last-child`;
      const number = await page.$eval(
        newest,
        (row) => row.getAttribute("data-n"),
      );
      await page.click(newest);
      await page.waitForSelector(byTestId("packet-modal"));
      await page.waitForSelector(
        `${byTestId("packet-field")}[data-field="srcAddress"]`,
      );
      const fields = await page.$$eval(
        byTestId("packet-field"),
        (items) => items.map((item) => item.getAttribute("data-field")),
      );
      for (const field of ["n", "timestampUs", "wireLength", "transport"]) {
        assert.ok(fields.includes(field), `the packet modal shows ${field}`);
      }
      assert.ok(fields.length >= 30, `all decoded fields (${fields.length})`);
      assert.match(
        await textOf(page, "packet-modal"),
        new RegExp(`#${number}`),
      );
      await page.keyboard.press("Escape");
      await page.waitForSelector(byTestId("packet-modal"), { hidden: true });
      await page.click(byTestId("pause-button"));

      // An alert of the demo's first attack appears, with a toast.
      await page.waitForSelector(byTestId("alert-item"), { timeout: 30_000 });
      await page.waitForSelector(
        `${byTestId("status-pill")}[data-alerting="true"]`,
      );
      // The first alert may engage before the page connects (no toast then);
      // the demo's next attack comes within 7.5 s.
      await waitUntil(
        "a toast",
        async () => (await toastsSeen(page)) > 0,
        20_000,
      );
      await page.click(byTestId("alert-item"));
      await page.waitForSelector(byTestId("alert-modal"));
      const mitre = await textOf(page, "alert-mitre");
      assert.match(mitre, /T\d{4}(\.\d{3})? \S/, "MITRE technique id and name");
      assert.match(mitre, /Tactic: \w/, "MITRE tactic");
      assert.ok(
        (await textOf(page, "alert-recommendation")).length > "Recommendation"
              .length + 10,
        "a recommendation",
      );
      assert.ok(
        (await textOf(page, "alert-evidence")).length > "Evidence".length,
        "evidence",
      );
      const slice = await page.$eval(
        byTestId("alert-pcap"),
        async (link) => {
          const response = await fetch((link as HTMLAnchorElement).href);
          const bytes = new Uint8Array(await response.arrayBuffer());
          return {
            status: response.status,
            magic: Array.from(bytes.slice(0, 4)),
          };
        },
      );
      assert.equal(slice.status, 200);
      assert.ok(
        [[0xd4, 0xc3, 0xb2, 0xa1], [0xa1, 0xb2, 0xc3, 0xd4], [
          0x4d,
          0x3c,
          0xb2,
          0xa1,
        ], [0xa1, 0xb2, 0x3c, 0x4d]].some((magic) =>
          magic.every((byte, i) => slice.magic[i] === byte)
        ),
        `the alert's PCAP slice is a pcap file (magic ${slice.magic})`,
      );
      await page.click(byTestId("modal-close"));
      await page.waitForSelector(byTestId("alert-modal"), { hidden: true });

      // A screenshot for people (README, reviews).
      await Deno.mkdir(new URL(".", SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT.pathname });

      // Report downloads valid JSON.
      await page.click(byTestId("report-button"));
      let reportName = "";
      await waitUntil("the report download", async () => {
        for await (const entry of Deno.readDir(downloadDir)) {
          if (entry.name.endsWith(".json")) reportName = entry.name;
        }
        return reportName !== "";
      });
      const report = JSON.parse(
        await Deno.readTextFile(`${downloadDir}/${reportName}`),
      );
      assert.equal(report.tool?.name, "NetMirror");
      const session = await server.api<SessionInfo>("/api/session");
      assert.equal(report.session?.id, session.id);
      assert.ok(Array.isArray(report.alerts) && report.alerts.length > 0);

      // Stop stops the counters; the pill says so (not "idle").
      await page.click(byTestId("stop-button"));
      await page.waitForSelector(
        `${byTestId("status-pill")}[data-state="stopped"]`,
      );
      assert.equal(
        (await server.api<SessionInfo>("/api/session")).state,
        "stopped",
      );
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const stoppedAt = await textOf(page, "packet-counter");
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      assert.equal(await textOf(page, "packet-counter"), stoppedAt);
      assert.equal(
        await page.$eval(
          byTestId("start-button"),
          (b) => b.hasAttribute("disabled"),
        ),
        false,
      );

      assert.deepEqual(errors, [], "no console errors");

      // A bad BPF filter is refused by the server and shown inline; a good
      // one starts a replay from the header controls.
      await page.select(byTestId("mode-select"), "replay");
      await page.type(byTestId("file-input"), PING_PCAP);
      await page.type(byTestId("filter-input"), "tcp port");
      await page.click(byTestId("start-button"));
      await page.waitForSelector(byTestId("start-error"));
      assert.match(await textOf(page, "start-error"), /filter/i);
      await page.$eval(byTestId("filter-input"), (input) => {
        (input as HTMLInputElement).value = "";
        input.dispatchEvent(new Event("input", { bubbles: true }));
      });
      await page.waitForSelector(byTestId("start-error"), { hidden: true });
      await page.type(byTestId("filter-input"), "icmp");
      await page.click(byTestId("start-button"));
      await waitUntil(
        "the replay session",
        async () => {
          const replay = await server.api<SessionInfo>("/api/session");
          return replay.mode === "replay" && replay.state === "stopped";
        },
      );
      await waitUntil(
        "the replay's packets in the counter",
        async () => (await textOf(page, "packet-counter")) === "8",
      );
      // Chromium logs the refused start (400); nothing else may appear.
      assert.deepEqual(
        errors.filter((error) =>
          !/status of 400 .*\/api\/start\)$/.test(error)
        ),
        [],
      );
    },
  );
});

Deno.test("dashboard: clicks are handled within 200 ms at 20k packets/s of demo traffic", async () => {
  await withDemoDashboard(VIEWPORT, async (page, errors, server) => {
    await page.goto(server.url, { waitUntil: "load" });
    await page.waitForSelector(byTestId("packet-row"));
    // The rate is real: the server's 5 s average reaches most of 20k/s.
    const ppsAvg = async () =>
      (await server.api<StatsSnapshot>("/api/stats")).kpis.ppsAvg;
    await waitUntil(
      "the demo to reach a high rate",
      async () => (await ppsAvg()) >= 15_000,
      20_000,
    );

    const timings: number[] = [];
    for (let i = 0; i < 5; i++) {
      timings.push(
        await measureClick(
          page,
          await visibleRowPoint(page),
          byTestId("packet-modal"),
        ),
      );
      await page.keyboard.press("Escape");
      await page.waitForSelector(byTestId("packet-modal"), { hidden: true });
      for (const chip of ["TCP", "All"]) {
        timings.push(
          await measureClick(
            page,
            await centreOf(page, byTestId(`chip-${chip}`)),
            `${byTestId(`chip-${chip}`)}[aria-pressed="true"]`,
          ),
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const worst = Math.max(...timings);
    const heapBytes = await page.evaluate(() =>
      (performance as unknown as { memory?: { usedJSHeapSize: number } })
        .memory?.usedJSHeapSize ?? 0
    );
    console.log(
      `click handling at ${Math.round(await ppsAvg())} packets/s: ${
        timings.map((t) => t.toFixed(0)).join(", ")
      } ms; JS heap ${(heapBytes / 2 ** 20).toFixed(1)} MiB`,
    );
    assert.ok(heapBytes < MAX_HEAP_BYTES, "the page's memory stays bounded");
    assert.ok(
      worst <= CLICK_BUDGET_MS,
      `every click handled within ${CLICK_BUDGET_MS} ms (worst ${
        worst.toFixed(0)
      } ms)`,
    );
    // At this rate the server's 10k-packet record ring spans well under a
    // second, so a clicked row's full record may be gone (404, which
    // Chromium logs); the modal then shows the row's own fields. Anything
    // else is an error.
    assert.deepEqual(
      errors.filter((error) => !EVICTED_PACKET.test(error)),
      [],
      "no console errors",
    );
  }, { packetsPerSecond: 20_000 });
});

Deno.test("dashboard: shows the outage and reconnects by itself when the server is back", async () => {
  await ensureUiBuilt();
  let server = await startDemoServer();
  const port = Number(new URL(server.url).port);
  try {
    await withDashboardPage(VIEWPORT, async (page, errors) => {
      await page.goto(server.url, { waitUntil: "load" });
      await page.waitForSelector(
        `${byTestId("connection-state")}[data-state="open"]`,
      );
      await page.waitForSelector(byTestId("packet-row"));
      const firstSession = (await server.api<SessionInfo>("/api/session")).id;

      await server.close();
      await page.waitForSelector(byTestId("connection-banner"));
      assert.match(await textOf(page, "connection-banner"), /Disconnected/);

      // Nothing looks live: the pill says offline, Stop cannot be pressed,
      // the uptime stands still and the KPIs are marked stale.
      await page.waitForSelector(
        `${byTestId("status-pill")}[data-state="offline"]`,
        { timeout: 5_000 },
      );
      assert.equal(
        await page.$eval(
          byTestId("stop-button"),
          (b) => b.hasAttribute("disabled"),
        ),
        true,
        "Stop is disabled while the sensor is unreachable",
      );
      await page.waitForSelector(`${byTestId("kpis")}[data-stale="true"]`, {
        timeout: 5_000,
      });
      const uptime = await textOf(page, "uptime");
      await new Promise((resolve) => setTimeout(resolve, 2_200));
      assert.equal(
        await textOf(page, "uptime"),
        uptime,
        "the uptime is frozen",
      );
      // An action that cannot reach the server says so, away from the BPF box.
      await page.click(byTestId("report-button"));
      await page.waitForSelector(byTestId("action-error"), { timeout: 5_000 });
      assert.match(await textOf(page, "action-error"), /unreachable/i);
      assert.equal(
        await page.$eval(
          byTestId("filter-input"),
          (input) => input.getAttribute("aria-invalid"),
        ),
        "false",
        "a network error does not mark the BPF filter invalid",
      );

      server = await startDemoServer({ port });
      const secondSession = (await server.api<SessionInfo>("/api/session")).id;
      assert.notEqual(secondSession, firstSession);
      await page.waitForSelector(
        `${byTestId("connection-state")}[data-state="open"]`,
      );
      await page.waitForSelector(byTestId("connection-banner"), {
        hidden: true,
      });
      // Back online: the stale error goes, the KPIs are live again.
      await page.waitForSelector(byTestId("action-error"), {
        hidden: true,
        timeout: 5_000,
      });
      await page.waitForSelector(`${byTestId("kpis")}[data-stale="false"]`, {
        timeout: 5_000,
      });
      // The new session's traffic flows into the page again.
      const counter = await textOf(page, "packet-counter");
      await waitUntil(
        "the packet counter to move after reconnecting",
        async () => (await textOf(page, "packet-counter")) !== counter,
      );
      assert.equal(await textOf(page, "status-pill"), "demo");
      // Refused connections while the server is down are logged by Chromium;
      // the page itself must not throw.
      assert.deepEqual(errors.filter((e) => e.startsWith("page error")), []);
    });
  } finally {
    await server.close();
  }
});

/** The time cells ("HH:MM:SS.ffffff") of the rows the table has in the DOM. */
function rowClocks(page: Page): Promise<string[]> {
  return page.$$eval(
    `${byTestId("packet-row")} > span:nth-child(2)`,
    (cells) => cells.map((cell) => (cell.textContent ?? "").trim()),
  );
}

/** The packet numbers of the rows the table has in the DOM. */
function rowNumbers(page: Page): Promise<number[]> {
  return page.$$eval(
    byTestId("packet-row"),
    (rows) => rows.map((row) => Number(row.getAttribute("data-n"))),
  );
}

Deno.test("dashboard: a Clear from another client resets alerts, counters, table and the open packet modal", async () => {
  await withDemoDashboard(VIEWPORT, async (page, errors, server) => {
    await page.goto(server.url, { waitUntil: "load" });
    await page.waitForSelector(byTestId("alert-item"), { timeout: 30_000 });
    // Enough packets that the numbers after the clear stay below them.
    await waitUntil(
      "a few hundred rows",
      async () => Math.max(0, ...await rowNumbers(page)) > 600,
    );
    const oldAlerts = await page.$$eval(
      byTestId("alert-item"),
      (items) => items.map((item) => item.getAttribute("data-alert-id")),
    );
    // Paused, with a packet open, as an analyst looking at one would be.
    await page.click(byTestId("pause-button"));
    const oldNewest = Math.max(...await rowNumbers(page));
    const oldLatest = (await rowClocks(page)).sort().at(-1)!;
    await page.click(`${byTestId("packet-row")}[data-n="${oldNewest}"]`);
    // Its record loaded (a fetch still under way at the clear would end in
    // a 404 the browser logs as an error).
    await page.waitForSelector(
      `${byTestId("packet-field")}[data-field="srcAddress"]`,
    );

    await postAsOtherClient(server.url, "/api/clear");

    await page.waitForSelector(byTestId("packet-modal"), {
      hidden: true,
      timeout: 5_000,
    });
    // The table holds only packets from after the clear (the demo goes on,
    // so they are later), numbered by the server from 1 again: no number
    // above the packets the session has counted since (an attack's burst
    // can take the new numbers past the old ones within a second).
    await waitUntil("rows numbered after the clear", async () => {
      const clocks = await rowClocks(page);
      const numbers = await rowNumbers(page);
      const counted = (await server.api<SessionInfo>("/api/session")).packets;
      return clocks.length > 0 && clocks.every((clock) => clock > oldLatest) &&
        Math.max(...numbers) <= counted;
    }, 5_000);
    assert.equal(
      await page.$eval(byTestId("pause-button"), (b) => b.textContent),
      "Pause",
      "the table follows live rows again",
    );
    // No alert from before the clear is left, and the counters agree with
    // the server (which may have raised new alerts since).
    await waitUntil("the old alerts to go", async () => {
      const shown = await page.$$eval(
        byTestId("alert-item"),
        (items) => items.map((item) => item.getAttribute("data-alert-id")),
      );
      return shown.every((id) => !oldAlerts.includes(id));
    }, 5_000);
    await waitUntil("the alert counter to match the server", async () => {
      const held = (await server.api<unknown[]>("/api/alerts?limit=1000"))
        .length;
      return Number(await textOf(page, "alert-counter")) <= held;
    }, 5_000);
    // A row opened now is the new packet of that number, not an old row.
    await page.click(byTestId("pause-button"));
    const newest = Math.max(...await rowNumbers(page));
    const src = await page.$eval(
      `${byTestId("packet-row")}[data-n="${newest}"] span:nth-child(3)`,
      (cell) => (cell.textContent ?? "").trim(),
    );
    // A click on the element itself: rows stream in above and below it,
    // and a toast or the sticky header can cover the point page.click()
    // aims at under load.
    await page.$eval(
      `${byTestId("packet-row")}[data-n="${newest}"]`,
      (row) => (row as HTMLElement).click(),
    );
    await page.waitForSelector(
      `${byTestId("packet-modal")}[aria-label="Packet #${newest}"]`,
    );
    // Its record, or the error that says why there is none.
    const loaded = await page.waitForSelector(
      `${byTestId("packet-field")}[data-field="srcAddress"], ${
        byTestId("packet-error")
      }`,
    );
    assert.equal(
      await loaded!.evaluate((node) => node.getAttribute("data-testid")),
      "packet-field",
      await loaded!.evaluate((node) => node.textContent ?? ""),
    );
    assert.match(
      await page.$eval(
        `${byTestId("packet-field")}[data-field="srcAddress"] dd`,
        (cell) => cell.textContent ?? "",
      ),
      new RegExp(`^${src.replaceAll(".", "\\.")}$`),
    );
    assert.deepEqual(errors, [], "no console errors");
  });
});

Deno.test("dashboard: an alert open when another client starts a new session closes, and focus stays in the alert list", async () => {
  await withDemoDashboard(VIEWPORT, async (page, errors, server) => {
    await page.goto(server.url, { waitUntil: "load" });
    await page.waitForSelector(byTestId("alert-item"), { timeout: 30_000 });
    await page.focus(byTestId("alert-item"));
    await page.keyboard.press("Enter");
    await page.waitForSelector(byTestId("alert-modal"));
    // The alert it showed is gone with the old session.
    await replayToTheEnd(server, IODINE_PCAP);
    await page.waitForSelector(byTestId("alert-modal"), { hidden: true });
    await waitUntil(
      "focus in the alert list, not on the page's body",
      async () =>
        await page.evaluate(() =>
          document.activeElement?.closest("[data-testid]")?.getAttribute(
            "data-testid",
          ) ?? document.activeElement?.tagName
        ) === "alert-feed",
      2_000,
    );
    assert.deepEqual(errors, [], "no console errors");
  });
});

Deno.test("dashboard: the page's own Clear keeps what the stream sent after the clear when the server's answer comes late", async () => {
  await withDemoDashboard(VIEWPORT, async (page, errors, server) => {
    await page.goto(server.url, { waitUntil: "load" });
    await waitUntil(
      "a few hundred rows",
      async () => Math.max(0, ...await rowNumbers(page)) > 300,
    );
    // The server clears at once and its stream goes on; its answer to the
    // page's POST is held back for 3 s (a slow path back, say).
    const cdp = await page.createCDPSession();
    await cdp.send("Fetch.enable", {
      patterns: [{ urlPattern: "*/api/clear*", requestStage: "Response" }],
    });
    cdp.on("Fetch.requestPaused", (event) => {
      setTimeout(
        () =>
          void cdp.send("Fetch.continueRequest", {
            requestId: event.requestId,
          }).catch(() => {}),
        3_000,
      );
    });
    const answered = page.waitForResponse((response) =>
      response.url().endsWith("/api/clear")
    );
    // Asked first: dismissed, nothing is cleared.
    const asked: string[] = [];
    let posted = false;
    const onRequest = (request: { url(): string }) => {
      if (request.url().endsWith("/api/clear")) posted = true;
    };
    page.on("request", onRequest);
    page.once("dialog", (dialog) => {
      asked.push(dialog.message());
      void dialog.dismiss();
    });
    await page.click(byTestId("clear-button"));
    await new Promise((resolve) => setTimeout(resolve, 300));
    page.off("request", onRequest);
    assert.equal(posted, false, "a dismissed clear posted nothing");
    assert.match(asked[0] ?? "", /^Forget \S+ alerts?, the packet rows/);
    page.once("dialog", (dialog) => void dialog.accept());
    await page.click(byTestId("clear-button"));
    // Rows of the new numbering arrive before the answer does.
    await waitUntil("rows after the clear", async () => {
      const numbers = await rowNumbers(page);
      return numbers.length > 0 && Math.max(...numbers) < 300;
    }, 2_800);
    // From now on, the fewest rows the table shows (sampled every 5 ms).
    await page.evaluate(() => {
      const watch = globalThis as unknown as { fewestRows: number };
      watch.fewestRows = Infinity;
      setInterval(() => {
        const shown = document.querySelectorAll(
          '[data-testid="packet-row"]',
        ).length;
        watch.fewestRows = Math.min(watch.fewestRows, shown);
      }, 5);
    });
    await answered;
    await new Promise((resolve) => setTimeout(resolve, 300));
    // The late answer must not wipe them (nor the stats sent since).
    assert.ok(
      await page.evaluate(() =>
        (globalThis as unknown as { fewestRows: number }).fewestRows
      ) > 0,
      "the rows streamed after the clear stay on the page",
    );
    await cdp.detach();
    assert.deepEqual(errors, [], "no console errors");
  });
});

Deno.test("dashboard: a page opened after a replay ended shows the session's figures, charts and conversations", async () => {
  await withDemoDashboard(VIEWPORT, async (page, errors, server) => {
    await replayToTheEnd(server, IODINE_PCAP);
    const { packets } = await server.api<SessionInfo>("/api/session");
    // No stats event comes from a stopped session: the stream's first
    // event for a new client is the last one sent.
    await page.goto(server.url, { waitUntil: "load" });
    await waitUntil(
      `the packet counter at ${packets}`,
      async () => (await textOf(page, "packet-counter")) === String(packets),
    );
    assert.notEqual(await textOf(page, "kpi-top-protocol-value"), "–");
    assert.ok(
      (await page.$$(byTestId("legend-item"))).length > 0,
      "the protocol chart has its legend",
    );
    assert.ok(
      (await page.$$(byTestId("conversation"))).length > 0,
      "top conversations are listed",
    );
    // An ended session's conversations are the whole session's, its span
    // is the capture's own (iodine's 23.2 s), and the form offers a replay.
    assert.equal(await textOf(page, "conversations-span"), "whole session");
    assert.match(await textOf(page, "timeline-span"), /whole session/);
    const stats = await server.api<StatsSnapshot>("/api/stats");
    // Its top talkers too, in the server's order, with their bytes sent.
    assert.equal(await textOf(page, "talkers-span"), "whole session");
    const talkers = await page.$$eval(
      byTestId("talker"),
      (items) => items.map((item) => item.querySelector(".mono")?.textContent),
    );
    assert.deepEqual(
      talkers,
      stats.talkers.session.slice(0, 8).map((host) => host.address),
    );
    assert.equal(
      await textOf(page, "uptime"),
      formatDuration((stats.lastPacketUs! - stats.firstPacketUs!) / 1e6),
    );
    assert.equal(
      await page.$eval(
        byTestId("mode-select"),
        (select) => (select as HTMLSelectElement).value,
      ),
      "replay",
    );
    assert.deepEqual(errors, [], "no console errors");
  });
});

Deno.test("dashboard: a failed replay says why next to the pill, and a damaged capture's anomalies are counted", async () => {
  await withDemoDashboard(VIEWPORT, async (page, _errors, server) => {
    await page.goto(server.url, { waitUntil: "load" });
    await page.waitForSelector(byTestId("packet-row"));
    const malformed = new URL("../../shared/pcaps/malformed/", import.meta.url)
      .pathname;
    // A header no reader accepts is refused before the session starts
    // (the demo's session stays); a capture cut mid-record is read up to
    // the cut, and its session fails there.
    await postAsOtherClient(server.url, "/api/stop");
    const refused = await fetch(new URL("/api/start", server.url), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        mode: "replay",
        file:
          `${malformed}bad_header_pcap_version1.4__pcap-invalid-version-1.pcap`,
      }),
    });
    assert.equal(refused.status, 400);
    assert.match(await refused.text(), /unsupported pcap version 1\.4/);
    await postAsOtherClient(server.url, "/api/start", {
      mode: "replay",
      file: `${malformed}truncated_file_cut_mid_record__http-fault-post.pcap`,
    });
    await page.waitForSelector(
      `${byTestId("status-pill")}[data-state="failed"]`,
    );
    await waitUntil(
      "the note to say why the replay failed",
      async () =>
        /^Failed: .*file ends inside a record/.test(
          await textOf(page, "session-note").catch(() => ""),
        ),
    );
    // A packet with a damaged header: read, and counted as an anomaly;
    // one whose header the snap length cut: counted apart, as no damage.
    for (
      const [name, note] of [
        [
          "ipv4_invalid_header_length__ipv4_invalid_hdr_length.pcap",
          "1 decode anomaly",
        ],
        [
          "ipv4_header_truncated__ip4-trunc.pcap",
          "1 header cut by the snap length (no damage)",
        ],
      ]
    ) {
      const file = `${malformed}${name}`;
      await postAsOtherClient(server.url, "/api/start", {
        mode: "replay",
        file,
      });
      await waitUntil("the replay to finish", async () => {
        const replay = await server.api<SessionInfo>("/api/session");
        return replay.file === file && replay.state === "stopped";
      });
      await waitUntil(
        `the note to say ${note}`,
        async () =>
          (await textOf(page, "session-note").catch(() => "")) === note,
      );
    }
  });
});

Deno.test("dashboard: an analyst acknowledges an alert from its modal, and reopens it", async () => {
  await withDemoDashboard(VIEWPORT, async (page, errors, server) => {
    await replayToTheEnd(server, IODINE_PCAP);
    await page.goto(server.url, { waitUntil: "load" });
    await page.waitForSelector(byTestId("alert-item"));
    const id = await page.$eval(
      byTestId("alert-item"),
      (item) => item.getAttribute("data-alert-id")!,
    );
    const item = `${byTestId("alert-item")}[data-alert-id="${id}"]`;
    await page.click(item);
    await page.click(byTestId("alert-ack"));
    await page.waitForSelector(`${item}[data-acknowledged="true"]`);
    await page.waitForSelector(byTestId("alert-ack-note"));
    const listed = await server.api<{ acknowledged?: unknown }>(
      `/api/alerts/${id}`,
    );
    assert.ok(listed.acknowledged, "the server holds the acknowledgement");
    await page.click(byTestId("alert-reopen"));
    await page.waitForSelector(`${item}[data-acknowledged="false"]`);
    await page.waitForSelector(byTestId("alert-ack"));
    assert.deepEqual(errors, [], "no console errors");
  });
});

/**
 * Writes a pcap of DNS exchanges, one query at each of `queriesAtS`
 * (seconds) answered after the matching `answerAfterMs`.
 */
async function writeDnsExchanges(
  path: string,
  queriesAtS: number[],
  answerAfterMs: number[],
): Promise<void> {
  const startUs = Date.UTC(2026, 0, 1) * 1000;
  const ends = {
    srcMac: "02:00:00:00:00:01",
    dstMac: "02:00:00:00:00:02",
    src: "10.0.0.1",
    dst: "10.0.0.2",
  };
  const reverse = { ...ends, src: ends.dst, dst: ends.src };
  const records: Uint8Array[] = [pcapFileHeader(1)];
  const add = (atUs: number, frame: Uint8Array) => {
    const header = new Uint8Array(PCAP_RECORD_HEADER_LENGTH);
    writePcapRecordHeader(header, 0, atUs, frame.length);
    records.push(header, frame);
  };
  queriesAtS.forEach((atS, i) => {
    const name = `host${i}.example.com`;
    const query = dnsMessage({ id: i + 1, name, qtype: 1 });
    const answer = dnsMessage({
      id: i + 1,
      name,
      qtype: 1,
      response: true,
      answers: ["192.0.2.1"],
    });
    const atUs = startUs + atS * 1e6;
    add(atUs, udpFrame(ends, { srcPort: 40000 + i, dstPort: 53 }, query));
    add(
      atUs + answerAfterMs[i]! * 1000,
      udpFrame(reverse, { srcPort: 53, dstPort: 40000 + i }, answer),
    );
  });
  await Deno.writeFile(path, concatBytes(records));
}

Deno.test("dashboard: the latency bars show a session's final figures once it ends, as a reloaded page does", async () => {
  const dir = await Deno.makeTempDir({ prefix: "netmirror_latency_" });
  try {
    // Three DNS exchanges (10, 50 and 40 ms), the last two 5 s in: after
    // the page's last poll while the replay runs at capture speed.
    const file = `${dir}/dns_late.pcap`;
    await writeDnsExchanges(file, [0, 4.9, 4.96], [10, 50, 40]);
    await withDemoDashboard(VIEWPORT, async (page, errors, server) => {
      await page.goto(server.url, { waitUntil: "load" });
      await page.waitForSelector(
        `${byTestId("connection-state")}[data-state="open"]`,
      );
      await postAsOtherClient(server.url, "/api/stop");
      await postAsOtherClient(server.url, "/api/start", {
        mode: "replay",
        file,
        realtime: true,
      });
      await waitUntil("the replay to finish", async () => {
        const replay = await server.api<SessionInfo>("/api/session");
        return replay.mode === "replay" && replay.state === "stopped";
      }, 20_000);
      const dnsRow = `${byTestId("latency-row")}[data-protocol="dns"]`;
      await waitUntil(
        "the DNS bar to count all three exchanges",
        async () =>
          (await page.$eval(dnsRow, (row) => row.textContent ?? ""))
            .includes("n=3"),
        5_000,
      );
      assert.deepEqual(errors, [], "no console errors");
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("dashboard: a finished replay's table holds every packet the server has, not just the streamed sample", async () => {
  await withDemoDashboard(VIEWPORT, async (page, errors, server) => {
    await page.goto(server.url, { waitUntil: "load" });
    await page.waitForSelector(
      `${byTestId("connection-state")}[data-state="open"]`,
    );
    await page.waitForSelector(byTestId("packet-row"));

    await replayToTheEnd(server, IODINE_PCAP);
    const held = (await server.api<unknown[]>("/api/packets?limit=10000"))
      .length;
    assert.ok(held > 400, `the server holds the replay's packets (${held})`);
    await waitUntil(
      `every packet of the replay in the table (${held})`,
      async () =>
        (await textOf(page, "row-count")).startsWith(
          `${held} / ${held} rows`,
        ),
      10_000,
    );
    assert.doesNotMatch(await textOf(page, "row-count"), /sampled out/);
    assert.equal(await textOf(page, "status-pill"), "stopped");
    assert.deepEqual(errors, [], "no console errors");
  });
});

Deno.test("dashboard: keyboard: a modal keeps focus, the packet table is one tab stop, alerts are reachable", async () => {
  await withDemoDashboard(VIEWPORT, async (page, errors, server) => {
    await page.goto(server.url, { waitUntil: "load" });
    await page.waitForSelector(byTestId("alert-item"), { timeout: 30_000 });
    await page.click(byTestId("pause-button"));

    // Tab and Shift+Tab stay inside an open dialog. Opened by the row's
    // own click (the subject here is the keyboard): page.click() on this
    // row, an overscan row half below the table that it first scrolls
    // into view, opened no dialog within 20 s in 1 of 12 runs under two
    // CPU hogs.
    await page.$eval(
      `${byTestId("packet-row")}:last-child`,
      (row) => (row as HTMLElement).click(),
    );
    await page.waitForSelector(byTestId("packet-modal"));
    const focusInModal = () =>
      page.evaluate(() =>
        document.querySelector('[data-testid="packet-modal"]')
          ?.contains(document.activeElement) ?? false
      );
    for (const shift of [false, true]) {
      if (shift) await page.keyboard.down("Shift");
      for (let i = 0; i < 5; i++) {
        await page.keyboard.press("Tab");
        assert.ok(
          await focusInModal(),
          `focus stays in the dialog after ${i + 1} ${
            shift ? "Shift+" : ""
          }Tab`,
        );
      }
      if (shift) await page.keyboard.up("Shift");
    }
    await page.keyboard.press("Escape");
    await page.waitForSelector(byTestId("packet-modal"), { hidden: true });

    // The table is one tab stop: arrows move between rows, Enter opens
    // one, Escape returns to it, and Tab leaves the table.
    await page.focus(byTestId("search-input"));
    const tabTo = async (testId: string, most: number) => {
      for (let i = 0; i < most; i++) {
        await page.keyboard.press("Tab");
        const at = await page.evaluate(() =>
          document.activeElement?.getAttribute("data-testid") ?? ""
        );
        if (at === testId) return i + 1;
      }
      return Infinity;
    };
    assert.ok(
      await tabTo("packet-table-scroll", 5) < Infinity,
      "the table is a tab stop",
    );
    await page.keyboard.press("End");
    await page.keyboard.press("ArrowUp");
    // The keyboard's row is the grid's active descendant; the focus
    // stays on the table, so rows re-rendered under it cannot take it.
    const activeRow = () =>
      page.evaluate(() => {
        const table = document.activeElement;
        if (table?.getAttribute("data-testid") !== "packet-table-scroll") {
          return null;
        }
        const id = table.getAttribute("aria-activedescendant");
        return id
          ? document.getElementById(id)?.getAttribute("data-n") ?? null
          : null;
      });
    const row = await activeRow();
    if (!row) {
      // What the page held instead, for a failure that came from timing.
      const seen = await page.evaluate(() => {
        const table = document.querySelector(
          '[data-testid="packet-table-scroll"]',
        );
        return JSON.stringify({
          focus: document.activeElement?.getAttribute("data-testid") ??
            document.activeElement?.tagName,
          activeN: table?.getAttribute("data-active-n"),
          descendant: table?.getAttribute("aria-activedescendant"),
          rows: document.querySelectorAll('[data-testid="packet-row"]')
            .length,
          dialogs: document.querySelectorAll('[role="dialog"]').length,
        });
      });
      assert.fail(
        `an arrow key makes a row active, the table keeps focus: ${seen}`,
      );
    }
    await page.keyboard.press("Enter");
    await page.waitForSelector(byTestId("packet-modal"));
    assert.equal(
      await page.$eval(
        byTestId("packet-modal"),
        (dialog) => dialog.getAttribute("aria-label"),
      ),
      `Packet #${row}`,
    );
    await page.keyboard.press("Escape");
    await page.waitForSelector(byTestId("packet-modal"), { hidden: true });
    assert.equal(
      await activeRow(),
      row,
      "focus returns to the table, on the row",
    );
    // Past the table, the alert feed is a few stops away.
    assert.ok(
      await tabTo("alert-item", 6) < Infinity,
      "Tab reaches the alert feed from the packet table",
    );
    assert.deepEqual(errors, [], "no console errors");
  });
});

/** Window widths where the layout changes (ui/styles.css), and either side of them. */
const LAYOUT_WIDTHS = [
  760,
  960,
  1023,
  1024,
  1100,
  1279,
  1280,
  1366,
  1399,
  1400,
  1440,
  1920,
];

Deno.test("dashboard: from 760 px up the packet table fits its column (no sideways scroll, Info readable) and protocol names are whole there and in the protocol mix", async () => {
  await withDemoDashboard(VIEWPORT, async (page, errors, server) => {
    await page.goto(server.url, { waitUntil: "load" });
    // The longest protocol name the demo sends most of.
    await page.waitForSelector(
      '[data-testid="packet-row"][data-protocol="HTTPS/TLS"]',
    );
    await page.waitForSelector(byTestId("legend-item"));
    for (const width of LAYOUT_WIDTHS) {
      await resizeTo(page, width, 900);
      const layout = await page.evaluate(() => {
        const scroll = document.querySelector(
          '[data-testid="packet-table-scroll"]',
        ) as HTMLElement;
        const rows = [
          ...document.querySelectorAll('[data-testid="packet-row"]'),
        ] as HTMLElement[];
        const clipped: string[] = [];
        let narrowestInfo = Infinity;
        for (const row of rows) {
          const cells = [...row.children] as HTMLElement[];
          const info = cells[cells.length - 1]!;
          narrowestInfo = Math.min(narrowestInfo, info.clientWidth);
          const protocol = cells[4]!;
          if (protocol.scrollWidth > protocol.clientWidth) {
            clipped.push(row.dataset.protocol ?? "");
          }
        }
        // A number of eight digits, as a sensor running for hours shows:
        // whole wherever the No. column is shown.
        let numberCut = false;
        for (const row of rows.slice(0, 5)) {
          const number = row.children[0] as HTMLElement;
          if (number.offsetParent === null) continue; // hidden at this width
          const text = number.textContent;
          number.textContent = "12345678";
          numberCut ||= number.scrollWidth > number.clientWidth;
          number.textContent = text;
        }
        const legendCut = [...document.querySelectorAll(".legend-name")]
          .filter((name) => name.scrollWidth > name.clientWidth)
          .map((name) => name.textContent ?? "");
        return {
          overflow: scroll.scrollWidth - scroll.clientWidth,
          numberCut,
          rows: rows.length,
          narrowestInfo,
          clipped: [...new Set(clipped)],
          legendCut,
        };
      });
      assert.ok(layout.rows > 0, `${width} px: rows are shown`);
      assert.ok(
        layout.overflow <= 0,
        `${width} px: the table scrolls ${layout.overflow} px sideways`,
      );
      assert.ok(!layout.numberCut, `${width} px: packet numbers cut short`);
      assert.ok(
        layout.narrowestInfo >= 60,
        `${width} px: Info is ${layout.narrowestInfo} px wide`,
      );
      assert.deepEqual(
        layout.clipped,
        [],
        `${width} px: protocol names cut short`,
      );
      assert.deepEqual(
        layout.legendCut,
        [],
        `${width} px: protocol mix names cut short`,
      );
    }
    assert.deepEqual(errors, [], "no console errors");
  });
});

Deno.test("dashboard: a sensor that asks for a token says so on a page without one, takes it, and remembers it for the tab", async () => {
  const token = "browser-test-token-1234";
  await withDemoDashboard(VIEWPORT, async (page, errors, server) => {
    // No ?token=: told, and no retry loop of refused requests.
    await page.goto(server.url, { waitUntil: "load" });
    await page.waitForSelector(byTestId("token-banner"));
    assert.doesNotMatch(
      await textOf(page, "token-banner"),
      /Reconnecting/,
    );
    const refused = errors.length;
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    assert.equal(errors.length, refused, errors.join("\n"));
    // A wrong token: asked again.
    await page.type(byTestId("token-input"), "wrong-token-12345");
    await page.click(byTestId("token-submit"));
    await waitUntil(
      "the wrong token refused",
      async () =>
        await page.$(byTestId("token-banner")) !== null &&
        await page.$eval(
            byTestId("token-input"),
            (input) => (input as HTMLInputElement).value,
          ) === "",
    );
    // The right one: connected, the demo's rows come.
    await page.type(byTestId("token-input"), token);
    await page.click(byTestId("token-submit"));
    await page.waitForSelector('[data-testid="packet-row"]');
    assert.equal(await page.$(byTestId("token-banner")), null);
    // A reload in the same tab asks no more.
    await page.reload({ waitUntil: "load" });
    await page.waitForSelector('[data-testid="packet-row"]');
    assert.equal(await page.$(byTestId("token-banner")), null);
    // The address the server prints, ?token= and all: the page takes the
    // token and leaves the address bar (and the history) without it.
    const fresh = await page.browser().createBrowserContext();
    try {
      const other = await fresh.newPage();
      await other.goto(`${server.url}/?token=${token}`, { waitUntil: "load" });
      await other.waitForSelector('[data-testid="packet-row"]');
      assert.equal(other.url(), `${server.url}/`);
      assert.equal(await other.$(byTestId("token-banner")), null);
    } finally {
      await fresh.close();
    }
  }, { token });
});

Deno.test("dashboard: an alert that rises to high or critical is announced again, with what it rose from", async () => {
  await withDemoDashboard(VIEWPORT, async (page, errors, server) => {
    await page.goto(server.url, { waitUntil: "load" });
    await page.waitForSelector(byTestId("packet-row"));
    // One source's SYN flood: medium, then high, then critical as it grows.
    await replayToTheEnd(
      server,
      new URL(
        "../../shared/pcaps/attacks/synflood_single_source_5870syn_0.75s__syn_flood.pcap",
        import.meta.url,
      ).pathname,
    );
    await page.waitForSelector(
      `${byTestId("toast")}[data-escalated-from="high"]`,
    );
    const toasts = await page.$$eval(
      byTestId("toast"),
      (items) =>
        items.map((item) => [
          item.getAttribute("data-escalated-from") ?? "",
          item.querySelector(".toast-title")?.textContent ?? "",
        ]),
    );
    assert.ok(
      toasts.some(([from, title]) =>
        from === "high" && /rose from high/.test(title!)
      ),
      JSON.stringify(toasts),
    );
    assert.deepEqual(errors, [], "no console errors");
  });
});

Deno.test("dashboard: with --replay-dir the file field offers the capture files there, and one picked replays", async () => {
  const dir = await Deno.makeTempDir({ prefix: "netmirror-replay-dir-" });
  try {
    await Deno.mkdir(`${dir}/day1`);
    const ping = `${dir}/day1/ping.pcapng`;
    await Deno.copyFile(PING_PCAP, ping);
    await Deno.writeTextFile(`${dir}/notes.txt`, "not a capture\n");
    await withDemoDashboard(VIEWPORT, async (page, errors, server) => {
      await page.goto(server.url, { waitUntil: "load" });
      await page.waitForSelector(byTestId("packet-row"));
      await page.click(byTestId("stop-button"));
      await page.waitForSelector(
        `${byTestId("status-pill")}[data-state="stopped"]`,
      );
      await page.select(byTestId("mode-select"), "replay");
      await page.waitForSelector(`${byTestId("replay-files")} option`);
      const offered = await page.$$eval(
        `${byTestId("replay-files")} option`,
        (options) =>
          options.map((option) => [
            (option as HTMLOptionElement).value,
            option.textContent ?? "",
          ]),
      );
      assert.deepEqual(offered, [[ping, "day1/ping.pcapng · 912 B"]]);
      assert.equal(
        await page.$eval(
          byTestId("file-input"),
          (input) => input.getAttribute("list"),
        ),
        "replay-files",
      );
      await page.type(byTestId("file-input"), offered[0]![0]!);
      await page.click(byTestId("start-button"));
      await waitUntil("the picked file replayed", async () => {
        const replay = await server.api<SessionInfo>("/api/session");
        return replay.file === ping && replay.state === "stopped" &&
          replay.packets === 8;
      });
      assert.deepEqual(errors, [], "no console errors");
    }, { replayDir: dir });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
