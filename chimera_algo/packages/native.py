"""Native packages: a Python extension module (pybind11) shipped in the
package and loaded from its installed, verified path.

Native code runs in the pool process with the pool's privileges: it cannot
be sandboxed. The only defences are the signatures (native packages need 2
trusted signatures by default) and re-hashing the file right before loading
it, so the bytes loaded are the bytes that were signed.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import sys
import sysconfig
from pathlib import Path
from types import ModuleType

from chimera_algo.hasher import Buffer, Hasher
from chimera_algo.packages.errors import AbiMismatchError, ArtifactHashMismatchError, NativeLoadError

ABI_VERSION = 1


def platform_tag() -> str:
    """This interpreter's tag, as native packages list it (``cp311-linux_x86_64``)."""
    impl = {"cpython": "cp"}.get(sys.implementation.name, sys.implementation.name)
    plat = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    return f"{impl}{sys.version_info.major}{sys.version_info.minor}-{plat}"


def extension_suffix() -> str:
    return sysconfig.get_config_var("EXT_SUFFIX") or ".so"


def _load_module(module_name: str, path: Path) -> ModuleType:
    loader = importlib.machinery.ExtensionFileLoader(module_name, str(path))
    spec = importlib.util.spec_from_file_location(module_name, path, loader=loader)
    if spec is None:
        raise NativeLoadError(f"cannot load {path} as a Python extension module")
    module = importlib.util.module_from_spec(spec)  # not put in sys.modules: versions may coexist
    loader.exec_module(module)
    return module


class NativePackageHasher(Hasher):
    """A native package behind the :class:`Hasher` interface.

    The module's own bound methods are set on the instance, so calls go
    straight to the C++ code with no Python layer in between.
    """

    isa = "native-package"

    def __init__(self, path: Path, sha256: str, *, module_name: str, name: str, version: str, digest_size: int):
        self.name = name
        self.version = version
        self.digest_size = digest_size
        self.label = f"{name}@{version} (native)"
        path = Path(path)
        try:
            actual = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as exc:
            raise NativeLoadError(f"{self.label}: cannot read {path}: {exc.strerror}") from None
        if actual != sha256:
            raise ArtifactHashMismatchError(
                f"{self.label}: {path.name} changed on disk since it was verified (sha256 {actual[:16]}..., "
                f"expected {sha256[:16]}...); refusing to load it"
            )
        try:
            module = _load_module(module_name, path)
        except ImportError as exc:
            raise NativeLoadError(f"{self.label}: the extension module does not load: {exc}") from None
        abi = getattr(module, "CHIMERA_PLUGIN_ABI", None)
        if abi != ABI_VERSION:
            raise AbiMismatchError(f"{self.label}: module speaks plugin ABI {abi!r}; this engine speaks {ABI_VERSION}")
        if getattr(module, "ALGORITHM", None) != name or getattr(module, "DIGEST_SIZE", None) != digest_size:
            raise AbiMismatchError(
                f"{self.label}: module implements {getattr(module, 'ALGORITHM', None)!r} with digest size "
                f"{getattr(module, 'DIGEST_SIZE', None)!r}, not what the manifest says"
            )
        impl = module.create()
        self._impl = impl
        self.hash = impl.hash  # type: ignore[method-assign]
        self.hash_many = impl.hash_many  # type: ignore[method-assign]
        self.scan = impl.scan  # type: ignore[method-assign]

    def __repr__(self) -> str:
        return f"<NativePackageHasher {self.name}@{self.version}>"

    def hash(self, data: Buffer) -> bytes:
        return self._impl.hash(data)

    def hash_many(self, data: Buffer, item_size: int) -> bytes:
        return self._impl.hash_many(data, item_size)

    def scan(self, header: Buffer, start_nonce: int, count: int, target: int) -> list[int]:
        return self._impl.scan(header, start_nonce, count, target)
