#!/usr/bin/env python3
"""Stub of the zt-service local API for tests/integration/cli.sh (docs/cli.md).

serve <dir> <token>: listens on 127.0.0.1, a free port, written to <dir>/port; answers GET
  /status, /network, /peer, /moon with canned objects built from service.md §5's field lists,
  POST/DELETE /network/<nwid> and /moon/<id>, checks X-ZT1-Auth (401 {} otherwise), and
  appends each request to <dir>/requests.jsonl (method, path, header lines in order, body).
  <dir>/scenario (read per request, optional) picks a variant: default, fixed (constant
  timestamps), offline, tunneled, sso, badjson, error500, empty.  Exits after 300 s anyway.
json <scenario> <path>: the body GET <path> gets in that scenario, printed as zerotier-cli -j
  prints it (one-space indentation, sorted keys: Python's dump with these options writes
  the same bytes for these objects), an oracle independent of zt-cli's printer.
compare <expected> <actual>: byte comparison, where {lo-hi} in <expected> stands for an
  integer in that range (times measured by zt-cli).  Exit 0 if equal, else 1 with a diff.
"""
import http.server
import json
import os
import re
import sys
import threading
import time

FIXED_NOW = 1700000000000


def network(nwid, name, status, ips, **extra):
    n = {
        "id": nwid, "nwid": nwid, "mac": "32:5f:1e:aa:bb:" + nwid[-2:], "name": name,
        "status": status, "type": "PRIVATE", "mtu": 2800, "dhcp": False, "bridge": False,
        "broadcastEnabled": True, "portError": 0, "netconfRevision": 3,
        "portDeviceName": "/var/lib/zerotier-one/nc_" + nwid, "allowManaged": True,
        "allowGlobal": False, "allowDefault": False, "allowDNS": False,
        "assignedAddresses": ips,
        "routes": [{"target": "10.147.17.0/24", "via": None, "flags": 0, "metric": 0}],
        "multicastSubscriptions": [{"mac": "ff:ff:ff:ff:ff:ff", "adi": 0}],
        "dns": {"domain": "", "servers": []},
    }
    n.update(extra)
    return {k: v for k, v in n.items() if v is not ...}


def path(addr, send, recv, preferred):
    return {"address": addr, "lastSend": send, "lastReceive": recv, "trustedPathId": 0,
            "active": True, "expired": False, "preferred": preferred, "localSocket": 1,
            "localPort": 9993}


def peer(addr, ver, latency, role, paths, tunneled=False):
    return {"address": addr, "versionMajor": ver[0], "versionMinor": ver[1],
            "versionRev": ver[2], "version": "%d.%d.%d" % ver, "latency": latency,
            "role": role, "isBonded": False, "tunneled": tunneled, "paths": paths}


def status(scenario):
    online = scenario != "offline"
    return {
        "address": "8056c2e21c",
        "publicIdentity": "8056c2e21c:0:" + "ab" * 64,
        "online": online, "tcpFallbackActive": scenario == "tunneled",
        "versionMajor": 1, "versionMinor": 14, "versionRev": 1, "versionBuild": 0,
        "version": "1.14.1", "clock": FIXED_NOW, "planetWorldId": 149604618,
        "planetWorldTimestamp": 1644592324813,
        "config": {
            "physical": {},
            "note": "tab\there \u001f /slash \"q\"",
            "ratios": [0.1, 1.5, 100.0, 1e-05, 1e+21, -2.5],
            "settings": {
                "allowTcpFallbackRelay": True, "forceTcpRelay": False, "primaryPort": 9993,
                "secondaryPort": 41230, "tertiaryPort": 0,
                "homeDir": "/var/lib/zerotier-one", "listeningOn": ["127.0.0.1/9993"],
                "surfaceAddresses": [], "portMappingEnabled": False,
                "softwareUpdate": "disable", "softwareUpdateChannel": "release",
            },
        },
    }


def networks(scenario, now):
    nets = [
        network("8056c2e21c000001", "home", "OK",
                ["10.147.17.5/24", "fd12:3456:789a:bcde:f099:938a:b2c3:d4e5/88",
                 "fcd2:8d5e:8c1e:1a2b:3c00::1/40"]),
        network("8056c2e21c000002", "", "REQUESTING_CONFIGURATION", [], netconfRevision=0),
    ]
    if scenario == "sso":
        nets.append(network("8056c2e21c000003", ..., "AUTHENTICATION_REQUIRED", ["10.1.2.3/16"],
                            ssoEnabled=True, authenticationURL="https://sso.example/auth",
                            authenticationExpiryTime=0))
        nets.append(network("8056c2e21c000004", "tab\tname", "OK", [], ssoEnabled=True,
                            authenticationURL="https://sso.example/a",
                            authenticationExpiryTime=now + 3600500))
        nets.append(network("8056c2e21c000005", "x", "AUTHENTICATION_REQUIRED", [],
                            ssoEnabled=True, authenticationExpiryTime=0))
    return nets


