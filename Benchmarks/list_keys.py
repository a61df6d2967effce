#!/usr/bin/env python3
"""Lists every key name of a KES-compatible server and prints "COUNT MILLISECONDS".

Usage: list_keys.py URL CERT KEY

It reads both answer shapes on one keep-alive connection: KES 2023's NDJSON stream
({"name": ...} per line, all names in one answer) and the paged object of current KES and
swift-kes ({"names": [...], "continue_at": ...}), following continue_at as the Go clients do.
The server certificate is not verified: this is a loopback measuring tool.
"""
import http.client
import json
import ssl
import sys
import time
import urllib.parse


def main():
    url, cert, key = sys.argv[1:4]
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.load_cert_chain(cert, key)
    parsed = urllib.parse.urlsplit(url)
    connection = http.client.HTTPSConnection(parsed.hostname, parsed.port, context=context, timeout=120)

    start = time.monotonic()
    names, argument = 0, "*"
    while True:
        connection.request("GET", "/v1/key/list/" + urllib.parse.quote(argument, safe="*~"))
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            sys.exit(f"list_keys.py: {response.status} {body[:200]!r}")
        if "ndjson" in response.getheader("Content-Type", ""):
            names += sum(1 for line in body.splitlines() if line.strip())
            break
        page = json.loads(body)
        names += len(page.get("names") or [])
        argument = page.get("continue_at") or ""
        if not argument:
            break
    print(names, round((time.monotonic() - start) * 1000, 1))


if __name__ == "__main__":
    main()
