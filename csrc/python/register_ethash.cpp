// _core.ethash: the ethash primitives behind chimera_algo.ethash. Python
// decides epochs, sizes and caching; this file only computes, and releases
// the GIL for anything that touches the cache or dataset.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <sys/mman.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>

#include "common/cpu.hpp"
#include "ethash/ethash.hpp"
#include "python/args.hpp"

namespace py = pybind11;

namespace chimera {
namespace {

using ethash::Node;
using py_args::ByteView;

constexpr uint64_t kMaxU64 = ~uint64_t(0);
constexpr size_t kHugePage = size_t(2) << 20;

void require_len(const ByteView& v, size_t n, const char* what) {
    if (v.size() != n)
        throw py::value_error(std::string(what) + " must be exactly " + std::to_string(n) +
                              " bytes, got " + std::to_string(v.size()));
}

py::bytes to_bytes(const uint8_t* p, size_t n) {
    return py::bytes(reinterpret_cast<const char*>(p), n);
}

// Nodes in memory aligned to 2 MiB and advised onto transparent huge pages:
// light verification makes ~32k random reads into the cache, and with 4 KiB
// pages most of them would also miss the TLB.
struct NodeBuffer {
    Node* nodes = nullptr;
    size_t n = 0;

    explicit NodeBuffer(size_t count) : n(count) {
        const size_t bytes = ((count * sizeof(Node) + kHugePage - 1) / kHugePage) * kHugePage;
        void* p = nullptr;
        if (posix_memalign(&p, kHugePage, bytes) != 0) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
        madvise(p, bytes, MADV_HUGEPAGE);
#endif
        nodes = static_cast<Node*>(p);
    }
    NodeBuffer(const NodeBuffer&) = delete;
    NodeBuffer& operator=(const NodeBuffer&) = delete;
    ~NodeBuffer() { std::free(nodes); }
};

struct Cache {
    std::unique_ptr<NodeBuffer> buf;
    uint8_t seed[32];
};

size_t cache_nodes(py::handle size_obj) {
    const uint64_t size = py_args::int_in_range(size_obj, "cache size", 64, uint64_t(1) << 36);
    if (size % 64 != 0)
        throw py::value_error("cache size must be a multiple of 64 bytes, got " +
                              std::to_string(size));
    return size / 64;
}

uint64_t full_size_arg(py::handle obj) {
    const uint64_t size = py_args::int_in_range(obj, "full size", 128, uint64_t(1) << 38);
    if (size % 128 != 0)
        throw py::value_error("full size must be a multiple of 128 bytes, got " +
                              std::to_string(size));
    return size;
}

void seed_arg(py::handle obj, uint8_t out[32]) {
    ByteView v(obj, "seed hash");
    require_len(v, 32, "seed hash");
    std::memcpy(out, v.data(), 32);
}

Cache build_cache(py::handle seed_obj, py::handle size_obj) {
    Cache c;
    seed_arg(seed_obj, c.seed);
    c.buf = std::make_unique<NodeBuffer>(cache_nodes(size_obj));
    py::gil_scoped_release nogil;
    ethash::active().build_cache(c.seed, c.buf->nodes, c.buf->n);
    return c;
}

Cache cache_from_bytes(py::handle seed_obj, py::handle data) {
    Cache c;
    seed_arg(seed_obj, c.seed);
    ByteView v(data, "cache data");
    if (v.size() == 0 || v.size() % 64 != 0)
        throw py::value_error("cache data must be a non-empty multiple of 64 bytes, got " +
                              std::to_string(v.size()));
    c.buf = std::make_unique<NodeBuffer>(v.size() / 64);
    py::gil_scoped_release nogil;
    std::memcpy(c.buf->nodes, v.data(), v.size());
    return c;
}

py::tuple result_tuple(const ethash::Result& r) {
    return py::make_tuple(to_bytes(r.final_hash, 32), to_bytes(r.mix_hash, 32));
}

py::tuple light(const Cache& c, py::handle full_obj, py::handle header_obj, py::handle nonce_obj) {
    const uint64_t full = full_size_arg(full_obj);
    ByteView h(header_obj, "header hash");
    require_len(h, 32, "header hash");
    const uint64_t nonce = py_args::int_in_range(nonce_obj, "nonce", 0, kMaxU64);
    ethash::Result r;
    {
        py::gil_scoped_release nogil;
        r = ethash::active().hashimoto_light(c.buf->nodes, c.buf->n, full, h.data(), nonce);
    }
    return result_tuple(r);
}

// Big-endian 256-bit compare: ethash boundaries are big-endian numbers.
bool be256_leq(const uint8_t* a, const uint8_t* b) { return std::memcmp(a, b, 32) <= 0; }

std::vector<uint64_t> light_scan(const Cache& c, py::handle full_obj, py::handle header_obj,
                                 py::handle start_obj, py::handle count_obj,
                                 py::handle boundary_obj) {
    const uint64_t full = full_size_arg(full_obj);
    ByteView h(header_obj, "header hash");
    require_len(h, 32, "header hash");
    const uint64_t start = py_args::int_in_range(start_obj, "start_nonce", 0, kMaxU64);
    const uint64_t count = py_args::int_in_range(count_obj, "count", 0, uint64_t(1) << 32);
    ByteView b(boundary_obj, "boundary");
    require_len(b, 32, "boundary");
    std::vector<uint64_t> hits;
    py::gil_scoped_release nogil;
    const ethash::Variant& v = ethash::active();
    for (uint64_t i = 0; i < count; ++i) {
        const uint64_t nonce = start + i;  // wraps modulo 2**64 by design
        const auto r = ethash::active().hashimoto_light(c.buf->nodes, c.buf->n, full, h.data(), nonce);
        if (be256_leq(r.final_hash, b.data())) hits.push_back(nonce);
    }
    return hits;
}

// Fill dataset nodes [first, first + len(out) / 64) into a writable buffer
// (typically a slice of a memory-mapped DAG file).
void fill_dataset(const Cache& c, py::handle first_obj, py::handle out_obj) {
    Py_buffer view;
    if (PyObject_GetBuffer(out_obj.ptr(), &view, PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS) != 0) {
        PyErr_Clear();
        throw py::type_error("out must be a writable C-contiguous buffer");
    }
    std::unique_ptr<Py_buffer, void (*)(Py_buffer*)> guard(&view, PyBuffer_Release);
    if (view.len % 64 != 0)
        throw py::value_error("out must be a multiple of 64 bytes, got " +
                              std::to_string(view.len));
    const uint64_t first = py_args::int_in_range(first_obj, "first", 0, uint32_t(~0u));
    const uint64_t last = first + uint64_t(view.len) / 64;
    if (last > (uint64_t(1) << 32))
        throw py::value_error("dataset node index out of 32-bit range");
    Node* out = static_cast<Node*>(view.buf);
    py::gil_scoped_release nogil;
    ethash::active().dataset_range(c.buf->nodes, c.buf->n, first, last, out);
}

// A full dataset held in any buffer (a memory-mapped file); the export is
// held for the object's life so the mapping cannot go away under it.
class Dataset {
public:
    explicit Dataset(py::handle obj) {
        if (PyObject_GetBuffer(obj.ptr(), &view_, PyBUF_C_CONTIGUOUS) != 0) {
            PyErr_Clear();
            throw py::type_error("dataset must be a C-contiguous buffer");
        }
        if (view_.len < 128 || view_.len % 128 != 0) {
            PyBuffer_Release(&view_);
            throw py::value_error("dataset must be a non-empty multiple of 128 bytes, got " +
                                  std::to_string(view_.len));
        }
    }
    Dataset(const Dataset&) = delete;
    Dataset& operator=(const Dataset&) = delete;
    ~Dataset() { PyBuffer_Release(&view_); }

