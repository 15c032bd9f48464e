#include "common/registry.hpp"

#include "common/cpu.hpp"

namespace chimera {

// Each algorithm directory defines its variant list (best first).
const std::vector<const Kernel*>& sha256d_variants();
const std::vector<const Kernel*>& scrypt_variants();
const std::vector<const Kernel*>& blake3_variants();

namespace {

struct Entry {
    const char* name;
    const std::vector<const Kernel*>& (*variants)();
};

// Registration order is the order chimera_algo.algorithms() reports.
const Entry kAlgorithms[] = {
    {"sha256d", sha256d_variants},
    {"scrypt", scrypt_variants},
    {"blake3", blake3_variants},
};

}  // namespace

std::vector<std::string> algorithm_names() {
    std::vector<std::string> out;
    for (const auto& e : kAlgorithms) out.emplace_back(e.name);
    return out;
}

const std::vector<const Kernel*>& variants(const std::string& algo) {
    static const std::vector<const Kernel*> none;
    for (const auto& e : kAlgorithms)
        if (algo == e.name) return e.variants();
    return none;
}

Selection select(const std::string& algo, const std::string& forced) {
    Selection s;
    const uint32_t have = cpu::features();
    for (const Kernel* k : variants(algo)) {
        if ((k->requires_cpu & have) != k->requires_cpu) continue;
        if (!forced.empty() && forced == k->isa) {
            s.kernel = k;
            return s;
        }
        if (!s.kernel) s.kernel = k;
    }
    s.forced_unavailable = !forced.empty() && s.kernel != nullptr;
    return s;
}

}  // namespace chimera
