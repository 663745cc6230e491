#!/usr/bin/env python3
"""Sends expressions of interest at a steady rate, for bench/enrolments.sh's measure of the
time from an enrolment's commit to its message's delivery when the server is not saturated.

Reads request lines `idempotency_key token work_group_id school_urn` (bench/mint_tokens.py)
on standard input and sends each as `POST {base}/api/v1/work-groups/{id}/enrolments`, one
every 1/RATE seconds, stopping at the first answer that is not 201.

    python3 bench/steady_interest.py http://127.0.0.1:18082 20 <requests.txt
"""

import json
import sys
import time
import urllib.request


def main() -> None:
    base, rate = sys.argv[1], float(sys.argv[2])
    started = time.monotonic()
    for sent, line in enumerate(sys.stdin):
        key, token, group, urn = line.split()
        time.sleep(max(0.0, started + sent / rate - time.monotonic()))
        body = json.dumps({"school_urn": urn, "role_in_school": "teacher"}).encode()
        request = urllib.request.Request(
            f"{base}/api/v1/work-groups/{group}/enrolments",
            data=body,
            method="POST",
            headers={
                "authorization": f"Bearer {token}",
                "content-type": "application/json",
                "idempotency-key": key,
            },
        )
        with urllib.request.urlopen(request) as answer:
            if answer.status != 201:
                sys.exit(f"answered {answer.status}")


if __name__ == "__main__":
    main()
