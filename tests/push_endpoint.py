"""A local push service for the tests and the push benchmark: what a browser's push service does with a message.

It hands out subscriptions as a browser would (an endpoint URL on this server and the browser's keys: a P-256
key pair and a 16-byte auth secret, derived from the subscription's token and this server's seed, so a separate
process can hold thousands without sharing state), and for every message it receives:

* checks the VAPID ``Authorization`` (RFC 8292): an ES256 JWT signed by the key in ``k=`` (and, when told, the
  portal's public key), with ``aud`` the endpoint's origin, ``exp`` in the next 24 hours, ``sub`` a contact;
* decrypts the body (RFC 8291 ``aes128gcm``) with the subscription's private key and auth secret;
* records the JSON payload and the ``TTL``, ``Urgency`` and ``Topic`` headers;
* answers what the test asked of that subscription: 201 (default), 404, 410, 500, or "hang" (no answer for
  ``hang_seconds``).

Anything that does not verify is recorded in ``errors`` (and answered 400), so a test asserts it stays empty.
Run as a program (``python tests/push_endpoint.py --port N --seed S``) it serves ``GET /stats`` for a benchmark.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def b64decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def b64encode(value: bytes) -> str:
    return base64.urlsafe_b64encode(value).rstrip(b"=").decode()


@dataclass
class Received:
    token: str
    payload: dict[str, Any]
    ttl: str
    urgency: str
    topic: str
    claims: dict[str, Any]


@dataclass
class PushEndpoint:
    seed: str = "push-endpoint"
    expected_key: str = ""  # the portal's VAPID public key (base64url), when known
    hang_seconds: float = 5.0
    port: int = 0
    received: list[Received] = field(default_factory=list)
    requests: Counter = field(default_factory=Counter)  # token -> every request, whatever the answer
    errors: list[str] = field(default_factory=list)
    answers: dict[str, str] = field(default_factory=dict)  # token -> "201" | "404" | "410" | "500" | "hang"
    keep_payloads: bool = True
    verbose: bool = False  # print each message received (the demo: what a phone would show)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[str, ec.EllipticCurvePrivateKey] = {}
        self._verified: dict[str, dict[str, Any]] = {}
        self.delivered: Counter = Counter()  # (token, message id) -> times decrypted and accepted
        self.cut = 0  # requests whose body did not arrive whole
        self._server: ThreadingHTTPServer | None = None

    # --- the browser's side ---------------------------------------------------------------------------------

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def keys_of(self, token: str) -> tuple[ec.EllipticCurvePrivateKey, bytes]:
        key = self._keys.get(token)
        digest = hashlib.sha256(f"{self.seed}/{token}".encode()).digest()
        if key is None:
            scalar = 1 + int.from_bytes(hashlib.sha256(digest).digest(), "big") % (P256_ORDER - 1)
            key = self._keys[token] = ec.derive_private_key(scalar, ec.SECP256R1())
        return key, digest[:16]

    def subscription(self, token: str) -> dict[str, Any]:
        """A browser's ``PushSubscription.toJSON()`` for the subscription ``token`` on this server."""
        key, auth = self.keys_of(token)
        public = key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        keys = {"p256dh": b64encode(public), "auth": b64encode(auth)}
        return {"endpoint": f"{self.origin}/push/{token}", "keys": keys}

    def messages_for(self, token: str) -> list[dict[str, Any]]:
        with self._lock:
            return [item.payload for item in self.received if item.token == token]

    # --- checking what arrives ------------------------------------------------------------------------------

    def verify_vapid(self, authorization: str) -> dict[str, Any]:
        scheme, _, rest = authorization.partition(" ")
        if scheme.lower() != "vapid":
            raise ValueError(f"not a VAPID authorization: {authorization[:30]!r}")
        with self._lock:
            cached = self._verified.get(rest)
        if cached is not None and cached["exp"] > time.time():
            return cached
        parts = dict(item.strip().split("=", 1) for item in rest.split(","))
        if self.expected_key and parts["k"] != self.expected_key:
            raise ValueError("signed with another key than the portal's")
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64decode(parts["k"]))
        header, claims_part, signature = parts["t"].split(".")
        if json.loads(b64decode(header)) != {"typ": "JWT", "alg": "ES256"}:
            raise ValueError("the JWT is not ES256")
        raw = b64decode(signature)
        if len(raw) != 64:
            raise ValueError("the JWT signature is not 64 bytes")
        der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
        try:
            public.verify(der, f"{header}.{claims_part}".encode(), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature as error:
            raise ValueError("the VAPID signature does not verify") from error
        claims = json.loads(b64decode(claims_part))
        now = time.time()
        if claims.get("aud") != self.origin:
            raise ValueError(f"aud {claims.get('aud')!r} is not {self.origin!r}")
        if not now < claims.get("exp", 0) <= now + 24 * 3600:
            raise ValueError(f"exp {claims.get('exp')} is not within the next 24 hours")
        if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
            raise ValueError(f"sub {claims.get('sub')!r} is not a contact")
        with self._lock:
            self._verified[rest] = claims
        return claims

    def receive(self, token: str, headers: Any, body: bytes) -> int:
        if len(body) != int(headers.get("Content-Length") or 0):
            with self._lock:  # the sender died mid-request (a worker killed): discarded, as a push service does
                self.cut += 1
            return 400
        with self._lock:
            self.requests[token] += 1
            answer = self.answers.get(token, self.answers.get("*", "201"))
        if answer == "hang":
            time.sleep(self.hang_seconds)
            return 201
        if answer != "201":
            return int(answer)
        try:
            claims = self.verify_vapid(headers.get("Authorization", ""))
            if headers.get("Content-Encoding") != "aes128gcm":
                raise ValueError(f"content encoding {headers.get('Content-Encoding')!r}")
            key, auth = self.keys_of(token)
            plain = http_ece.decrypt(body, private_key=key, auth_secret=auth, version="aes128gcm")
            payload = json.loads(plain)
        except Exception as error:  # recorded for the test to see, answered as a push service would
            with self._lock:
                self.errors.append(f"{token}: {type(error).__name__}: {error}")
            return 400
        if self.verbose:
            print(f"{token}: {payload.get('title')} | {payload.get('body')} -> {payload.get('url')}", flush=True)
        with self._lock:
            self.delivered[(token, payload.get("id"))] += 1
            if self.keep_payloads:
                self.received.append(
                    Received(
                        token=token,
                        payload=payload,
                        ttl=headers.get("TTL", ""),
                        urgency=headers.get("Urgency", ""),
                        topic=headers.get("Topic", ""),
                        claims=claims,
                    )
                )
        return 201

    def stats(self) -> dict[str, Any]:
        with self._lock:
            counts = Counter(self.delivered.values())
            return {
                "delivered": sum(1 for n in self.delivered.values() if n),
                "duplicates": sum(n - 1 for n in self.delivered.values() if n > 1),
                "times": {str(k): v for k, v in counts.items()},
                "requests": sum(self.requests.values()),
                "errors": self.errors[:20],
                "error_count": len(self.errors),
                "cut": self.cut,
            }

    # --- serving --------------------------------------------------------------------------------------------

    def start(self) -> PushEndpoint:
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                token = self.path.removeprefix("/push/")
                status = endpoint.receive(token, self.headers, body) if self.path.startswith("/push/") else 404
                self.send_response(status)
                self.send_header("Content-Length", "0")
                if status == 201:
                    self.send_header("Location", f"{endpoint.origin}/message/{token}")
                self.end_headers()

            def do_GET(self) -> None:  # noqa: N802
                data = json.dumps(endpoint.stats()).encode() if self.path == "/stats" else b"{}"
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a sender killed mid-request (the worker tests do it on purpose) resets its connection

        server = Server(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        self._server = server
        self.port = server.server_address[1]
        threading.Thread(target=server.serve_forever, name="push-endpoint", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--seed", default="push-endpoint")
    parser.add_argument("--expected-key", default="")
    parser.add_argument("--verbose", action="store_true", help="print each message received")
    arguments = parser.parse_args()
    endpoint = PushEndpoint(
        seed=arguments.seed,
        expected_key=arguments.expected_key,
        port=arguments.port,
        keep_payloads=False,
        verbose=arguments.verbose,
    ).start()
    print(f"listening on {endpoint.origin}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        endpoint.stop()


if __name__ == "__main__":
    main()
