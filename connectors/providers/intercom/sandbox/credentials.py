"""Making and digesting the sandbox's random credentials."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid

PREFIX_LENGTH = 12


def digest(value: str) -> str:
    """sha256 hex: the only form in which a sandbox secret is stored."""
    return hashlib.sha256(value.encode()).hexdigest()


def digest_matches(value: str, expected_digest: str) -> bool:
    return hmac.compare_digest(digest(value), expected_digest)


def new_client_id() -> str:
    # Intercom's client ids are UUIDs.
    return str(uuid.uuid4())


def new_client_secret() -> str:
    return str(uuid.uuid4())


def new_code() -> str:
    # Padded base64 on purpose: Intercom's codes may end in "=", which a careless
    # client mangles in transit.
    return base64.urlsafe_b64encode(secrets.token_bytes(25)).decode()


def new_access_token() -> str:
    return "sbx_" + secrets.token_urlsafe(32)


def new_refresh_token() -> str:
    return "sbxr_" + secrets.token_urlsafe(32)


def prefix_of(token: str) -> str:
    return token[:PREFIX_LENGTH]


def hint_of(secret: str) -> str:
    return secret[-4:]
