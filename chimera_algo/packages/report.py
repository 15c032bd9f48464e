"""JSON views for the package CLI commands."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from chimera_algo.packages.records import InstalledPackage


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def package_json(p: InstalledPackage) -> dict[str, Any]:
    return {
        "name": p.algorithm, "version": p.version, "label": p.label, "kind": p.kind, "package": p.package_name,
        "status": p.status, "package_hash": p.package_hash, "signed_by": [s["key_id"] for s in p.signatures],
        "supported_platforms": p.supported_platforms, "minimum_engine_version": p.minimum_engine_version,
        "author": p.author, "license": p.license, "description": p.description, "package_url": p.package_url,
        "installed_at": _time(p.installed_at), "activated_at": _time(p.activated_at),
    }


def builtin_json() -> list[dict[str, Any]]:
    """The kernels compiled into chimera_algo, as `chimera algo list` shows them."""
    from chimera_algo import algorithms, get_hasher

    out = []
    for name in algorithms():
        h = get_hasher(name)
        out.append({"name": name, "version": h.version, "label": f"{name}@{h.version}", "kind": "builtin",
                    "status": "built-in", "isa": h.isa})
    return out


def dumps(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, default=str)
