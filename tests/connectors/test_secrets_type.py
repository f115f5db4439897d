"""`Secret`: the value is there when asked by name, and nowhere else."""

from __future__ import annotations

import copy
import json
import logging
import pickle

import pytest
from django.core.serializers.json import DjangoJSONEncoder

from portal.secrets import Secret, coerce_secret, secret_hint

PLAINTEXT = "sk_live_0123456789abcdWXYZ"


def test_reveal_returns_the_plaintext() -> None:
    assert Secret(PLAINTEXT).reveal() == PLAINTEXT


def test_repr_str_and_format_show_only_the_last_four_characters() -> None:
    secret = Secret(PLAINTEXT)
    shown = [
        repr(secret),
        str(secret),
        f"{secret}",
        f"{secret!r}",
        f"{secret:>30}",
        "%s" % secret,  # noqa: UP031 - old-style formatting must be safe too
        "{}".format(secret),  # noqa: UP032
    ]
    for text in shown:
        assert PLAINTEXT not in text
        assert "0123" not in text
        assert "••••WXYZ" in text
    assert secret.hint == "••••WXYZ"


def test_a_short_secret_shows_no_characters_at_all() -> None:
    assert Secret("abc12345").hint == "••••"
    assert str(Secret("abc12345")) == "••••"
    assert "2345" not in repr(Secret("abc12345"))


def test_logging_a_secret_shows_only_its_hint(caplog: pytest.LogCaptureFixture) -> None:
    secret = Secret(PLAINTEXT)
    logger = logging.getLogger("tests.secrets")
    with caplog.at_level(logging.DEBUG):
        logger.info("secret is %s", secret)
        logger.info("secret is %r", secret)
        logger.info(f"secret is {secret}")
        logger.info("in a dict %s", {"client_secret": secret})
        logger.info("in a list %s", [secret])
    assert len(caplog.records) == 5
    assert PLAINTEXT not in caplog.text


def test_secrets_compare_equal_by_value_and_hash_alike() -> None:
    assert Secret(PLAINTEXT) == Secret(PLAINTEXT)
    assert Secret(PLAINTEXT) != Secret(PLAINTEXT + "x")
    assert hash(Secret(PLAINTEXT)) == hash(Secret(PLAINTEXT))
    assert len({Secret(PLAINTEXT), Secret(PLAINTEXT)}) == 1
    # Comparing with a plain str is refused rather than guessed.
    assert Secret(PLAINTEXT) != PLAINTEXT


def test_an_empty_secret_is_falsy_and_shows_nothing() -> None:
    assert not Secret("")
    assert Secret("x")
    assert str(Secret("")) == ""


def test_json_serialisation_refuses_a_secret() -> None:
    with pytest.raises(TypeError):
        json.dumps({"secret": Secret(PLAINTEXT)})
    with pytest.raises(TypeError):
        json.dumps({"secret": Secret(PLAINTEXT)}, cls=DjangoJSONEncoder)


def test_a_pickled_secret_holds_ciphertext_and_round_trips() -> None:
    data = pickle.dumps(Secret(PLAINTEXT))
    assert PLAINTEXT.encode() not in data
    assert pickle.loads(data) == Secret(PLAINTEXT)  # noqa: S301 - our own bytes


def test_copies_are_the_same_immutable_object() -> None:
    secret = Secret(PLAINTEXT)
    assert copy.copy(secret) is secret
    assert copy.deepcopy({"s": secret})["s"] is secret
    with pytest.raises(AttributeError):
        secret._value = "other"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        secret.anything = 1  # type: ignore[attr-defined]


def test_only_strings_become_secrets() -> None:
    with pytest.raises(TypeError):
        Secret(b"bytes")  # type: ignore[arg-type]
    assert Secret(Secret(PLAINTEXT)) == Secret(PLAINTEXT)


def test_coerce_and_hint_helpers_treat_empty_as_none() -> None:
    assert coerce_secret("") is None
    assert coerce_secret(None) is None
    assert coerce_secret(Secret("")) is None
    assert coerce_secret(PLAINTEXT) == Secret(PLAINTEXT)
    assert secret_hint(None) == ""
    assert secret_hint(PLAINTEXT) == "••••WXYZ"
    assert secret_hint(Secret(PLAINTEXT)) == "••••WXYZ"
