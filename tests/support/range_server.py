#!/usr/bin/env python3
"""A loopback HTTP server for layerfs tests: serves the files of ROOT with
Range support (one range per request, as layerfs asks) and injects faults.

  range_server.py ROOT CONTROL

Prints the port it listens on (127.0.0.1, chosen by the OS) on stdout.
Before every request it reads CONTROL/faults.json (if present), an object
whose keys are faults applied to every request, or only to the request
numbers (1-based, counted since start) listed in "only":
  delay       seconds to wait before the first byte
  cut_after   bytes of body to send before closing the connection
  status      an error status to answer (e.g. 503, 403) instead
  full_200    answer 200 with the whole file, ignoring Range
  wrong_range answer a Content-Range one byte off from the one asked
  short_body  send one byte less than Content-Length says, then close
  etag        the ETag to send instead of the file's
  suffix_as_head  answer a suffix range "bytes=-N" with bytes 0-N, as
              s3rver does
  require_key answer 403 (an S3 InvalidAccessKeyId error) unless the
              request is SigV4-signed with this access key id
  expired     a list of strings: a request whose query string holds one
              gets 403 (an S3 AccessDenied "Request has expired" error),
              as a presigned URL past its expiry does
Each request appends "N METHOD PATH RANGE" to CONTROL/requests.log, and
{"n", "method", "path", "headers": [[name, value], ...]} as one JSON line
to CONTROL/requests.jsonl (headers as received, for signature checks).
"""
import http.server
import json
import os
import re
import sys
import threading
import time
import urllib.parse

ROOT, CONTROL = sys.argv[1], sys.argv[2]
lock = threading.Lock()
count = [0]


def faults_for(n):
    try:
        with open(os.path.join(CONTROL, "faults.json")) as f:
            faults = json.load(f)
    except FileNotFoundError:
        return {}
    only = faults.pop("only", None)
    if only is not None and n not in only:
        return {}
    return faults


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_HEAD(self):
        self.error(405)

    def error(self, code):
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def s3_error(self, code, name, message):
        body = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{name}</Code>"
                f"<Message>{message}</Message></Error>").encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        with lock:
            count[0] += 1
            n = count[0]
            rng = self.headers.get("Range", "-")
            with open(os.path.join(CONTROL, "requests.log"), "a") as log:
                log.write(f"{n} GET {self.path} {rng}\n")
            with open(os.path.join(CONTROL, "requests.jsonl"), "a") as log:
                log.write(json.dumps({"n": n, "method": "GET", "path": self.path,
                                      "headers": list(self.headers.items())}) + "\n")
        faults = faults_for(n)
        if "delay" in faults:
            time.sleep(faults["delay"])
        if "status" in faults:
            return self.error(faults["status"])
        query = urllib.parse.urlsplit(self.path).query
        if any(token in query for token in faults.get("expired", [])):
            return self.s3_error(403, "AccessDenied", "Request has expired")
        if "require_key" in faults:
            auth = self.headers.get("Authorization", "")
            if f"Credential={faults['require_key']}/" not in auth:
                return self.s3_error(403, "InvalidAccessKeyId",
                                     "The AWS Access Key Id you provided does not exist")
        path = os.path.join(ROOT, urllib.parse.unquote(self.path.split("?")[0]).lstrip("/"))
        if not os.path.isfile(path):
            return self.error(404)
        with open(path, "rb") as f:
            data = f.read()
        st = os.stat(path)
        etag = faults.get("etag", f'"{st.st_ino:x}-{st.st_size:x}-{st.st_mtime_ns:x}"')
        size = len(data)
        m = re.fullmatch(r"bytes=(\d*)-(\d*)", rng)
        if faults.get("full_200") or not m:
            status, a, b = 200, 0, size - 1
        else:
            status = 206
            if m.group(1) == "" and faults.get("suffix_as_head"):
                a, b = 0, min(size - 1, int(m.group(2)))
            elif m.group(1) == "":
                a, b = max(0, size - int(m.group(2))), size - 1
            else:
                a = int(m.group(1))
                b = min(size - 1, int(m.group(2))) if m.group(2) else size - 1
            if a >= size:
                return self.error(416)
        body = data[a:b + 1]
        self.send_response(status)
        if status == 206:
            shown_a = a + 1 if faults.get("wrong_range") else a
            self.send_header("Content-Range", f"bytes {shown_a}-{b}/{size}")
        self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if faults.get("short_body"):
            body = body[:-1]
            self.close_connection = True
        if "cut_after" in faults:
            body = body[:faults["cut_after"]]
            self.close_connection = True
        try:
            self.wfile.write(body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # clients that hang up early are part of the tests


server = Server(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
