#!/usr/bin/python3
"""Browses _http._tcp and _https._tcp with python-zeroconf (Debian: python3-zeroconf), a widely used
mDNS/DNS-SD implementation that shares nothing with the code under test. Inside a private network
namespace only. Prints one JSON line with what it resolved, then, after stdin says "stopped", one
JSON line with the services it saw removed (goodbyes)."""

import json
import sys
import threading
import time

from zeroconf import ServiceBrowser, ServiceListener, Zeroconf

TYPES = ["_http._tcp.local.", "_https._tcp.local."]


class Listener(ServiceListener):
    def __init__(self):
        self.added = []
        self.removed = []
        self.lock = threading.Lock()

    def add_service(self, zc, type_, name):
        with self.lock:
            self.added.append((type_, name))

    def remove_service(self, zc, type_, name):
        with self.lock:
            self.removed.append(name)

    def update_service(self, zc, type_, name):
        pass


def main(iface):
    zc = Zeroconf(interfaces=[iface])
    listener = Listener()
    browsers = [ServiceBrowser(zc, t, listener) for t in TYPES]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len({t for t, _ in listener.added}) < len(TYPES):
        time.sleep(0.05)
    resolved = []
    for type_, name in list(listener.added):
        info = zc.get_service_info(type_, name, timeout=3000)
        if info is None:
            resolved.append({"type": type_, "name": name, "resolved": False})
            continue
        resolved.append(
            {
                "type": type_,
                "name": name,
                "resolved": True,
                "server": info.server,
                "port": info.port,
                "addresses": sorted(info.parsed_addresses()),
                "txt": {k.decode(): (v.decode() if v is not None else None) for k, v in info.properties.items()},
            }
        )
    print(json.dumps({"found": resolved}), flush=True)

    sys.stdin.readline()  # the driver stopped the advertiser
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and len(listener.removed) < len(listener.added):
        time.sleep(0.05)
    print(json.dumps({"removed": sorted(listener.removed)}), flush=True)
    for b in browsers:
        b.cancel()
    zc.close()


if __name__ == "__main__":
    main(sys.argv[1])