def peers(scenario, now):
    tun = scenario == "tunneled"
    return [
        peer("62f865ae71", (1, 14, 1), 105, "PLANET",
             [path("50.7.252.138/9993", now - 1000, now - 1200, True)]),
        peer("778cde7190", (-1, -1, -1), -1, "PLANET", []),
        peer("8056c2e2ff", (1, 12, 2), 7, "LEAF",
             [path("192.168.1.20/9993", now - 1500, now - 1500, False),
              path("2001:db8::7/41230", 0, now - 1300, True)], tunneled=tun),
    ]


def moons():
    return [{
        "id": "000000a1b2c3d4e5", "timestamp": FIXED_NOW, "signature": "5a" * 96,
        "updatesMustBeSignedBy": "c3" * 64, "waiting": False,
        "roots": [{"identity": "a1b2c3d4e5:0:" + "cd" * 64,
                   "stableEndpoints": ["192.0.2.1/9993", "2001:db8::1/9993"]}],
    }]


def get_body(scenario, now, p):
    empty = scenario == "empty"
    if p == "/status":
        return status(scenario)
    if p == "/network":
        return [] if empty else networks(scenario, now)
    if p == "/peer":
        return [] if empty else peers(scenario, now)
    if p == "/moon":
        return [] if empty else moons()
    return None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, code, body):
        data = body if isinstance(body, bytes) else json.dumps(body, separators=(",", ":")).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def record(self, body):
        entry = {"method": self.command, "path": self.path,
                 "headers": [[k, v] for k, v in self.headers.items()],
                 "body": body.decode("latin-1")}
        with open(os.path.join(self.server.dir, "requests.jsonl"), "a") as f:
            f.write(json.dumps(entry) + "\n")

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        self.record(body)
        try:
            with open(os.path.join(self.server.dir, "scenario")) as f:
                scenario = f.read().strip()
        except OSError:
            scenario = "default"
        if self.headers.get("X-ZT1-Auth") != self.server.token:
            return self.reply(401, {})
        if scenario == "badjson":
            return self.reply(200, b'{"address":')
        if scenario == "error500":
            return self.reply(500, {"error": 500, "description": "stub failure"})
        now = FIXED_NOW if scenario == "fixed" else int(time.time() * 1000)
        self.route(scenario, now, body)

    def route(self, scenario, now, body):
        m, p = self.command, self.path
        nw = re.fullmatch(r"/network/([0-9a-f]{16})", p)
        moon = re.fullmatch(r"/moon/([0-9a-f]{10,16})", p)
        if m == "GET" and get_body(scenario, now, p) is not None:
            return self.reply(200, get_body(scenario, now, p))
        if m == "POST" and nw:
            obj = network(nw.group(1), "", "REQUESTING_CONFIGURATION", [])
            try:
                obj.update({k: v for k, v in json.loads(body or b"{}").items()
                            if k in ("allowManaged", "allowGlobal", "allowDefault", "allowDNS")})
            except ValueError:
                pass
            return self.reply(200, obj)
        if m == "DELETE" and nw:
            return self.reply(200, {"result": True})
        if m == "POST" and moon:
            return self.reply(200, {"id": moon.group(1).rjust(16, "0"), "roots": [],
                                    "timestamp": 0, "signature": None,
                                    "updatesMustBeSignedBy": None, "waiting": True})
        if m == "DELETE" and moon:
            return self.reply(200, {"result": True})
        return self.reply(404, b"")

    do_GET = do_POST = do_DELETE = do_PUT = handle_any


def serve(d, token):
    srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    srv.dir, srv.token = d, token
    tmp = os.path.join(d, "port.tmp")
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, os.path.join(d, "port"))
    threading.Timer(300, lambda: os._exit(0)).start()  # bound even if never stopped
    srv.serve_forever()


def compare(expected_file, actual_file):
    exp = open(expected_file, "rb").read()
    act = open(actual_file, "rb").read()
    parts = re.split(rb"\{(-?\d+)-(-?\d+)\}", exp)
    pattern = b""
    ranges = []
    for i, part in enumerate(parts):
        if i % 3 == 0:
            pattern += re.escape(part)
        elif i % 3 == 1:
            pattern += rb"(-?\d+)"
            ranges.append((int(part), int(parts[i + 1])))
    m = re.fullmatch(pattern, act, re.S)
    if m and all(lo <= int(v) <= hi for v, (lo, hi) in zip(m.groups(), ranges)):
        return 0
    sys.stdout.write("expected (%s):\n%r\nactual:\n%r\n" % (expected_file, exp, act))
    return 1


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "json":
        obj = get_body(sys.argv[2], FIXED_NOW, sys.argv[3])
        sys.stdout.write(json.dumps(obj, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    else:
        sys.exit(compare(sys.argv[2], sys.argv[3]))
