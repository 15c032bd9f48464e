"""Why a package was refused: one exception type per check, each naming it.

Every error carries ``check``, the install-pipeline step that refused the
package (``chimera algo install`` prints it), so an operator sees at once
whether the package was too big, badly signed, for another platform, a
rollback, or failed in the sandbox.
"""

from __future__ import annotations


class PackageError(Exception):
    """A package was refused or could not be used."""

    check = "package"

    def __str__(self) -> str:
        return f"[{self.check}] {super().__str__()}"


# -- container: size caps and path tricks (checked before anything is unpacked)
class PackageTooLargeError(PackageError):
    check = "size"


class ArtifactTooLargeError(PackageError):
    check = "size"


class PackageFormatError(PackageError):
    check = "format"


class UnsafePathError(PackageError):
    check = "path"


class ZipSlipError(UnsafePathError):
    """An entry name climbs out of the package directory (``..``)."""


class AbsolutePathError(UnsafePathError):
    """An entry name is absolute (``/etc/passwd``, ``C:\\x``)."""


class SymlinkEntryError(UnsafePathError):
    """An entry is a symbolic link."""


# -- signatures and trust
class SignatureError(PackageError):
    check = "signature"


class UnsignedPackageError(SignatureError):
    pass


class ManifestTamperedError(SignatureError):
    """A signature by a trusted key does not match the manifest bytes."""


class UnknownKeyError(SignatureError):
    pass


class RevokedKeyError(SignatureError):
    pass


class ThresholdNotMetError(SignatureError):
    pass


class KeyFileError(PackageError):
    check = "key"


class TrustStoreError(PackageError):
    check = "trust"


# -- artifacts
class ArtifactHashMismatchError(PackageError):
    check = "artifact"


# -- compatibility
class WrongPlatformError(PackageError):
    check = "platform"


class AbiMismatchError(PackageError):
    check = "abi"


class EngineTooOldError(PackageError):
    check = "engine"


# -- anti-rollback
class RollbackError(PackageError):
    check = "rollback"


class DowngradeError(RollbackError):
    pass


class SameVersionError(RollbackError):
    pass


# -- loading and running
class SandboxError(PackageError):
    check = "sandbox"


class WasmImportError(SandboxError):
    """The module imports something (WASI, host functions): refused."""


class WasmTimeoutError(SandboxError):
    """A call ran out of its instruction budget (an endless loop)."""


class WasmMemoryLimitError(SandboxError):
    """The module hit its memory cap."""


class WasmTrapError(SandboxError):
    """The module trapped (out-of-bounds access, unreachable, ...)."""


class NativeLoadError(SandboxError):
    pass


class SelfTestError(PackageError):
    check = "selftest"


# -- the installed set
class NotInstalledError(PackageError):
    check = "installed"


class PackageInUseError(PackageError):
    """Removing the active version would leave the algorithm to fall back silently."""

    check = "state"


class ToolchainError(PackageError):
    check = "build"
