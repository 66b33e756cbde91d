import assert from "node:assert/strict";
import { OutputClosedError, writeAll, writeAllSync } from "./write_all.ts";

/** A named pipe in a fresh directory, read by `head -c 1` (which then exits), and its write end. */
async function pipeReadOnce(): Promise<{
  file: Deno.FsFile;
  done: () => Promise<void>;
}> {
  const dir = await Deno.makeTempDir();
  const fifo = `${dir}/pipe`;
  const made = await new Deno.Command("mkfifo", { args: [fifo] }).output();
  assert.equal(made.code, 0, "mkfifo");
  const reader = new Deno.Command("head", {
    args: ["-c", "1", fifo],
    stdout: "null",
  }).spawn();
  const file = await Deno.open(fifo, { write: true }); // once head opens it
  return {
    file,
    done: async () => {
      file.close();
      await reader.status;
      await Deno.remove(dir, { recursive: true });
    },
  };
}

const BLOCK = new Uint8Array(1 << 16);

Deno.test("writeAllSync into a pipe whose reader has gone throws OutputClosedError", async () => {
  const { file, done } = await pipeReadOnce();
  try {
    assert.throws(() => {
      // head reads a little and exits; the pipe holds 64 KiB at most.
      for (let i = 0; i < 1_000; i++) writeAllSync(file, BLOCK);
    }, OutputClosedError);
  } finally {
    await done();
  }
});

Deno.test("writeAll into a pipe whose reader has gone rejects with OutputClosedError, the EPIPE as its cause", async () => {
  const { file, done } = await pipeReadOnce();
  try {
    let caught: unknown;
    try {
      for (let i = 0; i < 1_000; i++) await writeAll(file, BLOCK);
    } catch (error) {
      caught = error;
    }
    assert.ok(caught instanceof OutputClosedError, String(caught));
    assert.ok(caught.cause instanceof Deno.errors.BrokenPipe);
  } finally {
    await done();
  }
});

Deno.test("writeAllSync loops over short writes and passes other errors on as they are", () => {
  const written: number[] = [];
  writeAllSync({
    writeSync(bytes) {
      const n = Math.min(3, bytes.length);
      written.push(...bytes.subarray(0, n));
      return n;
    },
  }, new Uint8Array([1, 2, 3, 4, 5, 6, 7]));
  assert.deepEqual(written, [1, 2, 3, 4, 5, 6, 7]);
  assert.throws(
    () =>
      writeAllSync({
        writeSync() {
          throw new Deno.errors.PermissionDenied("no");
        },
      }, new Uint8Array(1)),
    Deno.errors.PermissionDenied,
  );
});
