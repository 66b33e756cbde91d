/**
 * The sensor: one capture session at a time (live, demo or replay), each
 * run through decode → analysis engine → frame ring (with the recent
 * packets' numbers), session PCAP → event bus. The server's handlers call
 * this; nothing here knows about HTTP.
 *
 * @module
 */

import { resolve } from "node:path";
import { AnomalyCounter } from "../capture/anomalies.ts";
import { validateFilter } from "../capture/bpf.ts";
import { decodeInto } from "../capture/decode/mod.ts";
import {
  DecodedPacket,
  keptText,
  plainPacket,
} from "../capture/decoded_packet.ts";
import { checkCaptureAccess, listInterfaces } from "../capture/interfaces.ts";
import {
  type CaptureOutput,
  capturePackets,
  describeOutput,
  type LiveCapture,
} from "../capture/live_capture.ts";
import { readPacketFile } from "../capture/packet_source.ts";
import { sniffCaptureFormat } from "../capture/read_capture.ts";
import { LINK_TYPE, type PcapRecord } from "../capture/pcap_record.ts";
import type { PacketRecord } from "../capture/packet_record.ts";
import { TcpdumpError } from "../capture/tcpdump_errors.ts";
import type { TcpdumpStats } from "../capture/tcpdump.ts";
import { CaptureFormatError, namingCapture } from "../capture/pcap_reader.ts";
import type { Alert } from "../detectors/alert.ts";
import type { AlertTally } from "../detectors/alert_lifecycle.ts";
import { AlertAcks } from "./alert_acks.ts";
import {
  type AlertEvent,
  AlertNumbering,
} from "../detectors/alert_lifecycle.ts";
import { AnalysisEngine, type EngineConfig } from "../detectors/engine.ts";
import { DEFAULT_BATCH_PACKETS, EngineFeed } from "../detectors/engine_feed.ts";
import type { EventBus } from "./event_bus.ts";
import type { SensorEvent, StatusEvent } from "./events.ts";
import { FrameRing, type FrameRingOptions } from "./frame_ring.ts";
import { PacketRing } from "./packet_row.ts";
import { LinkWatch } from "./link_state.ts";
import { RecentPackets } from "./recent_packets.ts";
import {
  DEFAULT_PACKET_ROWS_PER_SECOND,
  PacketSampler,
} from "./packet_sampler.ts";
import {
  PCAP_STORE_DEFAULTS,
  type PcapStoreOptions,
  pruneDataDir,
  SessionPcapWriter,
} from "./pcap_store.ts";
import { SensorError, withoutOsError } from "./session_errors.ts";
import { withPermissionHint } from "./permission_hint.ts";
import { LatencyHistograms, LifetimeCounters } from "./metrics.ts";
import { replayAtCaptureSpeed } from "./paced_replay.ts";

/** Capture modes. */
export type CaptureMode = "live" | "demo" | "replay";

/** One frame of simulated traffic. */
export interface SimulatedFrame {
  /** Packet time, µs since the epoch. */
  timestampUs: number;
  /** Ethernet frame bytes. */
  bytes: Uint8Array;
}

/** A source of simulated traffic (the demo). */
export interface SimulatedTraffic {
  /** Every frame before `untilUs`, in time order, continuing from the last call. */
  framesUntil(untilUs: number): SimulatedFrame[];
}

/** What `start` is asked to run. */
export interface StartOptions {
  mode: CaptureMode;
  /** Interface for live mode. */
  interface?: string;
  /** BPF expression ("" for everything). */
  filter?: string;
  /** Capture file for replay mode. */
  file?: string;
  /** Replay at capture speed instead of as fast as possible. */
  realtime?: boolean;
}

/** A session as the API reports it. */
export interface SessionInfo {
  id: string;
  mode: CaptureMode;
  interface: string;
  filter: string;
  file: string;
  state: "running" | "stopped" | "failed";
  /** Wall-clock start and end, ms since the epoch (end null while running). */
  startedMs: number;
  stoppedMs: number | null;
  /**
   * Wall-clock time of the session's last clear, ms since the epoch, or null.
   * Packets, bytes, anomalies, alerts and stats count from it; tcpdump's and
   * the session PCAP's counters, and the session PCAP itself, cover the
   * whole session.
   */
  clearedMs: number | null;
  packets: number;
  bytes: number;
  /** tcpdump's kernel drops (live mode; as tcpdump reported them about a second ago while running, final when it stops). */
  droppedByKernel: number;
  /** tcpdump's count of captured packets (live mode; as tcpdump reported it about a second ago while running, final when it stops). */
  tcpdumpCaptured: number;
  /** How a live session reads tcpdump: "ring" (files), "pipe" (stdout), "" otherwise. */
  captureOutput: "ring" | "pipe" | "";
  /** Why a live session reads through a pipe although a ring is the default, else "". */
  pipeReason: string;
  /** Packets tcpdump wrote that NetMirror skipped, a ring's files at a time, because it fell behind (live mode; known when it stops). */
  skippedByReader: number;
  /** Frames analysed but left out of the session PCAP (the disk fell behind a live capture, or a write failed). */
  pcapDroppedFrames: number;
  /** Whether a live session's interface is down (tcpdump -D, every few seconds): nothing can be captured until it is up. */
  linkDown: boolean;
  /** Why the session PCAP stopped being written (a full disk), or "": capture and analysis go on without it, its later frames counted in `pcapDroppedFrames`. */
  pcapError: string;
  /** Frames analysed but left out of the session PCAP because their link type differs from its first frame's (a pcapng with several interfaces; a PCAP file holds one link type). */
  pcapSkippedFrames: number;
  /** Frames written to the session PCAP and deleted with its oldest files, to keep it within `pcap.sessionBytes`: the PCAP no longer starts at the session's start. */
  pcapRotatedFrames: number;
  /** Why the session failed, else "". */
  error: string;
  /** Decode anomalies by name. */
  anomalies: Record<string, number>;
  /** Headers cut by the snap length, by the header the cut fell in (no damage; not among `anomalies`). */
  cuts: Record<string, number>;
}

