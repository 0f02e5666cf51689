"""The handshake with each kind of gateway, behind one interface.

A gateway redirects a new client to the portal with parameters of its own; ``parse`` checks them (signature,
allow-listed gateway host, well-formed values) and returns a :class:`Handshake`, or raises
:class:`HandshakeError` with a message the visitor reads. After the visitor accepts, ``grant`` tells the gateway
to let the client through and says where the visitor's browser goes next.

- openNDS FAS, secure level 1: ``fas`` = base64 of ``name=value, name=value, ...`` with ``hid``; the portal sends
  the browser to ``http://<gatewayaddress>/<authdir>/?tok=<rhid>&redir=...`` with ``rhid = sha256(hid + faskey)``.
- openNDS FAS, secure level 3: the same fields encrypted (AES-256-CBC, the faskey, ``iv``); the gateway's authmon
  daemon polls the portal (``auth_get``) and receives the rhids to authenticate (``AuthmonGrant``).
- CoovaChilli UAM: ``md`` = upper-case hex MD5 of the portal URL up to ``&md=`` followed by the ``uamsecret``;
  the browser goes to ``http://<uamip>:<uamport>/logon`` with the PAP password XORed with MD5(challenge +
  uamsecret).
- Cisco Meraki click-through: the browser goes to ``<base_grant_url>?continue_url=...&duration=...``; only
  allow-listed grant hosts over https.
- UniFi external portal: the portal itself asks the controller (``authorize-guest``), then sends the browser on.

Nothing here stores or logs a MAC or IP address: the client's identifier only goes into the salted digest of the
statistics and, for UniFi, into the call to the controller.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import time
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

import requests
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.http import HttpRequest
from django.utils.translation import gettext as _

from .models import Gateway

MAX_URL_LENGTH = 2000
MAC_RE = re.compile(r"^[0-9a-f]{2}([:-][0-9a-f]{2}){5}$", re.IGNORECASE)
HOST_RE = re.compile(r"^[a-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-f:]+\](:\d{1,5})?$", re.IGNORECASE)
UNIFI_MAX_AGE_SECONDS = 15 * 60
CONTROLLER_TIMEOUT_SECONDS = 5


class HandshakeError(Exception):
    """A refused handshake: ``message`` is shown to the visitor (translated), ``status`` is the HTTP status."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Handshake:
    """What the gateway told us, checked. ``client`` identifies the device for the digest only (never stored)."""

    client: str
    nonce: str = ""
    continue_url: str = ""
    data: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"c": self.client, "n": self.nonce, "u": self.continue_url, "d": self.data}

    @classmethod
    def from_dict(cls, value: dict) -> Handshake:
        return cls(client=value["c"], nonce=value["n"], continue_url=value["u"], data=dict(value["d"]))


@dataclass(frozen=True)
class Grant:
    """Where the browser goes next (``redirect``), or ``waiting`` for openNDS authmon to fetch the grant."""

    redirect: str = ""
    waiting: bool = False


class Adapter(Protocol):
    def parse(self, gateway: Gateway, request: HttpRequest) -> Handshake: ...

    def grant(self, gateway: Gateway, handshake: Handshake, *, minutes: int, landing: str) -> Grant: ...


# --- shared checks -----------------------------------------------------------------------------------------


def safe_target(url: str) -> str:
    """``url`` if it is an absolute http(s) address without credentials or control characters, else ``""``."""
    if not url or len(url) > MAX_URL_LENGTH or any(ord(ch) < 33 or ch in "\\<>\"'" for ch in url):
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.username or parts.password:
        return ""
    return url


def _host_allowed(gateway: Gateway, host: str) -> bool:
    host = host.lower()
    if not HOST_RE.match(host):
        return False
    for allowed in gateway.allowed_host_list:
        if allowed.startswith("*.") and "." in host:
            if host.split(":")[0].endswith(allowed[1:]) and ":" not in host:
                return True
        elif host == allowed:
            return True
    return False


def require_gateway_host(gateway: Gateway, host: str) -> str:
    if not host or not _host_allowed(gateway, host):
        raise HandshakeError(_("This Wi-Fi gateway is not one of the library's. Reconnect to the library's Wi-Fi."))
    return host.lower()


