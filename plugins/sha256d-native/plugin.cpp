// A native Chimera package: the built-in scalar sha256d kernel
// (csrc/sha256/*.cpp, compiled into this module unchanged) behind the native
// plugin protocol (docs/plugin-abi.md): CHIMERA_PLUGIN_ABI, ALGORITHM,
// DIGEST_SIZE and create() -> object with hash / hash_many / scan.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "common/kernel.hpp"
#include "python/args.hpp"

namespace py = pybind11;

namespace chimera::sha256 {
extern const Kernel sha256d_scalar;
}

namespace {

using chimera::Kernel;
using chimera::py_args::ByteView;

constexpr uint64_t kNonceSpace = uint64_t(1) << 32;

struct PluginHasher {
    const Kernel* k = &chimera::sha256::sha256d_scalar;

    py::bytes hash(py::handle data) const {
        ByteView v(data, "data");
        uint8_t out[64];
        k->hash(v.data(), v.size(), out);
        return py::bytes(reinterpret_cast<const char*>(out), k->digest_size);
    }

    py::bytes hash_many(py::handle data, py::handle item_size_obj) const {
        ByteView v(data, "data");
        const size_t item = chimera::py_args::int_in_range(item_size_obj, "item_size", 1, uint64_t(1) << 40);
        if (v.size() % item != 0)
            throw py::value_error("item_size must divide the buffer length: got " + std::to_string(v.size()) +
                                  " bytes, item_size " + std::to_string(item));
        const size_t n = v.size() / item;
        std::string out(n * k->digest_size, '\0');
        {
            py::gil_scoped_release nogil;
            k->hash_many(v.data(), item, n, reinterpret_cast<uint8_t*>(out.data()));
        }
        return py::bytes(out);
    }

    std::vector<uint32_t> scan(py::handle header, py::handle start_obj, py::handle count_obj,
                               py::handle target_obj) const {
        ByteView v(header, "header");
        if (v.size() != 80)
            throw py::value_error("header must be exactly 80 bytes (a block header), got " + std::to_string(v.size()));
        const auto start = static_cast<uint32_t>(
            chimera::py_args::int_in_range(start_obj, "start_nonce", 0, kNonceSpace - 1));
        const uint64_t count = chimera::py_args::int_in_range(count_obj, "count", 0, kNonceSpace);
        uint8_t target[32];
        chimera::py_args::target_le32(target_obj, target);
        chimera::NonceList hits;
        {
            py::gil_scoped_release nogil;
            k->scan(v.data(), start, count, target, hits);
        }
        return hits;
    }
};

}  // namespace

PYBIND11_MODULE(chimera_plugin_sha256d, m) {
    m.doc() = "Chimera native package: sha256d (scalar kernel).";
    m.attr("CHIMERA_PLUGIN_ABI") = 1;
    m.attr("ALGORITHM") = "sha256d";
    m.attr("DIGEST_SIZE") = 32;
    py::class_<PluginHasher>(m, "PluginHasher")
        .def("hash", &PluginHasher::hash, py::arg("data"))
        .def("hash_many", &PluginHasher::hash_many, py::arg("data"), py::arg("item_size"))
        .def("scan", &PluginHasher::scan, py::arg("header"), py::arg("start_nonce"), py::arg("count"),
             py::arg("target"));
    m.def("create", [] { return PluginHasher{}; }, "A new hasher object.");
}
