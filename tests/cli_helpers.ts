/**
 * Helpers of the tests that run `netmirror` (and tcpdump, tshark) as real
 * processes: their decoded output, a line of `read`'s summary, the moment
 * a capture on lo starts, and tcpdump's own packet count and tshark's own
 * fields to compare with.
 */

import assert from "node:assert/strict";

/** A finished process: exit code and decoded output. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `output` with its stdout and stderr decoded. */
export function runOf(output: Deno.CommandOutput): Run {
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** The value of the `label:` line of a `netmirror read` summary (failing when there is none). */
export function summaryField(summary: string, label: string): string {
  const line = summary.split("\n").find((l) => l.startsWith(`${label}:`));
  assert.ok(line, `summary has no "${label}:" line:\n${summary}`);
  return line.slice(label.length + 1).trim();
}

/** How many packets of `file` tcpdump itself prints for `filter` (up to any damage). */
export async function tcpdumpCount(
  file: string,
  filter: string[] = [],
): Promise<number> {
  const output = await new Deno.Command("tcpdump", {
    args: ["-nn", "-r", file, ...(filter.length > 0 ? ["--", ...filter] : [])],
    stdout: "piped",
    stderr: "null",
  }).output();
  return new TextDecoder().decode(output.stdout).split("\n").filter(Boolean)
    .length;
}

/**
 * tshark's own reading of `file`: a line per packet that `displayFilter`
 * keeps (every packet when ""), its `fields` separated by tabs, with
 * `options` (preferences, `-o name:value`) before the file. Fails the test
 * when tshark fails.
 */
export async function tsharkFields(
  file: string,
  fields: string[],
  displayFilter = "",
  options: string[] = [],
): Promise<string[]> {
  const output = await new Deno.Command("tshark", {
    args: [
      "-n",
      ...options,
      "-r",
      file,
      ...(displayFilter === "" ? [] : ["-Y", displayFilter]),
      "-T",
      "fields",
      ...fields.flatMap((field) => ["-e", field]),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  assert.ok(
    output.success,
    `tshark -r ${file}: ${decoder.decode(output.stderr)}`,
  );
  const text = decoder.decode(output.stdout);
  return text === "" ? [] : text.replace(/\n$/, "").split("\n");
}

/** Reads `child`'s stderr until netmirror says it is capturing on lo (failing if it never does); the reader, for the rest. */
export async function untilCapturing(
  child: Deno.ChildProcess,
): Promise<ReadableStreamDefaultReader<Uint8Array>> {
  const stderr = child.stderr.getReader();
  let err = "";
  while (!err.includes("capturing on lo")) {
    const { value, done } = await stderr.read();
    if (done) break;
    err += new TextDecoder().decode(value);
  }
  assert.match(err, /capturing on lo/);
  return stderr;
}
