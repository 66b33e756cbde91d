/**
 * The simulator's clock and agenda. Sessions are generator scripts that
 * yield their frames in time order; the scheduler merges every running
 * script's next frame (plus lone frames and timed actions) by time, so
 * memory holds one pending frame per running session, never the future.
 *
 * @module
 */

import { EventQueue } from "./event_queue.ts";

/** One frame a script sends at `atUs`. */
export interface FrameStep {
  /** Packet time, µs since the epoch. */
  atUs: number;
  /** The Ethernet frame. */
  bytes: Uint8Array<ArrayBuffer>;
}

/** A session script: yields its frames in non-decreasing time order. */
export type SessionScript = Generator<FrameStep, void, void>;

/** A running session, as its script sees it. */
export interface Session {
  /** The label every frame of the session carries ("" for background). */
  readonly label: string;
  /**
   * Queues a frame outside the script's own sequence (an answer that arrives
   * while the script goes on sending). `atUs` must not be earlier than the
   * frame the script is about to yield.
   */
  emit(atUs: number, bytes: Uint8Array<ArrayBuffer>): void;
}

/** A scheduled frame with its label. */
export interface ScheduledFrame {
  timestampUs: number;
  bytes: Uint8Array<ArrayBuffer>;
  label: string;
}

interface Entry {
  label: string;
  bytes: Uint8Array<ArrayBuffer> | undefined;
  script: SessionScript | undefined;
  action: ((atUs: number) => void) | undefined;
}

/** Merges session scripts, lone frames and timed actions in packet-time order. */
export class Scheduler {
  readonly #queue = new EventQueue<Entry>();
  #nowUs: number;
  #sessions = 0;

  /** Starts the clock at `startUs`. */
  constructor(startUs: number) {
    this.#nowUs = startUs;
  }

  /** Packet time of the last frame or action run, µs. */
  get nowUs(): number {
    return this.#nowUs;
  }

  /** Scripts still running. */
  get runningSessions(): number {
    return this.#sessions;
  }

  /** Entries waiting (one per running script plus lone frames and actions). */
  get pending(): number {
    return this.#queue.size;
  }

  /** Runs `action` at `atUs` (no earlier than now). */
  at(atUs: number, action: (atUs: number) => void): void {
    this.#queue.push(this.#timeOf(atUs), {
      label: "",
      bytes: undefined,
      script: undefined,
      action,
    });
  }

  /** Starts a session labelled `label` whose frames `script` yields. */
  start(label: string, script: (session: Session) => SessionScript): void {
    const session: Session = {
      label,
      emit: (atUs, bytes) => {
        this.#queue.push(this.#timeOf(atUs), {
          label,
          bytes,
          script: undefined,
          action: undefined,
        });
      },
    };
    this.#sessions++;
    this.#advance(label, script(session));
  }

  /** Runs everything due before `untilUs`, appending frames to `out` in time order. */
  runUntil(untilUs: number, out: ScheduledFrame[]): void {
    const queue = this.#queue;
    while (queue.peekTimeUs() < untilUs) {
      const { atUs, value } = queue.pop()!;
      this.#nowUs = atUs;
      if (value.action !== undefined) {
        value.action(atUs);
        continue;
      }
      out.push({ timestampUs: atUs, bytes: value.bytes!, label: value.label });
      if (value.script !== undefined) this.#advance(value.label, value.script);
    }
    if (untilUs > this.#nowUs && Number.isFinite(untilUs)) {
      this.#nowUs = untilUs;
    }
  }

  /** Packet times are whole microseconds, never before now. */
  #timeOf(atUs: number): number {
    return Math.max(Math.round(atUs), Math.ceil(this.#nowUs));
  }

  #advance(label: string, script: SessionScript): void {
    const step = script.next();
    if (step.done) {
      this.#sessions--;
      return;
    }
    this.#queue.push(this.#timeOf(step.value.atUs), {
      label,
      bytes: step.value.bytes,
      script,
      action: undefined,
    });
  }
}
