/**
 * Request guards: the API token, the Host check of a server without one,
 * cross-origin POST rejection, and strict JSON bodies (size-limited,
 * unknown fields rejected).
 *
 * @module
 */

import type { Context, MiddlewareHandler } from "hono";
import { timingSafeEqual } from "node:crypto";
import { concatBytes } from "../capture/concat_bytes.ts";
import { SensorError } from "./session_errors.ts";

/** Requires `token` as `Authorization: Bearer …` or `?token=` on every request it guards. */
export function requireToken(token: string): MiddlewareHandler {
  const expected = new TextEncoder().encode(token);
  return async (c, next) => {
    const header = c.req.header("Authorization") ?? "";
    // The scheme is case-insensitive (RFC 9110, section 11.1).
    const given = /^bearer /i.test(header)
      ? header.slice(7)
      : c.req.query("token") ?? "";
    const bytes = new TextEncoder().encode(given);
    if (
      bytes.length !== expected.length || !timingSafeEqual(bytes, expected)
    ) {
      // RFC 9110 section 11.6.1: a 401 names the scheme it wants.
      c.header("WWW-Authenticate", 'Bearer realm="netmirror"');
      return c.json(
        {
          error:
            "Missing or wrong API token (Authorization: Bearer <token> or ?token=)",
        },
        401,
      );
    }
    await next();
  };
}

/**
 * Rejects requests whose `Host` is not a loopback name or address, for a
 * server on loopback without a token: a web page whose own name an
 * attacker re-points at 127.0.0.1 (DNS rebinding) is same-origin to itself,
 * so only the name it sends in `Host` gives it away. A request without
 * `Host` (not a browser) passes.
 */
export function rejectForeignHost(): MiddlewareHandler {
  return async (c, next) => {
    const host = c.req.header("Host");
    if (host !== undefined && !isLoopback(hostnameOf(host))) {
      return c.json(
        {
          error:
            `Host "${host}" is not a loopback address: without an API token NetMirror answers only requests to 127.0.0.1, [::1] or localhost (a guard against DNS rebinding; serve with --token to be reached by another name)`,
        },
        403,
      );
    }
    await next();
  };
}

/** True for addresses only this host can reach. */
export function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "::1" ||
    /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** The hostname of a `Host` header value, without port or IPv6 brackets ("" when unparsable). */
export function hostnameOf(host: string): string {
  try {
    return new URL(`http://${host}`).hostname.replace(/^\[(.*)\]$/, "$1");
  } catch {
    return "";
  }
}

/** Rejects state-changing requests sent by another site (CSRF). */
export function rejectCrossOrigin(): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method !== "GET" && c.req.method !== "HEAD") {
      const origin = c.req.header("Origin");
      const host = c.req.header("Host");
      const fetchSite = c.req.header("Sec-Fetch-Site");
      let crossOrigin = fetchSite === "cross-site";
      if (origin !== undefined && origin !== "null" && host !== undefined) {
        try {
          // Both as URLs normalise them (case, a scheme's default port).
          const from = new URL(origin);
          crossOrigin ||=
            from.host !== new URL(`${from.protocol}//${host}`).host;
        } catch {
          crossOrigin = true;
        }
      } else if (origin === "null") {
        crossOrigin = true;
      }
      if (crossOrigin) {
        return c.json({ error: "Cross-origin requests are not allowed" }, 403);
      }
    }
    await next();
  };
}

/** Largest JSON body accepted, bytes. */
export const MAX_BODY_BYTES = 16 * 1024;

/** The shape of one allowed field: its JSON type. */
export type FieldType = "string" | "boolean" | "number";

/**
 * A request's number written in digits only (up to 16 of them), else NaN:
 * `Number()` would also take "1e3", "0x10", " 5" and "1.0".
 */
export function digitsOnly(text: string): number {
  return /^\d{1,16}$/.test(text) ? Number(text) : NaN;
}

/**
 * Reads a JSON object body: at most {@linkcode MAX_BODY_BYTES}, only the
 * listed fields, each of its listed type. Throws {@linkcode SensorError}
 * (400/413) with a message that names the problem. An empty body is `{}`.
 */
export async function readJsonBody(
  c: Context,
  fields: Record<string, FieldType>,
): Promise<Record<string, unknown>> {
  const type = c.req.header("Content-Type") ?? "";
  const declared = Number(c.req.header("Content-Length") ?? "0");
  if (declared > MAX_BODY_BYTES) {
    throw new SensorError(413, `Request body over ${MAX_BODY_BYTES} bytes`);
  }
  const bytes = await readLimited(c.req.raw.body, MAX_BODY_BYTES);
  const text = new TextDecoder().decode(bytes).trim();
  if (text === "") return {};
  if (!type.toLowerCase().startsWith("application/json")) {
    throw new SensorError(
      400,
      "Send the body as Content-Type: application/json",
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new SensorError(400, `Bad JSON: ${(error as Error).message}`);
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new SensorError(400, "The body must be a JSON object");
  }
  for (const [key, value] of Object.entries(body)) {
    // Own fields only: "constructor" or "toString" is no field either.
    const expected = Object.hasOwn(fields, key) ? fields[key] : undefined;
    if (expected === undefined) {
      throw new SensorError(
        400,
        `Unknown field "${key}" (allowed: ${
          Object.keys(fields).join(", ") || "none"
        })`,
      );
    }
    const actual: string = typeof value;
    if (actual !== expected) {
      throw new SensorError(400, `Field "${key}" must be a ${expected}`);
    }
  }
  return body as Record<string, unknown>;
}

async function readLimited(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
): Promise<Uint8Array> {
  if (body === null) return new Uint8Array(0);
  const parts: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of body) {
    length += chunk.length;
    if (length > maxBytes) {
      throw new SensorError(413, `Request body over ${maxBytes} bytes`);
    }
    parts.push(chunk);
  }
  return concatBytes(parts, length);
}
