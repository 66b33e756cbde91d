/**
 * Messages for permissions that a binary built by `deno task compile`
 * lacks: its user cannot add the Deno flag that Deno's own message asks
 * for, so they say what the binary allows instead.
 *
 * @module
 */

/** What a permission the binary lacks should say instead of Deno's "run again with the --allow-… flag", which its user cannot add. */
const PERMISSION_HINTS: Record<string, string> = {
  write:
    "this copy may write only where its --allow-write lets it (under ./netmirror-data and /run/netmirror as `deno task compile` builds it and `deno task start` runs it); write there (--data-dir, --eve or -w netmirror-data/…), use --eve - for EVE on stdout, or widen --allow-write (deno.json's start task; rebuild a binary)",
  net:
    "this copy may listen only where its --allow-net lets it (127.0.0.1:5000 as `deno task compile` builds it and `deno task start` runs it); leave --bind and --port at what it allows, or widen --allow-net (deno.json's start task; rebuild a binary)",
};

/** `message` with Deno's "run again with the --allow-… flag" replaced by what the binary's user can do. */
export function withPermissionHint(message: string): string {
  return message.replace(
    /, run again with the --allow-(\w+) flag/,
    (advice, flag: string) => {
      const hint = PERMISSION_HINTS[flag];
      return hint === undefined ? advice : `: ${hint}`;
    },
  );
}
