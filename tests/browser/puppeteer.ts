/**
 * The one place the browser tests name their puppeteer-core version (it
 * drives the system's Debian Chromium; it never downloads a browser).
 *
 * @module
 */

export {
  type Browser,
  type ConsoleMessage,
  default as puppeteer,
  type Page,
} from "npm:puppeteer-core@^25.16.0";
