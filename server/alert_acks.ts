/**
 * Analysts' acknowledgements of alerts: which alerts someone has looked
 * at, when, and with what note. Kept by the server beside the engine (an
 * acknowledgement is wall-clock work, not packet analysis), forgotten with
 * the session's alerts, and withdrawn when an acknowledged alert's
 * severity rises, so that an incident that grew is looked at again.
 *
 * @module
 */

import type { Alert } from "../detectors/alert.ts";
import type { AlertEvent } from "../detectors/alert_lifecycle.ts";

/** Longest note kept with an acknowledgement, characters. */
export const MAX_ACK_NOTE_LENGTH = 500;

/** Acknowledgements kept at most (the oldest go first): more than the alerts a session lists and holds active. */
const MAX_ACKS = 20_000;

/** Acknowledgements by alert id. */
export class AlertAcks {
  readonly #acks = new Map<
    string,
    { atMs: number; note: string; released: boolean }
  >();

  /** Acknowledges `alert` at `atMs` with `note` (replacing an earlier acknowledgement). */
  acknowledge(alert: Alert, note: string, atMs: number): void {
    const id = alert.id;
    this.#acks.delete(id); // the newest last, for eviction
    this.#acks.set(id, {
      atMs,
      // Whole characters (code points): no half of an emoji.
      note: [...note].slice(0, MAX_ACK_NOTE_LENGTH).join(""),
      released: alert.state === "released",
    });
    if (this.#acks.size > MAX_ACKS) {
      this.#acks.delete(this.#acks.keys().next().value!);
    }
  }

  /** Withdraws alert `id`'s acknowledgement; true when it had one. */
  reopen(id: string): boolean {
    return this.#acks.delete(id);
  }

  /** `alert` with its acknowledgement, if it has one (a copy then; else `alert` itself). */
  decorate(alert: Alert): Alert {
    const ack = this.#acks.get(alert.id);
    return ack === undefined
      ? alert
      : { ...alert, acknowledged: { atMs: ack.atMs, note: ack.note } };
  }

  /**
   * Applies a lifecycle event: an escalation withdraws the alert's
   * acknowledgement, and so does any event of an alert released since it
   * was acknowledged (its incident came back, perhaps at another victim);
   * true then. Returns the event with the alert decorated.
   */
  onEvent(event: AlertEvent): { event: AlertEvent; reopened: boolean } {
    const id = event.alert.id;
    const ack = this.#acks.get(id);
    let reopened = false;
    if (ack !== undefined) {
      if (event.type === "released") {
        ack.released = true;
      } else if (event.escalatedFrom !== undefined || ack.released) {
        reopened = this.#acks.delete(id);
      }
    }
    return {
      event: { ...event, alert: this.decorate(event.alert) },
      reopened,
    };
  }

  /** Acknowledged alerts. */
  get size(): number {
    return this.#acks.size;
  }

  /** Forgets every acknowledgement (the alerts they were of are gone). */
  clear(): void {
    this.#acks.clear();
  }
}
