/**
 * The server: HTTP API, SSE stream, capture sessions, exports.
 *
 * @module
 */

export { type AppDeps, createApp } from "./app.ts";
export { EventBus } from "./event_bus.ts";
export type { SensorEvent } from "./events.ts";
export {
  type CaptureMode,
  Sensor,
  type SensorOptions,
  type SessionInfo,
  type StartOptions,
} from "./sensor.ts";
export { isLoopback } from "./security.ts";
export { type RunningServer, type ServeOptions, startServer } from "./serve.ts";
export { StreamHub } from "./stream_hub.ts";