/** Settings of a {@linkcode Sensor}. */
export interface SensorOptions {
  /** Where session PCAPs are written. */
  dataDir: string;
  /** Replays may read only files under this directory (symbolic links followed); any file NetMirror can read when absent. */
  replayDir?: string;
  /** Detector thresholds, home net, lifecycle. */
  engine?: EngineConfig;
  /** Limits of each session's pcap files. */
  pcap?: PcapStoreOptions;
  /** Limits of the alert-slice frame ring. */
  frames?: FrameRingOptions;
  /** Recent packets kept for `GET /api/packets` (while the frame ring holds their frames). */
  packetRingSize?: number;
  /** Records of packets streamed as rows, kept for `GET /api/packets/:n`. */
  streamedRingSize?: number;
  /** Packet rows streamed per second at most. */
  packetRowsPerSecond?: number;
  /** tcpdump's snap length (`-s`) and kernel buffer in KiB (`-B`) for live sessions; tcpdump.ts's defaults otherwise. */
  capture?: { snapLength?: number; bufferKib?: number; output?: CaptureOutput };
  /** Makes the demo traffic for a session starting at `startUs`. */
  createDemo?: (startUs: number) => SimulatedTraffic;
  /** Milliseconds between demo ticks. */
  demoTickMs?: number;
  /** Sees every decoded packet (e.g. the EVE log). */
  onPacket?: (packet: PacketRecord) => void;
  /** Sees every alert lifecycle event. */
  onAlert?: (event: AlertEvent) => void;
  /** Called when a session starts, before its first packet. */
  onSessionStart?: (session: SessionInfo) => void;
  /** Called when a session ends. */
  onSessionEnd?: (session: SessionInfo) => void;
  /** Called with the status line when a live session's link goes down or comes back. */
  onLinkChange?: (message: string) => void;
}

const BATCHES_PER_SECOND = 4;

/** Wall-clock quiet after which a live session moves packet time on by itself (see `Sensor.#idleTick`), ms. */
const IDLE_TICK_AFTER_MS = 2_000;

/** Demo frames handled between two yields to the event loop. */
const DEMO_SLICE = 1000;

/** Runs capture sessions and publishes their events on `bus`. */
export class Sensor {
  readonly #bus: EventBus<SensorEvent>;
  readonly #options: SensorOptions;
  /** The recent packets, decoded again from `frames` when asked for. */
  readonly packets: RecentPackets;
  readonly frames: FrameRing;
  /** Counters over the life of the process (folded in at each reset). */
  readonly lifetime = new LifetimeCounters();
  /** Latency histograms over the life of the process. */
  readonly latencyHistograms = new LatencyHistograms();
  /** Numbers every session's alerts: a new session never reuses an earlier one's ids. */
  readonly #alertNumbering = new AlertNumbering();
  #engine: AnalysisEngine;
  /** Gathers the pipeline's packets into the engine's batches (`#engine`'s). */
  #feed: EngineFeed;
  /** One counter for the sensor's life: sources hold it, a clear empties it. */
  readonly #anomalies = new AnomalyCounter();
  /** A clear (of a new session) that no status has announced yet. */
  #unannouncedClear = false;
  /** Settles when a start under way has its source running, or failed. */
  #starting: Promise<void> | undefined;
  /** A start under way, from its first check to its session's source started (settled either way). */
  #startAttempt: Promise<void> | undefined;
  #session: SessionInfo | undefined;
  readonly #acks = new AlertAcks();
  #sessionCount = 0;
  #stopSource: (() => Promise<void>) | undefined;
  #pcap: SessionPcapWriter | undefined;
  /** Settles when the last finished session's PCAP is written and closed. */
  #pcapClosed: Promise<void> = Promise.resolve();
  #sampler: PacketSampler;
  #timers: ReturnType<typeof setInterval>[] = [];
  #running: Promise<void> | undefined;
  #dropsFolded = false;
  /** The running live capture's skipped packets so far. */
  #liveSkipped: (() => number) | undefined;
  /** The live capture's {@linkcode LiveCapture.pollCounts}. */
  #pollTcpdump: (() => TcpdumpStats | undefined) | undefined;
  /** Latency each packet of the feed's batch completed, µs (-1: none), by its index in the batch. */
  readonly #measuredUs = new Float64Array(DEFAULT_BATCH_PACKETS);
  /** Packet number of the first packet in the feed's batch. */
  #batchFirstN = 0;
  /** Full records of the packets streamed as rows (the packet modal asks for them). */
  readonly #sampled: PacketRing<PacketRecord>;

