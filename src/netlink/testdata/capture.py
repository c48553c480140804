#!/usr/bin/env python3
"""Captures golden rtnetlink bytes from the running kernel into golden.ts (next to this file).

Run as root: `python3 src/netlink/testdata/capture.py`. Not run by the tests. Everything happens inside two
scratch netns (nlgold<pid>, and nlgold<pid>p for a veth peer) deleted at the end; host links and other
namespaces are never touched.
Two kinds of bytes are kept:
  * kernel dump replies (RTM_GETLINK/GETADDR/GETROUTE/GETNEIGH) with what `ip -j`/`bridge -j` said about
    the same objects at the same moment, so the tests can check decoded fields against an independent tool;
  * requests sent by iproute2 (`strace -e write=all` hex dumps of sendmsg), so the tests can compare the
    bytes our builders produce with the bytes iproute2 produces.
"""

import json
import os
import re
import socket
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "golden.ts")

NLMSG_DONE, NLMSG_ERROR = 3, 2
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
RTM_GETLINK, RTM_GETADDR, RTM_GETROUTE, RTM_GETNEIGH = 18, 22, 26, 30
AF_UNSPEC, AF_INET, AF_BRIDGE, AF_INET6 = 0, 2, 7, 10
IFLA_IFNAME = 3
RT_TABLE_MAIN = 254

# (name, command, nlmsg_type of the request to keep, or None for no capture)
SETUP = [
    ("lo-up", "ip link set lo up", None),
    ("veth", "ip link add vgA type veth peer name vgB", 16),
    ("bridge", "ip link add brg0 type bridge", 16),
    ("master", "ip link set dev vgA master brg0", 16),
    ("up", "ip link set dev vgA up", 16),
    (None, "ip link set dev vgB up", None),
    (None, "ip link set dev brg0 up", None),
    ("hairpin", "bridge link set dev vgA hairpin on", 19),
    ("addr4", "ip addr add 10.99.0.1/24 dev vgB", 20),
    ("addr6", "ip addr add fd00:99::1/64 dev vgB nodad", 20),
    ("vxlan", "ip link add vxg0 type vxlan id 4242 dstport 4789 local 10.99.0.1 group 239.1.1.1 dev vgB "
              "ttl 64 nolearning proxy l2miss l3miss", 16),
    (None, "ip link set dev vxg0 up", None),
    ("macvlan", "ip link add mvg0 link vgB type macvlan mode bridge", 16),
    # The peer is born in the second scratch netns under its final name (IFLA_NET_NS_FD inside VETH_INFO_PEER).
    ("veth-netns", "ip link add vgC mtu 1450 type veth peer name eth0 netns {peer_ns}", 16),
    # This kernel has no ipvlan: the request is still what iproute2 sends, the kernel just refuses it.
    ("ipvlan", "ip link add ipv0 link vgB type ipvlan mode l3 private", 16),
    ("route-default", "ip route add default via 10.99.0.254 dev vgB", 24),
    ("route-onlink", "ip route add 10.98.0.0/16 via 10.97.0.1 dev vgB onlink", 24),
    ("neigh", "ip neigh add 10.99.0.2 lladdr 02:42:0a:63:00:02 dev vgB nud permanent", 28),
    ("fdb", "bridge fdb add 02:42:0a:63:00:03 dev vxg0 dst 10.99.0.3 self permanent", 28),
    ("fdb-append", "bridge fdb append 00:00:00:00:00:00 dev vxg0 dst 10.99.0.4 self permanent", 28),
]
OUR_LINKS = ["vgA", "vgB", "brg0", "vxg0", "mvg0"]
MAY_FAIL = {"ipvlan"}


