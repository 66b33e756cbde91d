import { computed } from "@preact/signals";
import type { JSX } from "preact";
import { useEffect } from "preact/hooks";
import type { CaptureMode } from "../../server/sensor.ts";
import { formatBytes, formatCount, formatDuration } from "../format.ts";
import {
  loadReplayFiles,
  replayFileLabel,
  replayFiles,
} from "../replay_files.ts";
import { formatUtcOffset } from "../time_zone.ts";
import {
  actionError,
  activeAlerts,
  alertCount,
  alerts,
  busy,
  clearAll,
  connection,
  disconnectedMs,
  downloadReport,
  downloadSessionPcap,
  fileInput,
  filterInput,
  interfaceInput,
  interfaces,
  modeInput,
  now,
  offline,
  packetCount,
  running,
  session,
  sessionPcapBytes,
  sessionPcapUrl,
  startCapture,
  stats,
  statusMessage,
  stopCapture,
} from "../state.ts";

// Computed text bound straight into the DOM (no re-render of the header).
const packetsText = computed(() => formatCount(packetCount.value));
// The stats event counts every alert of the session, once a second; the
// alert events arrive at once: show whichever is ahead.
const alertsText = computed(() =>
  formatCount(Math.max(alertCount.value, alerts.value.size))
);
const uptimeText = computed(() => {
  const current = session.value;
  if (!current) return "–";
  if (current.mode === "replay") {
    // A replay takes a moment of wall-clock time: what it covers is the
    // capture's own span, in packet time.
    const snapshot = stats.value;
    const first = snapshot?.firstPacketUs ?? null;
    const last = snapshot?.lastPacketUs ?? null;
    if (first === null || last === null) return "–";
    const seconds = (last - first) / 1e6;
    // Tenths below 10 s: a short capture's span is not "0s".
    return seconds < 10
      ? `${Math.floor(seconds * 10) / 10}s`
      : formatDuration(seconds);
  }
  // Frozen while the sensor is unreachable: its session may have ended.
  const end = current.stoppedMs ?? disconnectedMs.value ?? now.value;
  return formatDuration((end - current.startedMs) / 1000);
});

// The zone of local time at the session's latest packet (a replay of a
// summer capture in winter shows summer's offset, as its times do), or now.
const zoneText = computed(() => {
  const lastUs = stats.value?.lastPacketUs ?? null;
  return formatUtcOffset(lastUs === null ? now.value : lastUs / 1000);
});