  /** A sensor publishing on `bus`. */
  constructor(bus: EventBus<SensorEvent>, options: SensorOptions) {
    this.#bus = bus;
    this.#options = options;
    this.frames = new FrameRing(options.frames);
    this.packets = new RecentPackets(
      options.packetRingSize ?? 10_000,
      this.frames,
    );
    this.#sampled = new PacketRing(options.streamedRingSize ?? 10_000);
    this.#engine = this.#newEngine();
    this.#feed = new EngineFeed(this.#engine, this.#afterAnalysis);
    this.#sampler = new PacketSampler(
      Math.ceil(
        (options.packetRowsPerSecond ?? DEFAULT_PACKET_ROWS_PER_SECOND) /
          BATCHES_PER_SECOND,
      ),
    );
  }

  /** The current (or last) session, if any. */
  get session(): SessionInfo | undefined {
    return this.#session ? this.#snapshotSession() : undefined;
  }

  /** True while a session runs. */
  get running(): boolean {
    return this.#session?.state === "running";
  }

  /** The analysis engine of the current (or last) session. */
  get engine(): AnalysisEngine {
    return this.#engine;
  }

  /** Where session PCAPs are written. */
  get dataDir(): string {
    return this.#options.dataDir;
  }

  /** The directory replays are confined to (`--replay-dir`), if any. */
  get replayDir(): string | undefined {
    return this.#options.replayDir;
  }

  /** Alerts of the current session, newest first (the bounded history: see {@linkcode alertTally}). */
  alerts(): Alert[] {
    return this.#engine.alerts().reverse().map((alert) =>
      this.#acks.decorate(alert)
    );
  }

  /**
   * Marks alert `id` acknowledged by an analyst now, with `note`; the
   * alert as it is then, or undefined when the session has no such alert
   * (in its history or still active).
   */
  acknowledgeAlert(id: string, note: string): Alert | undefined {
    const alert = this.alert(id);
    if (alert === undefined) return undefined;
    this.#acks.acknowledge(alert, note, Date.now());
    return this.#publishAck(id);
  }

  /** Withdraws alert `id`'s acknowledgement; the alert, or undefined when there is none. */
  reopenAlert(id: string): Alert | undefined {
    if (this.alert(id) === undefined) return undefined;
    this.#acks.reopen(id);
    return this.#publishAck(id);
  }

  /** Alert `id` of the current session, in the history or still active (one the full history forgot), with its acknowledgement. */
  alert(id: string): Alert | undefined {
    const alert = this.#engine.alerts().find((alert) => alert.id === id) ??
      this.#engine.activeAlerts().find((alert) => alert.id === id);
    return alert && this.#acks.decorate(alert);
  }

  #publishAck(id: string): Alert {
    const alert = this.alert(id)!;
    this.#bus.publish({ type: "ack", alert });
    return alert;
  }

  /** Counts of every alert of the current session, also those the history has forgotten. */
  alertTally(): AlertTally {
    return this.#engine.alertTally();
  }

  /**
   * Starts a session. Throws {@linkcode SensorError}: 409 while one runs,
   * 400 for a bad mode, interface, filter or file.
   */
  async start(options: StartOptions): Promise<SessionInfo> {
    if (this.running || this.#running) {
      throw new SensorError(
        409,
        `A ${this.#session?.mode} capture is already running (session ${this.#session?.id}); stop it first`,
      );
    }
    const attempt = this.#start(options);
    const settled = attempt.then(() => {}, () => {});
    this.#startAttempt = settled;
    try {
      return await attempt;
    } finally {
      if (this.#startAttempt === settled) this.#startAttempt = undefined;
    }
  }

  async #start(options: StartOptions): Promise<SessionInfo> {
    const filter = (options.filter ?? "").trim();
    const iface = options.interface ?? "";
    // For a replay, the path it reads: the real one under --replay-dir.
    const file = await this.#validate(
      options.mode,
      iface,
      filter,
      options.file ?? "",
    );
    if (this.running || this.#running) {
      throw new SensorError(409, "A capture started meanwhile; stop it first");
    }
    this.#clearState();
    // Announced with the session's first status, started or failed.
    this.#unannouncedClear = true;
    this.lifetime.sessions++;
    this.#dropsFolded = false;
    const id = `s${Date.now().toString(36)}${
      (++this.#sessionCount).toString(36)
    }`;
    this.#session = {
      id,
      mode: options.mode,
      interface: options.mode === "live" ? iface : "",
      filter,
      file: options.mode === "replay" ? file : "",
      state: "running",
      startedMs: Date.now(),
      stoppedMs: null,
      clearedMs: null,
      packets: 0,
      bytes: 0,
      droppedByKernel: 0,
      tcpdumpCaptured: 0,
      captureOutput: "",
      pipeReason: "",
      skippedByReader: 0,
      pcapDroppedFrames: 0,
      pcapError: "",
      linkDown: false,
      pcapSkippedFrames: 0,
      pcapRotatedFrames: 0,
      error: "",
      anomalies: {},
      cuts: {},
    };
    this.#options.onSessionStart?.(this.#snapshotSession());
    const opening = this.#openSource(id, options, iface, filter, file);
    this.#starting = opening.then(() => {}, () => {});
    try {
      await opening;
    } catch (error) {
      // A mode that fails marks the session failed itself; anything else
      // (a data directory that cannot be made) must too, or the session
      // would stay "running" and refuse every later start.
      this.#finish("failed", errorMessage(error));
      if (error instanceof SensorError) throw error;
      throw new SensorError(500, errorMessage(error));
    } finally {
      this.#starting = undefined;
    }
    this.#startTimers();
    this.#status(
      "running",
      `${describe(this.#session)} started${outputSuffix(this.#session)}`,
      true,
    );
    return this.#snapshotSession();
  }

  /** Opens session `id`'s PCAP and starts its source (for a live session, until tcpdump listens). */
  async #openSource(
    id: string,
    options: StartOptions,
    iface: string,
    filter: string,
    file: string,
  ): Promise<void> {
    await pruneDataDir(
      this.#options.dataDir,
      this.#options.pcap?.dirBytes ?? PCAP_STORE_DEFAULTS.dirBytes,
      this.#options.pcap?.dirFiles ?? PCAP_STORE_DEFAULTS.dirFiles,
    ).catch(() => 0);
    this.#pcap = undefined; // the last session's, closed; none if this fails
    this.#linkWatch = undefined; // a live session makes its own
    this.#pcap = new SessionPcapWriter(
      this.#options.dataDir,
      id,
      this.#options.pcap,
    );
    switch (options.mode) {
      case "live":
        await this.#startLive(iface, filter);
        break;
      case "replay":
        if (options.realtime) this.#startPacedReplay(file, filter);
        else this.#startReplay(file, filter);
        break;
      case "demo":
        this.#startDemo();
        break;
    }
  }

  /** Stops the running session. Throws {@linkcode SensorError} 409 when idle. */
  async stop(): Promise<SessionInfo> {
    // A start still checking its input (listing interfaces, validating the
    // filter, reading the file's header) has no session yet: it ends
    // first, and the session it started is stopped.
    if (!this.running && this.#startAttempt !== undefined) {
      await this.#startAttempt;
    }
    if (!this.running) {
      throw new SensorError(409, "No capture is running");
    }
    // A session still starting (tcpdump not yet listening) has no source
    // to stop yet: its start ends first, and the session is stopped then
    // (or has already failed).
    await this.#starting;
    await this.#stopSource?.();
    await this.#running;
    await this.#pcapClosed;
    return this.#snapshotSession();
  }

  /** Forgets packets, alerts and stats (the session PCAPs stay on disk). */
  clear(): void {
    this.#clearState();
    if (this.#session) this.#session.clearedMs = Date.now();
    this.#status(
      this.#session?.state ?? "idle",
      "Cleared packets, alerts and statistics",
      true,
    );
    // Clients keep the last stats they were sent: a stopped session sends
    // none by itself.
    this.#publishStats();
  }

  #clearState(): void {
    this.#foldIntoLifetime();
    this.packets.clear();
    this.#sampled.clear();
    // Rows sampled but not yet published are numbered from before.
    this.#sampler.take();
    this.frames.clear();
    this.#anomalies.clear();
    this.#acks.clear();
    this.#engine = this.#newEngine();
    this.#feed = new EngineFeed(this.#engine, this.#afterAnalysis);
    if (this.#session) {
      this.#session.packets = 0;
      this.#session.bytes = 0;
    }
  }

  /** Kernel drops of the current session not yet in the lifetime counters. */
  get unfoldedDrops(): number {
    return this.#dropsFolded ? 0 : this.#session?.droppedByKernel ?? 0;
  }

  /** Packets the current live session skipped behind tcpdump's file ring, not yet in the lifetime counters. */
  get unfoldedSkips(): number {
    const session = this.#session;
    if (this.#dropsFolded || !session) return 0;
    return this.running ? this.#liveSkipped?.() ?? 0 : session.skippedByReader;
  }

  /** Frames the current session left out of its PCAP, not yet in the lifetime counters. */
  get unfoldedPcapDrops(): number {
    return this.#unfoldedPcap("droppedFrames", "pcapDroppedFrames");
  }

  /** Frames of a second link type the current session left out of its PCAP, not yet in the lifetime counters. */
  get unfoldedPcapSkips(): number {
    return this.#unfoldedPcap("skippedFrames", "pcapSkippedFrames");
  }

  /** Frames the current session deleted with its PCAP's oldest files, not yet in the lifetime counters. */
  get unfoldedPcapRotations(): number {
    return this.#unfoldedPcap("rotatedFrames", "pcapRotatedFrames");
  }

  /** One of the session PCAP's loss counts: its writer's while the session runs, the session's once it ended, 0 once folded into the lifetime counters. */
  #unfoldedPcap(
    live: "droppedFrames" | "skippedFrames" | "rotatedFrames",
    ended: "pcapDroppedFrames" | "pcapSkippedFrames" | "pcapRotatedFrames",
  ): number {
    const session = this.#session;
    if (this.#dropsFolded || !session) return 0;
    return this.running ? this.#pcap?.[live] ?? 0 : session[ended];
  }

  /** Resolves once the session PCAP holds every frame so far (a download waits for it). */
  async flushPcap(): Promise<void> {
    await this.#pcap?.written();
  }

  /** Stops everything (server shutdown). */
  async close(): Promise<void> {
    if (this.running) await this.stop().catch(() => {});
    await this.#pcapClosed;
    this.#stopTimers();
  }

  #newEngine(): AnalysisEngine {
    const config = this.#options.engine ?? {};
    return new AnalysisEngine({
      ...config,
      lifecycle: { ...config.lifecycle, numbering: this.#alertNumbering },
      latency: {
        ...config.latency,
        onMeasurement: (measurement) => {
          this.latencyHistograms.observe(measurement);
          this.#measuredUs[this.#engine.batchIndex] = measurement.latencyUs;
        },
      },
    }, (event: AlertEvent) => {
      // Engagements by their severity, escalations by the new one.
      const counts = event.type === "engaged"
        ? this.lifetime.alerts
        : event.escalatedFrom !== undefined
        ? this.lifetime.escalations
        : undefined;
      if (counts) {
        LifetimeCounters.add(
          counts,
          `${event.alert.kind}\u0000${event.alert.severity}`,
          1,
        );
      }
      // An escalation withdraws an acknowledgement: the event says so.
      const { event: withAck } = this.#acks.onEvent(event);
      this.#options.onAlert?.(withAck);
      this.#bus.publish({ type: "alert", event: withAck });
    });
  }

  /** Adds the current session's counts to the lifetime counters. */
  #foldIntoLifetime(): void {
    for (const protocol of this.#engine.stats.snapshot().protocols) {
      LifetimeCounters.add(
        this.lifetime.packets,
        protocol.name,
        protocol.packets,
      );
      LifetimeCounters.add(this.lifetime.bytes, protocol.name, protocol.bytes);
    }
    for (const [name, count] of Object.entries(this.#anomalies.toJSON())) {
      LifetimeCounters.add(this.lifetime.anomalies, name, count);
    }
    if (
      this.#session && this.#session.state !== "running" && !this.#dropsFolded
    ) {
      this.lifetime.droppedByKernel += this.#session.droppedByKernel;
      this.lifetime.pcapDroppedFrames += this.#session.pcapDroppedFrames;
      this.lifetime.pcapSkippedFrames += this.#session.pcapSkippedFrames;
      this.lifetime.pcapRotatedFrames += this.#session.pcapRotatedFrames;
      this.lifetime.skippedByReader += this.#session.skippedByReader;
      this.#dropsFolded = true;
    }
  }

  /** Checks a start's input before the last session's state is cleared; returns the path a replay reads ("" for other modes). */
  async #validate(
    mode: CaptureMode,
    iface: string,
    filter: string,
    file: string,
  ): Promise<string> {
    if (mode !== "live" && mode !== "demo" && mode !== "replay") {
      throw new SensorError(
        400,
        `Unknown mode "${mode}" (live, demo or replay)`,
      );
    }
    if (mode === "live") {
      if (iface === "") {
        throw new SensorError(400, "Live mode needs an interface");
      }
      const known = await listInterfaces().catch((error) => {
        // Without tcpdump every interface would look missing.
        if (error instanceof TcpdumpError && error.code === "not_installed") {
          throw new SensorError(400, error.message);
        }
        return [];
      });
      if (!known.some((nic) => nic.name === iface)) {
        throw new SensorError(
          400,
          `No such interface "${iface}" (known: ${
            known.map((n) => n.name).join(", ")
          })`,
        );
      }
      // Down, or no permission: refused now, before the last session's
      // state is cleared for this one.
      try {
        await checkCaptureAccess(iface);
      } catch (error) {
        // Another failure is left to the capture itself to meet and tell.
        if (error instanceof TcpdumpError && error.code !== "failed") {
          throw new SensorError(400, error.message);
        }
      }
    }
    if (mode === "replay") {
      if (file === "") throw new SensorError(400, "Replay mode needs a file");
      if (this.#options.replayDir !== undefined) {
        // From here on the checked real path, never the name again: a link
        // swapped after the check changes nothing.
        file = await checkReplayDir(file, this.#options.replayDir);
      }
      try {
        const info = await Deno.stat(file);
        if (!info.isFile) throw new SensorError(400, `"${file}" is not a file`);
        // Refused here, before the session's state is cleared for it.
        const sniffed = await sniffCaptureFormat(file);
        // A header no reader takes (a version or link type it does not
        // know), a file that ends before its first record or a gzip stream
        // that breaks before it would fail the session at once, its
        // predecessor gone.
        if (sniffed.headError !== "") {
          throw new SensorError(400, namingCapture(sniffed.headError, file));
        }
        if (sniffed.format === undefined) {
          throw new SensorError(
            400,
            `Cannot parse capture ${JSON.stringify(file)}: ${
              info.size === 0
                ? "the file is empty"
                : "not a pcap or pcapng file (nor a gzip of one)"
            }`,
          );
        }
      } catch (error) {
        if (error instanceof SensorError) throw error;
        throw new SensorError(
          400,
          error instanceof Deno.errors.NotFound
            ? `No such file "${file}"`
            : `Cannot read "${file}": ${
              withoutOsError((error as Error).message)
            }`,
        );
      }
    }
    if (filter !== "") {
      if (mode === "demo") {
        throw new SensorError(400, "Demo mode takes no filter");
      }
      try {
        await validateFilter(filter);
      } catch (error) {
        if (error instanceof TcpdumpError) {
          throw new SensorError(400, error.message);
        }
        throw error;
      }
    }
    return mode === "replay" ? file : "";
  }

  /**
   * The pipeline: every packet of every mode goes through here, with its
   * record when the source has decoded it already (into the feed's next
   * record: `#nextRecord`). Its frame is kept and written now, while `raw`
   * is valid; its analysis waits for the feed's batch
   * ({@linkcode Sensor.#afterAnalysis} then follows), which is full or
   * flushed before the source waits for more (`#flush`).
   */
  #handle = (raw: PcapRecord, decoded?: PacketRecord): void => {
    const session = this.#session!;
    const n = ++session.packets;
    session.bytes += raw.wireLength;
    const feed = this.#feed;
    const index = feed.pending;
    if (index === 0) this.#batchFirstN = n;
    this.#measuredUs[index] = -1;
    const packet = decoded ?? decodeInto(feed.record(), raw, this.#anomalies);

    // The ring keeps IPv4 addresses as numbers: their text is not needed.
    const frame = this.frames.add(
      raw,
      keptText(packet.srcAddressKey, packet, true),
      keptText(packet.dstAddressKey, packet, false),
      packet.srcAddressKey,
      packet.dstAddressKey,
    );
    this.packets.add(n, frame);
    this.#pcap?.write(raw);
    feed.add(packet);
  };

  /** After the engine analysed a packet of the batch (at `index`) and published its alerts: EVE, and the packet rows' sample. */
  #afterAnalysis = (packet: PacketRecord, index: number): void => {
    this.#options.onPacket?.(packet);
    const n = this.#batchFirstN + index;
    const latencyUs = this.#measuredUs[index]!;
    if (latencyUs >= 0) this.packets.setLatency(n, latencyUs);
    if (this.#sampler.offer(n, packet, latencyUs)) {
      this.#sampled.push(n, plainPacket(packet)); // the feed reuses its records
    }
  };

  /** Analyses the packets the feed holds: when a source pauses or ends. */
  #flush = (): void => {
    this.#feed.flush();
    this.#lastChunkMs = Date.now();
  };

  /** Wall-clock time the source last handed over packets, ms. */
  #lastChunkMs = 0;

  /**
   * On a quiet live link, moves packet time on by the wall clock since the
   * last packets, so alerts are released and updated on time rather than at
   * the next packet (packet time is tcpdump's clock, the wall clock).
   */
  #idleTick(): void {
    const session = this.#session;
    if (session?.mode !== "live" || session.state !== "running") return;
    const quietMs = Date.now() - this.#lastChunkMs;
    if (this.#lastChunkMs === 0 || quietMs < IDLE_TICK_AFTER_MS) return;
    const engine = this.#engine;
    if (engine.lastPacketUs > 0) {
      engine.idle(engine.lastPacketUs + quietMs * 1000);
    }
  }

  /**
   * A running live session's interface state, read every few seconds
   * (`tcpdump -D`: up and running, as the kernel says; Deno may not read
   * /sys): a link that goes down, or comes back, is told in a status event,
   * for tcpdump captures nothing meanwhile and says nothing of it. None
   * for other sessions.
   */
  #linkWatch: LinkWatch | undefined;

  /**
   * Takes tcpdump's counts of a running live capture (asked for each
   * second; tcpdump prints them only when it exits otherwise): packets
   * captured, and kernel drops, which a status event announces as they grow.
   */
  #checkTcpdump(): void {
    const session = this.#session;
    const counts = this.#pollTcpdump?.();
    if (counts === undefined || session?.state !== "running") return;
    session.tcpdumpCaptured = Math.max(
      session.tcpdumpCaptured,
      counts.captured,
    );
    if (counts.droppedByKernel > session.droppedByKernel) {
      session.droppedByKernel = counts.droppedByKernel;
      this.#status(
        "running",
        `tcpdump has dropped ${session.droppedByKernel} packets in the kernel so far (the kernel buffer, -B, was full)`,
      );
    }
  }

  /** Waits while the session PCAP is far behind (a PCAP that cannot be written waits for nothing: the replay's analysis goes on without it). */
  #pcapReady = async (): Promise<void> => {
    const pcap = this.#pcap;
    if (pcap === undefined || pcap.error !== undefined) return;
    await pcap.ready();
  };

  /** Where sources decode each packet: the feed's next record. */
  #nextRecord = (): DecodedPacket => this.#feed.record();

  /** The decoded record of packet `n`: a recent one, or one streamed as a row. */
  packetRecord(n: number): PacketRecord | undefined {
    return this.packets.get(n) ?? this.#sampled.get(n);
  }

  async #startLive(iface: string, filter: string): Promise<void> {
    const session = this.#session!;
    this.#linkWatch = new LinkWatch(iface, (message, down) => {
      if (this.#session !== session || session.state !== "running") return;
      session.linkDown = down;
      this.#status("running", message);
      this.#options.onLinkChange?.(message);
    });
    let live: LiveCapture;
    try {
      live = capturePackets({
        iface,
        filter,
        ...this.#options.capture,
        anomalies: this.#anomalies,
        record: this.#nextRecord,
        onChunkEnd: this.#flush,
      }, (packet, raw) => this.#handle(raw, packet));
      await live.ready;
      // Final now: a ring tcpdump could not write fell back to the pipe.
      this.#session!.captureOutput = live.output;
      this.#session!.pipeReason = live.pipeReason ?? "";
    } catch (error) {
      this.#finish("failed", errorMessage(error));
      throw new SensorError(
        error instanceof TcpdumpError && error.code !== "failed" ? 400 : 500,
        errorMessage(error),
      );
    }
    this.#stopSource = async () => {
      await live.stop().catch(() => {});
    };
    this.#liveSkipped = () => live.skippedPackets();
    this.#pollTcpdump = () => live.pollCounts();
    this.#running = live.done.then(
      (result) => {
        this.#session!.droppedByKernel = result.tcpdump.droppedByKernel;
        this.#session!.tcpdumpCaptured = result.tcpdump.captured;
        this.#session!.skippedByReader = result.skipped;
        return this.#end();
      },
      (error) => this.#finish("failed", errorMessage(error)),
    );
  }

  #startReplay(file: string, filter: string): void {
    this.#runReplay((signal) =>
      readPacketFile(file, (packet, raw) => this.#handle(raw, packet), {
        filter,
        anomalies: this.#anomalies,
        signal,
        record: this.#nextRecord,
        onChunkEnd: this.#flush,
        // A file can wait for the disk: its frames are never dropped.
        gate: this.#pcapReady,
      })
    );
  }

  /**
   * Runs a replay that `start` begins with an abort signal (the session's
   * stop), and ends the session: stopped when the replay completes or was
   * stopped, failed otherwise.
   */
  #runReplay(start: (signal: AbortSignal) => Promise<unknown>): void {
    const abort = new AbortController();
    this.#stopSource = () => {
      abort.abort();
      return Promise.resolve();
    };
    this.#running = start(abort.signal).then(
      () => this.#end(),
      (error) => {
        if (abort.signal.aborted) return this.#end();
        this.#finish("failed", errorMessage(error));
      },
    );
  }

  /** Ends a session whose source stopped, once its PCAP is written: failed when a write failed, as the error of a synchronous write did. */
  async #end(): Promise<void> {
    await this.#pcap?.written();
    this.#finish("stopped", "");
  }

  /** Replays at capture speed (see server/paced_replay.ts). */
  #startPacedReplay(file: string, filter: string): void {
    this.#runReplay((signal) =>
      replayAtCaptureSpeed(file, {
        filter,
        anomalies: this.#anomalies,
        signal,
        onRecord: (raw) => this.#handle(raw),
        onPause: this.#flush,
      })
    );
  }

  #startDemo(): void {
    const createDemo = this.#options.createDemo;
    if (!createDemo) throw new SensorError(400, "Demo mode is not available");
    const startUs = Date.now() * 1000;
    const started = performance.now();
    const demo = createDemo(startUs);
    const raw: PcapRecord = {
      timestampUs: 0,
      subMicrosecondNs: -1,
      capturedLength: 0,
      wireLength: 0,
      linkType: LINK_TYPE.ETHERNET,
      interfaceId: 0,
      bytes: new Uint8Array(0),
      offset: 0,
    };
    let resolve!: () => void;
    this.#running = new Promise<void>((r) => resolve = r).then(() =>
      this.#end()
    );
    let busy = false;
    let stopped = false;
    const tick = async () => {
      if (busy) return; // the next tick catches up: frames are by time
      busy = true;
      try {
        const untilUs = startUs +
          Math.floor((performance.now() - started) * 1000);
        const frames = demo.framesUntil(untilUs);
        for (let i = 0; i < frames.length && !stopped; i++) {
          const frame = frames[i]!;
          raw.timestampUs = frame.timestampUs;
          raw.bytes = frame.bytes;
          raw.capturedLength = frame.bytes.length;
          raw.wireLength = frame.bytes.length;
          this.#handle(raw);
          // Let HTTP requests and SSE writes in between slices of work.
          if (i % DEMO_SLICE === DEMO_SLICE - 1) {
            this.#flush();
            await new Promise((resolve) => setTimeout(resolve, 0));
          }
        }
      } finally {
        this.#flush();
        busy = false;
      }
    };
    const timer = setInterval(
      () => void tick(),
      this.#options.demoTickMs ?? 50,
    );
    this.#stopSource = () => {
      stopped = true;
      clearInterval(timer);
      resolve();
      return Promise.resolve();
    };
  }

  #startTimers(): void {
    this.#stopTimers();
    this.#timers.push(
      setInterval(() => {
        const batch = this.#sampler.take();
        if (batch) this.#bus.publish(batch);
      }, 1000 / BATCHES_PER_SECOND),
      setInterval(() => {
        this.#checkPcap();
        this.#checkTcpdump();
        void this.#linkWatch?.tick();
        this.#idleTick();
        this.#publishStats();
      }, 1000),
    );
  }

  #stopTimers(): void {
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers = [];
  }

  #publishStats(): void {
    this.#bus.publish({
      type: "stats",
      stats: this.#engine.stats.snapshot(),
      packets: this.#session?.packets ?? 0,
      alerts: this.#engine.alertCount,
    });
  }

  /**
   * Hands the session PCAP's buffered frames to the disk (a sensor killed
   * loses at most a second of them), copies its losses into the session,
   * and tells once of a failed write (the session goes on).
   */
  #checkPcap(): void {
    const session = this.#session;
    const pcap = this.#pcap;
    if (!session || !pcap || session.state !== "running") return;
    // A quiet link's frames would wait in the 1 MiB buffer for hours.
    pcap.flush();
    session.pcapDroppedFrames = pcap.droppedFrames;
    session.pcapRotatedFrames = pcap.rotatedFrames;
    this.#notePcapError(session, pcap);
  }

  /**
   * Tells once that the session PCAP cannot be written (a full disk): the
   * sensor is not blinded by its disk, capture and analysis go on, and
   * the frames from then on are counted as left out.
   */
  #notePcapError(session: SessionInfo, pcap: SessionPcapWriter): void {
    if (pcap.error === undefined || session.pcapError !== "") return;
    session.pcapError = pcap.error.message;
    this.#status(
      "running",
      `${
        pcapFailure(pcap.error)
      }; capture and analysis go on, without keeping frames`,
    );
  }

  #finish(state: "stopped" | "failed", error: string): void {
    const session = this.#session;
    if (!session || session.state !== "running") return;
    this.#flush();
    this.#engine.finish();
    const pcap = this.#pcap;
    if (pcap) {
      session.pcapDroppedFrames = pcap.droppedFrames;
      session.pcapSkippedFrames = pcap.skippedFrames;
      session.pcapRotatedFrames = pcap.rotatedFrames;
      this.#notePcapError(session, pcap);
      // Blocks that were still waiting for the disk may yet fail.
      this.#pcapClosed = pcap.close().then(() => {
        session.pcapDroppedFrames = pcap.droppedFrames;
        if (pcap.error !== undefined) session.pcapError ||= pcap.error.message;
      });
    }
    const batch = this.#sampler.take();
    if (batch) this.#bus.publish(batch);
    this.#publishStats();
    this.#stopTimers();
    session.state = state;
    session.stoppedMs = Date.now();
    session.error = error;
    this.#stopSource = undefined;
    this.#liveSkipped = undefined;
    this.#pollTcpdump = undefined;
    this.#running = undefined;
    this.#options.onSessionEnd?.(this.#snapshotSession());
    this.#status(state, endMessage(session));
  }

  #status(
    state: StatusEvent["state"],
    message: string,
    cleared = false,
  ): void {
    const session = this.#session;
    this.#bus.publish({
      type: "status",
      state,
      sessionId: session?.id ?? "",
      mode: session?.mode ?? "",
      message,
      droppedByKernel: session?.droppedByKernel ?? 0,
      // A session that failed to start cleared the state before it too.
      cleared: cleared || this.#unannouncedClear,
    });
    this.#unannouncedClear = false;
  }

  #snapshotSession(): SessionInfo {
    return {
      ...this.#session!,
      anomalies: this.#anomalies.toJSON(),
      cuts: this.#anomalies.cutsJSON(),
    };
  }
}

