"""How installed packages are recorded: one ``algorithms`` row per installed
version, plus ``audit_log`` entries, through the persistence layer.

Each row is named ``<algorithm>@<version>`` (the data model keeps
``algorithms.name`` unique, and migrations reference one row per version);
rows named without ``@`` are the built-in kernels the store seeds. A removed
version keeps its row as ``deprecated`` so anti-rollback still sees it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

def label(algorithm: str, version: str) -> str:
    return f"{algorithm}@{version}"


def split_label(text: str) -> tuple[str, str]:
    """``"sha256d@1.2.0"`` -> ("sha256d", "1.2.0"); ValueError otherwise."""
    algorithm, sep, version = text.partition("@")
    if not sep or not algorithm or not version:
        raise ValueError(f"expected NAME@VERSION (e.g. sha256d@1.0.0), got {text!r}")
    return algorithm, version


@dataclass(frozen=True)
class InstalledPackage:
    """One installed package version, as its ``algorithms`` row holds it."""

    algorithm: str
    version: str
    kind: str  # wasm | native
    package_name: str
    status: str
    package_hash: str  # sha256 of the signed manifest bytes
    signatures: list[dict[str, str]]  # [{key_id, signature}] (hex)
    supported_platforms: list[str]
    minimum_engine_version: str
    description: str = ""
    author: str = ""
    license: str = ""
    package_url: str = ""
    wasm_binary: bytes | None = field(default=None, repr=False)
    native_libraries: dict[str, Any] | None = None
    installed_at: datetime | None = None
    activated_at: datetime | None = None

    @property
    def label(self) -> str:
        return label(self.algorithm, self.version)


@dataclass(frozen=True)
class AuditEvent:
    actor: str
    action: str  # package.install, package.install.forced, package.activate, package.remove, ...
    subject: str  # NAME@VERSION
    details: dict[str, Any]


class PackageRecords(Protocol):
    """The record operations the package layer needs; each call is atomic."""

    def get(self, algorithm: str, version: str) -> InstalledPackage | None: ...

    def versions(self, algorithm: str) -> list[InstalledPackage]: ...

    def all(self) -> list[InstalledPackage]: ...

    def record_install(self, package: InstalledPackage, event: AuditEvent) -> None:
        """Insert (or, for a forced reinstall, replace) the row and the audit entry together."""
        ...

    def set_active(self, algorithm: str, version: str, event: AuditEvent) -> None:
        """Make ``version`` the active one of ``algorithm``; the previous active one becomes installed."""
        ...

    def set_deprecated(self, algorithm: str, version: str, event: AuditEvent) -> None: ...

    def audit(self, event: AuditEvent) -> None: ...

    def audit_entries(self, subject: str | None = None) -> list[AuditEvent]: ...


class StoreRecords:
    """:class:`PackageRecords` on the persistence layer (``chimera_algo.store``).

    Uses the store's tables directly so the row and its audit entry commit in
    one transaction: a crash leaves both or neither.
    """

    def __init__(self, store: Any):
        from chimera_algo.store import schema

        self.store = store
        self.engine = store.engine
        self.t = schema.algorithms
        self.audit_t = schema.audit_log
        self.now = schema.utcnow

    # -- mapping
    def _from_row(self, row: Any) -> InstalledPackage:
        algorithm, version = split_label(row.name)
        native = row.native_libraries
        if isinstance(native, str):
            native = json.loads(native)
        sigs = json.loads(row.package_signature or "[]")
        return InstalledPackage(
            algorithm=algorithm, version=version, kind="native" if native else "wasm",
            package_name=_package_name(row.display_name), status=row.status,
            package_hash=row.package_hash or "", signatures=sigs,
            supported_platforms=list(row.supported_platforms or []),
            minimum_engine_version=row.minimum_engine_version or "", description=row.description or "",
            author=row.author or "", license=row.license or "", package_url=row.package_url or "",
            wasm_binary=row.wasm_binary, native_libraries=native,
            installed_at=row.installed_at, activated_at=row.activated_at,
        )

    def _values(self, p: InstalledPackage) -> dict[str, Any]:
        return dict(
            name=p.label, display_name=f"{p.algorithm} {p.version} ({p.kind} package {p.package_name})",
            description=p.description, version=p.version, author=p.author, license=p.license,
            package_url=p.package_url[:500],  # informational: a long local path is cut to the column
            package_hash=p.package_hash, package_signature=json.dumps(p.signatures),
            wasm_binary=p.wasm_binary, native_libraries=p.native_libraries,
            supported_platforms=p.supported_platforms, minimum_engine_version=p.minimum_engine_version,
            status=p.status, installed_at=self.now(), activated_at=None, updated_at=self.now(),
        )

    def _audit(self, conn: Any, event: AuditEvent) -> None:
        conn.execute(self.audit_t.insert().values(
            actor=event.actor, action=event.action, subject=event.subject, details=event.details))

    # -- PackageRecords
    def get(self, algorithm: str, version: str) -> InstalledPackage | None:
        with self.engine.connect() as conn:
            row = conn.execute(self.t.select().where(self.t.c.name == label(algorithm, version))).first()
        return self._from_row(row) if row is not None else None

    def versions(self, algorithm: str) -> list[InstalledPackage]:
        return [p for p in self.all() if p.algorithm == algorithm]

    def all(self) -> list[InstalledPackage]:
        with self.engine.connect() as conn:
            rows = conn.execute(self.t.select().where(self.t.c.name.like("%@%")).order_by(self.t.c.name)).all()
        return [self._from_row(r) for r in rows]

    def record_install(self, package: InstalledPackage, event: AuditEvent) -> None:
        values = self._values(package)
        with self.engine.begin() as conn:
            existing = conn.execute(self.t.select().where(self.t.c.name == package.label)).first()
            if existing is None:
                conn.execute(self.t.insert().values(**values))
            else:  # a forced reinstall of the same version replaces it in place
                conn.execute(self.t.update().where(self.t.c.name == package.label).values(**values))
            self._audit(conn, event)

    def set_active(self, algorithm: str, version: str, event: AuditEvent) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                self.t.update()
                .where(self.t.c.name.like(f"{algorithm}@%"), self.t.c.status == "active")
                .values(status="installed", updated_at=self.now())
            )
            conn.execute(
                self.t.update().where(self.t.c.name == label(algorithm, version))
                .values(status="active", activated_at=self.now(), updated_at=self.now())
            )
            self._audit(conn, event)

    def set_deprecated(self, algorithm: str, version: str, event: AuditEvent) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                self.t.update().where(self.t.c.name == label(algorithm, version))
                .values(status="deprecated", wasm_binary=None, updated_at=self.now())
            )
            self._audit(conn, event)

    def audit(self, event: AuditEvent) -> None:
        with self.engine.begin() as conn:
            self._audit(conn, event)

    def audit_entries(self, subject: str | None = None) -> list[AuditEvent]:
        query = self.audit_t.select().order_by(self.audit_t.c.id)
        if subject:
            query = query.where(self.audit_t.c.subject == subject)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [AuditEvent(r.actor, r.action, r.subject or "", _json(r.details)) for r in rows]


def _json(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        return json.loads(value)
    return dict(value or {})


def _package_name(display_name: str) -> str:
    # display_name is "<algo> <version> (<kind> package <name>)"
    return display_name.rsplit(" ", 1)[-1].rstrip(")") if display_name else ""
