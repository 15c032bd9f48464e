"""The WASM sandbox: refused imports, bounded calls, reset after a trap."""

from __future__ import annotations

import time

import pytest

from chimera_algo.packages.errors import (
    AbiMismatchError,
    WasmImportError,
    WasmMemoryLimitError,
    WasmTimeoutError,
    WasmTrapError,
)
from chimera_algo.packages.wasm import SandboxLimits, WasmHasher
from . import wat_modules
from .helpers import TEST_SANDBOX


def load(wasm: bytes, limits: SandboxLimits = TEST_SANDBOX) -> WasmHasher:
    return WasmHasher(wasm, name="hostile", version="1.0.0", digest_size=32, limits=limits)


def test_module_with_a_wasi_import_is_refused():
    with pytest.raises(WasmImportError, match="wasi_snapshot_preview1.fd_write") as exc:
        load(wat_modules.wasi_import())
    assert exc.value.check == "sandbox"


def test_infinite_loop_is_stopped_reported_and_the_next_call_works():
    hasher = load(wat_modules.loop_on_ff())
    assert hasher.hash(b"\x00" * 80) == bytes(32)
    started = time.monotonic()
    with pytest.raises(WasmTimeoutError, match="endless loop"):
        hasher.hash_many(b"\xff" * 160, 80)
    assert time.monotonic() - started < 30  # bounded: 1e8 instructions, well under a second unloaded
    assert hasher.hash_many(b"\x01" * 160, 80) == bytes(64)  # a fresh instance serves the next call


def test_default_budget_also_stops_an_endless_loop():
    hasher = load(wat_modules.loop_on_ff(), SandboxLimits())
    started = time.monotonic()
    with pytest.raises(WasmTimeoutError):
        hasher.hash(b"\xff")
    assert time.monotonic() - started < 60


def test_memory_bomb_is_stopped_at_the_cap_and_the_next_call_works():
    limits = SandboxLimits(memory_bytes=16 << 20, fuel_per_call=TEST_SANDBOX.fuel_per_call)
    hasher = load(wat_modules.memory_bomb(), limits)
    with pytest.raises(WasmMemoryLimitError, match="16 MiB memory cap"):
        hasher.hash(b"x")
    with pytest.raises(WasmMemoryLimitError):  # reset instance, same verdict: the pool carries on
        hasher.hash(b"y")


def test_initial_memory_over_the_cap_is_refused():
    with pytest.raises(WasmMemoryLimitError, match="64 MiB cap"):
        load(wat_modules.huge_initial_memory(), SandboxLimits())


def test_scratch_request_over_the_cap_is_a_memory_error():
    hasher = load(wat_modules.loop_on_ff(), SandboxLimits(memory_bytes=1 << 20, max_batch_bytes=64 << 20))
    with pytest.raises(WasmMemoryLimitError, match="cannot reserve"):
        hasher.hash(b"\x00" * (2 << 20))


def test_scratch_offset_outside_memory_is_refused_not_followed():
    hasher = load(wat_modules.bogus_scratch())
    with pytest.raises(WasmTrapError, match="outside the module's memory"):
        hasher.hash(b"abc")


def test_concurrent_callers_share_one_instance_safely():
    from concurrent.futures import ThreadPoolExecutor

    hasher = load(wat_modules.loop_on_ff())
    inputs = [bytes([i % 200]) * (80 * (1 + i % 7)) for i in range(64)]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda d: hasher.hash_many(d, 80), inputs))
    assert results == [bytes(32 * (len(d) // 80)) for d in inputs]


def test_wrong_abi_version_and_missing_exports_are_refused():
    with pytest.raises(AbiMismatchError, match="ABI v7"):
        load(wat_modules.wrong_abi())
    with pytest.raises(AbiMismatchError, match="chimera_digest_size"):
        load(wat_modules.missing_export())


def test_garbage_is_not_a_module():
    from chimera_algo.packages.errors import SandboxError

    with pytest.raises(SandboxError, match="not a valid WebAssembly module"):
        load(b"\x00asm\x01\x00\x00\x00garbage")


def test_bad_arguments_are_clear_errors():
    hasher = load(wat_modules.loop_on_ff())
    with pytest.raises(TypeError, match="bytes-like"):
        hasher.hash("text")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="item_size must divide"):
        hasher.hash_many(b"x" * 81, 80)
    with pytest.raises(ValueError, match="80 bytes"):
        hasher.scan(b"x" * 79, 0, 1, 1)
    with pytest.raises(ValueError, match="target"):
        hasher.scan(b"x" * 80, 0, 1, 1 << 256)
    with pytest.raises(ValueError, match="count"):
        hasher.scan(b"x" * 80, 0, -1, 1)