def _param(request: HttpRequest, name: str, *, max_length: int = 200) -> str:
    value = request.GET.get(name, "")
    if not value:
        raise HandshakeError(_("The Wi-Fi gateway sent an incomplete request. Reconnect to the library's Wi-Fi."))
    if len(value) > max_length:
        raise HandshakeError(_("The Wi-Fi gateway sent a malformed request. Reconnect to the library's Wi-Fi."))
    return value


def _malformed() -> HandshakeError:
    return HandshakeError(_("The Wi-Fi gateway sent a malformed request. Reconnect to the library's Wi-Fi."))


def _mac(value: str) -> str:
    if not MAC_RE.match(value):
        raise _malformed()
    return value.lower().replace("-", ":")


# --- openNDS -------------------------------------------------------------------------------------------------


def opennds_rhid(hid: str, faskey: str) -> str:
    """The return hash openNDS expects: ``sha256(hid + faskey)`` in hex (as its fas-hid and fas-aes scripts)."""
    return hashlib.sha256((hid.strip() + faskey.strip()).encode()).hexdigest()


def opennds_gateway_hash(gateway_name: str) -> str:
    return hashlib.sha256(gateway_name.strip().encode()).hexdigest()


def _php_key(faskey: str) -> bytes:
    """PHP's openssl_* with AES-256: the key phrase's bytes, cut or NUL-padded to 32."""
    return faskey.encode()[:32].ljust(32, b"\0")


def opennds_decrypt(fas: str, iv: str, faskey: str) -> str:
    """Level 2/3: ``fas`` is base64 of openssl's base64 output of AES-256-CBC with the faskey and ``iv``."""
    try:
        ciphertext = base64.b64decode(base64.b64decode(fas, validate=True), validate=True)
        decryptor = Cipher(algorithms.AES(_php_key(faskey)), modes.CBC(iv.encode())).decryptor()
        padded = decryptor.update(ciphertext) + decryptor.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        return (unpadder.update(padded) + unpadder.finalize()).decode()
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise HandshakeError(
            _("The Wi-Fi gateway's request could not be read (wrong key?). Reconnect to the library's Wi-Fi."),
            status=403,
        ) from exc


def opennds_encrypt(plain: str, iv: str, faskey: str) -> str:
    """What openNDS sends at level 2/3 (used by the tests and the benchmark to play the gateway)."""
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plain.encode()) + padder.finalize()
    encryptor = Cipher(algorithms.AES(_php_key(faskey)), modes.CBC(iv.encode())).encryptor()
    ciphertext = encryptor.update(padded) + encryptor.finalize()
    return base64.b64encode(base64.b64encode(ciphertext)).decode()


def opennds_fields(decoded: str) -> dict[str, str]:
    """``name=value, name=value`` (comma-space separated) into a dict; the first ``=`` splits."""
    fields: dict[str, str] = {}
    for item in decoded.split(", "):
        name, sep, value = item.partition("=")
        if sep and name.strip() and name.strip() not in fields:
            fields[name.strip()] = value.strip()
    return fields


