"""schema.py against the user's data model document: same tables, columns, indexes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chimera_algo.store.schema import DATA_MODEL_TABLES, metadata

SPEC = Path(__file__).resolve().parents[3] / "shared" / "spec" / "data-model.md"
KEYWORDS = {"CONSTRAINT", "UNIQUE", "PRIMARY", "FOREIGN", "CHECK"}


def _spec_tables() -> dict[str, list[str]]:
    if not SPEC.exists():
        pytest.skip(f"data model document not found at {SPEC}")
    text = SPEC.read_text()
    tables = {}
    for name, body in re.findall(r"CREATE TABLE (\w+) \((.*?)\n\);", text, re.S):
        columns = []
        for line in body.splitlines():
            match = re.match(r"\s+(\w+)\s+[A-Z]", line)
            if match and match.group(1) not in KEYWORDS:
                columns.append(match.group(1))
        tables[name] = columns
    return tables


def test_every_table_and_column_of_the_data_model():
    spec = _spec_tables()
    assert set(spec) == {t.name for t in DATA_MODEL_TABLES}
    for name, columns in spec.items():
        assert [c.name for c in metadata.tables[name].columns] == columns, name


def test_every_index_of_the_data_model():
    _spec_tables()
    spec_indexes = dict(re.findall(r"CREATE INDEX (\w+) ON (\w+)\(", SPEC.read_text()))
    ours = {i.name: t.name for t in DATA_MODEL_TABLES for i in t.indexes}
    assert {k: v for k, v in ours.items() if k in spec_indexes} == spec_indexes
    assert set(spec_indexes) <= set(ours)
