#!/usr/bin/env python3
"""A UPnP Internet Gateway Device stand-in for tests/integration/port_mapping.sh, standard
library only, written for the test (it maps nothing: it answers and logs).

  * SSDP: joins 239.255.255.250 on --bind's interface, UDP port 1900, and answers every
    M-SEARCH with a 200 OK naming the search target asked for and the description's URL;
  * HTTP on --bind:--http-port: GET /rootDesc.xml, an InternetGatewayDevice:1 with a
    WANDevice:1 (WANCommonInterfaceConfig:1) and a WANConnectionDevice:1 (WANIPConnection:1
    at /ctl/IPConn);
  * SOAP on /ctl/IPConn: GetStatusInfo (Connected), GetExternalIPAddress (--public),
    AddPortMapping, DeletePortMapping; any other action gets UPnP error 401.  With
    --conflict-first, the first AddPortMapping is refused with 718 (ConflictInMappingEntry),
    so the client must try another external port.

Every request is logged to --log, one line each, flushed at once:
    ready
    msearch st=urn:schemas-upnp-org:device:InternetGatewayDevice:1 from=10.77.0.2
    http GET /rootDesc.xml
    soap GetStatusInfo
    soap AddPortMapping NewExternalPort=23456 NewProtocol=UDP NewInternalPort=23456 \
NewInternalClient=10.77.0.2 NewLeaseDuration=3600 result=0
    soap DeletePortMapping NewExternalPort=23456 NewProtocol=UDP result=0
Runs until killed (the test's trap ends it).
"""
import argparse
import http.server
import re
import socket
import struct
import sys
import threading

SSDP_GROUP = "239.255.255.250"
SSDP_PORT = 1900
IPCONN = "urn:schemas-upnp-org:service:WANIPConnection:1"

DESC = """<?xml version="1.0"?>
<root xmlns="urn:schemas-upnp-org:device-1-0">
<specVersion><major>1</major><minor>0</minor></specVersion>
<device>
<deviceType>urn:schemas-upnp-org:device:InternetGatewayDevice:1</deviceType>
<friendlyName>zt test IGD</friendlyName>
<UDN>uuid:7a7e0000-0000-4000-8000-000000000001</UDN>
<deviceList><device>
<deviceType>urn:schemas-upnp-org:device:WANDevice:1</deviceType>
<UDN>uuid:7a7e0000-0000-4000-8000-000000000002</UDN>
<serviceList><service>
<serviceType>urn:schemas-upnp-org:service:WANCommonInterfaceConfig:1</serviceType>
<serviceId>urn:upnp-org:serviceId:WANCommonIFC1</serviceId>
<controlURL>/ctl/CmnIfCfg</controlURL><eventSubURL>/evt/CmnIfCfg</eventSubURL>
<SCPDURL>/WANCfg.xml</SCPDURL>
</service></serviceList>
<deviceList><device>
<deviceType>urn:schemas-upnp-org:device:WANConnectionDevice:1</deviceType>
<UDN>uuid:7a7e0000-0000-4000-8000-000000000003</UDN>
<serviceList><service>
<serviceType>urn:schemas-upnp-org:service:WANIPConnection:1</serviceType>
<serviceId>urn:upnp-org:serviceId:WANIPConn1</serviceId>
<controlURL>/ctl/IPConn</controlURL><eventSubURL>/evt/IPConn</eventSubURL>
<SCPDURL>/WANIPCn.xml</SCPDURL>
</service></serviceList>
</device></deviceList>
</device></deviceList>
</device>
</root>
"""


def envelope(body):
    return ('<?xml version="1.0"?>\r\n<s:Envelope '
            'xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
            's:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/">'
            '<s:Body>%s</s:Body></s:Envelope>\r\n' % body)


def soap_error(code, text):
    return envelope('<s:Fault><faultcode>s:Client</faultcode><faultstring>UPnPError'
                    '</faultstring><detail><UPnPError '
                    'xmlns="urn:schemas-upnp-org:control-1-0"><errorCode>%d</errorCode>'
                    '<errorDescription>%s</errorDescription></UPnPError></detail></s:Fault>'
                    % (code, text))


