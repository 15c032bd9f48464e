// CPU feature detection, done once per process and cached.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace chimera::cpu {

enum Feature : uint32_t {
    SSE2 = 1u << 0,
    SSSE3 = 1u << 1,
    SSE41 = 1u << 2,
    AVX = 1u << 3,
    AVX2 = 1u << 4,
    AVX512F = 1u << 5,
    AVX512BW = 1u << 6,
    AVX512VL = 1u << 7,
    SHA = 1u << 8,
    BMI2 = 1u << 9,
};

// Bitmask of Feature present on this CPU and usable by the OS (XSAVE state
// for AVX/AVX-512 enabled). Computed on first call; thread-safe.
uint32_t features();

// Names of the features set in `mask`, e.g. {"sse2", "avx2", "sha"}.
std::vector<std::string> feature_names(uint32_t mask);

}  // namespace chimera::cpu
