/**
 * EVE-style NDJSON output (Suricata's shape): records and a rotating writer.
 *
 * @module
 */

export {
  EVE_LOGGER_DEFAULTS,
  type EveEventType,
  EveLogger,
  type EveLoggerOptions,
  type EveRecord,
} from "./eve_logger.ts";
export { EveWriter, type EveWriterOptions } from "./eve_writer.ts";
export { EveLines, type EveSink, writeLine } from "./eve_sink.ts";
export { JsonBytes } from "../json_bytes.ts";
export { eveTimestamp } from "./eve_time.ts";
