"""WASM packages: a sandboxed hasher on wasmtime (ABI in docs/plugin-abi.md).

The module imports nothing, so it can touch nothing but its own linear
memory. Every call is bounded: the store caps memory (``Store.set_limits``)
and each call gets a fixed fuel budget (instructions), so an endless loop or a
memory bomb stops with a typed error; the instance is then rebuilt and the
next call works. Inputs are copied straight into linear memory and each batch
is one raw call (``wasmtime_func_call_unchecked``, ~2-5 µs) instead of the
high-level ``Func.__call__`` (~30-80 µs), so per-hash overhead stays small.
"""

from __future__ import annotations

import ctypes
import threading
import time
from dataclasses import dataclass

import wasmtime
from wasmtime import _ffi as ffi

from chimera_algo.hasher import Buffer, Hasher
from chimera_algo.packages.errors import (
    AbiMismatchError,
    SandboxError,
    WasmImportError,
    WasmMemoryLimitError,
    WasmTimeoutError,
    WasmTrapError,
)

ABI_VERSION = 1
MiB = 1 << 20
_I32 = wasmtime.ValType.i32()
# export name -> (param count, result count); every value is an i32
_EXPORTS = {
    "chimera_abi_version": (0, 1),
    "chimera_digest_size": (0, 1),
    "chimera_scratch": (1, 1),
    "chimera_hash_many": (4, 1),
    "chimera_scan": (5, 1),
}
_NONCE_SPACE = 1 << 32


@dataclass(frozen=True)
class SandboxLimits:
    memory_bytes: int = 64 * MiB  # linear memory cap for one instance
    fuel_per_call: int = 1_000_000_000  # instructions one call may run: an endless loop stops in ~1-4 s here
    max_batch_bytes: int = 8 * MiB  # inputs + outputs moved per call
    max_batch_items: int = 65536


_engine_lock = threading.Lock()
_engine: wasmtime.Engine | None = None


def engine() -> wasmtime.Engine:
    """One engine per process: fuel metering on, features we do not need off."""
    global _engine
    with _engine_lock:
        if _engine is None:
            cfg = wasmtime.Config()
            cfg.consume_fuel = True
            cfg.wasm_threads = False
            cfg.wasm_memory64 = False
            cfg.wasm_multi_memory = False
            cfg.memory_may_move = False  # views of linear memory stay valid across growth
            _engine = wasmtime.Engine(cfg)
        return _engine


def compile_module(wasm: bytes, label: str) -> wasmtime.Module:
    """Compile and check the module's shape: no imports, the ABI's exports."""
    try:
        module = wasmtime.Module(engine(), wasm)
    except wasmtime.WasmtimeError as exc:
        raise SandboxError(f"{label}: not a valid WebAssembly module: {str(exc).splitlines()[0]}") from None
    imports = [f"{i.module}.{i.name}" for i in module.imports]
    if imports:
        raise WasmImportError(
            f"{label}: the module imports {', '.join(imports[:5])}{' ...' if len(imports) > 5 else ''}; "
            "Chimera WASM plugins must import nothing (no WASI, no host functions)"
        )
    exports = {e.name: e.type for e in module.exports}
    if not isinstance(exports.get("memory"), wasmtime.MemoryType):
        raise AbiMismatchError(f"{label}: the module does not export its memory as 'memory'")
    for name, (n_params, n_results) in _EXPORTS.items():
        ty = exports.get(name)
        ok = (
            isinstance(ty, wasmtime.FuncType)
            and [str(p) for p in ty.params] == [str(_I32)] * n_params
            and [str(r) for r in ty.results] == [str(_I32)] * n_results
        )
        if not ok:
            raise AbiMismatchError(f"{label}: missing or mistyped export {name} (ABI v{ABI_VERSION})")
    return module


