/**
 * An HTTP flow's requests waiting for their responses, so an EVE http
 * record carries its response's status as Suricata's does: a request is
 * written when its response's first segment arrives (in order, as
 * HTTP/1.1 pipelining answers them), or without a status when the flow
 * ends first. Retransmitted requests and responses (same sequence number
 * as the one before) count once; 1xx interim responses (100 Continue) wait
 * for the final one.
 *
 * @module
 */

import type { EveRecord } from "./eve_logger.ts";

/** Requests of one flow kept waiting at most; an older one is written without its status. */
export const MAX_PENDING_HTTP = 8;
/** Requests of all flows kept waiting at most (about 1 KiB each at most); beyond, a request is written at once, without its status. */
export const MAX_PENDING_HTTP_TOTAL = 4096;

/** Writes a finished http record. */
export type HttpRecordSink = (record: EveRecord) => void;

/** One flow's unanswered requests, oldest first. */
export class HttpExchanges {
  readonly #records: EveRecord[] = [];
  /** Whether the requests go to the flow's server (its first packet's destination). */
  #requestsToServer = true;
  /** Responses still to come for requests written early (too many waiting): skipped, so later ones meet their own requests. */
  #skippedResponses = 0;
  #lastRequestSeq = -1;
  #lastResponseSeq = -1;

  /** Requests waiting. */
  get size(): number {
    return this.#records.length;
  }

  /** Takes a request's record (its `http` object gets the status), `seq` its TCP sequence number; false for a retransmission, not kept. */
  request(
    record: EveRecord,
    seq: number,
    toServer: boolean,
    sink: HttpRecordSink,
  ): boolean {
    if (seq === this.#lastRequestSeq && toServer === this.#requestsToServer) {
      return false;
    }
    if (toServer !== this.#requestsToServer) {
      // Requests the other way: the flow's roles turned; start afresh.
      this.drain(sink);
      this.#requestsToServer = toServer;
      this.#skippedResponses = 0;
      this.#lastResponseSeq = -1;
    }
    this.#lastRequestSeq = seq;
    if (this.#records.length === MAX_PENDING_HTTP) {
      sink(this.#records.shift()!);
      this.#skippedResponses++;
    }
    this.#records.push(record);
    return true;
  }

  /** Takes a response's first segment: its status completes the oldest waiting request. */
  response(
    status: number,
    seq: number,
    toServer: boolean,
    sink: HttpRecordSink,
  ): void {
    if (toServer === this.#requestsToServer || status < 100) return;
    // Interim (100 Continue, 103 Early Hints): the final one follows.
    if (status < 200 && status !== 101) return;
    if (seq === this.#lastResponseSeq) return;
    this.#lastResponseSeq = seq;
    if (this.#skippedResponses > 0) {
      this.#skippedResponses--;
      return;
    }
    const record = this.#records.shift();
    if (record === undefined) return;
    (record.http as Record<string, unknown>).status = status;
    sink(record);
  }

  /** Writes every waiting request without a status (the flow ended). */
  drain(sink: HttpRecordSink): void {
    for (const record of this.#records) sink(record);
    this.#records.length = 0;
  }
}
