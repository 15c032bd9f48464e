"""Signed, hot-swappable algorithm packages (docs/packages.md).

``PackageManager`` installs, activates, removes and loads packages; this
module wires installed versions into :func:`chimera_algo.get_hasher`:

* ``get_hasher(name, version="1.2.0")`` loads that installed version (from the
  default manager: ``$CHIMERA_HOME`` and the store's database, unless
  :func:`set_manager` chose another);
* ``get_hasher(name)`` keeps serving the built-in kernel unless the process
  called :func:`use_installed_packages`, after which the *active* installed
  version (``chimera algo activate``) serves it when there is one.
"""

from __future__ import annotations

import threading

from chimera_algo import registry
from chimera_algo.hasher import Hasher
from chimera_algo.packages.errors import PackageError
from chimera_algo.packages.manager import PackageManager
from chimera_algo.packages.records import InstalledPackage, StoreRecords

__all__ = [
    "InstalledPackage", "PackageError", "PackageManager", "default_manager", "set_manager",
    "use_installed_packages",
]

_lock = threading.Lock()
_manager: PackageManager | None = None
_serve_active = False


def default_manager() -> PackageManager:
    """The process's manager: the store from ``open_store()``, the trust
    store and package directory under ``$CHIMERA_HOME``."""
    global _manager
    with _lock:
        if _manager is None:
            from chimera_algo.store import open_store

            _manager = PackageManager(StoreRecords(open_store()))
        return _manager


def set_manager(manager: PackageManager | None) -> None:
    """Use ``manager`` for this process's lookups (tests, embedding)."""
    global _manager
    with _lock:
        _manager = manager


def use_installed_packages(manager: PackageManager | None = None, enabled: bool = True) -> None:
    """Let the active installed version serve ``get_hasher(name)``."""
    global _serve_active
    if manager is not None:
        set_manager(manager)
    _serve_active = enabled


def _resolve(name: str, version: str | None) -> Hasher | None:
    if version is None and not _serve_active:
        return None
    return default_manager().lookup(name, version)


registry.set_package_resolver(_resolve)
