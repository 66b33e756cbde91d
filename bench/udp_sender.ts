/**
 * Bounded, paced UDP traffic to 127.0.0.1 for the live-capture benchmark,
 * run as its own process (one core). JavaScript sockets top out near 30 000
 * datagrams/s here, so this calls libc's `sendmmsg` through FFI: one system
 * call sends a batch. A socket bound to the destination port swallows the
 * datagrams, so the kernel answers none with ICMP port unreachable.
 *
 *   deno run --allow-ffi bench/udp_sender.ts <port> <packets/s> <count> [payload bytes]
 *
 * Stops after `count` datagrams or 3× the planned time, whichever is first,
 * and prints `{"sent":…,"seconds":…}`. Linux x86_64/aarch64 with glibc only.
 *
 * @module
 */

const AF_INET = 2;
const SOCK_DGRAM = 2;
/** Datagrams per `sendmmsg` call. */
const BATCH = 256;
/** sizeof(struct mmsghdr) and sizeof(struct iovec) on 64-bit Linux. */
const MMSGHDR_BYTES = 64;
const IOVEC_BYTES = 16;

/** What the sender did. */
export interface SendResult {
  sent: number;
  seconds: number;
}

function sockaddrIn(port: number): Uint8Array<ArrayBuffer> {
  const address = new Uint8Array(16);
  const view = new DataView(address.buffer);
  view.setUint16(0, AF_INET, true);
  view.setUint16(2, port, false);
  address.set([127, 0, 0, 1], 4);
  return address;
}

/** Sends `count` datagrams of `payloadBytes` to 127.0.0.1:`port` at `rate` per second. */
export async function sendUdp(
  port: number,
  rate: number,
  count: number,
  payloadBytes = 64,
): Promise<SendResult> {
  const libc = Deno.dlopen("libc.so.6", {
    socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
    bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
    connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
    sendmmsg: { parameters: ["i32", "buffer", "u32", "i32"], result: "i32" },
    close: { parameters: ["i32"], result: "i32" },
    __errno_location: { parameters: [], result: "pointer" },
  });
  const errno = () => {
    const pointer = libc.symbols.__errno_location();
    return pointer ? new Deno.UnsafePointerView(pointer).getInt32() : -1;
  };
  const sink = libc.symbols.socket(AF_INET, SOCK_DGRAM, 0);
  const sender = libc.symbols.socket(AF_INET, SOCK_DGRAM, 0);
  try {
    const address = sockaddrIn(port);
    if (sink < 0 || sender < 0) throw new Error("Cannot open a UDP socket");
    if (libc.symbols.bind(sink, address, 16) !== 0) {
      throw new Error(`Cannot bind 127.0.0.1:${port}`);
    }
    if (libc.symbols.connect(sender, address, 16) !== 0) {
      throw new Error(`Cannot connect to 127.0.0.1:${port}`);
    }
    // Explicit ArrayBuffers: V8 keeps small typed arrays (up to 64 bytes) in
    // its heap, where a collection may move them.
    const payload = new Uint8Array(new ArrayBuffer(payloadBytes)).fill(0x61);
    const iovec = new Uint8Array(new ArrayBuffer(IOVEC_BYTES));
    const iovecView = new DataView(iovec.buffer);
    iovecView.setBigUint64(
      0,
      BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(payload))),
      true,
    );
    iovecView.setBigUint64(8, BigInt(payloadBytes), true);
    const iovecAddress = BigInt(
      Deno.UnsafePointer.value(Deno.UnsafePointer.of(iovec)),
    );
    const messages = new Uint8Array(new ArrayBuffer(MMSGHDR_BYTES * BATCH));
    const view = new DataView(messages.buffer);
    for (let i = 0; i < BATCH; i++) {
      // msghdr: msg_iov at +16, msg_iovlen at +24 (no name: connected).
      view.setBigUint64(i * MMSGHDR_BYTES + 16, iovecAddress, true);
      view.setBigUint64(i * MMSGHDR_BYTES + 24, 1n, true);
    }
    const started = performance.now();
    const deadlineMs = started + (count / rate) * 3000 + 1000;
    let sent = 0;
    let failures = 0;
    while (sent < count && performance.now() < deadlineMs) {
      const due = Math.min(
        count,
        Math.floor(((performance.now() - started) / 1000) * rate),
      );
      if (due - sent <= 0) {
        await new Promise((resolve) => setTimeout(resolve, 1));
        continue;
      }
      const n = libc.symbols.sendmmsg(
        sender,
        messages,
        Math.min(BATCH, due - sent),
        0,
      );
      if (n < 0) {
        // ENOBUFS/ECONNREFUSED under load are transient on lo: back off
        // briefly; give up only when the sender makes no progress at all.
        if (++failures > MAX_FAILURES) {
          throw new Error(
            `sendmmsg failed ${failures} times in a row (errno ${errno()})`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 1));
        continue;
      }
      failures = 0;
      sent += n;
    }
    // The kernel reads `payload` and `iovec` through raw addresses only: a
    // use after the loop keeps them alive (else a collection may free them
    // mid-run and every later send fails, e.g. with EMSGSIZE).
    if (payload[0] !== 0x61 || iovec.byteLength !== IOVEC_BYTES) {
      throw new Error("the send buffers changed");
    }
    return { sent, seconds: (performance.now() - started) / 1000 };
  } finally {
    if (sender >= 0) libc.symbols.close(sender);
    if (sink >= 0) libc.symbols.close(sink);
    libc.close();
  }
}

/** Consecutive failed sendmmsg calls tolerated before the sender gives up. */
const MAX_FAILURES = 2_000;

if (import.meta.main) {
  const [port, rate, count, payloadBytes] = Deno.args.map(Number);
  if (!port || !rate || !count) {
    console.error(
      "usage: udp_sender.ts <port> <packets/s> <count> [payload bytes]",
    );
    Deno.exit(2);
  }
  console.log(JSON.stringify(await sendUdp(port, rate, count, payloadBytes)));
}
