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
from typing import Any, Callable

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


def algorithms() -> list[str]:
    """Names accepted by :func:`get_hasher`."""
    native = list(_core.algorithms())
    return native + [name for name in _FACTORIES if name not in native]


def _forced_isa() -> str:
    return os.environ.get(ISA_ENV, "").strip().lower()


def get_hasher(name: str) -> Hasher:
    """The hasher for algorithm ``name`` (e.g. ``"sha256d"``).

    Raises :class:`UnknownAlgorithmError` for a name not registered.
    """
    forced = _forced_isa()
    hasher, fell_back = _core.select(name, forced)
    if hasher is None:
        composite = _from_factory(name)
        if composite is None:
            raise UnknownAlgorithmError(name, algorithms())
        return composite
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
