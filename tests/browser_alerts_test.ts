/**
 * The dashboard's alerts and session in real headless Chromium (Debian's,
 * driven by puppeteer-core) against the real server: a restarted sensor's
 * new session replaces the old one in one step and is told; an alert's
 * evidence in words, its acknowledgement with a note (keyboard focus kept,
 * 24-hour time, the page's time zone said) and its PCAP slice's errors;
 * the session PCAP's size and a HEAD the browser does not abort; at
 * 1280×720 toasts clear of the alert feed, tooltips on cut text, readable
 * acknowledged alerts and "last seen … ago".
 */

import assert from "node:assert/strict";
import {
  byTestId,
  ensureUiBuilt,
  postAsOtherClient,
  replayToTheEnd,
  startDemoServer,
  textOf,
  waitUntil,
  withDashboardPage,
  withDemoDashboard,
} from "./browser/harness.ts";
import type { Alert } from "../detectors/alert.ts";
import type { SessionInfo } from "../server/sensor.ts";

const VIEWPORT = { width: 1440, height: 900 };

/** A DNS tunnel (438 packets): a replay that ends with a dns_tunnel alert. */
const IODINE_PCAP = new URL(
  "../../shared/pcaps/attacks/dnstunnel_iodine_NULL_pirate.sea__dns-tunnel-iodine.pcap",
  import.meta.url,
).pathname;

/** Names of the files in `dir`. */
async function filesIn(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names;
}

/** What the page shows of its session, at one moment. */
interface Snapshot {
  connection: string;
  pill: string;
  packets: string;
  uptime: string;
  startDisabled: boolean;
  stopDisabled: boolean;
  alerts: string;
  notice: boolean;
}

Deno.test("dashboard: a restarted sensor's new session replaces the old one in one step, and the page says what was lost", async () => {
  await ensureUiBuilt();
  let server = await startDemoServer();
  const port = Number(new URL(server.url).port);
  try {
    await withDashboardPage(VIEWPORT, async (page, errors) => {
      await page.goto(server.url, { waitUntil: "load" });
      await page.waitForSelector(byTestId("alert-item"), { timeout: 30_000 });
      // Every state the page's DOM goes through, from now on.
      await page.evaluate(() => {
        const text = (id: string) =>
          document.querySelector(`[data-testid="${id}"]`)?.textContent
            ?.trim() ?? "";
        const disabled = (id: string) =>
          document.querySelector(`[data-testid="${id}"]`)?.hasAttribute(
            "disabled",
          ) ?? false;
        const log: Snapshot[] = [];
        (globalThis as unknown as { __states: Snapshot[] }).__states = log;
        const record = () => {
          if (log.length >= 20_000) return;
          log.push({
            connection: document.querySelector(
              '[data-testid="connection-state"]',
            )?.getAttribute("data-state") ?? "",
            pill: document.querySelector('[data-testid="status-pill"]')
              ?.getAttribute("data-state") ?? "",
            packets: text("packet-counter"),
            uptime: text("uptime"),
            startDisabled: disabled("start-button"),
            stopDisabled: disabled("stop-button"),
            alerts: [...document.querySelectorAll('[data-testid="alert-item"]')]
              .map((item) => item.getAttribute("data-alert-id")).sort().join(
                " ",
              ),
            notice: document.querySelector('[data-testid="session-notice"]') !==
              null,
          });
        };
        record();
        new MutationObserver(record).observe(document.body, {
          childList: true,
          subtree: true,
          attributes: true,
          characterData: true,
        });
      });

      await server.close();
      await page.waitForSelector(
        `${byTestId("status-pill")}[data-state="offline"]`,
      );
      const oldAlerts = await page.$$eval(
        byTestId("alert-item"),
        (items) => items.map((item) => item.getAttribute("data-alert-id")),
      );
      const old = {
        packets: await textOf(page, "packet-counter"),
        alerts: oldAlerts.sort().join(" "),
      };
      server = await startDemoServer({ port });
      await page.waitForSelector(byTestId("session-notice"), {
        timeout: 20_000,
      });
      const notice = await textOf(page, "session-notice");
      assert.match(
        notice,
        /^The sensor restarted: a new session began at \d\d:\d\d:\d\d; the previous session's alerts and packets are no longer on the sensor\./,
      );
      assert.match(
        notice,
        new RegExp(
          `Its ${oldAlerts.length} alerts? (was|were) not exported from this page\\.`,
        ),
      );
      // The new session shows whole: running, its controls, its counts.
      await page.waitForSelector(
        `${byTestId("status-pill")}[data-state="demo"]`,
      );
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const states = await page.evaluate(() =>
        (globalThis as unknown as { __states: Snapshot[] }).__states
      );
      // From the reconnection on, every state the page showed is either
      // the old session's, as it was when the sensor went (STOPPED or
      // OFFLINE, its counts and alerts), or the new session's whole
      // (running, Start disabled, Stop enabled): never a mix.
      const reconnected = states.findIndex((state, i) =>
        i > 0 && state.connection === "open" &&
        states[i - 1]!.connection !== "open"
      );
      assert.ok(reconnected > 0, "the page reconnected");
      const mixed = states.slice(reconnected).filter((state) => {
        if (state.connection !== "open") return false;
        const oldState = state.packets === old.packets &&
          state.alerts === old.alerts && !state.notice;
        const newState = state.pill === "demo" && state.startDisabled &&
          !state.stopDisabled;
        return !oldState && !newState;
      });
      assert.deepEqual(mixed.slice(0, 3), [], `${mixed.length} mixed states`);
      // Dismissed, it stays away.
      await page.click(byTestId("session-notice-dismiss"));
      await page.waitForSelector(byTestId("session-notice"), { hidden: true });
      assert.deepEqual(errors.filter((e) => e.startsWith("page error")), []);
    });
  } finally {
    await server.close();
  }
});

