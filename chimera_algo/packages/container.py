"""The package file: a zip holding manifest.json, signatures.json and the
artifacts. Reading enforces size caps and path rules on the zip's directory
before a single entry is decompressed; writing is deterministic.
"""

from __future__ import annotations

import io
import json
import os
import stat
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from chimera_algo.packages.errors import (
    ArtifactTooLargeError,
    PackageFormatError,
    PackageTooLargeError,
    SymlinkEntryError,
)
from chimera_algo.packages.manifest import MANIFEST_NAME, SIGNATURES_NAME, canonical_bytes
from chimera_algo.packages.paths import check_entry_name
from chimera_algo.packages.trust import Signature

MiB = 1 << 20
_EPOCH = (1980, 1, 1, 0, 0, 0)  # fixed zip timestamps: the same inputs give the same file


@dataclass(frozen=True)
class Limits:
    """Caps checked before anything is unpacked (TUF's "endless data")."""

    max_package_bytes: int = 64 * MiB  # the file, and everything it unpacks to
    max_artifact_bytes: int = 32 * MiB
    max_manifest_bytes: int = 256 * 1024
    max_entries: int = 64
    max_signatures: int = 32


@dataclass
class PackageFile:
    """An opened package whose directory has passed the size and path checks."""

    path: Path
    manifest_bytes: bytes
    signatures: list[Signature]
    entries: dict[str, zipfile.ZipInfo]
    limits: Limits
    _zip: zipfile.ZipFile = field(repr=False)

    def read(self, name: str) -> bytes:
        info = self.entries.get(name)
        if info is None:
            raise PackageFormatError(f"the package has no entry {name!r}")
        return _read_capped(self._zip, info, self.limits.max_artifact_bytes)

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> "PackageFile":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _read_capped(zf: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> bytes:
    # zipfile stops at the declared size and checks the CRC; reading one byte
    # more than allowed catches a directory that lies about sizes.
    try:
        with zf.open(info) as f:
            data = f.read(min(info.file_size, cap) + 1)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError) as exc:
        raise PackageFormatError(f"entry {info.filename!r} cannot be read: {exc}") from None
    if len(data) > cap:
        raise ArtifactTooLargeError(f"entry {info.filename!r} unpacks past the {cap} byte cap")
    if len(data) != info.file_size:
        raise PackageFormatError(f"entry {info.filename!r} is not the size its header declares")
    return data


def open_package(path: Path, limits: Limits = Limits()) -> PackageFile:
    """Open ``path`` after checking its size, its entries' sizes and names."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise PackageFormatError(f"cannot read package {path}: {exc.strerror}") from None
    if size > limits.max_package_bytes:
        raise PackageTooLargeError(
            f"package file is {size} bytes, over the {limits.max_package_bytes} byte cap"
        )
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise PackageFormatError(f"{path} is not a package (zip) file: {exc}") from None
    try:
        entries = _check_directory(zf, limits)
        manifest_info = entries.get(MANIFEST_NAME)
        if manifest_info is None:
            raise PackageFormatError("the package has no manifest.json")
        manifest_bytes = _read_capped(zf, manifest_info, limits.max_manifest_bytes)
        signatures = _read_signatures(zf, entries.get(SIGNATURES_NAME), limits)
    except BaseException:
        zf.close()
        raise
    return PackageFile(path, manifest_bytes, signatures, entries, limits, zf)


def _check_directory(zf: zipfile.ZipFile, limits: Limits) -> dict[str, zipfile.ZipInfo]:
    infos = zf.infolist()
    if len(infos) > limits.max_entries:
        raise PackageTooLargeError(f"package has {len(infos)} entries, over the cap of {limits.max_entries}")
    entries: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in infos:
        name = info.filename
        check_entry_name(name.rstrip("/") if info.is_dir() else name)
        mode = info.external_attr >> 16
        if info.create_system == 3 and stat.S_ISLNK(mode):
            raise SymlinkEntryError(f"entry {name!r} is a symbolic link")
        if info.is_dir():
            raise PackageFormatError(f"entry {name!r} is a directory; packages hold files only")
        if name in entries:
            raise PackageFormatError(f"entry {name!r} appears twice")
        if info.file_size > limits.max_artifact_bytes:
            raise ArtifactTooLargeError(
                f"entry {name!r} unpacks to {info.file_size} bytes, over the {limits.max_artifact_bytes} byte cap"
            )
        total += info.file_size
        if total > limits.max_package_bytes:
            raise PackageTooLargeError(f"package unpacks to over {limits.max_package_bytes} bytes")
        entries[name] = info
    return entries


def _read_signatures(zf: zipfile.ZipFile, info: zipfile.ZipInfo | None, limits: Limits) -> list[Signature]:
    if info is None:
        return []
    raw = _read_capped(zf, info, limits.max_manifest_bytes)
    try:
        data = json.loads(raw)
        items = data["signatures"]
        sigs = [Signature(str(i["key_id"]), bytes.fromhex(i["signature"])) for i in items]
    except (ValueError, KeyError, TypeError) as exc:
        raise PackageFormatError(f"signatures.json is malformed: {exc}") from None
    if len(sigs) > limits.max_signatures:
        raise PackageTooLargeError(f"package carries {len(sigs)} signatures, over the cap of {limits.max_signatures}")
    return sigs


def signatures_bytes(signatures: list[Signature]) -> bytes:
    return canonical_bytes(
        {"signatures": [{"key_id": s.key_id, "signature": s.signature.hex()} for s in signatures]}
    )


def write_package(
    dest: Path, manifest_bytes: bytes, signatures: list[Signature], artifacts: dict[str, bytes]
) -> None:
    """Write a package file atomically (temp file + rename)."""
    dest = Path(dest)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in [(MANIFEST_NAME, manifest_bytes), (SIGNATURES_NAME, signatures_bytes(signatures))] + sorted(
            artifacts.items()
        ):
            info = zipfile.ZipInfo(name, _EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            info.create_system = 3
            zf.writestr(info, data)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}-")
    with os.fdopen(fd, "wb") as f:
        f.write(buf.getvalue())
    os.replace(tmp, dest)

