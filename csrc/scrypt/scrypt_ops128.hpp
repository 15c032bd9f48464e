// Ops for romix_diag: one hash per xmm (SSE2), two per ymm (AVX2). The
// rotate uses the AVX-512VL instruction when the including translation unit
// is compiled with it, two shifts otherwise.
#pragma once

#include <immintrin.h>

#include <cstdint>

namespace chimera::scrypt {
namespace {

struct Xmm1 {
    using V = __m128i;
    static constexpr int kPer = 1;
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
    static V load_rows(const uint8_t* const* src, int r) {
        return _mm_load_si128(reinterpret_cast<const V*>(src[0] + 16 * r));
    }
    static void store_rows(uint8_t* const* dst, int r, V v) {
        _mm_store_si128(reinterpret_cast<V*>(dst[0] + 16 * r), v);
    }
    static void integerify(V v, uint32_t* j) { j[0] = uint32_t(_mm_cvtsi128_si32(v)); }
};

#if defined(__AVX2__)
struct Ymm2 {
    using V = __m256i;
    static constexpr int kPer = 2;
    static V add(V a, V b) { return _mm256_add_epi32(a, b); }
    static V xor_(V a, V b) { return _mm256_xor_si256(a, b); }
    template <int K>
    static V rotl(V a) {
#if defined(__AVX512VL__)
        return _mm256_rol_epi32(a, K);
#else
        return _mm256_or_si256(_mm256_slli_epi32(a, K), _mm256_srli_epi32(a, 32 - K));
#endif
    }
    template <int Imm>
    static V shuffle(V a) { return _mm256_shuffle_epi32(a, Imm); }
    static V load_rows(const uint8_t* const* src, int r) {
        const __m128i lo = _mm_load_si128(reinterpret_cast<const __m128i*>(src[0] + 16 * r));
        const __m128i hi = _mm_load_si128(reinterpret_cast<const __m128i*>(src[1] + 16 * r));
        return _mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1);
    }
    static void store_rows(uint8_t* const* dst, int r, V v) {
        _mm_store_si128(reinterpret_cast<__m128i*>(dst[0] + 16 * r), _mm256_castsi256_si128(v));
        _mm_store_si128(reinterpret_cast<__m128i*>(dst[1] + 16 * r),
                        _mm256_extracti128_si256(v, 1));
    }
    static void integerify(V v, uint32_t* j) {
        j[0] = uint32_t(_mm256_extract_epi32(v, 0));
        j[1] = uint32_t(_mm256_extract_epi32(v, 4));
    }
};
#endif  // __AVX2__

}  // namespace
}  // namespace chimera::scrypt
