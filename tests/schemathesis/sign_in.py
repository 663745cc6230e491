"""Prints an access token for one role of the demo data, for a Schemathesis run.

    python3 sign_in.py BASE_URL ROLE     # ROLE: admin, manager, lead, participant, partner

People sign in with their demo account's password; the partner is an integration, so the admin
creates a partner client for the demo partner's Teaching School Hub and the token comes from
the client credentials grant, as a real partner's would.
"""

import json
import sys
import urllib.parse
import urllib.request

DEMO_PASSWORD = "maths-hubs-demo"
ACCOUNTS = {
    "admin": "admin@demo.mathshub.invalid",
    "manager": "manager.lcw@demo.mathshub.invalid",
    "lead": "lead.lcw@demo.mathshub.invalid",
    "participant": "teacher.twyford@demo.mathshub.invalid",
}
PARTNER_TEACHING_SCHOOL_HUB = "london-district-east"


def call(request: urllib.request.Request) -> dict:
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def login(base: str, email: str) -> str:
    body = json.dumps({"email": email, "password": DEMO_PASSWORD}).encode()
    request = urllib.request.Request(
        f"{base}/api/v1/auth/login", data=body, headers={"Content-Type": "application/json"}
    )
    return call(request)["access_token"]


def partner_token(base: str) -> str:
    admin = login(base, ACCOUNTS["admin"])
    body = json.dumps(
        {"teaching_school_hub": PARTNER_TEACHING_SCHOOL_HUB, "name": "Schemathesis partner"}
    ).encode()
    created = call(
        urllib.request.Request(
            f"{base}/api/v1/partners",
            data=body,
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {admin}"},
        )
    )
    form = urllib.parse.urlencode(
        {
            "grant_type": "client_credentials",
            "client_id": created["client_id"],
            "client_secret": created["client_secret"],
        }
    ).encode()
    request = urllib.request.Request(
        f"{base}/api/v1/auth/token",
        data=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    return call(request)["access_token"]


def main() -> None:
    base, role = sys.argv[1], sys.argv[2]
    print(partner_token(base) if role == "partner" else login(base, ACCOUNTS[role]))


if __name__ == "__main__":
    main()
