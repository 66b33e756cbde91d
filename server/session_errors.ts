/**
 * Errors of the session API, each with the HTTP status it maps to.
 *
 * @module
 */

/** A request the sensor refuses; `status` is the HTTP status to answer with. */
export class SensorError extends Error {
  /** HTTP status: 400 bad input, 404 unknown, 409 conflict with the session state. */
  readonly status: 400 | 404 | 409 | 413 | 500 | 503;

  /** An error with a one-sentence message. */
  constructor(status: 400 | 404 | 409 | 413 | 500 | 503, message: string) {
    super(message);
    this.name = "SensorError";
    this.status = status;
  }
}

/** A file system error's message without Deno's "(os error 13): stat '/x'" tail, which says the path again after a message that names it. */
export function withoutOsError(message: string): string {
  return message.replace(/ \(os error \d+\).*$/, "");
}
