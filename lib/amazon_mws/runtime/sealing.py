"""Secrets at rest: values sealed with Fernet before they are written where others can read them (Redis:
task messages, pending waits, registered flows, token caches), opened only by the process that uses them.

Why Fernet (the `cryptography` package): authenticated encryption with a timestamp, a stable token format
and key rotation (`MultiFernet`) in a library kept by people who do this for a living; nothing here is
hand-rolled.

Keys come from `AMAZON_MWS_SECRETS_KEY`: one or more Fernet keys separated by commas. The first seals; all
open, so a key is rotated by putting the new one first, letting work in flight drain (or re-sealing it with
`reseal`), then dropping the old one. `amazon-mws secrets new-key` prints a fresh key. No key: sealing
refuses (`SealingError`), so nothing secret is written in clear by accident; a process that only runs in
one process (no Redis) never needs one.

A sealed value is a string `sealed:v1:<token>`, so a reader can tell sealed from clear and old records
written before sealing still open (a clear value is returned as it is).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cryptography.fernet import MultiFernet

# cryptography is imported where a key is made or used, not with this module: a run without Redis seals
# nothing, and the import is about 0.01 s of every CLI start (the orders trigger imports this module).

KEY_ENV = "AMAZON_MWS_SECRETS_KEY"
PREFIX = "sealed:v1:"


class SealingError(RuntimeError):
    """No usable key, or a sealed value that no configured key opens; the message names the setting."""


def new_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode("ascii")


def new_key_command(args: object) -> int:
    """``amazon-mws secrets new-key``: a key on stdout, and how to use it on stderr (so ``$(...)`` takes the key)."""
    print(new_key())
    print(f"give every worker, beat and CLI the same {KEY_ENV}; to rotate, put the new key first "
          "(new,old), let work in flight finish, then drop the old one", file=sys.stderr)
    return 0


def _keys(raw: str | None) -> MultiFernet:
    from cryptography.fernet import Fernet, MultiFernet

    parts = [part.strip() for part in (raw or "").split(",") if part.strip()]
    if not parts:
        raise SealingError(
            f"{KEY_ENV}: is not set; secrets are sealed before they reach Redis "
            "(make a key with `amazon-mws secrets new-key` and give every worker the same one)"
        )
    try:
        return MultiFernet([Fernet(part.encode("ascii")) for part in parts])
    except (ValueError, UnicodeEncodeError):
        raise SealingError(f"{KEY_ENV}: not a list of Fernet keys (32 url-safe base64 bytes each)") from None


def keys_from_env() -> MultiFernet:
    return _keys(os.environ.get(KEY_ENV))


def is_sealed(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def seal(value: str, keys: MultiFernet | None = None) -> str:
    if is_sealed(value):
        return value
    token = (keys or keys_from_env()).encrypt(value.encode("utf-8"))
    return PREFIX + token.decode("ascii")


def unseal(value: str, keys: MultiFernet | None = None) -> str:
    if not is_sealed(value):
        return value
    from cryptography.fernet import InvalidToken

    try:
        return (keys or keys_from_env()).decrypt(value[len(PREFIX):].encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise SealingError(
            f"a sealed value does not open with any key in {KEY_ENV} (a key was dropped too early?)"
        ) from None


def reseal(value: str, keys: MultiFernet | None = None) -> str:
    """The value sealed with the current first key (rotation), whatever key sealed it."""
    keys = keys or keys_from_env()
    return seal(unseal(value, keys), keys)


def seal_fields(data: Mapping[str, Any], names: Iterable[str], keys: MultiFernet | None = None, *,
                whole: Iterable[str] = ()) -> dict[str, Any]:
    """A copy of `data` whose string values under `names` (at any depth) are sealed, and every string
    anywhere inside a value under `whole` (a webhook's ``headers``: any header may carry a credential)."""
    wanted, everything = frozenset(names), frozenset(whole)

    def secret(path: tuple[str, ...]) -> bool:
        return path[-1] in wanted or any(part in everything for part in path[:-1])

    if keys is None and any(secret(path) for path, _ in _leaves(data)):
        keys = keys_from_env()  # only when there is something to seal: no key needed for a cfg without secrets
    return dict(_walk(data, lambda path, value: seal(value, keys) if secret(path) else value))


def unseal_fields(data: Mapping[str, Any], keys: MultiFernet | None = None) -> dict[str, Any]:
    """A copy of `data` with every sealed string opened (clear values, from before sealing, pass as they are)."""
    return dict(_walk(data, lambda path, value: unseal(value, keys) if is_sealed(value) else value))


def _leaves(data: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
    if isinstance(data, Mapping):
        for k, v in data.items():
            yield from _leaves(v, (*path, str(k)))
    elif isinstance(data, list):
        for v in data:
            yield from _leaves(v, path)
    elif isinstance(data, str) and data and path:
        yield path, data


def _walk(data: Any, leaf: Callable[[tuple[str, ...], str], str], path: tuple[str, ...] = ()) -> Any:
    if isinstance(data, Mapping):
        return {k: _walk(v, leaf, (*path, str(k))) for k, v in data.items()}
    if isinstance(data, list):
        return [_walk(v, leaf, path) for v in data]
    if isinstance(data, str) and data and path:
        return leaf(path, data)
    return data