    uint64_t size() const { return uint64_t(view_.len); }

    py::tuple hashimoto(py::handle header_obj, py::handle nonce_obj) const {
        ByteView h(header_obj, "header hash");
        require_len(h, 32, "header hash");
        const uint64_t nonce = py_args::int_in_range(nonce_obj, "nonce", 0, kMaxU64);
        // Full-dataset lookups are ~64 cache misses: cheaper than the GIL
        // round trip would be, so the GIL stays held.
        return result_tuple(ethash::active().hashimoto_full(static_cast<const Node*>(view_.buf), size(),
                                                   h.data(), nonce));
    }

private:
    Py_buffer view_{};
};

}  // namespace

void register_ethash(py::module_& parent) {
    py::module_ m = parent.def_submodule("ethash", "ethash primitives (private; use chimera_algo.ethash).");

    py::class_<Cache>(m, "Cache", py::buffer_protocol(), "An ethash light cache in huge-page memory.")
        .def_static("build", &build_cache, py::arg("seed"), py::arg("size"),
                    "Build the cache of `size` bytes for a 32-byte seed hash (GIL released).")
        .def_static("from_bytes", &cache_from_bytes, py::arg("seed"), py::arg("data"),
                    "A cache copied from previously built bytes (e.g. a file).")
        .def_property_readonly("size", [](const Cache& c) { return c.buf->n * 64; })
        .def_property_readonly("seed", [](const Cache& c) { return to_bytes(c.seed, 32); })
        .def("hashimoto_light", &light, py::arg("full_size"), py::arg("header_hash"),
             py::arg("nonce"), "(final_hash, mix_hash) computed from the cache.")
        .def("scan", &light_scan, py::arg("full_size"), py::arg("header_hash"),
             py::arg("start_nonce"), py::arg("count"), py::arg("boundary"),
             "Nonces in [start, start + count) whose final hash <= boundary (32 bytes BE).")
        .def("fill_dataset", &fill_dataset, py::arg("first"), py::arg("out"),
             "Compute dataset nodes first.. into `out` (GIL released).")
        .def_buffer([](Cache& c) {
            return py::buffer_info(c.buf->nodes, 1, py::format_descriptor<uint8_t>::format(), 1,
                                   {c.buf->n * 64}, {1}, /*readonly=*/true);
        });

    py::class_<Dataset>(m, "Dataset", "A full ethash dataset over a buffer (memory-mapped file).")
        .def(py::init([](py::handle obj) { return std::make_unique<Dataset>(obj); }),
             py::arg("buffer"))
        .def_property_readonly("size", &Dataset::size)
        .def("hashimoto_full", &Dataset::hashimoto, py::arg("header_hash"), py::arg("nonce"),
             "(final_hash, mix_hash) read from the dataset.");

    m.def("isa", [] { return std::string(ethash::active().isa); }, "The variant in use.");
    m.def(
        "variants",
        [] {
            std::vector<std::pair<std::string, bool>> out;
            const uint32_t have = cpu::features();
            for (const ethash::Variant* v : ethash::variants())
                out.emplace_back(v->isa, (v->requires_cpu & have) == v->requires_cpu);
            return out;
        },
        "(isa, supported on this CPU) for each compiled variant, best first.");
    m.def(
        "use_variant",
        [](const std::string& isa) {
            if (!ethash::use_variant(isa))
                throw py::value_error("ethash variant " + isa +
                                      " is unknown or not supported on this CPU");
        },
        py::arg("isa"), "Switch the whole process to variant `isa` (for tests and benchmarks).");
    m.def("cache_size", &ethash::cache_size, py::arg("epoch"), "Spec cache size of an epoch.");
    m.def("dataset_size", &ethash::dataset_size, py::arg("epoch"), "Spec dataset size of an epoch.");
    m.def(
        "seed_hash",
        [](py::handle rounds_obj) {
            const uint64_t rounds = py_args::int_in_range(rounds_obj, "rounds", 0, uint64_t(1) << 32);
            uint8_t out[32];
            {
                py::gil_scoped_release nogil;
                ethash::seed_hash(rounds, out);
            }
            return to_bytes(out, 32);
        },
        py::arg("rounds"), "keccak-256 applied `rounds` times to 32 zero bytes.");
    m.def(
        "keccak256",
        [](py::handle data) {
            ByteView v(data, "data");
            uint8_t out[32];
            ethash::active().keccak256(v.data(), v.size(), out);
            return to_bytes(out, 32);
        },
        py::arg("data"));
    m.def(
        "keccak512",
        [](py::handle data) {
            ByteView v(data, "data");
            uint8_t out[64];
            ethash::active().keccak512(v.data(), v.size(), out);
            return to_bytes(out, 64);
        },
        py::arg("data"));
    m.def(
        "final_hash_from_mix",
        [](py::handle header_obj, py::handle nonce_obj, py::handle mix_obj) {
            ByteView h(header_obj, "header hash");
            require_len(h, 32, "header hash");
            const uint64_t nonce = py_args::int_in_range(nonce_obj, "nonce", 0, kMaxU64);
            ByteView mix(mix_obj, "mix hash");
            require_len(mix, 32, "mix hash");
            uint8_t out[32];
            ethash::active().final_hash_from_mix(h.data(), nonce, mix.data(), out);
            return to_bytes(out, 32);
        },
        py::arg("header_hash"), py::arg("nonce"), py::arg("mix_hash"),
        "keccak256(keccak512(header_hash || nonce_le) || mix_hash).");
}

}  // namespace chimera
