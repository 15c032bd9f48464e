"""Install, activate, remove and load packages.

The install pipeline is fail-closed and runs in this order (each step raises
its own :class:`PackageError` subclass naming the check):

1. size caps and path rules on the zip directory (nothing unpacked yet)
2. signatures against the trust store, k-of-n threshold per kind
3. artifact sizes and sha256 against the signed manifest
4. platform / plugin ABI / engine version
5. anti-rollback against every version of the algorithm ever recorded
6. load in the sandbox (WASM) or from the verified staged file (native)
7. the package's self-test vectors
8. record the ``algorithms`` row and the audit entry in one transaction
9. available to ``chimera_algo.get_hasher(name, version=...)``

Files are staged under ``packages/.staging`` and renamed into
``packages/<algorithm>/<version>`` just before the database commit; a crash
leaves at worst an orphan directory (no row), cleared by the next install.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import shutil
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from chimera_algo.hasher import Hasher
from chimera_algo.packages import home
from chimera_algo.packages.container import Limits, PackageFile, open_package
from chimera_algo.packages.errors import (
    AbiMismatchError,
    ArtifactHashMismatchError,
    ArtifactTooLargeError,
    DowngradeError,
    EngineTooOldError,
    ManifestTamperedError,
    NotInstalledError,
    PackageError,
    PackageFormatError,
    PackageInUseError,
    SameVersionError,
    WrongPlatformError,
)
from chimera_algo.packages.manifest import (
    ANY_PLATFORM,
    MANIFEST_NAME,
    SIGNATURES_NAME,
    Manifest,
    parse_manifest,
)
from chimera_algo.packages.native import ABI_VERSION as NATIVE_ABI
from chimera_algo.packages.native import NativePackageHasher, platform_tag
from chimera_algo.packages.records import AuditEvent, InstalledPackage, PackageRecords, label
from chimera_algo.packages.selftest import run_self_tests
from chimera_algo.packages.semver import Version, engine_version
from chimera_algo.packages.trust import Signature, TrustStore
from chimera_algo.packages.wasm import ABI_VERSION as WASM_ABI
from chimera_algo.packages.wasm import SandboxLimits, WasmHasher

_ABI = {"wasm": WASM_ABI, "native": NATIVE_ABI}


def current_operator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid:{os.getuid()}"


def _peek_kind(manifest_bytes: bytes) -> str:
    """The kind the (not yet verified) manifest claims, to pick the threshold;
    anything unclear gets the strictest one ("native")."""
    try:
        kind = json.loads(manifest_bytes).get("kind")
    except (ValueError, AttributeError):
        return "native"
    return kind if kind in _ABI else "native"


@dataclass(frozen=True)
class VerifiedPackage:
    """A package that passed steps 1-4: trusted manifest, matching artifacts."""

    manifest: Manifest
    manifest_bytes: bytes
    signatures: list[Signature]
    signed_by: list[str]
    artifacts: dict[str, bytes]

    @property
    def package_hash(self) -> str:
        return hashlib.sha256(self.manifest_bytes).hexdigest()


class PackageManager:
    """Packages installed under ``root`` and recorded in ``records``."""

    def __init__(
        self,
        records: PackageRecords,
        trust: TrustStore | None = None,
        root: Path | None = None,
        limits: Limits = Limits(),
        sandbox: SandboxLimits = SandboxLimits(),
        recheck_seconds: float = 1.0,
    ):
        self.records = records
        self.trust = trust if trust is not None else TrustStore.load()
        self.root = Path(root or home.packages_dir())
        self.limits = limits
        self.sandbox = sandbox
        self.recheck_seconds = recheck_seconds
        self._loaded: dict[tuple[str, str], tuple[str, Hasher]] = {}  # (algo, version) -> (package_hash, hasher)
        self._checked: dict[tuple[str, str | None], tuple[float, Hasher | None]] = {}  # lookup -> (when, result)
        self._lock = threading.Lock()

    # -- steps 1-4
    def verify(self, path: Path) -> VerifiedPackage:
        """Checks 1-4 on a package file; raises the first that fails."""
        self.trust.reload_if_changed()
        with open_package(path, self.limits) as pkg:
            signed_by = self.trust.verify(pkg.manifest_bytes, pkg.signatures, _peek_kind(pkg.manifest_bytes))
            manifest = parse_manifest(pkg.manifest_bytes)
            artifacts = self._check_artifacts(pkg, manifest)
        self.check_compatible(manifest)
        return VerifiedPackage(manifest, pkg.manifest_bytes, pkg.signatures, signed_by, artifacts)

    def _check_artifacts(self, pkg: PackageFile, manifest: Manifest) -> dict[str, bytes]:
        listed = {a.path for a in manifest.artifacts}
        extra = sorted(set(pkg.entries) - listed - {MANIFEST_NAME, SIGNATURES_NAME})
        if extra:
            raise PackageFormatError(f"the package holds entries its manifest does not sign: {', '.join(extra)}")
        out: dict[str, bytes] = {}
        for art in manifest.artifacts:
            if art.path not in pkg.entries:
                raise ArtifactHashMismatchError(f"artifact {art.path!r} named in the manifest is missing")
            if art.size > self.limits.max_artifact_bytes:
                raise ArtifactTooLargeError(
                    f"artifact {art.path!r} declares {art.size} bytes, over the {self.limits.max_artifact_bytes} byte cap"
                )
            data = pkg.read(art.path)
            digest = hashlib.sha256(data).hexdigest()
            if len(data) != art.size or digest != art.sha256:
                raise ArtifactHashMismatchError(
                    f"artifact {art.path!r} does not match the signed manifest "
                    f"(size {len(data)} vs {art.size}, sha256 {digest[:16]}... vs {art.sha256[:16]}...)"
                )
            out[art.path] = data
        return out

    def check_compatible(self, manifest: Manifest) -> None:
        if manifest.kind == "wasm":
            if manifest.platforms != [ANY_PLATFORM]:
                raise WrongPlatformError(f"{manifest.label}: a WASM package runs anywhere; its platforms must be ['any']")
        else:
            tag = platform_tag()
            if tag not in manifest.platforms:
                raise WrongPlatformError(
                    f"{manifest.label}: built for {', '.join(manifest.platforms)}; this engine is {tag}"
                )
        if manifest.plugin_abi != _ABI[manifest.kind]:
            raise AbiMismatchError(
                f"{manifest.label}: needs {manifest.kind} plugin ABI v{manifest.plugin_abi}; "
                f"this engine speaks v{_ABI[manifest.kind]}"
            )
        have = engine_version()
        if Version.parse(manifest.minimum_engine_version) > have:
            raise EngineTooOldError(
                f"{manifest.label}: needs Chimera >= {manifest.minimum_engine_version}; this engine is {have}"
            )

    # -- step 5
    def check_rollback(self, manifest: Manifest, force: bool) -> str | None:
        """Refuse a version <= one already recorded for the algorithm; with
        ``force``, return what was overridden (for the audit log) instead."""
        new = manifest.semver
        seen = self.records.versions(manifest.algorithm)
        same = [p for p in seen if Version.parse(p.version) == new]
        higher = [p for p in seen if Version.parse(p.version) > new]
        problem: PackageError | None = None
        if same:
            problem = SameVersionError(
                f"{manifest.label} is already recorded ({same[0].status}); installing the same version again "
                "needs --force and a --reason"
            )
        elif higher:
            newest = max(higher, key=lambda p: Version.parse(p.version))
            problem = DowngradeError(
                f"{manifest.label} is older than {newest.label} ({newest.status}); "
                "a downgrade needs --force and a --reason"
            )
        if problem is None:
            return None
        if not force:
            raise problem
        return "reinstall of the same version" if same else f"downgrade below {newest.label}"

    # -- the pipeline
    def install(self, path: Path, *, force: bool = False, reason: str | None = None,
                operator: str | None = None) -> InstalledPackage:
        """Run the whole pipeline; returns the recorded package."""
        operator = operator or current_operator()
        if force and not (reason and reason.strip()):
            raise ValueError("a forced install needs a reason; it goes to the audit log")
        verified = self.verify(path)
        manifest = verified.manifest
        overridden = self.check_rollback(manifest, force)
        staging = self._stage(verified)
        try:
            hasher = self._load(manifest, staging, verified.artifacts.get(manifest.entry))
            checks = run_self_tests(hasher, manifest)
            package = self._package_row(verified, Path(path))
            event = AuditEvent(
                actor=operator,
                action="package.install.forced" if overridden else "package.install",
                subject=manifest.label,
                details={
                    "package": manifest.name, "kind": manifest.kind, "package_hash": verified.package_hash,
                    "signed_by": verified.signed_by, "self_test_checks": checks,
                    **({"forced": overridden, "reason": reason} if overridden else {}),
                },
            )
            self._commit(manifest, staging, package, event)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        if manifest.kind == "wasm":  # native modules are loaded from their final path on first use
            with self._lock:
                self._loaded[(manifest.algorithm, manifest.version)] = (verified.package_hash, hasher)
        return package

    def _stage(self, verified: VerifiedPackage) -> Path:
        staging_root = self.root / ".staging"
        staging_root.mkdir(parents=True, exist_ok=True)
        staging = staging_root / uuid.uuid4().hex
        staging.mkdir()
        (staging / MANIFEST_NAME).write_bytes(verified.manifest_bytes)
        sigs = [{"key_id": s.key_id, "signature": s.signature.hex()} for s in verified.signatures]
        (staging / SIGNATURES_NAME).write_text(json.dumps(sigs))
        for rel, data in verified.artifacts.items():
            dest = staging / rel  # names were checked: relative, no "..", no links
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)
            dest.chmod(0o444)
        return staging

    def _load(self, manifest: Manifest, directory: Path, entry_bytes: bytes | None) -> Hasher:
        entry = manifest.artifact(manifest.entry)
        if manifest.kind == "wasm":
            data = entry_bytes if entry_bytes is not None else (directory / entry.path).read_bytes()
            if hashlib.sha256(data).hexdigest() != entry.sha256:
                raise ArtifactHashMismatchError(f"{manifest.label}: the WASM module does not match its manifest")
            return WasmHasher(data, name=manifest.algorithm, version=manifest.version,
                              digest_size=manifest.digest_size, limits=self.sandbox)
        return NativePackageHasher(
            directory / entry.path, entry.sha256, module_name=manifest.module, name=manifest.algorithm,
            version=manifest.version, digest_size=manifest.digest_size,
        )

    def _package_row(self, verified: VerifiedPackage, source: Path) -> InstalledPackage:
        m = verified.manifest
        entry = m.artifact(m.entry)
        native = None
        if m.kind == "native":
            native = {tag: {"path": entry.path, "sha256": entry.sha256, "size": entry.size, "module": m.module}
                      for tag in m.platforms}
        return InstalledPackage(
            algorithm=m.algorithm, version=m.version, kind=m.kind, package_name=m.name, status="installed",
            package_hash=verified.package_hash,
            signatures=[{"key_id": s.key_id, "signature": s.signature.hex()} for s in verified.signatures],
            supported_platforms=list(m.platforms), minimum_engine_version=m.minimum_engine_version,
            description=m.description, author=m.author, license=m.license,
            package_url=source.resolve().as_uri(),
            wasm_binary=verified.artifacts[m.entry] if m.kind == "wasm" else None, native_libraries=native,
        )

    def install_dir(self, algorithm: str, version: str) -> Path:
        return self.root / algorithm / version

    def _commit(self, manifest: Manifest, staging: Path, package: InstalledPackage, event: AuditEvent) -> None:
        final = self.install_dir(manifest.algorithm, manifest.version)
        final.parent.mkdir(parents=True, exist_ok=True)
        trash = None
        if final.exists():  # an orphan from a crash, or the version being force-reinstalled
            trash = self.root / ".staging" / f"old-{uuid.uuid4().hex}"
            os.replace(final, trash)
        os.replace(staging, final)
        try:
            self.records.record_install(package, event)
        except BaseException:
            os.replace(final, staging)
            if trash is not None:
                os.replace(trash, final)
            raise
        if trash is not None:
            shutil.rmtree(trash, ignore_errors=True)
        with self._lock:
            self._loaded.pop((manifest.algorithm, manifest.version), None)
            self._checked.clear()

    # -- operator actions
    def activate(self, algorithm: str, version: str, operator: str | None = None) -> InstalledPackage:
        package = self._installed(algorithm, version)
        self.load(algorithm, version)  # refuse to activate what does not load and verify now
        self.records.set_active(algorithm, version, AuditEvent(
            operator or current_operator(), "package.activate", package.label, {"previous_status": package.status}))
        with self._lock:
            self._checked.clear()
        return self._installed(algorithm, version)

    def remove(self, algorithm: str, version: str, operator: str | None = None) -> None:
        package = self._installed(algorithm, version)
        if package.status == "active":
            raise PackageInUseError(
                f"{package.label} is the active version of {algorithm}; activate another version first"
            )
        self.records.set_deprecated(algorithm, version, AuditEvent(
            operator or current_operator(), "package.remove", package.label, {"previous_status": package.status}))
        with self._lock:
            self._loaded.pop((algorithm, version), None)
            self._checked.clear()
        shutil.rmtree(self.install_dir(algorithm, version), ignore_errors=True)

    def _installed(self, algorithm: str, version: str) -> InstalledPackage:
        package = self.records.get(algorithm, version)
        if package is None or package.status not in ("installed", "active"):
            installed = [p.label for p in self.records.versions(algorithm) if p.status in ("installed", "active")]
            state = f" (it is {package.status})" if package is not None else ""
            raise NotInstalledError(
                f"{label(algorithm, version)} is not installed{state}; installed: {', '.join(installed) or 'none'}"
            )
        return package

    def installed(self) -> list[InstalledPackage]:
        return self.records.all()

    def active_version(self, algorithm: str) -> str | None:
        for p in self.records.versions(algorithm):
            if p.status == "active":
                return p.version
        return None

    # -- loading for get_hasher
    def lookup(self, algorithm: str, version: str | None) -> Hasher | None:
        """What ``get_hasher`` serves: the installed ``version`` (None if no
        package has it), or with ``version=None`` the active one (None if
        none is active). Results are reused for ``recheck_seconds``, so a
        per-share lookup costs a dict access while a revocation, removal or
        activation elsewhere still takes effect within that time."""
        key = (algorithm, version)
        now = time.monotonic()
        with self._lock:
            hit = self._checked.get(key)
        if hit is not None and now - hit[0] < self.recheck_seconds:
            return hit[1]
        if version is None:
            active = self.active_version(algorithm)
            result = self.load(algorithm, active) if active else None
        else:
            result = self.load(algorithm, version) if self.records.get(algorithm, version) else None
        with self._lock:
            self._checked[key] = (now, result)
        return result

    def load(self, algorithm: str, version: str) -> Hasher:
        """The hasher of an installed version. Every call re-checks the
        installed manifest and its signatures against the trust store as it
        is now, so a revoked key stops the package at its next lookup; the
        compiled module is reused when it is still the verified one."""
        package = self._installed(algorithm, version)
        directory = self.install_dir(algorithm, version)
        try:
            manifest_bytes = (directory / MANIFEST_NAME).read_bytes()
        except OSError as exc:
            raise NotInstalledError(f"{package.label}: its files are missing ({exc.strerror})") from None
        if hashlib.sha256(manifest_bytes).hexdigest() != package.package_hash:
            raise ManifestTamperedError(f"{package.label}: the installed manifest changed since it was installed")
        signatures = [Signature(s["key_id"], bytes.fromhex(s["signature"])) for s in package.signatures]
        self.trust.reload_if_changed()
        self.trust.verify(manifest_bytes, signatures, package.kind)
        with self._lock:
            cached = self._loaded.get((algorithm, version))
        if cached is not None and cached[0] == package.package_hash:
            return cached[1]
        manifest = parse_manifest(manifest_bytes)
        self.check_compatible(manifest)
        hasher = self._load(manifest, directory, package.wasm_binary if manifest.kind == "wasm" else None)
        with self._lock:
            self._loaded[(algorithm, version)] = (package.package_hash, hasher)
        return hasher
