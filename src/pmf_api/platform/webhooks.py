"""Signed webhooks: the signature scheme and the rule on where a webhook may point.

Signatures follow Standard Webhooks (https://www.standardwebhooks.com, the scheme of Svix and
others, close to Stripe's and GitHub's): each request carries

* ``webhook-id``: the delivery's id, the same on every retry (a receiver drops one it has seen);
* ``webhook-timestamp``: seconds since the Unix epoch when this attempt was signed (a receiver
  refuses one more than five minutes from its own clock, so a captured request cannot be replayed);
* ``webhook-signature``: ``v1,`` then the Base64 HMAC-SHA256 of ``{id}.{timestamp}.{body}`` keyed
  with the subscription's secret (``whsec_`` then Base64 key bytes, shown once when created).

A receiver recomputes the signature over the raw body and compares in constant time
(:func:`verify`); the Standard Webhooks libraries for most languages do exactly this.

A webhook URL must be https to a host whose every address is public: a URL pointing at a loopback,
private or link-local address could be used to reach the service's own network (server-side
request forgery). ``PMF_WEBHOOK_ALLOW_HOSTS`` names hosts or networks exempt from both rules.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import ipaddress
import secrets
import socket
from collections.abc import Sequence
from urllib.parse import urlsplit

from pmf_api.platform.errors import invalid

SECRET_PREFIX = "whsec_"
TOLERANCE_SECONDS = 300

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header's value for ``body`` sent as ``message_id`` at ``timestamp``."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, message_id, timestamp, body),
    }


def verify(secret: str, received: dict[str, str], body: bytes, now: int) -> bool:
    """Whether a request's headers (lower-case names) sign ``body`` with ``secret``, recently enough."""
    try:
        timestamp = int(received["webhook-timestamp"])
        message_id = received["webhook-id"]
        signatures = received["webhook-signature"].split()
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        return False
    expected = sign(secret, message_id, timestamp, body)
    return any(hmac.compare_digest(expected, each) for each in signatures)


def _allowed(host: str, addresses: Sequence[IPAddress], allow_hosts: Sequence[str]) -> bool:
    for entry in allow_hosts:
        entry = entry.strip().lower()
        if entry == host:
            return True
        try:
            network = ipaddress.ip_network(entry, strict=False)
        except ValueError:
            continue
        if addresses and all(address in network for address in addresses):
            return True
    return False


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


async def resolve(host: str, port: int) -> list[IPAddress]:
    """The host's addresses (without blocking the event loop); none when it does not resolve."""
    literal = _literal(host)
    if literal is not None:
        return [literal]
    try:
        found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found]


async def check_url(url: str, allow_hosts: Sequence[str], field: str = "url") -> None:
    """Refuse (422 at ``field``) a webhook URL that is not https or reaches a non-public address,
    unless its host is allowed. Checked when a subscription is saved and again before each send
    (a name may resolve elsewhere later)."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:  # e.g. an unclosed IPv6 bracket
        raise invalid(field, "A webhook URL must be an absolute https:// URL") from None
    if parts.scheme not in {"https", "http"} or not host:
        raise invalid(field, "A webhook URL must be an absolute https:// URL")
    if parts.username or parts.password:
        raise invalid(field, "A webhook URL must not carry a user name or password; the signature authenticates")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise invalid(field, "The URL's port is not a number between 0 and 65535") from None
    addresses = await resolve(host, port)
    if _allowed(host, addresses, allow_hosts):
        return
    if parts.scheme != "https":
        raise invalid(field, "A webhook URL must use https (PMF_WEBHOOK_ALLOW_HOSTS may exempt a host)")
    if not addresses:
        raise invalid(field, f"The host {host} does not resolve to any address")
    private = sorted(str(address) for address in addresses if not is_public(address))
    if private:
        raise invalid(
            field,
            f"The host {host} resolves to a loopback, private or link-local address ({', '.join(private)}); "
            "webhooks reach public addresses only unless PMF_WEBHOOK_ALLOW_HOSTS allows it",
        )