class _Instance:
    """One store + instance; thrown away whenever a call traps."""

    def __init__(self, module: wasmtime.Module, limits: SandboxLimits, label: str):
        self.limits = limits
        self.store = wasmtime.Store(engine())
        self.store.set_limits(memory_size=limits.memory_bytes, table_elements=100_000, instances=1, tables=4, memories=1)
        self.store.set_fuel(limits.fuel_per_call)  # a start function is bounded too
        try:
            instance = wasmtime.Instance(self.store, module, [])
        except wasmtime.Trap as trap:
            raise _trap_error(trap, label, "instantiation", limits, 0) from None
        except wasmtime.WasmtimeError as exc:
            text = str(exc).splitlines()[0]
            if "memory" in text and ("limit" in text or "minimum" in text or "size" in text):
                raise WasmMemoryLimitError(
                    f"{label}: the module's initial memory exceeds the {limits.memory_bytes // MiB} MiB cap ({text})"
                ) from None
            raise SandboxError(f"{label}: instantiation failed: {text}") from None
        exports = instance.exports(self.store)
        self.memory: wasmtime.Memory = exports["memory"]
        self.funcs = {name: exports[name] for name in _EXPORTS}
        self.ctx = self.store._context()
        self.args = (ffi.wasmtime_val_raw_t * 8)()
        # prebuilt ctypes arguments: each costs ~0.1-0.3 us to make per call
        self.func_refs = {name: ctypes.byref(f._func) for name, f in self.funcs.items()}
        self.trap = ctypes.POINTER(ffi.wasm_trap_t)()
        self.trap_ref = ctypes.byref(self.trap)
        self.fuel_left = ctypes.c_uint64(0)
        self.fuel_left_ref = ctypes.byref(self.fuel_left)
        self.memory_ref = ctypes.byref(self.memory._memory)
        self.view: memoryview | None = None
        self.view_addr = 0
        self.scratch_base = 0  # the region chimera_scratch last returned ...
        self.scratch_size = 0  # ... stays valid until the next chimera_scratch call
        self.refresh_view()

    def refresh_view(self, need_end: int = 0) -> memoryview:
        """A memoryview of linear memory covering ``[0, need_end)``, rebuilt
        only if memory moved or the current view is too short."""
        addr = ctypes.cast(ffi.wasmtime_memory_data(self.ctx, self.memory_ref), ctypes.c_void_p).value or 0
        if self.view is not None and addr == self.view_addr and need_end <= self.view.nbytes:
            return self.view
        size = ffi.wasmtime_memory_data_size(self.ctx, self.memory_ref)
        if self.view is not None:
            self.view.release()
        self.view = memoryview((ctypes.c_ubyte * size).from_address(addr)).cast("B")
        self.view_addr = addr
        return self.view

    def memory_size(self) -> int:
        return ffi.wasmtime_memory_data_size(self.ctx, self.memory_ref)

    def call(self, name: str, *values: int, measure: bool = True) -> tuple[int, int]:
        """Run export ``name`` with i32 args; returns (i32 result, fuel used,
        or 0 when not ``measure``d: reading the fuel is one more FFI call)."""
        args = self.args
        for i, v in enumerate(values):
            args[i].i32 = v if v < 1 << 31 else v - (1 << 32)
        fuel = self.limits.fuel_per_call
        ffi.wasmtime_context_set_fuel(self.ctx, fuel)
        error = ffi.wasmtime_func_call_unchecked(self.ctx, self.func_refs[name], args, 8, self.trap_ref)
        if error:
            raise wasmtime.WasmtimeError._from_ptr(error)
        if self.trap:
            raise wasmtime.Trap._from_ptr(self.trap)
        if not measure:
            return args[0].i32, 0
        ffi.wasmtime_context_get_fuel(self.ctx, self.fuel_left_ref)
        return args[0].i32, fuel - self.fuel_left.value


def _trap_error(trap: Exception, label: str, what: str, limits: SandboxLimits, memory_size: int) -> SandboxError:
    code = getattr(trap, "trap_code", None)
    lines = [line.strip() for line in str(trap).splitlines() if line.strip()]
    message = lines[-1] if lines else type(trap).__name__  # wasmtime puts the cause last
    if code == wasmtime.TrapCode.OUT_OF_FUEL:
        return WasmTimeoutError(
            f"{label}: {what} ran past its budget of {limits.fuel_per_call} instructions "
            "(an endless loop?) and was stopped; the instance was reset"
        )
    # wasmtime does not report a refused memory.grow; a module that traps
    # holding over half its cap is treated as having run into the cap.
    if memory_size * 2 > limits.memory_bytes:
        return WasmMemoryLimitError(
            f"{label}: {what} trapped ({message}) holding {memory_size / MiB:.1f} MiB of its "
            f"{limits.memory_bytes // MiB} MiB memory cap (a memory bomb?); the instance was reset"
        )
    return WasmTrapError(f"{label}: {what} trapped ({message}); the instance was reset")


