"""The body of one Web Push message (RFC 8291, ``aes128gcm`` of RFC 8188) and the connections that carry it.

Why not pywebpush's ``WebPusher(...).send()``: for a city's 160,000 devices the per-message overhead counts, and
profiling the fan-out (docs/benchmarks.md) showed most of a worker's time outside the unavoidable part (one ECDH
agreement and one AES-GCM encryption per device): pywebpush's copy of the headers into case-insensitive dicts,
``http_ece``'s generic key schedule, and ``requests``' machinery around each POST (hooks, adapters, cookie jars,
and a second ``send()`` for the body). Here the key schedule is the RFC's six HMACs, and each sending thread keeps
one HTTP/1.1 connection per push service open (``http.client``, the request and body in one write). pywebpush
remains for the VAPID key (``py_vapid``); the local push service of the tests decrypts with ``http_ece``, so
every test checks this encryption against an independent implementation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import os
import ssl
import struct
import threading
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

RECORD_SIZE = 4096


def _b64decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def _hmac(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, hashlib.sha256).digest()


def push_encrypt(data: bytes, *, p256dh: str, auth: str) -> bytes:
    """``data`` encrypted for one browser (its ``p256dh`` public key and ``auth`` secret, base64url): a fresh
    ephemeral key and salt per message, one record (RFC 8291 section 3.4). Raises ValueError for bad keys."""
    receiver = _b64decode(p256dh)
    secret = _b64decode(auth)
    receiver_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), receiver)
    ephemeral = ec.generate_private_key(ec.SECP256R1())
    sender = ephemeral.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    shared = ephemeral.exchange(ec.ECDH(), receiver_key)
    # HKDF(salt=auth, ikm=ECDH, info="WebPush: info" 0 ua_public as_public, L=32): one block, so two HMACs.
    ikm = _hmac(_hmac(secret, shared), b"WebPush: info\x00" + receiver + sender + b"\x01")
    salt = os.urandom(16)
    prk = _hmac(salt, ikm)
    key = _hmac(prk, b"Content-Encoding: aes128gcm\x00\x01")[:16]
    nonce = _hmac(prk, b"Content-Encoding: nonce\x00\x01")[:12]
    header = salt + struct.pack("!IB", RECORD_SIZE, len(sender)) + sender
    return header + AESGCM(key).encrypt(nonce, data + b"\x02", None)  # 0x02: the last (only) record


_local = threading.local()
_tls = ssl.create_default_context()


def _connection(scheme: str, host: str, port: int | None, timeout: float) -> tuple[http.client.HTTPConnection, bool]:
    """This thread's open connection to the push service (new: False), made when there is none."""
    connections = _local.__dict__.setdefault("connections", {})
    key = (scheme, host, port)
    existing = connections.get(key)
    if existing is not None:
        existing.timeout = timeout
        if existing.sock is not None:
            existing.sock.settimeout(timeout)
        return existing, True
    if scheme == "https":
        made = http.client.HTTPSConnection(host, port, timeout=timeout, context=_tls)
    else:
        made = http.client.HTTPConnection(host, port, timeout=timeout)
    connections[key] = made
    return made, False


def _forget(scheme: str, host: str, port: int | None) -> None:
    connection = _local.__dict__.get("connections", {}).pop((scheme, host, port), None)
    if connection is not None:
        connection.close()


def push_post(endpoint: str, body: bytes, headers: dict[str, str], *, timeout: float) -> int:
    """POST one message to the push service on this thread's kept-alive connection; its status code.

    A connection the push service closed while idle is noticed on reuse and the message sent once more on a new
    one (nothing was answered, so nothing was taken: a push service replaces a duplicate by its ``Topic``
    anyway). Timeouts and other network errors are raised (OSError, ``http.client.HTTPException``) for the
    caller to retry later; the connection is dropped then, so a hung push service does not keep a thread."""
    parts = urlsplit(endpoint)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    address = (parts.scheme, parts.hostname or "", parts.port)
    for attempt in (1, 2):
        connection, reused = _connection(*address, timeout)
        try:
            connection.request("POST", path or "/", body=body, headers=headers)
            response = connection.getresponse()
            response.read()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            _forget(*address)
            if reused and attempt == 1:
                continue
            raise
        except (OSError, http.client.HTTPException):
            _forget(*address)
            raise
        if response.will_close:
            _forget(*address)
        return response.status
    raise AssertionError("unreachable")  # pragma: no cover
