/**
 * `GET /api/stream`: Server-Sent Events for every client. Each event gets
 * an increasing id; alert, ack and status events are kept in a bounded history
 * so a client reconnecting with `Last-Event-ID` gets what it missed. The
 * history starts again at each status event that says the sensor cleared
 * its state (a new session, `POST /api/clear`): a client is never replayed
 * the alerts of an earlier session, or alerts that were cleared, and a
 * client from before the latest clear always gets that status first, even
 * after more events than the history holds.
 *
 * Each response body is a `ReadableStream` that the HTTP server pulls from
 * the client's queue, one chunk per pull with every event queued by then:
 * one stream layer per client (Hono's `streamSSE` puts a writer, a
 * `TransformStream` and a second reader between the two), and a client that
 * reads slowly gets its backlog in few writes.
 *
 * @module
 */

import type { Context } from "hono";
import { concatBytes } from "../capture/concat_bytes.ts";
import {
  ClientQueue,
  type ClientQueueOptions,
  type QueuedEvent,
} from "./client_queue.ts";
import type { EventBus } from "./event_bus.ts";
import { SENSOR_EVENT_TYPES, type SensorEvent } from "./events.ts";
import { digitsOnly } from "./security.ts";
import { SensorError } from "./session_errors.ts";

/** Settings of a {@linkcode StreamHub}. */
export interface StreamHubOptions extends ClientQueueOptions {
  /** Alert and status events kept for `Last-Event-ID` replay. */
  historySize?: number;
  /** Milliseconds without events before a keep-alive comment. */
  keepAliveMs?: number;
  /** Reconnection delay suggested to clients, ms (`retry:`). */
  retryMs?: number;
  /**
   * Clients connected at once at most (each holds a connection, a queue and
   * a file descriptor). When full, a newcomer takes the place of the client
   * that has taken nothing for longest, if that is `stalledMs` or more;
   * else it is refused with 503.
   */
  maxClients?: number;
  /** Milliseconds a client has taken nothing (its connection is not reading) before a newcomer may take its place when the hub is full. */
  stalledMs?: number;
  /**
   * The first event's id. By default the time the hub starts, in ms × 1000:
   * a later server process's ids all exceed an earlier one's, so a client
   * that reconnects to a restarted sensor with an old `Last-Event-ID`
   * resumes before all of them and gets everything held, instead of
   * skipping as many of the new process's events as it had seen of the old
   * one's. (A clock stepped back between the two processes could undo
   * this; the page also refetches what it holds when it finds a session it
   * was not told of.)
   */
  firstId?: number;
}

/** Clients a {@linkcode StreamHub} serves at once by default: the dashboard's pages, `curl -N` pipes and SIEM collectors, with room to spare. */
export const DEFAULT_MAX_STREAM_CLIENTS = 256;

/** Milliseconds a client takes nothing before it counts as stalled, by default: twice the keep-alive interval, as a reading client takes a keep-alive at least every 15 s. */
export const DEFAULT_STALLED_MS = 30_000;

/** Why a stalled client's stream ends, as Deno's server prints it. */
const STALLED_REASON =
  "netmirror: a stream client that took nothing for too long was dropped to make room for a new one";

/** One connected client: the event types it asked for, and when its connection last took a chunk. */
interface StreamClient {
  types: Set<string>;
  /** Whether its connection is waiting for the next chunk now (a pull is pending). */
  pulling: boolean;
  /** When its connection last took a chunk (performance.now(), ms). */
  lastTakenMs: number;
  /** Ends the stream at once, unread data dropped: for a client that stopped reading. */
  evict: () => void;
}

/** Fans bus events out to SSE clients, each through its own bounded queue. */
export class StreamHub {
  readonly #options: StreamHubOptions;
  readonly #history: { id: number; event: SensorEvent }[] = [];
  readonly #historySize: number;
  readonly #clients = new Map<ClientQueue, StreamClient>();
  #nextId: number;
  /** The latest stats event since the last clear, for clients that connect. */
  #lastStats: QueuedEvent | undefined;
  /** The latest status that says the sensor cleared, held even when the history has moved past it. */
  #lastCleared: QueuedEvent | undefined;
  #droppedRows = 0;
  #unsubscribe: () => void;