/** The top bar: capture controls, exports, status pill, counters and uptime. */
export function Header(): JSX.Element {
  const mode = modeInput.value;
  const isRunning = running.value;
  const isBusy = busy.value;
  const isOffline = offline.value;
  const current = session.value;
  const error = actionError.value;
  const pcapBytes = sessionPcapBytes.value;
  const filterError = error?.aboutFilter === true;
  const start = () => void startCapture();
  return (
    <header class="header" data-testid="header">
      <div class="brand">
        <span class="logo" aria-hidden="true">◉</span> NetMirror
      </div>
      <div class="controls">
        <select
          data-testid="mode-select"
          aria-label="Capture mode"
          value={mode}
          disabled={isRunning}
          onChange={(event) =>
            modeInput.value = event.currentTarget.value as CaptureMode}
        >
          <option value="demo">Demo</option>
          <option value="live">Live</option>
          <option value="replay">Replay</option>
        </select>
        {mode === "live" && (
          <select
            data-testid="interface-select"
            aria-label="Interface"
            value={interfaceInput.value}
            disabled={isRunning}
            onChange={(event) =>
              interfaceInput.value = event.currentTarget.value}
          >
            {interfaces.value.length === 0 && (
              <option value="">no interfaces</option>
            )}
            {interfaces.value.map((nic) => (
              <option key={nic.name} value={nic.name}>
                {nic.name}
                {nic.up || !nic.linkState ? "" : " (down)"}
                {nic.addresses[0] ? ` ${nic.addresses[0]}` : ""}
              </option>
            ))}
          </select>
        )}
        {mode === "replay" && <ReplayFileField disabled={isRunning} />}
        <div class="filter-field">
          <input
            class={filterError ? "filter-input invalid" : "filter-input"}
            data-testid="filter-input"
            aria-label="BPF filter"
            aria-invalid={filterError}
            {...(filterError ? { "aria-describedby": "filter-error" } : {})}
            placeholder={mode === "demo"
              ? "BPF filter (live and replay)"
              : "BPF filter, e.g. tcp port 443"}
            value={filterInput.value}
            disabled={isRunning || mode === "demo"}
            spellcheck={false}
            onInput={(event) => {
              filterInput.value = event.currentTarget.value;
              if (filterError) actionError.value = null;
            }}
            onKeyDown={(event) => {
              if (event.key === "Enter" && !isRunning) start();
            }}
          />
          {filterError && (
            <div
              class="inline-error"
              id="filter-error"
              role="alert"
              data-testid="start-error"
            >
              {error.message}
            </div>
          )}
        </div>
        <button
          type="button"
          class="btn primary"
          data-testid="start-button"
          disabled={isRunning || isBusy || isOffline}
          onClick={start}
        >
          ▶ Start
        </button>
        <button
          type="button"
          class="btn danger"
          data-testid="stop-button"
          disabled={!isRunning || isBusy || isOffline}
          onClick={() => void stopCapture()}
        >
          ■ Stop
        </button>
        <span class="divider" />
        <button
          type="button"
          class="btn"
          data-testid="report-button"
          disabled={isBusy || !current}
          onClick={() => void downloadReport()}
        >
          Report
        </button>
        {current
          ? (
            <a
              class="btn"
              data-testid="pcap-link"
              title={pcapBytes === null
                ? "Download the session PCAP"
                : `Download the session PCAP (${formatBytes(pcapBytes)}${
                  isRunning ? " so far" : ""
                })`}
              href={sessionPcapUrl(current.id)}
              download={`netmirror-${current.id}.pcap`}
              onClick={(event) => {
                event.preventDefault();
                void downloadSessionPcap(current.id);
              }}
            >
              PCAP
              {pcapBytes !== null && (
                <span class="pcap-size" data-testid="pcap-size">
                  {` · ${formatBytes(pcapBytes)}`}
                </span>
              )}
            </a>
          )
          : (
            <button
              type="button"
              class="btn"
              data-testid="pcap-link"
              disabled
            >
              PCAP
            </button>
          )}
        <button
          type="button"
          class="btn"
          data-testid="clear-button"
          disabled={isBusy}
          onClick={() => {
            // Every open page loses them too: asked, never by one slip.
            if (globalThis.confirm(clearQuestion())) void clearAll();
          }}
        >
          Clear
        </button>
        {error && !filterError && (
          <div
            class="inline-error action-error"
            role="alert"
            data-testid="action-error"
          >
            {error.message}
            <button
              type="button"
              class="link-button"
              aria-label="Dismiss"
              onClick={() => actionError.value = null}
            >
              ×
            </button>
          </div>
        )}
      </div>
      <div class="status">
        <StatusPill />
        <SessionNote />
        <span class="counter" title="Packets in this session">
          <span class="muted">Packets</span>{" "}
          <strong data-testid="packet-counter">{packetsText}</strong>
        </span>
        <span class="counter" title="Alerts in this session">
          <span class="muted">Alerts</span>{" "}
          <strong data-testid="alert-counter">{alertsText}</strong>
        </span>
        <span
          class="counter"
          title={current?.mode === "replay"
            ? "The replayed capture's span, first packet to last"
            : "Session uptime"}
        >
          <span class="muted">
            {current?.mode === "replay" ? "Span" : "Up"}
          </span>{" "}
          <strong data-testid="uptime">{uptimeText}</strong>
        </span>
        <span
          class="counter"
          data-testid="time-zone"
          title="Times on this page are the browser's local time, 24-hour (the command line and EVE write UTC)"
        >
          <span class="muted">Times</span> <strong>{zoneText}</strong>
        </span>
        <span
          class={`dot ${connection.value === "open" ? "online" : "offline"}`}
          data-testid="connection-state"
          data-state={connection.value}
          title={connection.value === "open"
            ? `Connected. ${statusMessage.value}`
            : "Disconnected"}
        />
      </div>
    </header>
  );
}

/**
 * What the pill cannot say: why the session failed, that its link is down
 * or its PCAP cannot be written, and what it lost on the way (decode
 * anomalies, and apart from them headers the snap length cut, by name in
 * the tooltip; packets tcpdump or NetMirror dropped; frames left out of
 * the session PCAP, or deleted from it with its oldest files).
 */
