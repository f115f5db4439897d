"""API errors: JSON `{"code": ..., "message": ...}` with stable codes."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse


class ApiError(Exception):
    def __init__(
        self, status: int, code: str, message: str, *, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> HttpResponse:
    response = JsonResponse({"code": code, "message": message}, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def api_error_handler(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return error_response(exc.status, exc.code, exc.message, exc.headers)


UNAUTHORIZED = (
    "Send a valid API key as 'Authorization: Bearer <key>'. The key may be unknown, revoked "
    "or expired: a team admin can create a new one on the team's API keys page."
)
NOT_FOUND = "No such object for this API key's team."