def make_handler(args, log, state):
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def reply(self, code, body):
            data = body.encode()
            self.send_response(code)
            self.send_header("Content-Type", 'text/xml; charset="utf-8"')
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            log.write("http GET %s\n" % self.path)
            if self.path == "/rootDesc.xml":
                self.reply(200, DESC)
            else:
                self.reply(404, "")

        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0") or 0)
            body = self.rfile.read(min(n, 65536)).decode("utf-8", "replace")
            action = (self.headers.get("SOAPAction", "").strip('"').split("#") + [""])[1]
            fields = dict(re.findall(r"<(New\w+)>([^<]*)</New\w+>", body))
            code, out = self.action(action, fields)
            keys = ("NewExternalPort", "NewProtocol", "NewInternalPort", "NewInternalClient",
                    "NewLeaseDuration")
            shown = " ".join("%s=%s" % (k, fields[k]) for k in keys if k in fields)
            log.write("soap %s%s result=%d\n" % (action, " " + shown if shown else "", code))
            if code == 0:
                self.reply(200, envelope('<u:%sResponse xmlns:u="%s">%s</u:%sResponse>'
                                         % (action, IPCONN, out, action)))
            else:
                self.reply(500, soap_error(code, out))

        def action(self, action, f):
            if self.path != "/ctl/IPConn":
                return 401, "Invalid Action"
            if action == "GetStatusInfo":
                return 0, ("<NewConnectionStatus>Connected</NewConnectionStatus>"
                           "<NewLastConnectionError>ERROR_NONE</NewLastConnectionError>"
                           "<NewUptime>1000</NewUptime>")
            if action == "GetExternalIPAddress":
                return 0, "<NewExternalIPAddress>%s</NewExternalIPAddress>" % args.public
            if action == "AddPortMapping":
                with state["lock"]:
                    if args.conflict_first and not state["refused"]:
                        state["refused"] = True
                        return 718, "ConflictInMappingEntry"
                    state["maps"][(f.get("NewProtocol"), f.get("NewExternalPort"))] = f
                return 0, ""
            if action == "DeletePortMapping":
                with state["lock"]:
                    key = (f.get("NewProtocol"), f.get("NewExternalPort"))
                    if state["maps"].pop(key, None) is None:
                        return 714, "NoSuchEntryInArray"
                return 0, ""
            return 401, "Invalid Action"

    return Handler


def ssdp_socket(args):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("", SSDP_PORT))
    mreq = struct.pack("4s4s", socket.inet_aton(SSDP_GROUP), socket.inet_aton(args.bind))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
    return s


def ssdp_loop(s, args, log):
    location = "http://%s:%d/rootDesc.xml" % (args.bind, args.http_port)
    while True:
        data, peer = s.recvfrom(2048)
        text = data.decode("ascii", "replace")
        if not text.startswith("M-SEARCH"):
            continue
        m = re.search(r"(?im)^ST:\s*(\S+)", text)
        st = m.group(1) if m else "ssdp:all"
        log.write("msearch st=%s from=%s\n" % (st, peer[0]))
        reply = ("HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=120\r\nST: %s\r\n"
                 "USN: uuid:7a7e0000-0000-4000-8000-000000000001::%s\r\nEXT:\r\n"
                 "SERVER: Linux UPnP/1.1 zt-test-igd/1.0\r\nLOCATION: %s\r\n\r\n"
                 % (st, st, location))
        s.sendto(reply.encode(), peer)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bind", required=True, help="the gateway's address on the test's link")
    ap.add_argument("--http-port", type=int, required=True)
    ap.add_argument("--public", required=True, help="external IPv4 address to report")
    ap.add_argument("--conflict-first", action="store_true")
    ap.add_argument("--log", required=True)
    args = ap.parse_args()

    log = open(args.log, "a", buffering=1)
    state = {"lock": threading.Lock(), "maps": {}, "refused": False}
    httpd = http.server.ThreadingHTTPServer((args.bind, args.http_port),
                                            make_handler(args, log, state))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    threading.Thread(target=ssdp_loop, args=(ssdp_socket(args), args, log), daemon=True).start()
    log.write("ready\n")
    threading.Event().wait()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
