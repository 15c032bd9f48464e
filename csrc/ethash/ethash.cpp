// Sizes, seeds and the choice of variant; the algorithm is in ethash_impl.inc.
#include "ethash/ethash.hpp"

#include <atomic>
#include <cstdlib>
#include <cstring>

#include "common/cpu.hpp"

namespace chimera::ethash {

extern const Variant kScalarVariant;
#if defined(CHIMERA_X86_64)
extern const Variant kBmi2Variant;
#endif

namespace {

bool supported(const Variant* v) {
    return (v->requires_cpu & cpu::features()) == v->requires_cpu;
}

const Variant* initial_variant() {
    const char* forced = std::getenv("CHIMERA_ISA");
    if (forced && *forced) {
        for (const Variant* v : variants())
            if (std::strcmp(v->isa, forced) == 0 && supported(v)) return v;
    }
    for (const Variant* v : variants())
        if (supported(v)) return v;
    return &kScalarVariant;
}

std::atomic<const Variant*>& current() {
    static std::atomic<const Variant*> v{initial_variant()};
    return v;
}

bool is_prime(uint64_t x) {
    if (x < 2) return false;
    if (x % 2 == 0) return x == 2;
    for (uint64_t d = 3; d * d <= x; d += 2)
        if (x % d == 0) return false;
    return true;
}

// Largest bound - item - 2k*item whose item count is prime (spec rule).
uint64_t prime_size(uint64_t bound, uint64_t item) {
    uint64_t size = bound - item;
    while (!is_prime(size / item)) size -= 2 * item;
    return size;
}

}  // namespace

const std::vector<const Variant*>& variants() {
    static const std::vector<const Variant*> list = {
#if defined(CHIMERA_X86_64)
        &kBmi2Variant,
#endif
        &kScalarVariant,
    };
    return list;
}

const Variant& active() { return *current().load(std::memory_order_acquire); }

bool use_variant(const std::string& isa) {
    for (const Variant* v : variants()) {
        if (isa == v->isa && supported(v)) {
            current().store(v, std::memory_order_release);
            return true;
        }
    }
    return false;
}

uint64_t cache_size(uint64_t epoch) {
    return prime_size(kCacheInitBytes + kCacheGrowthBytes * epoch, kNodeBytes);
}

uint64_t dataset_size(uint64_t epoch) {
    return prime_size(kDatasetInitBytes + kDatasetGrowthBytes * epoch, kMixBytes);
}

void seed_hash(uint64_t rounds, uint8_t out[32]) {
    std::memset(out, 0, 32);
    const Variant& v = active();
    for (uint64_t i = 0; i < rounds; ++i) v.keccak256(out, 32, out);
}

}  // namespace chimera::ethash
