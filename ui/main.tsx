/**
 * The dashboard's entry point: renders {@linkcode App} into `#app` and
 * starts the event stream. Bundled by `deno task bundle` into ui/dist/app.js.
 *
 * @module
 */

import { render } from "preact";
import { App } from "./App.tsx";
import { startDashboard } from "./state.ts";

const root = document.getElementById("app");
if (root) {
  render(<App />, root);
  startDashboard();
}
