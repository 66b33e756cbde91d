import assert from "node:assert/strict";
import {
  isRingDir,
  prepareRingDir,
  type RingDir,
  STALE_RING_MS,
} from "./ring_dir.ts";

const TCPDUMP_UID = 12_345;
const TCPDUMP_GID = 23_456;

/** A scratch parent with a passwd file that has (or has not) a tcpdump user. */
async function scratch(withTcpdumpUser: boolean) {
  const root = await Deno.makeTempDir();
  const passwdPath = `${root}/passwd`;
  await Deno.writeTextFile(
    passwdPath,
    "root:x:0:0:root:/root:/bin/bash\n" +
      (withTcpdumpUser
        ? `tcpdump:x:${TCPDUMP_UID}:${TCPDUMP_GID}::/nonexistent:/usr/sbin/nologin\n`
        : ""),
  );
  return { root, baseDir: `${root}/netmirror`, passwdPath };
}

function ringOf(value: ReturnType<typeof prepareRingDir>): RingDir {
  if (!isRingDir(value)) throw new Error(`no ring: ${value.reason}`);
  return value;
}

Deno.test("prepareRingDir() as root makes a private directory for the tcpdump user under a 0711 base", async () => {
  assert.equal(Deno.uid(), 0, "the test suite runs as root");
  const { root, baseDir, passwdPath } = await scratch(true);
  try {
    const ring = ringOf(
      prepareRingDir({ baseDir, passwdPath, anyFileSystem: true }),
    );
    assert.equal(ring.user, "tcpdump");
    assert.ok(ring.path.startsWith(`${baseDir}/ring-`));
    const base = await Deno.lstat(baseDir);
    assert.equal(base.mode! & 0o777, 0o711);
    const dir = await Deno.lstat(ring.path);
    assert.equal(dir.mode! & 0o777, 0o700);
    assert.equal(dir.uid, TCPDUMP_UID);
    assert.equal(dir.gid, TCPDUMP_GID);
    await Promise.all([ring.remove(), ring.remove()]);
    await assert.rejects(Deno.lstat(ring.path), Deno.errors.NotFound);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("prepareRingDir() as root without a tcpdump user keeps tcpdump root (-Z root)", async () => {
  const { root, baseDir, passwdPath } = await scratch(false);
  try {
    const ring = ringOf(
      prepareRingDir({ baseDir, passwdPath, anyFileSystem: true }),
    );
    assert.equal(ring.user, "root");
    assert.equal((await Deno.lstat(ring.path)).uid, 0);
    await ring.remove();
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("prepareRingDir() removes the rings of dead processes (no heartbeat for STALE_RING_MS) and keeps the others", async () => {
  const { root, baseDir, passwdPath } = await scratch(true);
  try {
    const first = ringOf(
      prepareRingDir({ baseDir, passwdPath, anyFileSystem: true }),
    );
    await Deno.writeTextFile(`${first.path}/ring.pcap03`, "left behind");
    const nowMs = Date.now();
    const fresh = ringOf(
      prepareRingDir({ baseDir, passwdPath, nowMs, anyFileSystem: true }),
    );
    assert.ok((await Deno.lstat(first.path)).isDirectory, "still fresh");
    const later = ringOf(
      prepareRingDir({
        baseDir,
        passwdPath,
        nowMs: nowMs + STALE_RING_MS + 1,
        anyFileSystem: true,
      }),
    );
    await assert.rejects(Deno.lstat(first.path), Deno.errors.NotFound);
    await assert.rejects(Deno.lstat(fresh.path), Deno.errors.NotFound);
    assert.ok((await Deno.lstat(later.path)).isDirectory);
    await later.remove();
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("prepareRingDir() refuses a base directory that others can write or that is not its own, and a missing parent", async () => {
  const { root, baseDir, passwdPath } = await scratch(true);
  try {
    await Deno.mkdir(baseDir);
    await Deno.chmod(baseDir, 0o777);
    const open = prepareRingDir({ baseDir, passwdPath, anyFileSystem: true });
    assert.ok(!isRingDir(open));
    assert.match(open.reason, /is writable by others \(mode 777\)/);

    await Deno.chmod(baseDir, 0o711);
    await Deno.chown(baseDir, TCPDUMP_UID, TCPDUMP_GID);
    const foreign = prepareRingDir({
      baseDir,
      passwdPath,
      anyFileSystem: true,
    });
    assert.ok(!isRingDir(foreign));
    assert.match(foreign.reason, /belongs to uid 12345, not to NetMirror's 0/);

    await Deno.remove(baseDir);
    await Deno.symlink(root, baseDir);
    const link = prepareRingDir({ baseDir, passwdPath, anyFileSystem: true });
    assert.ok(!isRingDir(link));
    assert.match(link.reason, /is not a directory/);

    const missing = prepareRingDir({
      baseDir: `${root}/nope/netmirror`,
      anyFileSystem: true,
    });
    assert.ok(!isRingDir(missing));
    assert.match(missing.reason, /nope is missing/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("prepareRingDir() uses a base on the root file system only when told to, and a tmpfs mounted there by default", async () => {
  const { root, baseDir, passwdPath } = await scratch(true);
  let mounted = false;
  try {
    const onDisk = prepareRingDir({ baseDir, passwdPath });
    assert.ok(!isRingDir(onDisk));
    assert.match(
      onDisk.reason,
      /is on the root file system, not a tmpfs \(mount one there: mount -t tmpfs/,
    );
    const mount = await new Deno.Command("mount", {
      args: ["-t", "tmpfs", "-o", "size=1m,mode=0711", "tmpfs", baseDir],
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.ok(mount.success, new TextDecoder().decode(mount.stderr));
    mounted = true;
    const ring = ringOf(prepareRingDir({ baseDir, passwdPath }));
    assert.equal((await Deno.lstat(ring.path)).uid, TCPDUMP_UID);
    await ring.remove();
  } finally {
    if (mounted) {
      await new Deno.Command("umount", { args: [baseDir] }).output();
    }
    await Deno.remove(root, { recursive: true });
  }
});
