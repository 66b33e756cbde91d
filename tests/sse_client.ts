/**
 * A minimal Server-Sent Events reader for tests: fetches a stream and
 * yields parsed events (id, event, data as JSON).
 *
 * @module
 */

/** One parsed SSE event. */
export interface SseEvent {
  id: string;
  event: string;
  // deno-lint-ignore no-explicit-any
  data: any;
}

/** Reads SSE events from `response` until `stop` returns true or the stream ends. */
export async function readSse(
  response: Response,
  stop: (event: SseEvent, all: SseEvent[]) => boolean,
): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  const reader = response.body!.pipeThrough(new TextDecoderStream())
    .getReader();
  let buffer = "";
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event: SseEvent = { id: "", event: "message", data: undefined };
        const data: string[] = [];
        for (const line of block.split("\n")) {
          if (line.startsWith("id: ")) event.id = line.slice(4);
          else if (line.startsWith("event: ")) event.event = line.slice(7);
          else if (line.startsWith("data: ")) data.push(line.slice(6));
        }
        if (data.length === 0) continue; // comments, retry
        event.data = JSON.parse(data.join("\n"));
        events.push(event);
        if (stop(event, events)) return events;
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return events;
}