/** The session error of a session PCAP that could not be written. */
function pcapFailure(error: Error): string {
  return `Cannot write the session PCAP: ${error.message}`;
}

/** ", read from a file ring" (or through a pipe, and why) for a live session; "" for the others. */
export function outputSuffix(
  session: Pick<SessionInfo, "captureOutput" | "pipeReason">,
): string {
  return session.captureOutput
    ? `, ${describeOutput(session.captureOutput, session.pipeReason)}`
    : "";
}

/**
 * How an ended session ended, in one line: "Replay of x.pcap stopped after
 * 120 packets", with what was lost, or "Live capture on eth0 failed: …".
 */
export function endMessage(session: SessionInfo): string {
  if (session.state === "failed") {
    return `${describe(session)} failed: ${session.error}`;
  }
  const drops =
    (session.mode === "live"
      ? `; tcpdump dropped ${session.droppedByKernel} in the kernel`
      : "") +
    (session.skippedByReader > 0
      ? `; NetMirror skipped ${session.skippedByReader} it fell behind on`
      : "") +
    (session.pcapDroppedFrames > 0
      ? `; ${session.pcapDroppedFrames} frames left out of the session PCAP (${
        session.pcapError === ""
          ? "the disk fell behind"
          : `it could not be written: ${session.pcapError}`
      })`
      : "") +
    (session.pcapSkippedFrames > 0
      ? `; ${session.pcapSkippedFrames} frames of a second link type left out of the session PCAP (one link type per file)`
      : "");
  return `${describe(session)} stopped after ${session.packets} packets${
    session.clearedMs === null ? "" : " since the clear"
  }${drops}`;
}

