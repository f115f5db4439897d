"""A light fake of Intercom's `GET /me` for the bench: one asyncio process, keep-alive.

    python tests/support/fake_me.py --port 18765 --latency-ms 200

Every request sleeps `latency` and answers 200 with the workspace matching its token
("bench-<i>" -> "w<i>"). Sleeping requests cost only a timer each, so one process
holds thousands in flight; it runs in its own process, so its CPU is never counted as
the worker's.
"""

from __future__ import annotations

import argparse
import asyncio
import json


def me_body(id_code: str) -> bytes:
    body = {
        "type": "admin",
        "id": "1",
        "email": "a@b.c",
        "name": "A",
        "app": {"type": "app", "id_code": id_code, "name": "Bench", "region": "US"},
    }
    return json.dumps(body).encode()


def answer(body: bytes) -> bytes:
    head = (
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        f"X-RateLimit-Limit: 10000\r\nX-RateLimit-Remaining: 9000\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


class MeProtocol(asyncio.Protocol):
    """One keep-alive connection: each request's answer is written `latency` later.

    A Protocol rather than streams: a sleeping request is one `call_later` timer, so the
    server's own CPU per request stays in the tens of microseconds.
    """

    def __init__(self, latency: float) -> None:
        self.latency = latency
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        loop = asyncio.get_running_loop()
        while b"\r\n\r\n" in self.buffer:
            head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
            # The token is "bench-<i>", the workspace "w<i>": every answer is a match.
            index = head.split(b"Bearer bench-", 1)[-1].split(b"\r\n", 1)[0].decode()
            loop.call_later(self.latency, self._answer, answer(me_body(f"w{index}")))

    def _answer(self, payload: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(payload)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None


async def serve(port: int, latency: float) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: MeProtocol(latency), "127.0.0.1", port, backlog=4096)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=18765)
    parser.add_argument("--latency-ms", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(serve(args.port, args.latency_ms / 1000))


if __name__ == "__main__":
    main()
