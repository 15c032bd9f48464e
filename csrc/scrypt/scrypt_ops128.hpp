// Ops for romix_diag: one hash per xmm register. The rotate uses the
// AVX-512VL instruction when the including translation unit is compiled with
// it, two shifts otherwise.
#pragma once

#include <immintrin.h>

#include <cstdint>

namespace chimera::scrypt {
namespace {

struct Xmm1 {
    using V = __m128i;
    static V add(V a, V b) { return _mm_add_epi32(a, b); }
    static V xor_(V a, V b) { return _mm_xor_si128(a, b); }
    template <int K>
    static V rotl(V a) {
#if defined(__AVX512VL__)
        return _mm_rol_epi32(a, K);
#else
        return _mm_or_si128(_mm_slli_epi32(a, K), _mm_srli_epi32(a, 32 - K));
#endif
    }
    template <int Imm>
    static V shuffle(V a) { return _mm_shuffle_epi32(a, Imm); }
    static V load(const void* p) { return _mm_load_si128(static_cast<const V*>(p)); }
    static void store(void* p, V v) { _mm_store_si128(static_cast<V*>(p), v); }
    static uint32_t low32(V v) { return uint32_t(_mm_cvtsi128_si32(v)); }
};

}  // namespace
}  // namespace chimera::scrypt