  /** Subscribes to `bus`. */
  constructor(bus: EventBus<SensorEvent>, options: StreamHubOptions = {}) {
    this.#options = options;
    this.#historySize = options.historySize ?? 1000;
    this.#nextId = options.firstId ?? Date.now() * 1000;
    this.#unsubscribe = bus.subscribe((event) => this.#publish(event));
  }

  /** Clients connected now. */
  get clients(): number {
    return this.#clients.size;
  }

  /** Packet rows dropped for slow clients, all clients together, since start. */
  get droppedRows(): number {
    let sum = this.#droppedRows;
    for (const client of this.#clients.keys()) sum += client.droppedRows;
    return sum;
  }

  /** Events queued for each connected client now. */
  queueSizes(): number[] {
    return [...this.#clients.keys()].map((client) => client.size);
  }

  /** Stops listening to the bus and ends every stream. */
  close(): void {
    this.#unsubscribe();
    for (const client of this.#clients.keys()) {
      client.overflowed = true;
      client.wake();
    }
  }

  /** The Hono handler of `GET /api/stream` (and `HEAD`, which gets the headers and no client). */
  handle(c: Context): Response {
    const types = parseTypes(c.req.query("types"));
    if (c.req.raw.method === "HEAD") {
      // Hono answers HEAD with the GET handler's response and drops its
      // body unread: a client made here would never be pulled nor
      // cancelled, and would stay, taking every event, for good.
      setSseHeaders(c);
      return c.newResponse(null);
    }
    const maxClients = this.#options.maxClients ?? DEFAULT_MAX_STREAM_CLIENTS;
    if (this.#clients.size >= maxClients && !this.#evictStalled()) {
      throw new SensorError(
        503,
        `Too many stream clients (${maxClients} connected): close one and retry`,
      );
    }
    // Digits only, as this hub writes ids.
    const lastId = digitsOnly(
      c.req.header("Last-Event-ID") ?? c.req.query("lastEventId") ?? "",
    );
    const queue = new ClientQueue(this.#options);
    // Replay what the client missed, then go live: done synchronously, so
    // no event falls between the two. An id this hub never issued (a
    // client of an earlier server process: its ids are all lower, see
    // `firstId`, or a made-up one above them) gets everything held. Every
    // client also gets the latest stats, in id order, so a session that
    // has stopped still shows its figures.
    const resumed = Number.isInteger(lastId) && lastId > 0;
    const after = resumed && lastId < this.#nextId ? lastId : 0;
    let stats = types.has("stats") ? this.#lastStats : undefined;
    if (stats !== undefined && stats.id <= after) stats = undefined;
    if (resumed) {
      // A client from before the latest clear must hear of it even when
      // more events than the history holds have come since.
      const cleared = this.#lastCleared;
      if (
        cleared !== undefined && cleared.id > after &&
        this.#history[0] !== cleared && types.has("status")
      ) {
        queue.push(cleared);
      }
      for (const item of this.#history) {
        if (item.id <= after || !types.has(item.event.type)) continue;
        if (stats !== undefined && stats.id < item.id) {
          queue.push(stats);
          stats = undefined;
        }
        queue.push(item);
      }
    }
    if (stats !== undefined) queue.push(stats);
    const keepAliveMs = this.#options.keepAliveMs ?? 15_000;
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      this.#droppedRows += queue.droppedRows;
      this.#clients.delete(queue);
    };
    let stream: ReadableStreamDefaultController<Uint8Array> | undefined;
    const client: StreamClient = {
      types,
      pulling: false,
      lastTakenMs: performance.now(),
      evict: () => {
        if (ended || stream === undefined) return;
        end();
        // An error, not a close: the server drops the connection instead
        // of waiting to write what is queued to a peer that does not read.
        // Deno's server prints the reason on stderr: a line, not a trace.
        stream.error(STALLED_REASON);
      },
    };
    this.#clients.set(queue, client);
    /** Too far behind (or the hub closed): say so and end. */
    const cutOff = (
      controller: ReadableStreamDefaultController<Uint8Array>,
    ) => {
      controller.enqueue(OVERFLOW_MESSAGE);
      end();
      controller.close();
    };
    // Now, not at the next pull, which a client that stopped reading (a
    // full socket) never makes.
    queue.onOverflow = () => {
      if (!ended && stream !== undefined) cutOff(stream);
    };
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        stream = controller;
        controller.enqueue(
          ENCODER.encode(`retry: ${this.#options.retryMs ?? 2000}\n\n`),
        );
      },
      pull: async (controller) => {
        client.pulling = true;
        const first = queue.overflowed
          ? undefined
          : await queue.next(keepAliveMs);
        client.pulling = false;
        client.lastTakenMs = performance.now();
        if (ended) return; // cancelled while waiting
        if (first === undefined) {
          if (queue.overflowed) {
            cutOff(controller);
          } else {
            controller.enqueue(KEEP_ALIVE);
          }
          return;
        }
        // With everything queued by now: one chunk for all of them.
        const parts = [sseMessage(first)];
        for (let next = queue.take(); next !== undefined; next = queue.take()) {
          parts.push(sseMessage(next));
        }
        controller.enqueue(parts.length === 1 ? parts[0]! : concatBytes(parts));
      },
      cancel: () => {
        end();
        queue.wake();
      },
    }, { highWaterMark: 0 });
    setSseHeaders(c);
    return c.newResponse(body);
  }

  #publish(event: SensorEvent): void {
    const item = { id: this.#nextId++, event };
    if (event.type === "stats") this.#lastStats = item;
    if (
      event.type === "alert" || event.type === "ack" || event.type === "status"
    ) {
      if (event.type === "status" && event.cleared) {
        this.#history.length = 0;
        this.#lastStats = undefined;
        this.#lastCleared = item;
      }
      this.#history.push(item);
      if (this.#history.length > this.#historySize) this.#history.shift();
    }
    for (const [queue, client] of this.#clients) {
      if (client.types.has(event.type)) queue.push(item);
    }
  }

  /** Ends the client that has taken nothing for longest, if that is `stalledMs` or more; whether one was. */
  #evictStalled(): boolean {
    const stalledMs = this.#options.stalledMs ?? DEFAULT_STALLED_MS;
    let oldest: StreamClient | undefined;
    for (const client of this.#clients.values()) {
      if (client.pulling) continue;
      if (oldest === undefined || client.lastTakenMs < oldest.lastTakenMs) {
        oldest = client;
      }
    }
    if (
      oldest === undefined || performance.now() - oldest.lastTakenMs < stalledMs
    ) return false;
    oldest.evict();
    return true;
  }
}

