#!/usr/bin/env python3
"""A loopback stand-in for Lambda's GetLayerVersion, for layerfs tests.

  lambda_server.py CONTROL

Prints the port it listens on (127.0.0.1, chosen by the OS) on stdout.
It answers GET /2018-10-31/layers/{LayerName}/versions/{N} (LayerName a
name or a percent-encoded layer ARN) with the JSON in
CONTROL/layers/{name}/{N}.json (name: the last part of the layer ARN),
status 200, or, when that file is missing, 404 with Lambda's
ResourceNotFoundException body; CONTROL/status (a number), when present,
is answered instead with an AccessDeniedException body. Every request
appends {"n", "method", "path", "headers"} as one JSON line to
CONTROL/requests.jsonl, which tests/support/verify_sigv4.py re-signs.
"""
import http.server
import json
import os
import re
import sys
import threading
import urllib.parse

CONTROL = sys.argv[1]
lock = threading.Lock()
count = [0]
PATH = re.compile(r"/2018-10-31/layers/([^/]+)/versions/(\d+)$")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body, error_type=None):
        data = json.dumps(body).encode() if not isinstance(body, bytes) else body
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        if error_type:
            self.send_header("x-amzn-ErrorType", error_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        with lock:
            count[0] += 1
            with open(os.path.join(CONTROL, "requests.jsonl"), "a") as log:
                log.write(json.dumps({"n": count[0], "method": "GET", "path": self.path,
                                      "headers": list(self.headers.items())}) + "\n")
        try:
            with open(os.path.join(CONTROL, "status")) as f:
                status = int(f.read())
            return self.answer(status, {"Type": "User", "Message": "User is not authorized "
                                        "to perform: lambda:GetLayerVersion"},
                               "AccessDeniedException")
        except FileNotFoundError:
            pass
        m = PATH.match(self.path)
        if not m:
            return self.answer(400, {"Type": "User", "Message": "bad path " + self.path},
                               "InvalidParameterValueException")
        name = urllib.parse.unquote(m.group(1)).split(":")[-1]
        path = os.path.join(CONTROL, "layers", name, m.group(2) + ".json")
        try:
            with open(path, "rb") as f:
                return self.answer(200, f.read())
        except FileNotFoundError:
            return self.answer(404, {"Type": "User", "Message": "The resource you requested "
                                     "does not exist."}, "ResourceNotFoundException")


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


server = Server(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
