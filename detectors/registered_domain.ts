/**
 * The registered domain of a DNS name ("mail.example.co.uk" → "example.co.uk"),
 * without the Public Suffix List.
 *
 * The PSL is not available offline, so this is a heuristic: the last two
 * labels, or the last three when the top-level label is a two-letter ccTLD and
 * the second-to-last label is a common second-level label such as `co`, `com`,
 * `net`, `org`, `gov`, `edu` or `ac` ("example.co.uk", "example.com.au"), or
 * a rarer one under a ccTLD that uses it ("example.ne.jp", "example.gob.mx").
 *
 * Known limitations (where the PSL would answer differently):
 * - private suffixes are not known, so every customer of a hosting zone shares
 *   one registered domain ("a.github.io" and "b.github.io" → "github.io",
 *   "x.s3.amazonaws.com" → "amazonaws.com");
 * - less common second-level labels are not known ("example.kyoto.jp" →
 *   "kyoto.jp", "example.nhs.uk" → "nhs.uk");
 * - a name under a listed second-level label of a ccTLD that does not use it
 *   is cut one label too deep ("www.co.de" → "www.co.de").
 *
 * For a detector that groups queries by domain these errors only merge or
 * split groups; they never drop a query.
 *
 * @module
 */

/**
 * Second-level labels under which two-letter ccTLDs register names
 * (co.uk, com.au, net.br, org.nz, gov.in, edu.au, ac.jp…): taken as one
 * under any of them.
 */
const COMMON_SECOND_LEVEL_LABELS: ReadonlySet<string> = new Set([
  "co",
  "com",
  "net",
  "org",
  "gov",
  "edu",
  "ac",
]);

/**
 * Rarer second-level labels, with the ccTLDs that use them (or.jp, ne.jp,
 * go.kr, gob.mx, mil.br, ltd.uk…): under another ccTLD such a label is a
 * name anyone may register ("ltd.gg"), and a tunnel's data under it would
 * otherwise make a registered domain of every query.
 */
const RARER_SECOND_LEVEL_LABELS: ReadonlyMap<string, ReadonlySet<string>> =
  new Map(
    Object.entries({
      or: "jp kr th id at cr ke tz ug",
      ne: "jp kr ke",
      go: "jp kr th id ke tz ug cr",
      gob: "mx ar es pe cl bo ec gt hn ni pa py sv ve do cu",
      mil: "br ar mx pe kr id in tr co ph pk ec",
      nic: "in",
      ltd: "uk",
      plc: "uk",
      sch: "uk id",
    }).map(([label, tlds]) => [label, new Set(tlds.split(" "))]),
  );

/**
 * Returns the registered domain of `name` (a DNS name, any case, with or
 * without a trailing dot): the last two labels, or three for a common
 * second-level label under a two-letter ccTLD. Names with fewer labels than
 * that are returned whole; "" stays "". The result is lower-case.
 */
export function registeredDomain(name: string): string {
  let end = name.length;
  if (end > 0 && name.charCodeAt(end - 1) === 0x2e) end--; // trailing dot
  // Dots are found in `name` itself; only the labels returned are lowered.
  const lastDot = name.lastIndexOf(".", end - 1);
  if (lastDot <= 0) return lowerCaseOf(name, 0, end);
  const secondDot = name.lastIndexOf(".", lastDot - 1);
  if (secondDot < 0) return lowerCaseOf(name, 0, end);
  if (end - lastDot - 1 === 2) {
    const label = lowerCaseOf(name, secondDot + 1, lastDot);
    if (
      COMMON_SECOND_LEVEL_LABELS.has(label) ||
      RARER_SECOND_LEVEL_LABELS.get(label)?.has(
          lowerCaseOf(name, lastDot + 1, end),
        ) === true
    ) {
      return lowerCaseOf(name, name.lastIndexOf(".", secondDot - 1) + 1, end);
    }
  }
  return lowerCaseOf(name, secondDot + 1, end);
}

/**
 * True when the last label of `name` could be a top-level domain: 2 to 63
 * ASCII letters, or an IDNA A-label ("xn--" + letters, digits, hyphens).
 * False for names whose last label holds digits or other data (such as the
 * hex payload of a tunnel in "direct" mode, which queries no domain at all).
 */
export function hasPlausibleTld(name: string): boolean {
  let end = name.length;
  if (end > 0 && name.charCodeAt(end - 1) === 0x2e) end--;
  const start = name.lastIndexOf(".", end - 1) + 1;
  const length = end - start;
  if (length < 2 || length > 63) return false;
  if (name.startsWith("xn--", start) || name.startsWith("XN--", start)) {
    if (length < 5) return false;
    for (let i = start + 4; i < end; i++) {
      const code = name.charCodeAt(i) | 0x20;
      const isLetter = code >= 0x61 && code <= 0x7a;
      const isDigit = code >= 0x30 && code <= 0x39;
      if (!isLetter && !isDigit && code !== 0x2d) return false;
    }
    return true;
  }
  for (let i = start; i < end; i++) {
    const code = name.charCodeAt(i) | 0x20;
    if (code < 0x61 || code > 0x7a) return false;
  }
  return true;
}

/** Characters `start`..`end` of `name` in lower case (`name` itself when that is all of it and has no upper case). */
function lowerCaseOf(name: string, start: number, end: number): string {
  for (let i = start; i < end; i++) {
    const code = name.charCodeAt(i);
    if (code >= 0x41 && code <= 0x5a) {
      return name.slice(start, end).toLowerCase();
    }
  }
  return start === 0 && end === name.length ? name : name.slice(start, end);
}
