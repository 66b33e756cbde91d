/**
 * The packet table, its search and the packet modal in real headless
 * Chromium against the real demo server: whole-host, addr:port and TCP flag
 * searches, "Search sensor" (the server's matches, said as such) and its
 * matches over the whole session as a PCAP, the
 * table's columns at common widths, a following table's top row, and the
 * modal's layers and one-packet PCAP.
 */

import assert from "node:assert/strict";
import {
  byTestId,
  type DashboardTest,
  postAsOtherClient,
  resizeTo,
  textOf,
  waitUntil,
  withDemoDashboard,
} from "./browser/harness.ts";
import type { Page } from "./browser/puppeteer.ts";
import { CaptureParser } from "../capture/pcap_reader.ts";
import { readPacketFile } from "../capture/packet_source.ts";
import type { SessionInfo } from "../server/sensor.ts";

/** The widths the table must fit (README: no sideways scroll from 760 px up). */
const WIDTHS = [1920, 1366, 1024, 760];

/** The classic Wireshark HTTP sample: 43 packets, two of them DNS over UDP. */
const HTTP_CAP = new URL(
  "../../shared/pcaps/benign/http_get_classic_wireshark_sample__http.cap",
  import.meta.url,
).pathname;

/** Starts a demo server, opens its dashboard at `viewport` with rows shown for `test`, and stops both. */
function withDemo(
  viewport: { width: number; height: number },
  test: DashboardTest,
): Promise<void> {
  return withDemoDashboard(viewport, async (page, errors, server, dir) => {
    await page.goto(server.url, { waitUntil: "load" });
    await page.waitForSelector(byTestId("packet-row"));
    await test(page, errors, server, dir);
  });
}

/** Whether any two of the packet toolbar's controls overlap. */
function toolbarOverlaps(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const controls = [
      ...document.querySelectorAll(
        '[data-testid="packet-toolbar"] :is(button, a, input, label)',
      ),
    ];
    return controls.some((a, i) =>
      controls.some((b, j) => {
        // A label holds its checkbox.
        if (i >= j || a.contains(b) || b.contains(a)) return false;
        const p = a.getBoundingClientRect();
        const q = b.getBoundingClientRect();
        return p.left < q.right - 1 && q.left < p.right - 1 &&
          p.top < q.bottom - 1 && q.top < p.bottom - 1;
      })
    );
  });
}

/** Sets the search box to `text` as typing would. */
async function search(page: Page, text: string): Promise<void> {
  await page.$eval(byTestId("search-input"), (input, value) => {
    (input as HTMLInputElement).value = value;
    input.dispatchEvent(new Event("input", { bubbles: true }));
  }, text);
}

interface ShownRow {
  src: string;
  dst: string;
  srcPort: string;
  dstPort: string;
  flags: string;
  info: string;
}

/** The rows in the DOM, as their cells and titles say. */
function shownRows(page: Page): Promise<ShownRow[]> {
  return page.$$eval(byTestId("packet-row"), (rows) =>
    rows.map((row) => {
      const cells = [...row.children] as HTMLElement[];
      const port = (cell: HTMLElement) => /:(\d+)$/.exec(cell.title)?.[1] ?? "";
      return {
        src: cells[2]!.textContent ?? "",
        dst: cells[3]!.textContent ?? "",
        srcPort: port(cells[2]!),
        dstPort: port(cells[3]!),
        flags: cells[6]!.textContent ?? "",
        info: cells[8]!.textContent ?? "",
      };
    }));
}

