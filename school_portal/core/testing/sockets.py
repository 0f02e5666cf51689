"""Closing a test's WebSocket as a browser does, so that the consumer ends inside the test.

A Channels consumer keeps reading its channel layer until the client's `websocket.disconnect` arrives, even after
the server sent its close. A consumer left so when a test's event loop closes is cancelled there; with channels-redis
its read (a BZPOPMIN) once swallowed that cancellation and a CI worker hung for good. Every test that sees the server
close a socket answers the close through `closed_with`.
"""

from __future__ import annotations

from channels.testing import WebsocketCommunicator

WAIT = 5


async def closed_with(socket: WebsocketCommunicator, timeout: float = WAIT) -> int:
    """The close code the server sent (messages before it are passed over); the client's side of the close is then
    sent, as a browser answers it."""
    while True:
        message = await socket.receive_output(timeout=timeout)
        if message["type"] == "websocket.close":
            code = message.get("code", 1000)
            await socket.disconnect(code=code, timeout=timeout)
            return code


async def refused_with(socket: WebsocketCommunicator, timeout: float = WAIT) -> tuple[bool, int]:
    """Connects a socket the server refuses: whether the handshake was accepted first, and the close code. Refused
    at the handshake or after it, the client's side of the close is sent (as Daphne tells the application)."""
    accepted, code = await socket.connect(timeout=timeout)
    if accepted:
        return True, await closed_with(socket, timeout)
    await socket.disconnect(code=code, timeout=timeout)
    return False, code
