#!/usr/bin/env python3
"""A real webhook receiver for the tests: an HTTP server on 127.0.0.1:PORT that verifies each
delivery with the published Standard Webhooks library (pip install standardwebhooks) against
the secrets listed one a line in OUT.secrets, appends it as one JSON line to OUT, and answers
with the status written in OUT.status (204 when there is none). Prints "ready" once it
listens; stops on SIGTERM."""

import argparse
import json
import os
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


def read(path, default):
    try:
        with open(path, encoding="utf-8") as text:
            return text.read()
    except FileNotFoundError:
        return default


def verified_by(secrets, body, headers):
    """The secrets (by their place in the list) each signature checks out with."""
    found = []
    for place, secret in enumerate(secrets):
        try:
            Webhook(secret).verify(body, headers)
            found.append(place)
        except WebhookVerificationError:
            pass
    return found


def handler(out, lock):
    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            headers = {name.lower(): value for name, value in self.headers.items()}
            secrets = [line for line in read(out + ".secrets", "").splitlines() if line]
            status = int(read(out + ".status", "204").strip() or 204)
            record = {
                "received_at": time.time(),
                "path": self.path,
                "headers": headers,
                "body": body.decode("utf-8"),
                "verified_by": verified_by(secrets, body, headers),
                "answered": status,
            }
            with lock, open(out, "a", encoding="utf-8") as log:
                log.write(json.dumps(record) + "\n")
            self.send_response(status)
            reply = b"" if status == 204 else b"receiver says %d" % status
            self.send_header("content-length", str(len(reply)))
            if 300 <= status < 400:
                self.send_header("location", "http://127.0.0.1:9/elsewhere")
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *_):
            pass

    return Receiver


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    # A dispatcher posts a batch side by side, each on a connection of its own: a listen queue
    # of http.server's default 5 would drop the rest of the batch's connection attempts, to be
    # tried again a second later.
    ThreadingHTTPServer.request_queue_size = 128
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler(args.out, threading.Lock()))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print("ready", flush=True)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    stopped.wait()
    server.shutdown()
    for suffix in ("", ".secrets", ".status"):
        if os.path.exists(args.out + suffix):
            os.remove(args.out + suffix)


if __name__ == "__main__":
    main()
