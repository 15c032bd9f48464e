// sha256d, 8 lanes of AVX2. No vector rotate before AVX-512: each rotation
// is two shifts and an or.
#include <immintrin.h>

#include "common/cpu.hpp"
#include "sha256/sha256_lanes.hpp"

namespace chimera::sha256 {
namespace {

#define AI inline __attribute__((always_inline))

struct Avx2 {
    using vec = __m256i;
    static constexpr int lanes = 8;
    static AI vec set1(uint32_t x) { return _mm256_set1_epi32(int(x)); }
    static AI vec load(const int32_t* p) { return _mm256_loadu_si256(reinterpret_cast<const vec*>(p)); }
    static AI void store(uint32_t* p, vec x) { _mm256_storeu_si256(reinterpret_cast<vec*>(p), x); }
    static AI vec add(vec a, vec b) { return _mm256_add_epi32(a, b); }
    static AI vec xor3(vec a, vec b, vec c) { return _mm256_xor_si256(_mm256_xor_si256(a, b), c); }
    // (e & f) ^ (~e & g) == ((f ^ g) & e) ^ g
    static AI vec ch(vec e, vec f, vec g) {
        return _mm256_xor_si256(_mm256_and_si256(_mm256_xor_si256(f, g), e), g);
    }
    // majority == (a & b) | (c & (a | b))
    static AI vec maj(vec a, vec b, vec c) {
        return _mm256_or_si256(_mm256_and_si256(a, b), _mm256_and_si256(c, _mm256_or_si256(a, b)));
    }
    template <int n>
    static AI vec ror(vec x) {
        return _mm256_or_si256(_mm256_srli_epi32(x, n), _mm256_slli_epi32(x, 32 - n));
    }
    template <int n>
    static AI vec shr(vec x) { return _mm256_srli_epi32(x, n); }
    static AI vec bswap(vec x) {
        const vec m = _mm256_set_epi32(0x0c0d0e0f, 0x08090a0b, 0x04050607, 0x00010203,
                                       0x0c0d0e0f, 0x08090a0b, 0x04050607, 0x00010203);
        return _mm256_shuffle_epi8(x, m);
    }
    static AI vec gather(const uint8_t* base, vec byte_offsets) {
        return _mm256_i32gather_epi32(reinterpret_cast<const int*>(base), byte_offsets, 1);
    }
    static AI vec lane_index() { return _mm256_set_epi32(7, 6, 5, 4, 3, 2, 1, 0); }
    // Unsigned x <= limit  <=>  max(x, limit) == limit.
    static AI uint32_t le_mask(vec x, vec limit) {
        const vec le = _mm256_cmpeq_epi32(_mm256_max_epu32(x, limit), limit);
        return uint32_t(_mm256_movemask_ps(_mm256_castsi256_ps(le)));
    }
};

#undef AI

using Impl = Lanes<Avx2>;

}  // namespace

extern const Kernel sha256d_avx2 = {
    "sha256d", "avx2", cpu::AVX2, 32, sha256d_single, Impl::hash_many, Impl::scan,
};

}  // namespace chimera::sha256
