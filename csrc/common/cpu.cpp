#include "common/cpu.hpp"

#if defined(CHIMERA_X86_64)
#include <cpuid.h>
#endif

namespace chimera::cpu {

namespace {

#if defined(CHIMERA_X86_64)
uint64_t xgetbv0() {
    uint32_t eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return (uint64_t(edx) << 32) | eax;
}

uint32_t detect() {
    unsigned a, b, c, d;
    uint32_t f = 0;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    if (d & (1u << 26)) f |= SSE2;
    if (c & (1u << 9)) f |= SSSE3;
    if (c & (1u << 19)) f |= SSE41;
    const bool osxsave = c & (1u << 27);
    const bool avx_hw = c & (1u << 28);
    uint64_t xcr0 = osxsave ? xgetbv0() : 0;
    // The OS must save YMM (bits 1,2) for AVX and opmask/ZMM (5,6,7) for AVX-512.
    const bool ymm_ok = (xcr0 & 0x6) == 0x6;
    const bool zmm_ok = (xcr0 & 0xE6) == 0xE6;
    if (avx_hw && ymm_ok) f |= AVX;
    if (__get_cpuid_max(0, nullptr) >= 7) {
        __cpuid_count(7, 0, a, b, c, d);
        if ((b & (1u << 5)) && ymm_ok) f |= AVX2;
        if (b & (1u << 8)) f |= BMI2;
        if (b & (1u << 29)) f |= SHA;
        if (zmm_ok) {
            if (b & (1u << 16)) f |= AVX512F;
            if (b & (1u << 30)) f |= AVX512BW;
            if (b & (1u << 31)) f |= AVX512VL;
        }
    }
    return f;
}
#else
uint32_t detect() { return 0; }
#endif

}  // namespace

uint32_t features() {
    static const uint32_t cached = detect();  // C++11 magic static: thread-safe, once
    return cached;
}

std::vector<std::string> feature_names(uint32_t mask) {
    static const std::pair<Feature, const char*> names[] = {
        {SSE2, "sse2"},       {SSSE3, "ssse3"},       {SSE41, "sse4.1"},
        {AVX, "avx"},         {AVX2, "avx2"},         {AVX512F, "avx512f"},
        {AVX512BW, "avx512bw"}, {AVX512VL, "avx512vl"}, {SHA, "sha"},
        {BMI2, "bmi2"},
    };
    std::vector<std::string> out;
    for (const auto& [flag, name] : names)
        if (mask & flag) out.emplace_back(name);
    return out;
}

}  // namespace chimera::cpu
