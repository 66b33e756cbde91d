import type { JSX } from "preact";
import { AlertFeed } from "./components/AlertFeed.tsx";
import { AlertModal } from "./components/AlertModal.tsx";
import { ConnectionBanner } from "./components/ConnectionBanner.tsx";
import { Header } from "./components/Header.tsx";
import { KpiCards } from "./components/KpiCards.tsx";
import { LatencyBars } from "./components/LatencyBars.tsx";
import { PacketModal } from "./components/PacketModal.tsx";
import { PacketTable } from "./components/PacketTable.tsx";
import { PacketToolbar } from "./components/PacketToolbar.tsx";
import { ProtocolChart } from "./components/ProtocolChart.tsx";
import { SessionNoticeBar } from "./components/SessionNoticeBar.tsx";
import { Toasts } from "./components/Toasts.tsx";
import { TopConversations } from "./components/TopConversations.tsx";
import { TopServerNames } from "./components/TopServerNames.tsx";
import { TopTalkers } from "./components/TopTalkers.tsx";
import { TrafficChart } from "./components/TrafficChart.tsx";
import { offline, sessionEnded } from "./state.ts";

/** The whole dashboard: header, three columns, modals and toasts. */
export function App(): JSX.Element {
  return (
    <div class="app">
      <ConnectionBanner />
      <Header />
      <SessionNoticeBar />
      <main class={offline.value ? "main offline" : "main"}>
        <aside class="column left" aria-label="Overview">
          <KpiCards />
          <ProtocolChart />
          <LatencyBars />
          <TopTalkers />
          <TopConversations />
          <TopServerNames />
        </aside>
        <section class="column centre" aria-label="Packets">
          <section class="panel timeline-panel">
            <div class="panel-title">
              <h2>Traffic</h2>
              <span class="legend-inline">
                <span class="swatch" style={{ background: "#4f8cff" }} />
                packets/s
                <span class="swatch dashed" />
                bits/s
                <span class="muted" data-testid="timeline-span">
                  · {sessionEnded.value
                    ? "whole session (at most its last 5 min)"
                    : "last 60 s"}
                </span>
              </span>
            </div>
            <TrafficChart />
          </section>
          <section class="panel packets-panel">
            <PacketToolbar />
            <PacketTable />
          </section>
        </section>
        <aside class="column right" aria-label="Alerts">
          <AlertFeed />
        </aside>
      </main>
      <PacketModal />
      <AlertModal />
      <Toasts />
    </div>
  );
}
