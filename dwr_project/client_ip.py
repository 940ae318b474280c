"""The address a request came from, for login throttling (django-axes).

Behind a reverse proxy every request's connection address is the proxy's, so throttling by it
would lock every user out together. The `X-Forwarded-For` header names the real client, but a
client can send that header itself: it is read only when `TRUSTED_PROXY_COUNT` says how many
proxies of ours stand in front of the app, and then only the entry our nearest proxy added.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """With N trusted proxies, each appends the address it was reached from, so the client is
    the N-th entry from the right; anything further left was written by the client."""
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < count:
        return remote  # a proxy did not add its entry: trust only the connection
    candidate = forwarded[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
