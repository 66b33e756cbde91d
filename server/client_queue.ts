/**
 * The bounded queue between the bus and one SSE client. A slow client
 * loses packet rows (and is told how many), gets only the newest stats, and
 * never loses an alert or status event; it never slows capture or others.
 *
 * @module
 */

import type { SensorEvent } from "./events.ts";

/** An event with its stream id. */
export interface QueuedEvent {
  id: number;
  event: SensorEvent;
  /** The encoded SSE message, made on first write and shared by every client the item went to. */
  message?: Uint8Array;
}

/** Limits of a {@linkcode ClientQueue}. */
export interface ClientQueueOptions {
  /** Packet batches queued at most; older batches are dropped first. */
  maxPacketBatches?: number;
  /** Alert, acknowledgement and status events queued at most; past this the client is cut off (it reconnects with Last-Event-ID). */
  maxAlertEvents?: number;
}

/** Defaults of {@linkcode ClientQueueOptions}. */
export const CLIENT_QUEUE_DEFAULTS = {
  maxPacketBatches: 8,
  maxAlertEvents: 10_000,
} satisfies Required<ClientQueueOptions>;

/** One client's queue. */
export class ClientQueue {
  readonly #options: Required<ClientQueueOptions>;
  #items: QueuedEvent[] = [];
  #packetBatches = 0;
  #alertEvents = 0;
  #wake: (() => void) | undefined;
  /** Packet rows dropped for this client because it read too slowly. */
  droppedRows = 0;
  /** Rows dropped but not yet reported to the client. */
  #unreportedRows = 0;
  /** True once the client fell too far behind on alerts. */
  overflowed = false;
  /** Called once when the client falls too far behind: its stream ends then, even if the client reads nothing more. */
  onOverflow: (() => void) | undefined;

  /** A queue with the given limits. */
  constructor(options: ClientQueueOptions = {}) {
    this.#options = { ...CLIENT_QUEUE_DEFAULTS, ...options };
  }

  /** Queues `item`, dropping or coalescing as the limits say; nothing once the client is cut off. */
  push(item: QueuedEvent): void {
    if (this.overflowed) return;
    const { event } = item;
    if (event.type === "packet") {
      if (this.#packetBatches >= this.#options.maxPacketBatches) {
        const index = this.#items.findIndex((i) => i.event.type === "packet");
        const [old] = this.#items.splice(index, 1);
        if (old?.event.type === "packet") {
          const rows = old.event.rows.length + old.event.skipped;
          this.droppedRows += old.event.rows.length;
          this.#unreportedRows += rows;
        }
        this.#packetBatches--;
      }
      this.#packetBatches++;
    } else if (event.type === "stats") {
      const index = this.#items.findIndex((i) => i.event.type === "stats");
      if (index >= 0) this.#items.splice(index, 1);
    } else {
      if (event.type === "status" && event.cleared) this.#dropBeforeClear();
      if (this.#alertEvents >= this.#options.maxAlertEvents) {
        // Cut off: what is queued goes (the client reconnects with
        // Last-Event-ID), so a client that stopped reading holds nothing.
        this.overflowed = true;
        this.#items = [];
        this.#packetBatches = 0;
        this.#alertEvents = 0;
        this.#wake?.();
        this.onOverflow?.();
        return;
      }
      this.#alertEvents++;
    }
    this.#items.push(item);
    this.#wake?.();
  }

  /** The next event (waits up to `waitMs`; undefined on timeout). */
  async next(waitMs: number): Promise<QueuedEvent | undefined> {
    if (this.#items.length === 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        timer = setTimeout(resolve, waitMs);
      });
      clearTimeout(timer);
      this.#wake = undefined;
    }
    return this.take();
  }

  /** The next event if one is queued now, without waiting (undefined otherwise). */
  take(): QueuedEvent | undefined {
    const item = this.#items.shift();
    if (item === undefined) return undefined;
    if (item.event.type === "packet") {
      this.#packetBatches--;
      if (this.#unreportedRows > 0) {
        // Tell the client what it lost: added to this batch's skipped count.
        const lost = this.#unreportedRows;
        this.#unreportedRows = 0;
        return {
          id: item.id,
          event: { ...item.event, skipped: item.event.skipped + lost, lost },
        };
      }
    } else if (item.event.type !== "stats") {
      // What push counted: alert, status and ack events.
      this.#alertEvents--;
    }
    return item;
  }

  /**
   * At a status that says the sensor cleared its state: the packet rows
   * and stats still queued, and the count of rows lost, are of the state
   * before it, which the client is about to drop. Without this, rows lost
   * before the clear were reported as lost with the first batch after it.
   */
  #dropBeforeClear(): void {
    this.#items = this.#items.filter((queued) =>
      queued.event.type !== "packet" && queued.event.type !== "stats"
    );
    this.#packetBatches = 0;
    this.#unreportedRows = 0;
  }

  /** Wakes a waiting `next()` (when the client goes away). */
  wake(): void {
    this.#wake?.();
  }

  /** Events queued now. */
  get size(): number {
    return this.#items.length;
  }
}
