"""The SSRF guard: production refuses webhook URLs on the portal's own networks."""

from __future__ import annotations

import pytest

from connectors.notify.ssrf import webhook_url_refusal


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://172.16.5.4/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://0.0.0.0/hook",
    ],
)
def test_private_loopback_and_metadata_addresses_are_refused(url: str) -> None:
    assert webhook_url_refusal(url, allow_private=False) is not None


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("ftp://example.com/hook", "http"),
        ("https://user:pw@example.com/hook", "passwords"),
        ("not a url", "http"),
    ],
)
def test_bad_urls_get_an_actionable_message(url: str, words: str) -> None:
    message = webhook_url_refusal(url, allow_private=True)
    assert message is not None
    assert words in message


def test_public_addresses_are_allowed() -> None:
    assert webhook_url_refusal("https://93.184.215.14/hook", allow_private=False) is None


def test_development_may_allow_private_addresses() -> None:
    assert webhook_url_refusal("http://127.0.0.1:9/hook", allow_private=True) is None
