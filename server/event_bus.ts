/**
 * A synchronous publish/subscribe bus: the one path from the pipeline to
 * the server's clients. Subscribers must not block (the SSE clients put
 * events on their own bounded queues).
 *
 * @module
 */

/** Publishes each event to every current subscriber, in subscription order. */
export class EventBus<T> {
  readonly #subscribers = new Set<(event: T) => void>();

  /** Adds `listener`; returns the function that removes it. */
  subscribe(listener: (event: T) => void): () => void {
    this.#subscribers.add(listener);
    return () => this.#subscribers.delete(listener);
  }

  /** Hands `event` to every subscriber; a subscriber that throws is removed. */
  publish(event: T): void {
    for (const listener of this.#subscribers) {
      try {
        listener(event);
      } catch {
        this.#subscribers.delete(listener);
      }
    }
  }

  /** Subscribers now. */
  get size(): number {
    return this.#subscribers.size;
  }
}