Deno.test("dashboard: an alert's evidence in words, an acknowledgement with a note that keeps the keyboard focus, and its PCAP slice's errors said", async () => {
  await withDemoDashboard(
    VIEWPORT,
    async (page, errors, server, downloadDir) => {
      await replayToTheEnd(server, IODINE_PCAP);
      await page.goto(server.url, { waitUntil: "load" });
      await page.waitForSelector(byTestId("alert-item"));
      const id = await page.$eval(
        byTestId("alert-item"),
        (item) => item.getAttribute("data-alert-id")!,
      );
      await page.click(`${byTestId("alert-item")}[data-alert-id="${id}"]`);
      await page.waitForSelector(byTestId("alert-modal"));

      // Evidence: labels in words (the key as a tooltip), no sentinel.
      const evidence = await page.$$eval(
        byTestId("evidence-key"),
        (keys) =>
          keys.map((key) => ({
            key: key.getAttribute("data-key") ?? "",
            title: key.getAttribute("title") ?? "",
            label: (key.textContent ?? "").trim(),
            value: (key.nextElementSibling?.textContent ?? "").trim(),
          })),
      );
      assert.ok(evidence.length > 5, JSON.stringify(evidence));
      for (const line of evidence) {
        assert.doesNotMatch(line.label, /[a-z][A-Z]/, `${line.key} in words`);
        assert.equal(line.title, line.key);
        assert.notEqual(line.value, "-1");
        assert.notEqual(line.value, "");
      }
      const byKey = new Map(evidence.map((line) => [line.key, line]));
      assert.equal(byKey.get("windowSeconds")?.label, "Window");
      assert.match(
        byKey.get("windowSeconds")?.value ?? "",
        /^\d+(\.\d)? (s|min)$/,
      );
      assert.match(
        byKey.get("queryBytes")?.value ?? "",
        /[KM]iB \([\d,]+ B\)$/,
      );
      assert.match(byKey.get("encodedShare")?.value ?? "", /^[\d.]+ %$/);

      // Acknowledged from the keyboard, with a note: the focus stays on the
      // button, which now reopens.
      const note = "Authorised test, ticket #4242";
      await page.type(byTestId("alert-ack-input"), note);
      await page.focus(byTestId("alert-ack"));
      await page.keyboard.press("Enter");
      await page.waitForSelector(byTestId("alert-reopen"));
      await waitUntil(
        "the focus on the Reopen button",
        () =>
          page.evaluate(() =>
            document.activeElement?.getAttribute("data-testid") ===
              "alert-reopen"
          ),
        3_000,
      );
      const held = await server.api<Alert>(`/api/alerts/${id}`);
      assert.equal(held.acknowledged?.note, note);
      const ackText = await textOf(page, "alert-ack-note");
      // 24-hour, with the zone the page's times are in.
      assert.match(
        ackText,
        new RegExp(
          `^Acknowledged \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC([+-]\\d\\d:\\d\\d)?: ${note}$`,
        ),
      );
      assert.doesNotMatch(ackText, /[AP]M/);
      assert.match(await textOf(page, "alert-time-zone"), /^UTC/);
      assert.match(await textOf(page, "time-zone"), /^Times UTC/);
      await page.keyboard.press("Enter");
      await page.waitForSelector(byTestId("alert-ack"));
      await waitUntil(
        "the focus on the Acknowledge button",
        () =>
          page.evaluate(() =>
            document.activeElement?.getAttribute("data-testid") === "alert-ack"
          ),
        3_000,
      );

      // The slice downloads; a refusal (503) is said in the modal.
      await page.click(byTestId("alert-pcap"));
      await waitUntil(
        "the slice's download",
        async () =>
          (await filesIn(downloadDir)).some((name) =>
            name.endsWith(".pcap") && name.includes(id)
          ),
      );
      await page.setRequestInterception(true);
      page.on("request", (request) => {
        if (request.url().includes("/api/export/pcap/alert/")) {
          void request.respond({
            status: 503,
            contentType: "application/json",
            body: JSON.stringify({ error: "4 slices are being sent" }),
          });
        } else void request.continue();
      });
      await page.click(byTestId("alert-pcap"));
      await page.waitForSelector(byTestId("alert-pcap-error"));
      assert.match(
        await textOf(page, "alert-pcap-error"),
        /^PCAP slice not downloaded: the sensor is already sending/,
      );
      assert.deepEqual(
        errors.filter((error) => !/status of 503/.test(error)),
        [],
        "no console errors",
      );
    },
  );
});