function SessionNote(): JSX.Element | null {
  const current = session.value;
  if (!current) return null;
  const anomalies = Object.entries(current.anomalies ?? {});
  const anomalyCount = anomalies.reduce((sum, [, count]) => sum + count, 0);
  const cuts = Object.entries(current.cuts ?? {});
  const cutCount = cuts.reduce((sum, [, count]) => sum + count, 0);
  const losses: [number, string][] = [
    [anomalyCount, anomalyCount === 1 ? "decode anomaly" : "decode anomalies"],
    [
      cutCount,
      `header${cutCount === 1 ? "" : "s"} cut by the snap length (no damage)`,
    ],
    [current.droppedByKernel, "dropped by the kernel"],
    [current.skippedByReader, "skipped behind tcpdump"],
    [current.pcapDroppedFrames, "left out of the session PCAP"],
    [current.pcapRotatedFrames, "rotated out of the session PCAP"],
  ];
  const said = losses.filter(([count]) => count > 0).map(([count, what]) =>
    `${formatCount(count)} ${what}`
  );
  const failed = current.state === "failed" && current.error !== "";
  const linkDown = current.state === "running" && current.linkDown;
  const notices = [
    failed ? `Failed: ${current.error}` : "",
    linkDown ? `Link of ${current.interface} down: nothing is captured` : "",
    current.pcapError ? `Session PCAP not written: ${current.pcapError}` : "",
  ].filter((part) => part !== "");
  if (notices.length === 0 && said.length === 0) return null;
  const text = [...notices, ...said].join(" · ");
  const alarm = failed || linkDown;
  return (
    <span
      class={alarm ? "session-note failed" : "session-note"}
      data-testid="session-note"
      role={alarm ? "alert" : undefined}
      title={[
        text,
        ...anomalies.map(([name, count]) => `${name}: ${count}`),
        ...cuts.map(([name, count]) => `${name}: ${count} (snap length)`),
      ].join("\n")}
    >
      {text}
    </span>
  );
}

/**
 * demo / live / replay while running, stopped / failed after, idle before
 * any session, offline while the sensor is unreachable; pulsing red while
 * alerts are active (not while offline: they may be over).
 */
function StatusPill(): JSX.Element {
  const current = session.value;
  const label = offline.value
    ? "offline"
    : current?.state === "running"
    ? current.mode
    : current?.state ?? "idle";
  const alerting = label !== "offline" && activeAlerts.value > 0;
  return (
    <span
      class={`pill pill-${label}${alerting ? " alerting" : ""}`}
      data-testid="status-pill"
      data-state={label}
      data-alerting={alerting}
      title={statusMessage.value || undefined}
    >
      {label}
    </span>
  );
}

/** What a clear forgets, asked before it is done. */
export function clearQuestion(): string {
  const count = Math.max(alertCount.value, alerts.value.size);
  return `Forget ${formatCount(count)} alert${
    count === 1 ? "" : "s"
  }, the packet rows and the statistics, for every open page? The session PCAP stays on disk; export the report first to keep the alerts.`;
}

/**
 * The replay's file: any path on the sensor, with the capture files under
 * its `--replay-dir` offered as suggestions when it has one.
 */
function ReplayFileField({ disabled }: { disabled: boolean }): JSX.Element {
  useEffect(() => void loadReplayFiles(), []);
  const list = replayFiles.value;
  return (
    <>
      <input
        class="file-input"
        data-testid="file-input"
        aria-label="Capture file on the sensor"
        placeholder={list
          ? `a capture under ${list.dir}`
          : "/path/to/capture.pcap"}
        title={list
          ? `${list.files.length} capture files under ${list.dir}${
            list.more ? " (more not listed)" : ""
          }; type to narrow them`
          : undefined}
        list={list ? "replay-files" : undefined}
        value={fileInput.value}
        disabled={disabled}
        onInput={(event) => fileInput.value = event.currentTarget.value}
      />
      {list && (
        <datalist id="replay-files" data-testid="replay-files">
          {list.files.map((file) => (
            <option key={file.path} value={file.path}>
              {replayFileLabel(file.path, file.bytes, list.dir)}
            </option>
          ))}
        </datalist>
      )}
    </>
  );
}
