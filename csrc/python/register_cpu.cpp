#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "common/cpu.hpp"

namespace py = pybind11;

namespace chimera {

void register_cpu(py::module_& m) {
    m.def("cpu_feature_names", [] { return cpu::feature_names(cpu::features()); },
          "Instruction-set features this CPU offers (and the OS enables).");
}

}  // namespace chimera
