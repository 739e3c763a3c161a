"""Signing in to a running auth=jwt rendering over plain HTTP (tier 2 `make dev`, tier 3)."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

EMAIL = "template-test@example.com"
PASSWORD = "a long enough test passphrase"


def sign_up_and_log_in(url: str) -> dict[str, str]:
    """Register a user, log in with the OAuth2 password form; the Authorization header."""
    register = urllib.request.Request(
        f"{url}/users",
        data=json.dumps({"email": EMAIL, "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(register, timeout=10) as response:
        assert response.status == 201
    form = {"grant_type": "password", "username": EMAIL, "password": PASSWORD}
    login = urllib.request.Request(
        f"{url}/auth/token",
        data=urllib.parse.urlencode(form).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    with urllib.request.urlopen(login, timeout=10) as response:
        token = json.loads(response.read())["access_token"]
    return {"Authorization": f"Bearer {token}"}
