"""Hand-written WASM modules (WAT) for the sandbox tests: each implements the
plugin ABI's exports with one hostile or broken behaviour."""

from __future__ import annotations

import wasmtime

# Scratch at offset 1024, growing memory as needed; 0 if it cannot grow.
_SCRATCH = """
 (func (export "chimera_scratch") (param $n i32) (result i32)
  (local $need i32)
  (local.set $need (i32.shr_u (i32.add (i32.add (local.get $n) (i32.const 1024)) (i32.const 65535)) (i32.const 16)))
  (if (i32.gt_u (local.get $need) (memory.size))
   (then (if (i32.eq (memory.grow (i32.sub (local.get $need) (memory.size))) (i32.const -1))
          (then (return (i32.const 0))))))
  (i32.const 1024))
"""

# Zero digests, except: an input whose first byte is 0xFF makes it loop forever.
_LOOP_ON_FF = """
 (func (export "chimera_hash_many") (param $in i32) (param $size i32) (param $n i32) (param $out i32) (result i32)
  (if (i32.and (i32.gt_u (local.get $n) (i32.const 0)) (i32.eq (i32.load8_u (local.get $in)) (i32.const 0xff)))
   (then (loop $forever (br $forever))))
  (memory.fill (local.get $out) (i32.const 0) (i32.mul (local.get $n) (i32.const 32)))
  (i32.const 0))
"""

# Grows memory 1 MiB at a time until refused, then traps.
_MEMORY_BOMB = """
 (func (export "chimera_hash_many") (param i32 i32 i32 i32) (result i32)
  (loop $grow (br_if $grow (i32.ne (memory.grow (i32.const 16)) (i32.const -1))))
  unreachable)
"""

_SCAN = """
 (func (export "chimera_scan") (param i32 i32 i32 i32 i32) (result i32) (i32.const 0))
"""


def module(hash_many: str = _LOOP_ON_FF, *, imports: str = "", memory_pages: int = 1, abi: int = 1) -> bytes:
    return wasmtime.wat2wasm(f"""(module {imports}
 (memory (export "memory") {memory_pages})
 (func (export "chimera_abi_version") (result i32) (i32.const {abi}))
 (func (export "chimera_digest_size") (result i32) (i32.const 32))
 {_SCRATCH} {hash_many} {_SCAN})""")


def bogus_scratch() -> bytes:
    """Claims a scratch region far past the end of its memory."""
    return wasmtime.wat2wasm(f"""(module
 (memory (export "memory") 1)
 (func (export "chimera_abi_version") (result i32) (i32.const 1))
 (func (export "chimera_digest_size") (result i32) (i32.const 32))
 (func (export "chimera_scratch") (param i32) (result i32) (i32.const 0x7fffff00))
 {_LOOP_ON_FF} {_SCAN})""")


def loop_on_ff() -> bytes:
    return module(_LOOP_ON_FF)


def memory_bomb() -> bytes:
    return module(_MEMORY_BOMB)


def wasi_import() -> bytes:
    return module(imports='(import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))')


def huge_initial_memory() -> bytes:
    return module(memory_pages=2048)  # 128 MiB, over the 64 MiB cap


def wrong_abi() -> bytes:
    return module(abi=7)


def missing_export() -> bytes:
    return wasmtime.wat2wasm('(module (memory (export "memory") 1) (func (export "chimera_abi_version") (result i32) (i32.const 1)))')
