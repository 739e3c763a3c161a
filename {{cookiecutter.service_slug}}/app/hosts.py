"""Pure ASGI check of the Host header: only the hosts this service is published under.

Links (`Location`, a list's `next`) are built from the Host header, so a request
naming another host is refused with a 400 problem instead of echoing that host
back. Starlette's TrustedHostMiddleware does the same check but answers in plain
text; this one keeps the problem format and lets the platform's own callers in.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from app.errors import problem_response

# Kubelet probes and Prometheus scrapes address the pod by its IP, so their Host
# is that IP; these answers carry no links, so any Host is harmless there.
PLATFORM_PATHS = frozenset({"/health", "/ready", "/metrics"})


def host_name(header: str) -> str:
    """The Host header without its port, lowercased (IPv6 literals keep no brackets)."""
    if header.startswith("["):
        return header[1:].partition("]")[0].lower()
    return header.partition(":")[0].lower()


def host_allowed(host: str, allowed: list[str]) -> bool:
    for pattern in allowed:
        if pattern == "*" or host == pattern:
            return True
        if pattern.startswith("*.") and host.endswith(pattern[1:]):
            return True
    return False


class AllowedHostsMiddleware:
    def __init__(self, app: ASGIApp, *, allowed_hosts: list[str]) -> None:
        self.app = app
        self.allowed_hosts = [pattern.lower() for pattern in allowed_hosts]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or scope["path"] in PLATFORM_PATHS:
            await self.app(scope, receive, send)
            return
        header = next((value for name, value in scope["headers"] if name == b"host"), b"")
        if host_allowed(host_name(header.decode("latin-1")), self.allowed_hosts):
            await self.app(scope, receive, send)
            return
        response = problem_response(
            400,
            "The Host header names a host this service is not served under.",
            instance=scope["path"],
        )
        await response(scope, receive, send)