Deno.test("packets: search matches whole hosts, the page's addr:port form and TCP flag words, Search sensor shows the sensor's matches, said as such, and every match of the session downloads as a PCAP", async () => {
  await withDemo(
    { width: 1440, height: 900 },
    async (page, errors, server, dir) => {
      // The demo's attacker, 192.168.1.66, begins with another address.
      await waitUntil(
        "a row of 192.168.1.66",
        async () =>
          (await shownRows(page)).length > 0 &&
          (await page.evaluate(() =>
            document.body.textContent?.includes("192.168.1.66") ?? false
          )),
        30_000,
      );
      await search(page, "192.168.1.6");
      const exact = await shownRows(page);
      assert.deepEqual(
        exact.filter((row) =>
          row.src !== "192.168.1.6" && row.dst !== "192.168.1.6" &&
          !/(^|[^\d.])192\.168\.1\.6([^\d]|$)/.test(row.info)
        ),
        [],
        "192.168.1.6 matches that host only, not 192.168.1.66",
      );

      // An endpoint as the row's tooltip (and the packet modal) write it.
      await search(page, "");
      const withPort = (await shownRows(page)).find((row) =>
        row.srcPort !== "" && !row.src.includes(":")
      );
      assert.ok(withPort, "a row with a port");
      const endpoint = `${withPort.src}:${withPort.srcPort}`;
      await search(page, endpoint);
      await waitUntil(`rows of ${endpoint}`, async () => {
        const rows = await shownRows(page);
        return rows.length > 0 &&
          rows.every((row) =>
            (row.src === withPort.src && row.srcPort === withPort.srcPort) ||
            (row.dst === withPort.src && row.dstPort === withPort.srcPort)
          );
      });

      // Flag words: the demo's SYN flood and scans send SYNs.
      await search(page, "SYN");
      await waitUntil("rows with SYN set", async () => {
        const rows = await shownRows(page);
        return rows.length > 0 && rows.every((row) => row.flags.includes("S"));
      }, 30_000);
      await search(page, "[S]");
      await waitUntil("rows with SYN alone", async () => {
        const rows = await shownRows(page);
        return rows.length > 0 && rows.every((row) => row.flags === "S");
      });
      assert.equal(
        await page.$eval(
          byTestId("row-count"),
          (e) => e.getAttribute("data-source"),
        ),
        "page",
      );
      assert.match(await textOf(page, "row-count"), /rows on this page/);

      // The sensor's matches: its own rows, and where it looked.
      await search(page, "SYN");
      await page.click(byTestId("sensor-search-button"));
      await page.waitForSelector(
        `${byTestId("row-count")}[data-source="sensor"]`,
      );
      const said = await textOf(page, "row-count");
      const match =
        /^Sensor: (?:(\d[\d,]*) match(?:es)? in its last (\d[\d,]*) packets|the newest (\d[\d,]*) matches, in its packets) \(#(\d[\d,]*)–#(\d[\d,]*)\)$/
          .exec(said);
      assert.ok(match, `the sensor's matches said plainly: "${said}"`);
      const count = Number((match[1] ?? match[3])!.replaceAll(",", ""));
      assert.ok(count > 0, said);
      const rows = await shownRows(page);
      assert.ok(
        rows.length > 0 && rows.every((row) => row.flags.includes("S")),
      );
      const highest = Number(match[5]!.replaceAll(",", ""));
      const numbers = await page.$$eval(
        byTestId("packet-row"),
        (items) => items.map((item) => Number(item.getAttribute("data-n"))),
      );
      assert.ok(numbers.every((n) => n <= highest), "rows from the search");
      // The API gives the same rows for the same packets (the newest of them).
      const api = await server.api<{ n: number }[]>(
        `/api/packets?limit=10000&q=SYN`,
      );
      const fromApi = new Set(api.map((row) => row.n));
      const older = numbers.filter((n) => n <= (api[0]?.n ?? 0));
      assert.ok(
        older.every((n) => fromApi.has(n) || n < (api.at(-1)?.n ?? 0)),
        "every row shown is one the API matches",
      );
      // Every match of the session, read from its PCAP on disk: at least
      // those the sensor's recent packets held, each a SYN.
      const session = await server.api<SessionInfo>("/api/session");
      assert.equal(await textOf(page, "matches-pcap-link"), "Matches as PCAP");
      // The toolbar wraps rather than lay its buttons over each other.
      for (const width of WIDTHS) {
        await resizeTo(page, width, 900);
        assert.equal(
          await toolbarOverlaps(page),
          false,
          `no toolbar control over another at ${width} px`,
        );
      }
      await resizeTo(page, 1440, 900);
      await page.click(byTestId("matches-pcap-link"));
      const saved = `netmirror-${session.id}-matches.pcap`;
      await waitUntil("the matches' PCAP downloaded", async () => {
        for await (const entry of Deno.readDir(dir)) {
          if (entry.name === saved) return true;
        }
        return false;
      }, 60_000);
      let frames = 0;
      let syns = 0;
      await readPacketFile(`${dir}/${saved}`, (packet) => {
        frames++;
        if (
          packet.transport === "tcp" && (packet.tcpFlags & 0x02) !== 0
        ) syns++;
      });
      assert.ok(
        frames >= count,
        `${frames} frames, the sensor showed ${count}`,
      );
      assert.equal(syns, frames, "every frame a SYN");

      // Another search goes back to the page's rows until the sensor is asked.
      await search(page, "SYN ");
      await page.waitForSelector(
        `${byTestId("row-count")}[data-source="page"]`,
      );
      await search(page, "SYN");
      await page.waitForSelector(
        `${byTestId("row-count")}[data-source="sensor"]`,
      );
      await page.click(byTestId("page-rows-button"));
      await page.waitForSelector(
        `${byTestId("row-count")}[data-source="page"]`,
      );
      assert.deepEqual(errors, [], "no console errors");
    },
  );
});

Deno.test("packets: the table's columns at 1920, 1366, 1024 and 760 px: IPv4 whole, Info wider than an address, no sideways scroll, cut text in a tooltip", async () => {
  await withDemo({ width: 1920, height: 900 }, async (page, errors) => {
    await waitUntil(
      "traffic in the table",
      async () => (await shownRows(page)).length > 20,
    );
    assert.match(
      await page.$eval(
        ".thead > :nth-child(6)",
        (head) => `${head.textContent} ${(head as HTMLElement).title}`,
      ),
      /bytes/i,
      "the Length column says its unit",
    );
    for (const width of WIDTHS) {
      await resizeTo(page, width, 900);
      const layout = await page.evaluate(() => {
        const scroll = document.querySelector(
          '[data-testid="packet-table-scroll"]',
        ) as HTMLElement;
        const rows = [
          ...document.querySelectorAll('[data-testid="packet-row"]'),
        ] as HTMLElement[];
        const cutIpv4: string[] = [];
        const untitled: string[] = [];
        let widestAddress = 0;
        let info = 0;
        for (const row of rows) {
          const cells = [...row.children] as HTMLElement[];
          for (const cell of [cells[2]!, cells[3]!]) {
            // The widest IPv4 address, whatever this row's is.
            const text = cell.textContent ?? "";
            const cut = cell.scrollWidth > cell.clientWidth;
            if (!text.includes(":")) {
              cell.textContent = "255.255.255.255";
              if (cell.scrollWidth > cell.clientWidth) cutIpv4.push(text);
              cell.textContent = text;
            } else if (cut && !cell.title.includes(text)) untitled.push(text);
            widestAddress = Math.max(widestAddress, cell.clientWidth);
          }
          const infoCell = cells[8]!;
          info = infoCell.clientWidth;
          if (
            infoCell.scrollWidth > infoCell.clientWidth &&
            infoCell.title !== infoCell.textContent
          ) untitled.push(infoCell.textContent ?? "");
        }
        return {
          rows: rows.length,
          overflow: scroll.scrollWidth - scroll.clientWidth,
          cutIpv4: [...new Set(cutIpv4)],
          untitled,
          widestAddress,
          info,
        };
      });
      assert.ok(layout.rows > 0, `${width} px: rows`);
      assert.ok(
        layout.overflow <= 0,
        `${width} px: the table scrolls ${layout.overflow} px sideways`,
      );
      assert.deepEqual(layout.cutIpv4, [], `${width} px: IPv4 addresses cut`);
      assert.deepEqual(layout.untitled, [], `${width} px: cut text, no title`);
      assert.ok(layout.info >= 60, `${width} px: Info ${layout.info} px`);
      if (width >= 1366) {
        assert.ok(
          layout.info >= 2 * layout.widestAddress,
          `${width} px: Info (${layout.info} px) gets the room, not the addresses (${layout.widestAddress} px)`,
        );
      }
    }
    assert.deepEqual(errors, [], "no console errors");
  });
});

Deno.test("packets: a following table's top row is whole under the sticky header", async () => {
  await withDemo({ width: 1366, height: 768 }, async (page) => {
    for (const height of [768, 777, 790]) {
      await page.setViewport({ width: 1366, height });
      await waitUntil(
        `a full table at ${height} px`,
        async () =>
          await page.$eval(
            byTestId("packet-table-scroll"),
            (scroll) => scroll.scrollHeight > scroll.clientHeight * 2,
          ),
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
      const cut = await page.evaluate(() => {
        const head = document.querySelector(".thead")!.getBoundingClientRect();
        const rows = [
          ...document.querySelectorAll('[data-testid="packet-row"]'),
        ].map((row) => row.getBoundingClientRect());
        // The top row: the first whose bottom is below the header.
        const top = rows.find((rect) => rect.bottom > head.bottom + 0.5);
        return top ? head.bottom - top.top : NaN;
      });
      assert.ok(
        Math.abs(cut) <= 1,
        `${height} px: the top row is ${cut} px under the header`,
      );
    }
  });
});

Deno.test("packets: the packet modal shows the layers a UDP packet has, codes named, all fields on request, and downloads the packet as a PCAP", async () => {
  await withDemo(
    { width: 1440, height: 900 },
    async (page, errors, server, downloadDir) => {
      // A finished replay: every packet's bytes stay held (at the demo's
      // rates the sensor holds its last 10,000 packets for about a second).
      await postAsOtherClient(server.url, "/api/stop");
      await postAsOtherClient(server.url, "/api/start", {
        mode: "replay",
        file: HTTP_CAP,
      });
      await waitUntil("the replay to finish", async () => {
        const session = await server.api<SessionInfo>("/api/session");
        return session.mode === "replay" && session.state === "stopped";
      });
      await waitUntil(
        "the replay's rows",
        async () =>
          (await textOf(page, "row-count")).startsWith("43 / 43 rows"),
      );
      await page.click(byTestId("chip-DNS"));
      await waitUntil(
        "DNS rows",
        async () => (await shownRows(page)).length > 0,
      );
      await page.click(byTestId("pause-button"));
      const newest = `${byTestId("packet-row")}:last-child`;
      const number = await page.$eval(
        newest,
        (row) => row.getAttribute("data-n"),
      );
      await page.click(newest);
      await page.waitForSelector(byTestId("packet-layer"));
      const layers = await page.$$eval(
        byTestId("packet-layer"),
        (items) => items.map((item) => item.getAttribute("data-layer")),
      );
      assert.ok(layers.includes("UDP"), layers.join());
      assert.ok(layers.includes("DNS"), layers.join());
      assert.ok(!layers.includes("TCP"), "no TCP layer on a UDP packet");
      const fields = await page.$$eval(
        `${byTestId("packet-layer")} ${byTestId("layer-field")}`,
        (items) =>
          Object.fromEntries(items.map((item) => [
            `${item.closest("[data-layer]")!.getAttribute("data-layer")}/${
              item.getAttribute("data-label")
            }`,
            item.querySelector("dd")!.textContent,
          ])),
      );
      assert.equal(fields["Frame/Link type"], "1 (Ethernet)");
      assert.equal(
        fields["IPv4/Protocol"] ?? fields["IPv6/Protocol"],
        "17 (UDP)",
      );
      assert.match(fields["DNS/Kind"] ?? "", /^(query|response)$/);
      // The raw record stays reachable, folded away.
      const all = await page.$eval(
        byTestId("packet-all-fields"),
        (details) => (details as HTMLDetailsElement).open,
      );
      assert.equal(all, false);
      assert.ok(
        (await page.$$(byTestId("packet-field"))).length >= 30,
        "every decoded field under All decoded fields",
      );

      await page.click(byTestId("packet-pcap-button"));
      let saved = "";
      await waitUntil("the packet's PCAP downloaded", async () => {
        for await (const entry of Deno.readDir(downloadDir)) {
          if (entry.name.endsWith(`packet-${number}.pcap`)) saved = entry.name;
        }
        return saved !== "";
      });
      const bytes = await Deno.readFile(`${downloadDir}/${saved}`);
      let frames = 0;
      const parser = new CaptureParser();
      parser.push(bytes, () => frames++);
      parser.finish();
      assert.equal(frames, 1);
      assert.deepEqual(errors, [], "no console errors");
    },
  );
});

Deno.test("overview: the top server names panel lists the TLS server names and HTTP hosts the sensor counted", async () => {
  await withDemo({ width: 1440, height: 900 }, async (page, errors, server) => {
    await waitUntil(
      "a server name listed",
      async () => (await page.$$(byTestId("server-name"))).length >= 2,
      30_000,
    );
    const shown = await page.$$eval(
      byTestId("server-name"),
      (items) => items.map((item) => item.querySelector(".mono")?.textContent),
    );
    const api = await server.api<{ serverNames: { name: string }[] }>(
      "/api/stats",
    );
    const counted = new Set(api.serverNames.map((entry) => entry.name));
    for (const name of shown) {
      assert.ok(counted.has(name ?? ""), `${name} is one the sensor counted`);
    }
    assert.match(
      await textOf(page, "server-names-panel"),
      /\d+ (TLS|HTTP).*\d+ clients?/,
    );
    assert.deepEqual(errors, [], "no console errors");
  });
});
