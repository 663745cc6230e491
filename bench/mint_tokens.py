#!/usr/bin/env python3
"""Access tokens for benchmark participants, signed as the server signs them (HS256 with
MATHSHUB_JWT_SECRET, type `at+jwt`, the claims of `auth::tokens::AccessClaims`), so thousands
of accounts can call the API without signing in one by one through Argon2id.

Reads lines `n participant_id work_group_id school_urn` on standard input and writes lines
`idempotency_key token work_group_id school_urn` for bench/enrolments.lua.

    MATHSHUB_JWT_SECRET=… python3 bench/mint_tokens.py 1800 <plan.txt >requests.txt
"""

import base64
import hashlib
import hmac
import json
import os
import sys
import time
import uuid


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def main() -> None:
    lifetime = int(sys.argv[1]) if len(sys.argv) > 1 else 1800
    secret = os.environ["MATHSHUB_JWT_SECRET"].encode()
    header = b64url(json.dumps({"alg": "HS256", "typ": "at+jwt"}, separators=(",", ":")).encode())
    now = int(time.time())
    out = sys.stdout
    for line in sys.stdin:
        n, participant, group, urn = line.split()
        claims = {
            "iss": "mathshub",
            "aud": "mathshub-api",
            "sub": participant,
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
            "jti": str(uuid.uuid4()),
            "role": "participant",
            "ver": 0,
        }
        payload = b64url(json.dumps(claims, separators=(",", ":")).encode())
        signing_input = f"{header}.{payload}".encode("ascii")
        signature = b64url(hmac.new(secret, signing_input, hashlib.sha256).digest())
        out.write(f"eoi-{n} {header}.{payload}.{signature} {group} {urn}\n")


if __name__ == "__main__":
    main()
