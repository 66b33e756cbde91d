/**
 * The dashboard's HTTP client: every `/api` call goes through here, with the
 * page's `?token=` sent as `Authorization: Bearer` when there is one.
 *
 * @module
 */

/** Where a token typed into the page is kept for this tab. */
const TOKEN_KEY = "netmirror-token";

/** Keeps `token` for this tab; false when the browser refuses storage (a sandboxed frame). */
function storeToken(token: string): boolean {
  try {
    globalThis.sessionStorage?.setItem(TOKEN_KEY, token);
    return true;
  } catch {
    return false;
  }
}

function storedToken(): string {
  try {
    return globalThis.sessionStorage?.getItem(TOKEN_KEY) ?? "";
  } catch {
    return ""; // storage refused (a sandboxed frame)
  }
}

/** The API token: the page URL's `?token=`, else one typed into the page in this tab ("" when none). */
let apiToken: string = takeUrlToken() ?? storedToken();

/**
 * The page URL's `?token=`, kept for the tab and taken out of the address
 * bar (and so out of the history, bookmarks and a shared screen); null when
 * the URL has none.
 */
function takeUrlToken(): string | null {
  const location = globalThis.location;
  if (location === undefined) return null;
  const url = new URL(location.href);
  const token = url.searchParams.get("token");
  if (token === null) return null;
  // Without storage the token stays in the URL, which a reload needs.
  if (storeToken(token)) {
    url.searchParams.delete("token");
    try {
      globalThis.history?.replaceState(null, "", url.href);
    } catch {
      // The address bar keeps it.
    }
  }
  return token;
}

/** Uses `token` from now on, and keeps it for this tab (a reload asks no more). */
export function setToken(token: string): void {
  apiToken = token.trim();
  storeToken(apiToken); // else kept for this page only
}

/** An API call that failed, with the server's `{error}` message. */
export class ApiError extends Error {
  /** HTTP status (0 when the request never got an answer). */
  readonly status: number;

  /** An error with the server's message and the response status. */
  constructor(status: number, message: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
  }
}

/** Adds `?token=` to `path` when the page has a token (for EventSource and links). */
export function withToken(path: string): string {
  if (apiToken === "") return path;
  const separator = path.includes("?") ? "&" : "?";
  return `${path}${separator}token=${encodeURIComponent(apiToken)}`;
}

/** Fetches `path` with the token; throws {@linkcode ApiError} unless 2xx. */
export async function apiFetch(
  path: string,
  init: RequestInit = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  if (apiToken !== "") headers.set("Authorization", `Bearer ${apiToken}`);
  let response: Response;
  try {
    response = await fetch(path, { ...init, headers });
  } catch (error) {
    throw new ApiError(
      0,
      `Server unreachable: ${error instanceof Error ? error.message : error}`,
    );
  }
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      const body = await response.json() as { error?: unknown };
      if (typeof body.error === "string") message = body.error;
    } catch {
      // Not JSON: keep the status line.
    }
    throw new ApiError(response.status, message);
  }
  return response;
}

/** GETs `path` and parses its JSON body. */
export async function getJson<T>(path: string): Promise<T> {
  const response = await apiFetch(path);
  return await response.json() as T;
}

/** POSTs `body` as JSON (nothing when absent) and parses the JSON answer. */
export async function postJson<T>(path: string, body?: unknown): Promise<T> {
  const response = await apiFetch(path, {
    method: "POST",
    ...(body === undefined ? {} : {
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    }),
  });
  return await response.json() as T;
}

/** Saves `blob` as a download named `fileName`. */
export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  startDownload(url, fileName);
  // The click starts the download synchronously; the URL can go after it.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Starts the browser's download of `url` as `fileName` (a click on a link made for it). */
export function startDownload(url: string, fileName: string): void {
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
}

/** The file name of a `Content-Disposition: attachment; filename="…"` header. */
export function attachmentName(response: Response, fallback: string): string {
  const header = response.headers.get("Content-Disposition") ?? "";
  return /filename="([^"]+)"/.exec(header)?.[1] ?? fallback;
}
