"""Chimera: hot-swappable proof-of-work algorithms for mining pools.

The public interface is the :class:`Hasher`, obtained from :func:`get_hasher`.
"""

from importlib.metadata import PackageNotFoundError, version as _dist_version

from chimera_algo import targets
from chimera_algo.hasher import Hasher
from chimera_algo.registry import (
    UnknownAlgorithmError,
    algorithms,
    cpu_features,
    get_hasher,
)

try:
    __version__ = _dist_version("chimera-algo")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0"

__all__ = [
    "Hasher",
    "UnknownAlgorithmError",
    "algorithms",
    "cpu_features",
    "get_hasher",
    "targets",
    "__version__",
]