class OpenNDSAdapter:
    def parse(self, gateway: Gateway, request: HttpRequest) -> Handshake:
        if request.GET.get("status") == "authenticated":  # openNDS sends a client already let through here
            raise HandshakeError(_("You are already connected to the library's Wi-Fi."), status=409)
        fas = _param(request, "fas", max_length=8000)
        if gateway.opennds_level == 3:
            iv = _param(request, "iv", max_length=64)
            if len(iv.encode()) != 16:
                raise _malformed()
            decoded = opennds_decrypt(fas, iv, gateway.secret)
        else:
            try:
                decoded = base64.b64decode(fas, validate=True).decode()
            except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
                raise _malformed() from exc
        fields = opennds_fields(decoded)
        hid = fields.get("hid", "")
        if not re.fullmatch(r"[0-9a-fA-F]{16,128}", hid):
            raise HandshakeError(_("The Wi-Fi gateway sent an incomplete request. Reconnect to the library's Wi-Fi."))
        client = _mac(fields.get("clientmac", ""))
        if gateway.opennds_gateway_name and unquote(fields.get("gatewayname", "")) != gateway.opennds_gateway_name:
            raise HandshakeError(_("This Wi-Fi gateway is not one of the library's. Reconnect to the library's Wi-Fi."))
        data = {"hid": hid}
        if gateway.opennds_level == 1:
            data["gatewayaddress"] = require_gateway_host(gateway, fields.get("gatewayaddress", ""))
            authdir = fields.get("authdir", "opennds_auth")
            if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", authdir):
                raise _malformed()
            data["authdir"] = authdir
        return Handshake(
            client=client, nonce=hid, continue_url=safe_target(unquote(fields.get("originurl", ""))), data=data
        )

    def grant(self, gateway: Gateway, handshake: Handshake, *, minutes: int, landing: str) -> Grant:
        if gateway.opennds_level == 3:
            return Grant(waiting=True)  # the view records an AuthmonGrant; authmon fetches it
        tok = opennds_rhid(handshake.data["hid"], gateway.secret)
        redir = handshake.continue_url or landing
        query = urlencode({"tok": tok, "redir": redir}, quote_via=quote)
        return Grant(redirect=f"http://{handshake.data['gatewayaddress']}/{handshake.data['authdir']}/?{query}")


def authmon_line(rhid: str, minutes: int) -> str:
    """One client of the auth list: ``rhid sessionlength uploadrate downloadrate uploadquota downloadquota custom``."""
    custom = base64.b64encode(b"library_wifi").decode()
    return f"{rhid} {minutes} 0 0 0 0 {custom}"


# --- CoovaChilli ---------------------------------------------------------------------------------------------


def coova_md(url_before_md: str, uamsecret: str) -> str:
    """CoovaChilli's checksum of its redirect: MD5(URL up to ``&md=`` + uamsecret), upper-case hex."""
    return hashlib.md5((url_before_md + uamsecret).encode(), usedforsecurity=False).hexdigest().upper()


def coova_pap_password(password: str, challenge_hex: str, uamsecret: str) -> str:
    """hotspotlogin's PAP encoding: the password (NUL-padded to 16 bytes) XOR MD5(challenge + uamsecret)."""
    challenge = bytes.fromhex(challenge_hex)
    key = hashlib.md5(challenge + uamsecret.encode(), usedforsecurity=False).digest() if uamsecret else challenge
    raw = password.encode()[:16].ljust(16, b"\0")
    return bytes(a ^ b for a, b in zip(raw, key, strict=True)).hex()


class CoovaAdapter:
    def parse(self, gateway: Gateway, request: HttpRequest) -> Handshake:
        query = request.META.get("QUERY_STRING", "")
        head, sep, md = query.rpartition("&md=")
        if not sep or not re.fullmatch(r"[0-9A-Fa-f]{32}", md):
            raise HandshakeError(
                _("The Wi-Fi gateway's request is not signed. Reconnect to the library's Wi-Fi."), status=403
            )
        signed_url = f"{request.build_absolute_uri(request.path)}?{head}"
        if not hmac.compare_digest(coova_md(signed_url, gateway.secret), md.upper()):
            raise HandshakeError(
                _("The Wi-Fi gateway's signature does not match. Reconnect to the library's Wi-Fi."), status=403
            )
        params = dict(parse_qsl(head, keep_blank_values=True))
        res = params.get("res", "")
        if res not in {"notyet", "failed", "logoff"}:
            raise HandshakeError(_("You are already connected to the library's Wi-Fi."), status=409)
        uamip, uamport = params.get("uamip", ""), params.get("uamport", "")
        if not uamport.isdigit():
            raise _malformed()
        host = require_gateway_host(gateway, f"{uamip}:{uamport}")
        challenge = params.get("challenge", "")
        if not re.fullmatch(r"[0-9a-fA-F]{32}", challenge):
            raise _malformed()
        return Handshake(
            client=_mac(params.get("mac", "")),
            nonce=challenge.lower(),
            continue_url=safe_target(params.get("userurl", "")),
            data={"host": host, "challenge": challenge.lower()},
        )

    def grant(self, gateway: Gateway, handshake: Handshake, *, minutes: int, landing: str) -> Grant:
        password = coova_pap_password(gateway.login_password, handshake.data["challenge"], gateway.secret)
        query = urlencode(
            {"username": gateway.login_username, "password": password, "userurl": handshake.continue_url or landing},
            quote_via=quote,
        )
        return Grant(redirect=f"http://{handshake.data['host']}/logon?{query}")


