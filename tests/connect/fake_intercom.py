"""A fake of Intercom's network, installed at the one HTTP seam the provider uses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from connectors.http import HttpResult

TOKEN = "tok_live_" + "x" * 40
ME_BODY: dict[str, Any] = {
    "type": "admin",
    "id": "991267460",
    "email": "ops@acme.example",
    "name": "Ada Acme",
    "app": {"type": "app", "id_code": "acme0us1", "name": "Acme Support", "region": "US"},
}


def error_list(code: str, message: str = "") -> dict[str, Any]:
    return {
        "type": "error.list",
        "request_id": "r1",
        "errors": [{"code": code, "message": message}],
    }


Answer = tuple[int, Any] | str  # (status, json) or a transport error kind


@dataclass
class FakeIntercom:
    token_answer: Answer = (200, {"token_type": "Bearer", "token": TOKEN, "access_token": TOKEN})
    me_answer: Answer = (200, ME_BODY)
    revoke_answer: Answer = (200, {})
    calls: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    def __call__(self, method: str, url: str, **kwargs: Any) -> HttpResult:
        self.calls.append((method, url, kwargs))
        if url.endswith("/auth/eagle/token"):
            answer = self.token_answer
        elif url.endswith("/me"):
            answer = self.me_answer
        else:
            answer = self.revoke_answer
        if isinstance(answer, str):
            return HttpResult(
                status=None, headers={}, json=None, text_excerpt="", elapsed_ms=3,
                error_kind=answer, error_detail="did not answer in time",  # type: ignore[arg-type]
            )  # fmt: skip
        status, body = answer
        return HttpResult(status=status, headers={}, json=body, text_excerpt="", elapsed_ms=12)

    async def get(self, client: object, url: str, **kwargs: Any) -> HttpResult:
        """The async GET seam (`GET /me`), answering as `__call__` does."""
        return self("GET", url, **kwargs)

    def urls(self) -> list[str]:
        return [url for _method, url, _kw in self.calls]
