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
    "this copy may write only where its --allow-write lets it (under ./netmirror-data and /run/netmirror when built by `deno task compile`); write there (--data-dir, -w netmirror-data/out.pcap), use --eve - for EVE on stdout, or rebuild with a wider --allow-write",
  net:
    "this copy may listen only where its --allow-net lets it (127.0.0.1:5000 when built by `deno task compile`); leave --bind and --port at what it allows, or rebuild with a wider --allow-net",
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
