"""Compilers for package sources: C to wasm32 (clang + wasm-ld, as Debian
ships them) and C++ to a Python extension module (the system c++ with
pybind11), used by ``chimera package build``."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sysconfig
import tempfile
from pathlib import Path

from chimera_algo.packages.errors import ToolchainError

# Freestanding wasm32: no libc, no imports; SIMD128 and bulk memory are part
# of the ABI's baseline (wasmtime enables both by default).
WASM_CFLAGS = ["--target=wasm32", "-O3", "-msimd128", "-mbulk-memory", "-nostdlib", "-ffreestanding",
               "-Wall", "-Werror"]
WASM_LDFLAGS = ["-Wl,--no-entry", "-Wl,--strip-all", "-Wl,--no-export-dynamic"]
NATIVE_CXXFLAGS = ["-O3", "-std=c++17", "-shared", "-fPIC", "-fvisibility=hidden", "-Wall"]


def _which_clang() -> str | None:
    for name in [os.environ.get("CHIMERA_WASM_CC", ""), "clang"] + [f"clang-{v}" for v in range(20, 13, -1)]:
        if name and shutil.which(name):
            return shutil.which(name)
    return None


@functools.lru_cache(maxsize=None)
def wasm_compiler() -> str | None:
    """A clang that can link wasm32 (it needs wasm-ld from lld), or None."""
    clang = _which_clang()
    if clang is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "probe.c"
        src.write_text('__attribute__((export_name("f"))) int f(void) { return 1; }\n')
        probe = subprocess.run(
            [clang, *WASM_CFLAGS, *WASM_LDFLAGS, "-o", str(Path(tmp) / "probe.wasm"), str(src)],
            capture_output=True, text=True,
        )
    return clang if probe.returncode == 0 else None


def _run(cmd: list[str], what: str) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise ToolchainError(f"{what} failed:\n$ {' '.join(cmd)}\n{proc.stderr.strip()[-4000:]}")


def compile_wasm(sources: list[Path], include_dirs: list[Path], out: Path) -> None:
    clang = wasm_compiler()
    if clang is None:
        raise ToolchainError(
            "no C compiler for wasm32 found: install clang and lld (apt-get install clang lld) "
            "or point CHIMERA_WASM_CC at one"
        )
    cmd = [clang, *WASM_CFLAGS, *[f"-I{d}" for d in include_dirs], *WASM_LDFLAGS, "-o", str(out),
           *map(str, sources)]
    _run(cmd, "compiling the WASM module")


def compile_native(sources: list[Path], include_dirs: list[Path], out: Path) -> None:
    try:
        import pybind11
    except ImportError:
        raise ToolchainError("building a native package needs pybind11's headers: pip install pybind11") from None
    cxx = os.environ.get("CXX") or shutil.which("c++") or shutil.which("g++")
    if cxx is None:
        raise ToolchainError("no C++ compiler found (install g++)")
    includes = [pybind11.get_include(), sysconfig.get_paths()["include"], *map(str, include_dirs)]
    cmd = [cxx, *NATIVE_CXXFLAGS, *[f"-I{d}" for d in includes], "-o", str(out), *map(str, sources)]
    _run(cmd, "compiling the native extension module")
