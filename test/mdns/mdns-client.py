#!/usr/bin/env python3
"""An mDNS client written from RFC 1035/6762 alone, independent of the Node code under test.

Used inside a private network namespace only (see ../shared/tools/in-mdns-netns).

  mdns-client.py sniff IFACE_ADDR               print every mDNS packet on the group as a JSON line
                                                 until stdin closes ("ready" line first)
  mdns-client.py query IFACE_ADDR NAME TYPE WAIT [legacy]
                                                 send one query and print the replies seen within WAIT
                                                 seconds as one JSON array. Default: a real mDNS
                                                 querier (source port 5353, multicast reply expected).
                                                 legacy: from an ephemeral port, the reply comes by
                                                 unicast (RFC 6762 section 6.7).
"""

import json
import select
import socket
import struct
import sys
import threading
import time

GROUP = "224.0.0.251"
PORT = 5353
TYPES = {1: "A", 12: "PTR", 16: "TXT", 28: "AAAA", 33: "SRV", 47: "NSEC", 255: "ANY"}
CODES = {v: k for k, v in TYPES.items()}


def read_name(buf, off):
    labels = []
    jumped = False
    end = off
    hops = 0
    while True:
        if off >= len(buf):
            raise ValueError("name runs past the packet")
        n = buf[off]
        if n & 0xC0 == 0xC0:
            if not jumped:
                end = off + 2
            off = ((n & 0x3F) << 8) | buf[off + 1]
            jumped = True
            hops += 1
            if hops > 64:
                raise ValueError("compression loop")
            continue
        if n == 0:
            if not jumped:
                end = off + 1
            return ".".join(labels), end
        labels.append(buf[off + 1 : off + 1 + n].decode("utf-8", "replace"))
        off += 1 + n


def read_rdata(buf, off, rtype, rdlen):
    data = buf[off : off + rdlen]
    if rtype == 1:
        return socket.inet_ntop(socket.AF_INET, data)
    if rtype == 28:
        return socket.inet_ntop(socket.AF_INET6, data)
    if rtype == 12:
        return read_name(buf, off)[0]
    if rtype == 33:
        prio, weight, port = struct.unpack("!HHH", data[:6])
        return {"priority": prio, "weight": weight, "port": port, "target": read_name(buf, off + 6)[0]}
    if rtype == 16:
        out, i = [], 0
        while i < len(data):
            n = data[i]
            out.append(data[i + 1 : i + 1 + n].decode("utf-8", "replace"))
            i += 1 + n
        return out
    if rtype == 47:
        nxt, i = read_name(buf, off)
        types = []
        while i < off + rdlen:
            window, length = buf[i], buf[i + 1]
            bits = buf[i + 2 : i + 2 + length]
            for byte_i, byte in enumerate(bits):
                for bit in range(8):
                    if byte & (0x80 >> bit):
                        code = window * 256 + byte_i * 8 + bit
                        types.append(TYPES.get(code, str(code)))
            i += 2 + length
        return {"next": nxt, "types": types}
    return data.hex()


def parse(buf):
    pid, flags, qd, an, ns, ar = struct.unpack("!HHHHHH", buf[:12])
    off = 12
    questions = []
    for _ in range(qd):
        name, off = read_name(buf, off)
        qtype, qclass = struct.unpack("!HH", buf[off : off + 4])
        off += 4
        questions.append({"name": name, "type": TYPES.get(qtype, str(qtype)), "qu": bool(qclass & 0x8000)})
    sections = []
    for count in (an, ns, ar):
        records = []
        for _ in range(count):
            name, off = read_name(buf, off)
            rtype, rclass, ttl, rdlen = struct.unpack("!HHIH", buf[off : off + 10])
            off += 10
            records.append(
                {
                    "name": name,
                    "type": TYPES.get(rtype, str(rtype)),
                    "flush": bool(rclass & 0x8000),
                    "ttl": ttl,
                    "data": read_rdata(buf, off, rtype, rdlen),
                }
            )
            off += rdlen
        sections.append(records)
    return {
        "id": pid,
        "qr": bool(flags & 0x8000),
        "aa": bool(flags & 0x0400),
        "questions": questions,
        "answers": sections[0],
        "authorities": sections[1],
        "additionals": sections[2],
    }


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        raw = label.encode()
        out += bytes([len(raw)]) + raw
    return out + b"\x00"


def build_query(name, rtype, pid=0):
    return struct.pack("!HHHHHH", pid, 0, 1, 0, 0, 0) + encode_name(name) + struct.pack("!HH", CODES[rtype], 1)


def group_socket(iface):
    # Bound to the group address, not 0.0.0.0: it sees all multicast but never steals a unicast
    # datagram meant for the responder that shares port 5353.
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((GROUP, PORT))
    mreq = socket.inet_aton(GROUP) + socket.inet_aton(iface)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(iface))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 255)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1)
    return s


def record(buf, src, t0):
    try:
        pkt = parse(buf)
    except (ValueError, struct.error, IndexError) as err:
        pkt = {"error": str(err)}
    pkt["src"] = src[0]
    pkt["port"] = src[1]
    pkt["t"] = round(time.monotonic() - t0, 3)
    return pkt


def sniff(iface):
    s = group_socket(iface)
    t0 = time.monotonic()
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    print("ready", flush=True)
    deadline = t0 + 60  # bounded even if nobody closes stdin
    while not stop.is_set() and time.monotonic() < deadline:
        ready, _, _ = select.select([s], [], [], 0.1)
        if ready:
            buf, src = s.recvfrom(9000)
            print(json.dumps(record(buf, src, t0)), flush=True)


def query(iface, name, rtype, wait, legacy):
    t0 = time.monotonic()
    if legacy:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(iface))
        s.bind((iface, 0))
        pid = 0x4242
    else:
        s = group_socket(iface)
        pid = 0
    s.sendto(build_query(name, rtype, pid), (GROUP, PORT))
    replies = []
    deadline = t0 + wait
    while time.monotonic() < deadline:
        ready, _, _ = select.select([s], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        buf, src = s.recvfrom(9000)
        pkt = record(buf, src, t0)
        if pkt.get("qr"):
            replies.append(pkt)
    print(json.dumps(replies), flush=True)


def main(argv):
    if len(argv) >= 2 and argv[0] == "sniff":
        sniff(argv[1])
    elif len(argv) >= 5 and argv[0] == "query":
        query(argv[1], argv[2], argv[3], float(argv[4]), len(argv) > 5 and argv[5] == "legacy")
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main(sys.argv[1:])