def sh(cmd):
    r = subprocess.run(cmd, shell=True, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("%s: exit %d\n%s" % (cmd, r.returncode, r.stderr))
    return r.stdout


def strace_requests(cmd, msg_type, may_fail):
    """Runs cmd under strace and returns the hex of every netlink message of msg_type it sent."""
    with tempfile.NamedTemporaryFile("r", suffix=".strace") as log:
        r = subprocess.run(["strace", "-f", "-qq", "-e", "trace=sendmsg,sendto", "-e", "write=all", "-o", log.name]
                           + cmd.split(), capture_output=True, text=True)
        if r.returncode != 0 and not may_fail:
            raise RuntimeError("%s: exit %d\n%s" % (cmd, r.returncode, r.stderr))
        dumps, cur = [], None
        for line in log.read().splitlines():
            if re.match(r"^\s*(\d+\s+)?\* \d+ bytes in buffer", line):
                cur = bytearray()
                dumps.append(cur)
            # The hex area is the 49 columns after the offset: a greedy pattern would run on into the ASCII
            # column when that starts with two hex digits ("9ab." after "…6d 6d").
            m = re.match(r"^\s*(?:\d+\s+)?\| [0-9a-f]{5}  (.{49})", line)
            if m and cur is not None:
                cur.extend(bytes.fromhex(m.group(1).replace(" ", "")))
    out = []
    for buf in dumps:
        for msg in split_messages(bytes(buf)):
            if struct.unpack_from("<H", msg, 4)[0] == msg_type:
                out.append(msg.hex())
    return out


def split_messages(buf):
    off, out = 0, []
    while off + 16 <= len(buf):
        ln = struct.unpack_from("<I", buf, off)[0]
        if ln < 16 or off + ln > len(buf):
            break
        out.append(buf[off:off + ln])
        off += (ln + 3) & ~3
    return out


def attrs(payload, start):
    off, out = start, {}
    while off + 4 <= len(payload):
        ln, typ = struct.unpack_from("<HH", payload, off)
        if ln < 4:
            break
        out[typ & 0x3FFF] = payload[off + 4:off + ln]
        off += (ln + 3) & ~3
    return out


def dump(msg_type, header):
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
    s.bind((0, 0))
    s.send(struct.pack("<IHHII", 16 + len(header), msg_type, NLM_F_REQUEST | NLM_F_DUMP, 1, 0) + header)
    out = []
    while True:
        for msg in split_messages(s.recv(1 << 20)):
            typ = struct.unpack_from("<H", msg, 4)[0]
            if typ == NLMSG_DONE:
                s.close()
                return out
            if typ == NLMSG_ERROR:
                raise RuntimeError("dump failed: errno %d" % -struct.unpack_from("<i", msg, 16)[0])
            out.append(bytes(msg))


def ifname(msg):
    return attrs(msg[16:], 16).get(IFLA_IFNAME, b"").rstrip(b"\0").decode()


def ipj(cmd):
    out = sh(cmd).strip()
    return json.loads(out) if out else []


def settle():
    """Waits for linkwatch (which runs up to a second late) so dumps and ip -j see the same operstate."""
    want = {"vgA": "UP", "vgB": "UP", "brg0": "UP"}
    for _ in range(50):
        state = {l["ifname"]: l["operstate"] for l in ipj("ip -j link show")}
        if all(state.get(k) == v for k, v in want.items()):
            return
        time.sleep(0.1)
    raise RuntimeError("links did not come up: %s" % state)


def inside(peer_ns):
    requests = {}
    for name, cmd, typ in SETUP:
        cmd = cmd.format(peer_ns=peer_ns)
        if typ is None:
            sh(cmd)
        else:
            requests[name] = {"cmd": cmd, "hex": strace_requests(cmd, typ, name in MAY_FAIL)}
    settle()
    index = {l["ifname"]: l["ifindex"] for l in ipj("ip -j link show")}
    ifinfomsg = struct.pack("<BxHiII", AF_UNSPEC, 0, 0, 0, 0)

    links = []
    for msg in dump(RTM_GETLINK, ifinfomsg):
        if ifname(msg) in OUR_LINKS:
            links.append({"hex": msg.hex(), "ip": ipj("ip -j -d link show dev " + ifname(msg))[0]})
    bridge_ports = []
    for msg in dump(RTM_GETLINK, struct.pack("<BxHiII", AF_BRIDGE, 0, 0, 0, 0)):
        if ifname(msg) == "vgA":
            bridge_ports.append({"hex": msg.hex(), "ip": ipj("bridge -j -d link show dev vgA")[0]})

    addrs = []
    ip_addrs = ipj("ip -j addr show dev vgB")[0]["addr_info"]
    for msg in dump(RTM_GETADDR, struct.pack("<BBBBI", AF_UNSPEC, 0, 0, 0, 0)):
        if struct.unpack_from("<I", msg, 20)[0] == index["vgB"]:
            family, plen = msg[16], msg[17]
            local = attrs(msg[16:], 8).get(2 if family == AF_INET else 1)
            text = socket.inet_ntop(family, local)
            match = [a for a in ip_addrs if a["local"] == text and a["prefixlen"] == plen]
            addrs.append({"hex": msg.hex(), "ip": match[0]})

    routes = []
    ip_routes = ipj("ip -j -d route show table main") + ipj("ip -j -d -6 route show table main dev vgB")
    for family in (AF_INET, AF_INET6):
        for msg in dump(RTM_GETROUTE, struct.pack("<BBBBBBBBI", family, 0, 0, 0, 0, 0, 0, 0, 0)):
            if msg[20] != RT_TABLE_MAIN:
                continue
            a = attrs(msg[16:], 12)
            oif = struct.unpack("<I", a[4])[0] if 4 in a else 0
            if oif != index["vgB"]:
                continue
            dst = socket.inet_ntop(family, a[1]) + "/" + str(msg[17]) if 1 in a else "default"
            dst = dst.replace("/32", "") if family == AF_INET else dst.replace("/128", "")
            match = [r for r in ip_routes if r["dst"] == dst]
            routes.append({"hex": msg.hex(), "ip": match[0]})

    neighs = []
    ip_neighs = ipj("ip -j neigh show dev vgB")
    for msg in dump(RTM_GETNEIGH, struct.pack("<BxHiHBB", AF_INET, 0, 0, 0, 0, 0)):
        if struct.unpack_from("<i", msg, 20)[0] == index["vgB"]:
            dst = socket.inet_ntop(AF_INET, attrs(msg[16:], 12)[1])
            # `ip neigh show` hides NOARP entries (the gateways the routes created); keep what it shows.
            match = [n for n in ip_neighs if n["dst"] == dst]
            if match:
                neighs.append({"hex": msg.hex(), "ip": match[0]})
    fdb = []
    ip_fdb = ipj("bridge -j fdb show dev vxg0")
    for msg in dump(RTM_GETNEIGH, struct.pack("<BxHiHBB", AF_BRIDGE, 0, 0, 0, 0, 0)):
        if struct.unpack_from("<i", msg, 20)[0] == index["vxg0"]:
            a = attrs(msg[16:], 12)
            mac = ":".join("%02x" % b for b in a[2])
            dst = socket.inet_ntop(AF_INET, a[1]) if 1 in a else None
            match = [f for f in ip_fdb if f["mac"] == mac and f.get("dst") == dst]
            fdb.append({"hex": msg.hex(), "ip": match[0]})

    return {
        "kernel": os.uname().release,
        "iproute2": sh("ip -V").strip(),
        "index": {n: index[n] for n in OUR_LINKS},
        "links": links, "bridgePorts": bridge_ports, "addrs": addrs, "routes": routes,
        "neighs": neighs, "fdb": fdb, "requests": requests,
    }


HEADER = """// Golden rtnetlink bytes from a real kernel, with what ip -j / bridge -j reported at the same moment.
// Generated by capture.py (run as root); regenerate rather than edit.

export interface GoldenMessage {
  /** One whole netlink message (nlmsghdr included), hex. */
  readonly hex: string;
  /** The same object as `ip -j -d` (or `bridge -j -d`) printed it. */
  readonly ip: Readonly<Record<string, unknown>>;
}

export interface GoldenRequest {
  readonly cmd: string;
  /** Every message of the request's type that iproute2 sent for `cmd`, hex. */
  readonly hex: readonly string[];
}

export interface Golden {
  readonly kernel: string;
  readonly iproute2: string;
  readonly index: Readonly<Record<string, number>>;
  readonly links: readonly GoldenMessage[];
  readonly bridgePorts: readonly GoldenMessage[];
  readonly addrs: readonly GoldenMessage[];
  readonly routes: readonly GoldenMessage[];
  readonly neighs: readonly GoldenMessage[];
  readonly fdb: readonly GoldenMessage[];
  readonly requests: Readonly<Record<string, GoldenRequest>>;
}

export const GOLDEN: Golden = """


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--inside":
        json.dump(inside(sys.argv[2]), sys.stdout)
        return
    if os.geteuid() != 0:
        sys.exit("capture.py needs root (it creates scratch network namespaces)")
    ns, peer_ns = "nlgold%d" % os.getpid(), "nlgold%dp" % os.getpid()
    try:
        sh("ip netns add " + ns)
        sh("ip netns add " + peer_ns)
        data = json.loads(sh("ip netns exec %s python3 %s --inside %s" % (ns, os.path.abspath(__file__), peer_ns)))
    finally:
        for name in (ns, peer_ns):
            subprocess.run(["ip", "netns", "del", name], capture_output=True)
    with open(OUT, "w") as f:
        f.write(HEADER + json.dumps(data, indent=2) + ";\n")
    print("wrote %s: %d links, %d addrs, %d routes, %d neighs, %d fdb, %d requests" % (
        OUT, len(data["links"]), len(data["addrs"]), len(data["routes"]), len(data["neighs"]),
        len(data["fdb"]), len(data["requests"])))


if __name__ == "__main__":
    main()