Deno.test("dashboard: the session PCAP button shows the PCAP's size, and its HEAD check is not logged as an aborted request", async () => {
  await withDemoDashboard(
    VIEWPORT,
    async (page, errors, server, downloadDir) => {
      await page.goto(server.url, { waitUntil: "load" });
      await page.waitForSelector(byTestId("packet-row"));
      const session = await server.api<SessionInfo>("/api/session");
      await page.click(byTestId("pcap-link"));
      await waitUntil(
        "the session PCAP's download",
        async () =>
          (await filesIn(downloadDir)).includes(`netmirror-${session.id}.pcap`),
      );
      await page.waitForSelector(byTestId("pcap-size"));
      assert.match(
        await textOf(page, "pcap-size"),
        /^· \d+(\.\d)? (B|KiB|MiB|GiB)$/,
      );
      // The size grows with the capture (asked again while it runs).
      const size = await textOf(page, "pcap-size");
      await waitUntil(
        "a larger size",
        async () => (await textOf(page, "pcap-size")) !== size,
        15_000,
      );
      assert.deepEqual(errors, [], "no console errors or aborted requests");
    },
  );
});

/** The WCAG contrast ratio of two `rgb(…)` colours. */
function contrastRatio(a: string, b: string): number {
  const luminance = (colour: string) => {
    const [r, g, bl] = colour.match(/[\d.]+/g)!.slice(0, 3).map((part) => {
      const c = Number(part) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light! + 0.05) / (dark! + 0.05);
}

Deno.test("dashboard: at 1280×720 toasts leave the alert feed clear, cut text has tooltips, acknowledged alerts stay readable, and each alert says when it was last seen", async () => {
  await withDemoDashboard(
    { width: 1280, height: 720 },
    async (page, errors, server) => {
      await page.goto(server.url, { waitUntil: "load" });
      await page.waitForSelector(byTestId("toast"), { timeout: 30_000 });
      const overlap = await page.evaluate(() => {
        const feed = document.querySelector('[data-testid="alert-feed"]')!
          .getBoundingClientRect();
        return [...document.querySelectorAll('[data-testid="toast"]')].some(
          (toast) => {
            const rect = toast.getBoundingClientRect();
            return rect.right > feed.left && rect.left < feed.right &&
              rect.bottom > feed.top && rect.top < feed.bottom;
          },
        );
      });
      assert.equal(overlap, false, "a toast covers the alert feed");

      // Titles and host lines carry their whole text as a tooltip; so do
      // the Top-protocol KPI's value and detail.
      const tooltips = await page.evaluate(() =>
        [
          ...document.querySelectorAll(
            '[data-testid="alert-item"] .alert-title, [data-testid="alert-item"] .alert-hosts, [data-testid="kpi-top-protocol"] .kpi-value, [data-testid="kpi-top-protocol"] .kpi-detail',
          ),
        ].map((element) => [
          (element.textContent ?? "").trim(),
          element.getAttribute("title") ?? "",
        ])
      );
      assert.ok(tooltips.length >= 4);
      for (const [text, title] of tooltips) assert.equal(title, text);

      // "last seen … ago", refreshed as time passes.
      const lastSeen = () => textOf(page, "alert-last-seen");
      assert.match(await lastSeen(), /^last seen \d+ (s|min) ago$/);
      const first = await lastSeen();
      const firstId = await page.$eval(
        byTestId("alert-item"),
        (item) => item.getAttribute("data-alert-id")!,
      );
      await waitUntil(
        "the last seen to move on",
        async () =>
          await page.$eval(
              byTestId("alert-item"),
              (item) => item.getAttribute("data-alert-id")!,
            ) !== firstId || (await lastSeen()) !== first,
        10_000,
      );

      // An acknowledged alert's text keeps 4.5:1 against its card.
      await postAsOtherClient(server.url, `/api/alerts/${firstId}/ack`);
      const acked = `${byTestId("alert-item")}[data-alert-id="${firstId}"]`;
      await page.waitForSelector(`${acked}[data-acknowledged="true"]`);
      const texts = await page.$eval(acked, (item) => {
        const opacity = (element: Element | null) => {
          let product = 1;
          for (let e = element; e; e = e.parentElement) {
            product *= Number(getComputedStyle(e).opacity);
          }
          return product;
        };
        const background = getComputedStyle(item).backgroundColor;
        return [...item.querySelectorAll(".alert-hosts, .alert-meta span")]
          .map((element) => ({
            text: (element.textContent ?? "").trim(),
            colour: getComputedStyle(element).color,
            opacity: opacity(element),
            background,
          }));
      });
      assert.ok(texts.length >= 3);
      for (const { text, colour, opacity, background } of texts) {
        assert.equal(opacity, 1, `"${text}" is not dimmed`);
        const ratio = contrastRatio(colour, background);
        assert.ok(ratio >= 4.5, `"${text}": ${ratio.toFixed(2)}:1`);
      }
      assert.deepEqual(errors, [], "no console errors");
    },
  );
});
