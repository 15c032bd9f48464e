// sha256d, 16 lanes of AVX-512 (F + VL + BW): vprord rotations and
// vpternlogd for the three-input boolean functions.
#include <immintrin.h>

#include "common/cpu.hpp"
#include "sha256/sha256_lanes.hpp"

namespace chimera::sha256 {
namespace {

#define AI inline __attribute__((always_inline))

struct Avx512 {
    using vec = __m512i;
    static constexpr int lanes = 16;
    static AI vec set1(uint32_t x) { return _mm512_set1_epi32(int(x)); }
    static AI vec load(const int32_t* p) { return _mm512_loadu_si512(p); }
    static AI void store(uint32_t* p, vec x) { _mm512_storeu_si512(p, x); }
    static AI vec add(vec a, vec b) { return _mm512_add_epi32(a, b); }
    static AI vec xor3(vec a, vec b, vec c) { return _mm512_ternarylogic_epi32(a, b, c, 0x96); }
    static AI vec ch(vec e, vec f, vec g) { return _mm512_ternarylogic_epi32(e, f, g, 0xCA); }
    static AI vec maj(vec a, vec b, vec c) { return _mm512_ternarylogic_epi32(a, b, c, 0xE8); }
    template <int n>
    static AI vec ror(vec x) { return _mm512_ror_epi32(x, n); }
    template <int n>
    static AI vec shr(vec x) { return _mm512_srli_epi32(x, n); }
    static AI vec bswap(vec x) {
        return _mm512_shuffle_epi8(
            x, _mm512_set4_epi32(0x0c0d0e0f, 0x08090a0b, 0x04050607, 0x00010203));
    }
    static AI vec gather(const uint8_t* base, vec byte_offsets) {
        return _mm512_i32gather_epi32(byte_offsets, base, 1);
    }
    static AI vec lane_index() {
        return _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    }
    static AI uint32_t le_mask(vec x, vec limit) { return _mm512_cmple_epu32_mask(x, limit); }
};

#undef AI

using Impl = Lanes<Avx512>;

}  // namespace

extern const Kernel sha256d_avx512 = {
    "sha256d", "avx512", cpu::AVX512F | cpu::AVX512VL | cpu::AVX512BW, 32,
    sha256d_single, Impl::hash_many, Impl::scan,
};

}  // namespace chimera::sha256