/** The headers Hono's streamSSE sets, beside any middleware set on `c`. */
function setSseHeaders(c: Context): void {
  c.header("Content-Type", "text/event-stream");
  c.header("Cache-Control", "no-cache");
  c.header("Connection", "keep-alive");
}

const ENCODER = new TextEncoder();

/** A comment line that keeps idle connections (and proxies) open. */
const KEEP_ALIVE = ENCODER.encode(": keep-alive\n\n");

/** The last event of a client that fell too far behind, as Hono's `writeSSE` would write it. */
const OVERFLOW_MESSAGE = ENCODER.encode(
  `event: status\ndata: ${
    JSON.stringify({
      state: "overflow",
      message: "This client fell too far behind; reconnect with Last-Event-ID",
    })
  }\n\n`,
);

/**
 * The SSE message of `item`, byte for byte what Hono's `writeSSE` writes
 * (`event:`, one `data:` line — JSON has no raw line breaks — `id:`),
 * serialised and encoded once and then shared by every client the item went
 * to, instead of once per client.
 */
export function sseMessage(item: QueuedEvent): Uint8Array {
  item.message ??= ENCODER.encode(
    `event: ${item.event.type}\ndata: ${
      JSON.stringify(eventData(item.event))
    }\nid: ${item.id}\n\n`,
  );
  return item.message;
}

function eventData(event: SensorEvent): unknown {
  const { type: _type, ...data } = event;
  return data;
}

function parseTypes(value: string | undefined): Set<string> {
  if (value === undefined || value.trim() === "") {
    return new Set(SENSOR_EVENT_TYPES);
  }
  const types = new Set(value.split(",").map((t) => t.trim()).filter(Boolean));
  if (types.size === 0) {
    throw new SensorError(
      400,
      `types names no event type (known: ${SENSOR_EVENT_TYPES.join(", ")})`,
    );
  }
  for (const type of types) {
    if (!(SENSOR_EVENT_TYPES as readonly string[]).includes(type)) {
      throw new SensorError(
        400,
        `Unknown event type "${type}" in types (known: ${
          SENSOR_EVENT_TYPES.join(", ")
        })`,
      );
    }
  }
  return types;
}
