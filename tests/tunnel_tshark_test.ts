/**
 * The decoder's reading of tunnels (capture/decode/tunnel.ts: VXLAN, Geneve,
 * GRE, ERSPAN I–III, IP in IP; MPLS and PPPoE in decode/link.ts), checked
 * against tshark's on one capture of every kind, built by
 * capture/tunnel_frames.ts: the layers tshark finds (`frame.protocols`)
 * give the tunnels we must list, outermost first; its outermost IP
 * addresses are our tunnel endpoints, its innermost IP addresses and TCP
 * ports our packet's, and its VNI, GRE key or ERSPAN session id (the first
 * from the outside in) our tunnel id. Live VXLAN from the kernel is
 * tests/live_tunnel_test.ts's.
 *
 * Needs `tshark`.
 */

import assert from "node:assert/strict";
import { TUNNEL_SAMPLE_FRAMES } from "../capture/decode/test_helpers.ts";
import { readPacketFile } from "../capture/packet_source.ts";
import { CaptureSummary } from "../capture/summary.ts";
import { LINK_TYPE } from "../capture/pcap_record.ts";
import { PcapBuilder } from "../capture/pcap_writer.ts";

const FIELDS = [
  "frame.protocols",
  "ip.src",
  "ip.dst",
  "ipv6.src",
  "ipv6.dst",
  "arp.src.proto_ipv4",
  "arp.dst.proto_ipv4",
  "tcp.srcport",
  "tcp.dstport",
  "vxlan.vni",
  "geneve.vni",
  "gre.key",
  "erspan.spanid",
];

/** Where each tunnel kind keeps its id in tshark. */
const ID_FIELD: Record<string, string> = {
  vxlan: "vxlan.vni",
  geneve: "geneve.vni",
  gre: "gre.key",
  erspan: "erspan.spanid",
};

/** tshark's reading of one frame, as our fields would hold it. */
function tsharkReading(line: string): string {
  const values = line.split("\t");
  const field = new Map(FIELDS.map((name, i) => [name, values[i] ?? ""]));
  const layers = field.get("frame.protocols")!.split(":");
  const taken = new Map<string, number>();
  /** The next occurrence of `name`'s values, in layer order. */
  const next = (name: string) => {
    const all = field.get(name)!.split(",");
    const i = taken.get(name) ?? 0;
    taken.set(name, i + 1);
    return all[i] ?? "";
  };
  const ips: { src: string; dst: string }[] = [];
  const tunnels: string[] = [];
  let id = "-1";
  layers.forEach((layer, i) => {
    if (layer === "ip" || layer === "ipv6") {
      if (layers[i - 1] === "ip" || layers[i - 1] === "ipv6") {
        tunnels.push("ipip");
      }
      ips.push({
        src: next(layer === "ip" ? "ip.src" : "ipv6.src"),
        dst: next(layer === "ip" ? "ip.dst" : "ipv6.dst"),
      });
      return;
    }
    let kind = layer;
    if (layer === "gre" && layers[i + 1] === "erspan") kind = "erspan";
    if (layer === "erspan" || !(kind in ID_FIELD)) return;
    tunnels.push(kind);
    const value = next(ID_FIELD[kind]!);
    if (id === "-1" && value !== "") id = String(Number(value));
  });
  const inner = layers.includes("arp")
    ? {
      src: field.get("arp.src.proto_ipv4")!,
      dst: field.get("arp.dst.proto_ipv4")!,
    }
    : ips.at(-1)!;
  const outer = tunnels.length > 0 ? ips[0]! : { src: "", dst: "" };
  return [
    tunnels.join(" "),
    outer.src,
    outer.dst,
    id,
    inner.src,
    inner.dst,
    field.get("tcp.srcport") || "-1",
    field.get("tcp.dstport") || "-1",
  ].join(" | ");
}

Deno.test("tunnels: every kind read as tshark reads it (tunnels, endpoints, id, inner addresses and ports)", async () => {
  const pcap = new PcapBuilder(LINK_TYPE.ETHERNET);
  TUNNEL_SAMPLE_FRAMES.forEach((frame, i) =>
    pcap.add(1_700_000_000_000_000 + i, frame)
  );
  const path = await Deno.makeTempFile({ suffix: ".pcap" });
  try {
    await Deno.writeFile(path, pcap.toBytes());
    const ours: string[] = [];
    const summary = new CaptureSummary();
    await readPacketFile(path, (packet) => {
      summary.add(packet);
      ours.push(
        [
          packet.tunnel,
          packet.tunnelSrcAddress,
          packet.tunnelDstAddress,
          packet.tunnelId,
          packet.srcAddress,
          packet.dstAddress,
          packet.srcPort,
          packet.dstPort,
        ].join(" | "),
      );
    });
    const output = await new Deno.Command("tshark", {
      args: [
        "-n",
        "-r",
        path,
        "-d",
        "udp.port==8472,vxlan",
        "-T",
        "fields",
        ...FIELDS.flatMap((name) => ["-e", name]),
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(output.stdout);
    assert.ok(output.success, new TextDecoder().decode(output.stderr));
    const theirs = text.replace(/\n$/, "").split("\n").map(tsharkReading);
    assert.deepEqual(ours, theirs);
    // Not empty on either side: every tunnel kind and both shims are there.
    const kinds = new Set(
      ours.flatMap((line) => line.split(" | ")[0]!.split(" ")),
    );
    for (const kind of ["vxlan", "geneve", "gre", "erspan", "ipip"]) {
      assert.ok(kinds.has(kind), kind);
    }
    // `netmirror read`'s summary counts them.
    assert.deepEqual(summary.toJSON().tunnels, {
      vxlan: 3,
      geneve: 2,
      gre: 3,
      erspan: 4,
      ipip: 4,
      "gre vxlan": 1,
    });
  } finally {
    await Deno.remove(path);
  }
});
