// NativeHasher: the built-in kernels behind the public Hasher interface.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <chrono>
#include <cstring>

#include "common/cpu.hpp"
#include "common/registry.hpp"
#include "python/args.hpp"

namespace py = pybind11;

namespace chimera {
namespace {

using py_args::ByteView;

constexpr uint64_t kNonceSpace = uint64_t(1) << 32;

struct NativeHasher {
    const Kernel* k;
};

py::bytes new_bytes(size_t n, char** data) {
    PyObject* b = PyBytes_FromStringAndSize(nullptr, static_cast<Py_ssize_t>(n));
    if (!b) throw py::error_already_set();
    *data = PyBytes_AS_STRING(b);
    return py::reinterpret_steal<py::bytes>(b);
}

// hash() is called once per share from Python, so it bypasses pybind11's
// argument dispatch: a METH_O method costs tens of nanoseconds, not hundreds.
PyObject* hash_fast(PyObject* self, PyObject* data) {
    try {
        const NativeHasher& h = py::handle(self).cast<const NativeHasher&>();
        uint8_t out[64];
        if (PyBytes_CheckExact(data)) {
            h.k->hash(reinterpret_cast<const uint8_t*>(PyBytes_AS_STRING(data)),
                      static_cast<size_t>(PyBytes_GET_SIZE(data)), out);
        } else {
            ByteView v(data, "data");
            h.k->hash(v.data(), v.size(), out);
        }
        return PyBytes_FromStringAndSize(reinterpret_cast<const char*>(out),
                                         static_cast<Py_ssize_t>(h.k->digest_size));
    } catch (py::error_already_set& e) {
        e.restore();
    } catch (py::builtin_exception& e) {
        e.set_error();
    }
    return nullptr;
}

PyMethodDef hash_def = {"hash", hash_fast, METH_O,
                        "hash(data) -> bytes: the PoW digest of a bytes-like object."};

py::bytes hash_many(const NativeHasher& h, py::handle data, py::handle item_size_obj) {
    ByteView v(data, "data");
    const size_t item = py_args::int_in_range(item_size_obj, "item_size", 1, uint64_t(1) << 40);
    if (v.size() % item != 0)
        throw py::value_error("item_size must divide the buffer length: got " +
                              std::to_string(v.size()) + " bytes, item_size " +
                              std::to_string(item));
    const size_t n = v.size() / item;
    char* out;
    py::bytes result = new_bytes(n * h.k->digest_size, &out);
    {
        py::gil_scoped_release nogil;
        h.k->hash_many(v.data(), item, n, reinterpret_cast<uint8_t*>(out));
    }
    return result;
}

std::vector<uint32_t> scan(const NativeHasher& h, py::handle header, py::handle start_obj,
                           py::handle count_obj, py::handle target_obj) {
    ByteView v(header, "header");
    if (v.size() != 80)
        throw py::value_error("header must be exactly 80 bytes (a block header), got " +
                              std::to_string(v.size()));
    const uint32_t start =
        static_cast<uint32_t>(py_args::int_in_range(start_obj, "start_nonce", 0, kNonceSpace - 1));
    const uint64_t count = py_args::int_in_range(count_obj, "count", 0, kNonceSpace);
    uint8_t target[32];
    py_args::target_le32(target_obj, target);
    NonceList hits;
    {
        py::gil_scoped_release nogil;
        h.k->scan(v.data(), start, count, target, hits);
    }
    return hits;
}

bool meets_target(const NativeHasher& h, py::handle data, py::handle target_obj) {
    uint8_t target[32];
    py_args::target_le32(target_obj, target);
    ByteView v(data, "header");
    uint8_t out[64];
    h.k->hash(v.data(), v.size(), out);
    return le256_leq(out, target);
}

// Seconds per kernel->hash() call, looped in C++: the raw kernel cost that
// benchmarks/bench_overhead.py subtracts to get hash()'s call overhead.
double time_hash(const NativeHasher& h, py::handle data, py::handle iterations_obj) {
    ByteView v(data, "data");
    const uint64_t iterations = py_args::int_in_range(iterations_obj, "iterations", 1, uint64_t(1) << 40);
    uint8_t out[64];
    py::gil_scoped_release nogil;
    const auto t0 = std::chrono::steady_clock::now();
    for (uint64_t i = 0; i < iterations; ++i) {
        h.k->hash(v.data(), v.size(), out);
        // Keep the compiler from hoisting the call out of the loop.
        asm volatile("" : : "r"(out) : "memory");
    }
    const std::chrono::duration<double> dt = std::chrono::steady_clock::now() - t0;
    return dt.count() / double(iterations);
}

}  // namespace

void register_hasher(py::module_& m) {
    auto cls = py::class_<NativeHasher>(m, "NativeHasher",
                             "A built-in kernel variant; see chimera_algo.Hasher for the interface.")
        .def_property_readonly("name", [](const NativeHasher& h) { return h.k->algo; })
        .def_property_readonly("isa", [](const NativeHasher& h) { return h.k->isa; })
        .def_property_readonly("digest_size", [](const NativeHasher& h) { return h.k->digest_size; })
        .def_property_readonly("version", [](const NativeHasher&) { return CHIMERA_VERSION; })
        .def("hash_many", &hash_many, py::arg("data"), py::arg("item_size"))
        .def("scan", &scan, py::arg("header"), py::arg("start_nonce"), py::arg("count"),
             py::arg("target"))
        .def("meets_target", &meets_target, py::arg("header"), py::arg("target"))
        .def("_time_hash", &time_hash, py::arg("data"), py::arg("iterations"),
             "Seconds per raw kernel hash() call, looped in C++ (benchmark support).")
        .def("__repr__", [](const NativeHasher& h) {
            return std::string("<NativeHasher ") + h.k->algo + " isa=" + h.k->isa + ">";
        });
    auto* type = reinterpret_cast<PyTypeObject*>(cls.ptr());
    py::object hash_method = py::reinterpret_steal<py::object>(PyDescr_NewMethod(type, &hash_def));
    if (!hash_method) throw py::error_already_set();
    cls.attr("hash") = hash_method;

    m.def("algorithms", &algorithm_names, "Algorithm names compiled into this module.");
    m.def(
        "variants",
        [](const std::string& algo) {
            std::vector<std::pair<std::string, bool>> out;
            const uint32_t have = cpu::features();
            for (const Kernel* k : variants(algo))
                out.emplace_back(k->isa, (k->requires_cpu & have) == k->requires_cpu);
            return out;
        },
        py::arg("algo"), "(isa, supported on this CPU) for each compiled variant, best first.");
    m.def(
        "select",
        [](const std::string& algo, const std::string& forced) -> py::tuple {
            Selection s = select(algo, forced);
            if (!s.kernel) return py::make_tuple(py::none(), false);
            return py::make_tuple(NativeHasher{s.kernel}, s.forced_unavailable);
        },
        py::arg("algo"), py::arg("forced") = "",
        "(hasher or None if unknown, True if `forced` was unavailable and a fallback chosen).");
}

}  // namespace chimera
