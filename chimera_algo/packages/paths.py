"""Entry names inside a package: relative, inside the package, plain.

Checked for zip entries before anything is read and for the artifact paths a
manifest names, so no name can write or load outside the package directory.
"""

from __future__ import annotations

import re

from chimera_algo.packages.errors import AbsolutePathError, PackageFormatError, ZipSlipError

_SAFE_PART = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._+-]{0,127}$")


def check_entry_name(name: str) -> None:
    """Raise unless ``name`` is a safe relative path like ``lib/x.wasm``."""
    if not name:
        raise PackageFormatError("an entry has an empty name")
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        raise AbsolutePathError(f"entry {name!r} is an absolute path")
    parts = re.split(r"[/\\]", name)
    if any(p == ".." for p in parts):
        raise ZipSlipError(f"entry {name!r} climbs out of the package directory")
    if "\\" in name:
        raise PackageFormatError(f"entry {name!r} uses a backslash; use '/'")
    for part in parts:
        if not _SAFE_PART.match(part):
            raise PackageFormatError(
                f"entry {name!r}: each path part must be letters, digits, . _ + - (not starting with '.')"
            )
