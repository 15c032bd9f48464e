"""Which hasher serves an algorithm name.

Built-in kernels come from ``_core``; the variant is chosen once per process
from the CPU's features, or forced with ``CHIMERA_ISA``. Hashers implemented
in Python (or composed around several native parts, like ethash) are
registered by name with a factory, consulted after ``_core``.
"""

from __future__ import annotations

import importlib
import os
import warnings
from typing import Any, Callable, Optional

from chimera_algo import _core
from chimera_algo.hasher import Hasher

ISA_ENV = "CHIMERA_ISA"


# name -> factory, or "module:function" imported on first use (keeps
# `import chimera_algo` cheap and free of import cycles).
_FACTORIES: dict[str, Callable[[], Hasher] | str] = {
    "ethash": "chimera_algo.ethash:ethash_hasher",
    "etchash": "chimera_algo.ethash:etchash_hasher",
}


def register_factory(name: str, factory: Callable[[], Hasher] | str) -> None:
    """Serve ``name`` from ``factory`` (a callable or "module:function")."""
    _FACTORIES[name] = factory


def _from_factory(name: str) -> Hasher | None:
    factory = _FACTORIES.get(name)
    if factory is None:
        return None
    if isinstance(factory, str):
        module, _, attr = factory.partition(":")
        factory = getattr(importlib.import_module(module), attr)
    return factory()


class UnknownAlgorithmError(LookupError):
    """Raised for an algorithm name no hasher is registered under."""

    def __init__(self, name: str, known: list[str]):
        self.name = name
        self.known = known
        super().__init__(f"unknown algorithm {name!r}; known algorithms: {', '.join(known)}")


# Installed package versions (chimera_algo.packages): resolver(name, version)
# returns a hasher, or None to leave the lookup to the built-in kernels.
PackageResolver = Callable[[str, Optional[str]], Optional[Hasher]]
_package_resolver: PackageResolver | None = None


def set_package_resolver(resolver: PackageResolver | None) -> None:
    """Called by ``chimera_algo.packages`` to serve installed versions."""
    global _package_resolver
    _package_resolver = resolver


def algorithms() -> list[str]:
    """Names accepted by :func:`get_hasher`."""
    native = list(_core.algorithms())
    return native + [name for name in _FACTORIES if name not in native]


def _forced_isa() -> str:
    return os.environ.get(ISA_ENV, "").strip().lower()


def get_hasher(name: str, version: str | None = None) -> Hasher:
    """The hasher for algorithm ``name`` (e.g. ``"sha256d"``).

    ``version`` picks an installed package version (``"1.2.0"``); the built-in
    kernel answers to its own version (``chimera_algo.__version__``). Without a
    version the built-in kernel serves, unless the process opted in with
    ``chimera_algo.packages.use_installed_packages()`` and a version is active.
    Raises :class:`UnknownAlgorithmError` for a name or version not available.
    """
    if version is not None and _package_resolver is None:
        importlib.import_module("chimera_algo.packages")  # registers its resolver
    if _package_resolver is not None:
        hasher = _package_resolver(name, version)
        if hasher is not None:
            return hasher
    forced = _forced_isa()
    hasher, fell_back = _core.select(name, forced)
    if hasher is None:
        hasher, fell_back = _from_factory(name), False
        if hasher is None:
            raise UnknownAlgorithmError(name, algorithms())
    if version is not None and version != hasher.version:
        raise UnknownAlgorithmError(f"{name}@{version}", [f"{name}@{hasher.version} (built-in)"])
    if fell_back:
        supported = [isa for isa, ok in _core.variants(name) if ok]
        warnings.warn(
            f"{ISA_ENV}={forced} is not available for {name} on this CPU "
            f"(supported: {', '.join(supported)}); using {hasher.isa}",
            RuntimeWarning,
            stacklevel=2,
        )
    return hasher


def cpu_features() -> dict[str, Any]:
    """What the CPU offers and which variant each algorithm uses.

    ``{"features": [...], "forced": "avx2" | None, "algorithms": {name:
    {"selected": isa, "variants": {isa: supported}}}}``
    """
    forced = _forced_isa()
    report: dict[str, Any] = {
        "features": list(_core.cpu_feature_names()),
        "forced": forced or None,
        "algorithms": {},
    }
    for name in _core.algorithms():
        hasher, _ = _core.select(name, forced)
        report["algorithms"][name] = {
            "selected": hasher.isa,
            "variants": dict(_core.variants(name)),
        }
    return report
