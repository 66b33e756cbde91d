/**
 * The dashboard in real headless Chromium (Debian's, driven by
 * puppeteer-core) against the real server in demo mode: live KPIs and
 * charts, chips and search, packet and alert modals, report download, Stop,
 * a screenshot for people, and responsiveness at 20k packets/s.
 *
 * The screenshot is written to tests/output/dashboard.png (ignored by git).
 */

import assert from "node:assert/strict";
import {
  byTestId,
  canvasInk,
  collectPageErrors,
  ensureUiBuilt,
  launchChromium,
  measureClick,
  recordToasts,
  startDemoServer,
  textOf,
  toastsSeen,
  waitUntil,
} from "./browser/harness.ts";
import type { StatsSnapshot } from "../detectors/stats/traffic_stats.ts";
import type { SessionInfo } from "../server/sensor.ts";

const SCREENSHOT = new URL("./output/dashboard.png", import.meta.url);
const VIEWPORT = { width: 1440, height: 900 };
/** Slowest acceptable click handling, ms (issue #5). */
const CLICK_BUDGET_MS = 200;

/** The services the DNS chip stands for (ui/packet_filter.ts). */
const DNS_SERVICES = ["DNS", "mDNS", "LLMNR"];

Deno.test("dashboard: live demo traffic, chips, search, modals, alerts, report, stop", async () => {
  await ensureUiBuilt();
  const server = await startDemoServer();
  let closeBrowser: (() => Promise<void>) | undefined;
  try {
    const chromium = await launchChromium();
    closeBrowser = chromium.close;
    const page = await chromium.browser.newPage();
    page.setDefaultTimeout(20_000);
    await page.setViewport(VIEWPORT);
    const errors = collectPageErrors(page);
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

    // Clicking the newest row opens the packet modal with decoded fields.
    const newest = `${byTestId("packet-row")}:last-child`;
    const number = await page.$eval(newest, (row) => row.getAttribute("data-n"));
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
    assert.match(await textOf(page, "packet-modal"), new RegExp(`#${number}`));
    await page.keyboard.press("Escape");
    await page.waitForSelector(byTestId("packet-modal"), { hidden: true });

    // An alert of the demo's first attack appears, with a toast.
    await page.waitForSelector(byTestId("alert-item"), { timeout: 30_000 });
    await waitUntil("a toast", async () => (await toastsSeen(page)) > 0, 5_000);
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
        return { status: response.status, magic: Array.from(bytes.slice(0, 4)) };
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
      for await (const entry of Deno.readDir(chromium.downloadDir)) {
        if (entry.name.endsWith(".json")) reportName = entry.name;
      }
      return reportName !== "";
    });
    const report = JSON.parse(
      await Deno.readTextFile(`${chromium.downloadDir}/${reportName}`),
    );
    assert.equal(report.tool?.name, "NetMirror");
    const session = await server.api<SessionInfo>("/api/session");
    assert.equal(report.session?.id, session.id);
    assert.ok(Array.isArray(report.alerts) && report.alerts.length > 0);

    // Stop stops the counters.
    await page.click(byTestId("stop-button"));
    await page.waitForSelector(
      `${byTestId("status-pill")}[data-state="idle"]`,
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
      await page.$eval(byTestId("start-button"), (b) => b.hasAttribute("disabled")),
      false,
    );

    assert.deepEqual(errors, [], "no console errors");
  } finally {
    await closeBrowser?.();
    await server.close();
  }
});

Deno.test("dashboard: clicks are handled within 200 ms at 20k packets/s of demo traffic", async () => {
  await ensureUiBuilt();
  const server = await startDemoServer({ packetsPerSecond: 20_000 });
  let closeBrowser: (() => Promise<void>) | undefined;
  try {
    const chromium = await launchChromium();
    closeBrowser = chromium.close;
    const page = await chromium.browser.newPage();
    page.setDefaultTimeout(20_000);
    await page.setViewport(VIEWPORT);
    const errors = collectPageErrors(page);
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
          `${byTestId("packet-row")}:last-child`,
          byTestId("packet-modal"),
        ),
      );
      await page.keyboard.press("Escape");
      await page.waitForSelector(byTestId("packet-modal"), { hidden: true });
      for (const chip of ["TCP", "All"]) {
        timings.push(
          await measureClick(
            page,
            byTestId(`chip-${chip}`),
            `${byTestId(`chip-${chip}`)}[aria-pressed="true"]`,
          ),
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const worst = Math.max(...timings);
    console.log(
      `click handling at ${Math.round(await ppsAvg())} packets/s: ${
        timings.map((t) => t.toFixed(0)).join(", ")
      } ms`,
    );
    assert.ok(
      worst <= CLICK_BUDGET_MS,
      `every click handled within ${CLICK_BUDGET_MS} ms (worst ${
        worst.toFixed(0)
      } ms)`,
    );
    assert.deepEqual(errors, [], "no console errors");
  } finally {
    await closeBrowser?.();
    await server.close();
  }
});