def _as_bytes_view(data: Buffer, what: str) -> memoryview:
    try:
        view = memoryview(data)
    except TypeError:
        raise TypeError(
            f"{what} must be a bytes-like object (bytes, bytearray, memoryview or numpy array), "
            f"not {type(data).__name__}"
        ) from None
    if not view.c_contiguous:
        raise ValueError(f"{what} must be a C-contiguous buffer")
    return view.cast("B") if view.format != "B" or view.ndim != 1 else view


def _int_in_range(value: object, what: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int, not {type(value).__name__}")
    if not lo <= value <= hi:
        raise ValueError(f"{what} must be in [{lo}, {hi}], got {value}")
    return value


class WasmHasher(Hasher):
    """A WASM package behind the :class:`Hasher` interface."""

    isa = "wasm"

    def __init__(self, wasm: bytes, *, name: str, version: str, digest_size: int,
                 limits: SandboxLimits = SandboxLimits()):
        self.name = name
        self.version = version
        self.limits = limits
        self.label = f"{name}@{version} (wasm)"
        self._module = compile_module(wasm, self.label)
        self._lock = threading.Lock()
        self._inst: _Instance | None = None
        self._fuel_per_unit = 0.0
        with self._lock:
            abi = self._call("chimera_abi_version")[0]
            if abi != ABI_VERSION:
                raise AbiMismatchError(f"{self.label}: module speaks plugin ABI v{abi}; this engine speaks v{ABI_VERSION}")
            reported = self._call("chimera_digest_size")[0]
        if reported != digest_size:
            raise AbiMismatchError(f"{self.label}: module reports digest size {reported}, manifest says {digest_size}")
        self.digest_size = digest_size

    def __repr__(self) -> str:
        return f"<WasmHasher {self.name}@{self.version}>"

    # -- sandboxed calls (caller holds self._lock)
    def _instance(self) -> _Instance:
        if self._inst is None:
            self._inst = _Instance(self._module, self.limits, self.label)
        return self._inst

    def _call(self, name: str, *values: int, measure: bool = True) -> tuple[int, int]:
        inst = self._instance()
        try:
            return inst.call(name, *values, measure=measure)
        except (wasmtime.Trap, wasmtime.WasmtimeError) as exc:
            size = inst.memory_size()
            self._inst = None  # a trapped instance may hold half-updated state
            raise _trap_error(exc, self.label, name, self.limits, size) from None

    def _scratch(self, nbytes: int) -> tuple[_Instance, int, memoryview]:
        inst = self._instance()
        if nbytes <= inst.scratch_size:  # reuse: saves one call per batch
            return inst, inst.scratch_base, inst.refresh_view(inst.scratch_base + nbytes)
        base, _ = self._call("chimera_scratch", nbytes, measure=False)
        base &= 0xFFFFFFFF
        view = inst.refresh_view(base + nbytes)
        if base == 0:
            raise WasmMemoryLimitError(
                f"{self.label}: cannot reserve {nbytes} bytes within the {self.limits.memory_bytes // MiB} MiB memory cap"
            )
        if base + nbytes > view.nbytes:
            self._inst = None
            raise WasmTrapError(f"{self.label}: chimera_scratch returned an offset outside the module's memory")
        inst.scratch_base, inst.scratch_size = base, nbytes
        return inst, base, view

    # Work per call is measured in "units": bytes hashed plus a fixed 64 per
    # item. Until the fuel cost of a unit is known, a call gets 4 Ki units;
    # after that, calls are sized to use 1/16 of the fuel budget.
    _FIXED_UNITS = 64
    _FIRST_CALL_UNITS = 1 << 12
    _LEARN_UNITS = 2048  # smaller calls are dominated by call setup, not by hashing

    def _chunk_items(self, item_bytes: int, io_bytes: int) -> int:
        units = item_bytes + self._FIXED_UNITS
        if self._fuel_per_unit > 0:
            by_fuel = int(self.limits.fuel_per_call / 16 / (self._fuel_per_unit * units))
        else:
            by_fuel = self._FIRST_CALL_UNITS // units
        by_bytes = self.limits.max_batch_bytes // max(1, io_bytes)
        return max(1, min(by_fuel, by_bytes, self.limits.max_batch_items))

    def _learn_cost(self, fuel: int, items: int, item_bytes: int) -> None:
        units = items * (item_bytes + self._FIXED_UNITS)
        if units >= self._LEARN_UNITS:
            self._fuel_per_unit = max(self._fuel_per_unit * 0.5, fuel / units)

    # -- Hasher
    def hash(self, data: Buffer) -> bytes:
        view = _as_bytes_view(data, "data")
        return self._hash_many(view, max(1, view.nbytes), 1 if view.nbytes else 0, empty_item=view.nbytes == 0)

    def hash_many(self, data: Buffer, item_size: int) -> bytes:
        view = _as_bytes_view(data, "data")
        item_size = _int_in_range(item_size, "item_size", 1, 1 << 31)
        if view.nbytes % item_size:
            raise ValueError(
                f"item_size must divide the buffer length: got {view.nbytes} bytes, item_size {item_size}"
            )
        return self._hash_many(view, item_size, view.nbytes // item_size)

    def _hash_many(self, view: memoryview, item_size: int, n: int, empty_item: bool = False) -> bytes:
        dsize = self.digest_size
        if empty_item:  # hash(b""): one item of length zero
            with self._lock:
                inst, base, mem = self._scratch(dsize)
                self._run_hash(base, 0, 1, base)
                return bytes(mem[base : base + dsize])
        out: list[bytes] = []
        with self._lock:
            done = 0
            while done < n:
                k = min(n - done, self._chunk_items(item_size, item_size + dsize))
                in_len = k * item_size
                inst, base, mem = self._scratch(in_len + k * dsize)
                mem[base : base + in_len] = view[done * item_size : (done + k) * item_size]
                self._run_hash(base, item_size, k, base + in_len)
                mem = inst.refresh_view()
                out.append(bytes(mem[base + in_len : base + in_len + k * dsize]))
                done += k
        return out[0] if len(out) == 1 else b"".join(out)

    def _run_hash(self, in_ptr: int, item_size: int, n: int, out_ptr: int) -> None:
        learn = n * (item_size + self._FIXED_UNITS) >= self._LEARN_UNITS
        rc, fuel = self._call("chimera_hash_many", in_ptr, item_size, n, out_ptr, measure=learn)
        if rc != 0:
            raise WasmTrapError(f"{self.label}: chimera_hash_many failed with code {rc}")
        self._learn_cost(fuel, n, item_size)

    def scan(self, header: Buffer, start_nonce: int, count: int, target: int) -> list[int]:
        view = _as_bytes_view(header, "header")
        if view.nbytes != 80:
            raise ValueError(f"header must be exactly 80 bytes (a block header), got {view.nbytes}")
        start = _int_in_range(start_nonce, "start_nonce", 0, _NONCE_SPACE - 1)
        count = _int_in_range(count, "count", 0, _NONCE_SPACE)
        if isinstance(target, bool) or not isinstance(target, int):
            raise TypeError(f"target must be an int, not {type(target).__name__}")
        if not 0 <= target < 1 << 256:
            raise ValueError(f"target must be in [0, 2**256), got {target}")
        target_le = target.to_bytes(32, "little")
        hits: list[int] = []
        with self._lock:
            done = 0
            while done < count:
                k = min(count - done, self._chunk_items(80, 4), 1 << 30)
                inst, base, mem = self._scratch(80 + 32 + 4 * k)
                mem[base : base + 80] = view
                mem[base + 80 : base + 112] = target_le
                nonce = (start + done) % _NONCE_SPACE
                found, fuel = self._call("chimera_scan", base, nonce, k, base + 80, base + 112)
                if not 0 <= found <= k:
                    raise WasmTrapError(f"{self.label}: chimera_scan returned {found} hits for {k} nonces")
                self._learn_cost(fuel, k, 80)
                mem = inst.refresh_view()
                raw = bytes(mem[base + 112 : base + 112 + 4 * found])
                hits.extend(int.from_bytes(raw[i : i + 4], "little") for i in range(0, len(raw), 4))
                done += k
        return hits

    def call_overhead(self, calls: int = 2000) -> float:
        """Seconds per empty ``chimera_hash_many`` call (for benchmarks)."""
        with self._lock:
            _, base, _ = self._scratch(64)
            t0 = time.perf_counter()
            for _ in range(calls):
                self._call("chimera_hash_many", base, 1, 0, base, measure=False)
            return (time.perf_counter() - t0) / calls