# --- Meraki --------------------------------------------------------------------------------------------------


class MerakiAdapter:
    def parse(self, gateway: Gateway, request: HttpRequest) -> Handshake:
        base = _param(request, "base_grant_url", max_length=500)
        parts = urlsplit(base) if safe_target(base) else None
        if parts is None or parts.scheme != "https" or parts.query or parts.fragment:
            raise HandshakeError(_("This Wi-Fi gateway is not one of the library's. Reconnect to the library's Wi-Fi."))
        require_gateway_host(gateway, parts.netloc)
        return Handshake(
            client=_mac(request.GET.get("client_mac", "")),
            continue_url=safe_target(request.GET.get("user_continue_url", "")),
            data={"base_grant_url": base},
        )

    def grant(self, gateway: Gateway, handshake: Handshake, *, minutes: int, landing: str) -> Grant:
        query = urlencode(
            {"continue_url": handshake.continue_url or landing, "duration": minutes * 60}, quote_via=quote
        )
        return Grant(redirect=f"{handshake.data['base_grant_url']}?{query}")


# --- UniFi ---------------------------------------------------------------------------------------------------


class ControllerError(HandshakeError):
    pass


def unifi_authorize_guest(gateway: Gateway, *, mac: str, ap: str, minutes: int) -> None:
    """The controller's classic API: sign in, then ``authorize-guest`` for the client's MAC."""
    base = gateway.controller_url.rstrip("/")
    unavailable = ControllerError(
        _("The library's Wi-Fi controller did not answer. Please try again in a moment."), status=502
    )
    try:
        with requests.Session() as http:
            login = http.post(
                f"{base}/api/login",
                json={"username": gateway.login_username, "password": gateway.login_password},
                timeout=CONTROLLER_TIMEOUT_SECONDS,
            )
            if login.status_code != 200:
                raise unavailable
            command = {"cmd": "authorize-guest", "mac": mac, "minutes": minutes}
            if ap:
                command["ap_mac"] = ap
            answer = http.post(
                f"{base}/api/s/{quote(gateway.controller_site, safe='')}/cmd/stamgr",
                json=command,
                timeout=CONTROLLER_TIMEOUT_SECONDS,
            )
            if answer.status_code != 200 or answer.json().get("meta", {}).get("rc") != "ok":
                raise unavailable
    except (requests.RequestException, ValueError) as exc:
        raise unavailable from exc


class UnifiAdapter:
    def parse(self, gateway: Gateway, request: HttpRequest) -> Handshake:
        mac = _mac(_param(request, "id", max_length=17))
        ap = request.GET.get("ap", "")
        ap = _mac(ap) if ap else ""
        stamp = _param(request, "t", max_length=12)
        if not stamp.isdigit():
            raise _malformed()
        if abs(time.time() - int(stamp)) > UNIFI_MAX_AGE_SECONDS:
            raise HandshakeError(_("This Wi-Fi sign-in has expired. Reconnect to the library's Wi-Fi."))
        return Handshake(
            client=mac,
            nonce=f"{mac}/{stamp}",
            continue_url=safe_target(request.GET.get("url", "")),
            data={"mac": mac, "ap": ap},
        )

    def grant(self, gateway: Gateway, handshake: Handshake, *, minutes: int, landing: str) -> Grant:
        unifi_authorize_guest(gateway, mac=handshake.data["mac"], ap=handshake.data["ap"], minutes=minutes)
        return Grant(redirect=handshake.continue_url or landing)


ADAPTERS: dict[str, Adapter] = {
    Gateway.Kind.OPENNDS: OpenNDSAdapter(),
    Gateway.Kind.COOVA: CoovaAdapter(),
    Gateway.Kind.MERAKI: MerakiAdapter(),
    Gateway.Kind.UNIFI: UnifiAdapter(),
}


def adapter_for(gateway: Gateway) -> Adapter:
    return ADAPTERS[gateway.kind]
