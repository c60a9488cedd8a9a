#!/usr/bin/env python3
"""Re-signs requests captured by range_server.py with botocore (Debian
python3-botocore) and checks that layerfs signed them the same way.

  verify_sigv4.py REQUESTS.jsonl ACCESS_KEY_ID SECRET [SESSION_TOKEN]

For every captured GET with an AWS4-HMAC-SHA256 Authorization header, it
rebuilds the request from the headers that Authorization lists as signed
(botocore adds X-Amz-Date and X-Amz-Security-Token itself), signs it with botocore.auth.S3SigV4Auth using the same credentials,
region, service and X-Amz-Date (botocore.auth.S3SigV4Auth for service s3,
SigV4Auth, which hashes the empty payload and double-encodes the path as
AWS's other services expect, for any other, e.g. lambda), and compares
the two Authorization headers. Prints one line per request and "verified N" at the end; exits
1 on any mismatch or when nothing signed was captured.
"""
import datetime
import json
import re
import sys
from unittest import mock

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

AUTH = re.compile(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, "
                  r"SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$")


def frozen_clock(when):
    """Makes botocore sign at `when`: newer botocore reads the clock through
    botocore.auth.get_current_datetime, Debian 12's (1.29) through
    datetime.datetime.utcnow."""
    if hasattr(botocore.auth, "get_current_datetime"):
        return mock.patch.object(botocore.auth, "get_current_datetime", return_value=when)

    class Frozen(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return when
    return mock.patch.object(botocore.auth.datetime, "datetime", Frozen)


def main():
    path, access, secret = sys.argv[1:4]
    token = sys.argv[4] if len(sys.argv) > 4 else None
    verified = 0
    failed = 0
    with open(path) as f:
        for line in f:
            req = json.loads(line)
            headers = {k.lower(): v for k, v in req["headers"]}
            auth = headers.get("authorization", "")
            m = AUTH.match(auth)
            if not m:
                print(f"request {req['n']}: not SigV4-signed: {auth!r}")
                failed += 1
                continue
            key_id, _, region, service, signed, _ = m.groups()
            when = datetime.datetime.strptime(headers["x-amz-date"], "%Y%m%dT%H%M%SZ")
            own = {"authorization", "x-amz-date", "x-amz-security-token"}
            request = AWSRequest(method=req["method"],
                                 url="http://" + headers["host"] + req["path"],
                                 headers={h: headers[h] for h in signed.split(";")
                                          if h not in own and h != "host"})
            # A GET's payload is not hashed: UNSIGNED-PAYLOAD, as layerfs sends.
            request.context["client_config"] = Config(s3={"payload_signing_enabled": False})
            signer = botocore.auth.S3SigV4Auth if service == "s3" else botocore.auth.SigV4Auth
            with frozen_clock(when):
                signer(Credentials(access, secret, token), service, region).add_auth(request)
            expected = request.headers["Authorization"]
            if key_id != access or auth != expected:
                print(f"request {req['n']} {req['path']}: MISMATCH\n  sent     {auth}\n"
                      f"  botocore {expected}")
                failed += 1
            else:
                print(f"request {req['n']} {req['path']}: ok ({signed})")
                verified += 1
    print(f"verified {verified}")
    return 0 if verified > 0 and failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