function describe(session: SessionInfo): string {
  switch (session.mode) {
    case "live":
      return `Live capture on ${session.interface}${
        session.filter ? ` (${session.filter})` : ""
      }`;
    case "replay":
      return `Replay of ${session.file}${
        session.filter ? ` (${session.filter})` : ""
      }`;
    case "demo":
      return "Demo traffic";
  }
}

/**
 * Throws unless `file` (a relative path is taken within `dir`) lies under
 * `dir`, by its path and then by its real path (a symbolic link out is
 * refused too); returns the real path, which the replay then reads, so a
 * link swapped after this check is not followed. A path outside is
 * refused before anything is looked up, so the answer tells nothing about
 * it.
 */
async function checkReplayDir(file: string, dir: string): Promise<string> {
  const refused = new SensorError(
    400,
    `Replays may read only files under "${dir}" (--replay-dir)`,
  );
  const base = resolve(dir);
  const within = (path: string, root: string) =>
    path.startsWith(root.endsWith("/") ? root : `${root}/`);
  const path = resolve(base, file);
  if (!within(path, base)) throw refused;
  const real = await Deno.realPath(path).catch(() => undefined);
  if (real === undefined) return path; // missing: the usual error follows
  const realBase = await Deno.realPath(base).catch(() => base);
  if (!within(real, realBase)) throw refused;
  return real;
}

function errorMessage(error: unknown): string {
  if (error instanceof CaptureFormatError || error instanceof TcpdumpError) {
    return error.message;
  }
  return error instanceof Error
    ? withPermissionHint(error.message)
    : String(error);
}
