"""Turning ``"name@version"`` into a :class:`Hasher`."""

from __future__ import annotations

import inspect
import threading
from typing import Callable

from chimera_algo import registry
from chimera_algo.hasher import Hasher
from chimera_algo.migration.errors import AlgorithmNotInstalledError
from chimera_algo.migration.model import split_algorithm

Resolver = Callable[[str], Hasher]


def _supports_version(get_hasher: Callable[..., Hasher]) -> bool:
    try:
        return "version" in inspect.signature(get_hasher).parameters
    except (TypeError, ValueError):
        return False


def default_resolver(spec: str) -> Hasher:
    """Resolve through ``chimera_algo.get_hasher``: installed packages when it
    takes a ``version``; otherwise only the built-in kernel's own version."""
    name, version = split_algorithm(spec)
    get_hasher = registry.get_hasher
    try:
        if _supports_version(get_hasher):
            hasher = get_hasher(name, version=version)  # type: ignore[call-arg]
        else:
            hasher = get_hasher(name)
    except LookupError as exc:
        raise AlgorithmNotInstalledError(f"{spec} is not installed: {exc}") from exc
    if hasher.version != version:
        raise AlgorithmNotInstalledError(
            f"{spec} is not installed (the {name} available is version {hasher.version})")
    return hasher


class CachingResolver:
    """Resolves each ``name@version`` once (warming, e.g. an etchash cache,
    happens then) and hands out the same hasher afterwards."""

    def __init__(self, resolve: Resolver = default_resolver):
        self._resolve = resolve
        self._cache: dict[str, Hasher] = {}
        self._lock = threading.Lock()

    def __call__(self, spec: str) -> Hasher:
        hasher = self._cache.get(spec)
        if hasher is None:
            split_algorithm(spec)
            hasher = self._resolve(spec)
            with self._lock:
                hasher = self._cache.setdefault(spec, hasher)
        return hasher
