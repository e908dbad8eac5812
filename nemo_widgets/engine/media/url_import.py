"""``source_type: url`` imports, guarded against server-side request forgery.

The engine fetches what a user names, so a URL must not become a way to reach what only the
engine can reach: its own port, other services on the machine or the LAN, a cloud's metadata
address. Every hop (the first request and each redirect, followed here by hand) is resolved
once; if any address the name resolves to is loopback, private, link-local, multicast, reserved
or unspecified, the import is refused, otherwise the connection goes to that very address (the
name is kept for the ``Host`` header and TLS), so a second DNS answer cannot swap it. A refused
address, a closed port, a failed DNS look-up and a reset connection all get the same sentence,
so the answers cannot map the network. ``url_import_allow_private`` lets a LAN import through
(loopback and private ranges; link-local, multicast, reserved and unspecified stay refused).
The engine's own ``cdn_url``s are not fetched at all: their files come from the library.

A whole import has a deadline and a minimum rate, so a server dripping a byte every few seconds
cannot hold a download and its temp file open.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
from dataclasses import dataclass
from pathlib import Path

import anyio
import httpx

from nemo_widgets.engine.errors import UnsupportedMedia
from nemo_widgets.engine.media.files import ReceivedFile, TempWriter, safe_filename, too_large
from nemo_widgets.engine.media.uploads import RatePolicy, TooSlow, paced

__all__ = ["UNREACHABLE", "ImportPolicy", "download_url"]

log = logging.getLogger(__name__)

UNREACHABLE = ("Nothing was imported: the URL could not be reached. It must be a public http(s) "
               "address that answers (private and local addresses are refused unless the engine "
               "setting url_import_allow_private is on).")
MAX_REDIRECTS = 5
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class ImportPolicy:
    """What a URL import may reach and how long it may take (from the engine's settings)."""

    allow_private: bool = False
    deadline_s: float = 300.0
    min_rate_bps: int = 16 * 1024
    rate_window_s: float = 20.0
    connect_timeout_s: float = 10.0
    own_base_url: str | None = None  # the engine's own address: its media are taken from disk
    media_dir: Path | None = None


_OWN_MEDIA = re.compile(r"^/media/(?P<name>[0-9a-f]{64}\.[a-z0-9]{2,5})$")


def _own_media(url: httpx.URL, policy: ImportPolicy) -> Path | None:
    """The library file behind one of the engine's own ``cdn_url``s, or None.

    Re-importing a ``cdn_url`` the engine gave out (into another session, say) is common and
    must not need a request to loopback: the file is taken from the library directly.
    """
    if policy.own_base_url is None or policy.media_dir is None:
        return None
    base = httpx.URL(policy.own_base_url)
    match = _OWN_MEDIA.match(url.path)
    if (url.scheme, url.host, url.port) != (base.scheme, base.host, base.port) or not match:
        return None
    path = policy.media_dir / match["name"]
    return path if path.is_file() else None


def _copy_own(source: Path, writer: TempWriter) -> None:
    with source.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            writer.write(block)


class _Refused(Exception):
    """A hop that may not be fetched; the reason is logged, never shown."""


def address_allowed(ip: IpAddress, allow_private: bool) -> bool:
    """True when the engine may connect to ``ip`` (an IPv4-mapped IPv6 address is judged as
    the IPv4 address it carries)."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_multicast or ip.is_unspecified or ip.is_reserved or ip.is_link_local:
        return False
    if ip.is_global:
        return True
    return allow_private and (ip.is_private or ip.is_loopback)


async def _resolve(url: httpx.URL, policy: ImportPolicy) -> str:
    """The one address this hop will connect to, after checking every address of the name."""
    if url.scheme not in ("http", "https") or not url.host:
        raise _Refused(f"scheme or host: {url.scheme!r} {url.host!r}")
    host = url.raw_host.decode("ascii")
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise _Refused(f"DNS: {exc}") from exc
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    if not addresses:
        raise _Refused("no address")
    refused = [str(ip) for ip in addresses if not address_allowed(ip, policy.allow_private)]
    if refused:
        raise _Refused(f"{host} resolves to refused address(es) {refused}")
    return str(addresses[0])


async def _fetch(url: httpx.URL, writer: TempWriter, limit: int, policy: ImportPolicy) -> None:
    """Follow at most ``MAX_REDIRECTS`` redirects, checking and pinning every hop."""
    timeout = httpx.Timeout(policy.rate_window_s, connect=policy.connect_timeout_s)
    rate = RatePolicy(policy.min_rate_bps, policy.rate_window_s, "The URL import",
                      "url_import_min_rate_bps")
    async with httpx.AsyncClient(follow_redirects=False, timeout=timeout, trust_env=False) \
            as client:
        for _hop in range(MAX_REDIRECTS + 1):
            address = await _resolve(url, policy)
            pinned = url.copy_with(host=address)
            request = client.build_request(
                "GET", pinned, headers={"Host": url.netloc.decode("ascii")},
                extensions={"sni_hostname": url.raw_host.decode("ascii")})
            try:
                response = await client.send(request, stream=True)
            except httpx.HTTPError as exc:
                raise _Refused(f"{type(exc).__name__}: {exc}") from exc
            try:
                if response.is_redirect:
                    location = response.headers.get("location", "")
                    url = url.join(location)
                    continue
                if response.status_code >= 400:
                    raise UnsupportedMedia(
                        f"The URL answered HTTP {response.status_code}; nothing was imported.")
                declared = int(response.headers.get("content-length") or 0)
                if declared > limit:
                    raise too_large(limit)
                async for chunk in paced(response.aiter_bytes(1 << 16), rate):
                    writer.write(chunk)
                return
            except httpx.TimeoutException as exc:  # connected, then the server went quiet
                raise TooSlow(f"The URL stopped sending for {policy.rate_window_s:g} s "
                              "(setting url_import_rate_window_s); nothing was "
                              "imported.") from exc
            except httpx.HTTPError as exc:
                raise _Refused(f"{type(exc).__name__}: {exc}") from exc
            finally:
                await response.aclose()
    raise UnsupportedMedia(f"The URL redirected more than {MAX_REDIRECTS} times; nothing was "
                           "imported.")


async def download_url(url: str, folder: Path, limit: int,
                       policy: ImportPolicy | None = None) -> ReceivedFile:
    """Fetch one http(s) URL to a temp file under the same size limit as uploads.

    Raises ``UnsupportedMedia`` (refused, unreachable, an HTTP error), ``FileTooLarge`` or
    ``TooSlow`` (deadline or rate); the temp file is gone whenever it raises.
    """
    policy = policy or ImportPolicy()
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise UnsupportedMedia("That is not a URL; send an http:// or https:// address.") from exc
    if parsed.scheme not in ("http", "https"):
        raise UnsupportedMedia("Only http:// and https:// URLs can be imported.")
    writer = TempWriter(folder, limit, prefix="url-")
    own = _own_media(parsed, policy)
    try:
        if own is not None:
            await anyio.to_thread.run_sync(_copy_own, own, writer)
        else:
            with anyio.fail_after(policy.deadline_s):
                await _fetch(parsed, writer, limit, policy)
        writer.close()
    except _Refused as exc:
        writer.discard()
        log.info("URL import refused or unreachable: %s", exc)
        raise UnsupportedMedia(UNREACHABLE) from None
    except TimeoutError as exc:
        writer.discard()
        raise TooSlow(f"The URL import took longer than {policy.deadline_s:g} s (setting "
                      "url_import_deadline_s); nothing was imported.") from exc
    except BaseException:
        writer.discard()
        raise
    name = safe_filename(parsed.path.rsplit("/", 1)[-1], fallback="download")
    return ReceivedFile(name, writer.path, writer.size, writer.digest)
