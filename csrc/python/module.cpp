// chimera_algo._core: the native kernels. Each register_*.cpp adds one part.
#include <pybind11/pybind11.h>

namespace py = pybind11;

namespace chimera {
void register_cpu(py::module_& m);
void register_hasher(py::module_& m);
void register_ethash(py::module_& m);
}  // namespace chimera

PYBIND11_MODULE(_core, m) {
    m.doc() = "Chimera native hashing kernels (private; use chimera_algo).";
    chimera::register_cpu(m);
    chimera::register_hasher(m);
    chimera::register_ethash(m);
}
