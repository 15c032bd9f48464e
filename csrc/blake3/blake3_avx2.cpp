// blake3, 8 lanes of AVX2 (built with -mavx2).
#include <immintrin.h>

#include "blake3/blake3_lanes.hpp"
#include "common/cpu.hpp"

namespace chimera::blake3 {
namespace {

struct Avx2 {
    static constexpr int N = 8;
    using T = __m256i;

    static T set1(uint32_t x) { return _mm256_set1_epi32(int(x)); }
    static T loadu(const uint32_t* p) { return _mm256_loadu_si256(reinterpret_cast<const T*>(p)); }
    static void storeu(uint32_t* p, T x) { _mm256_storeu_si256(reinterpret_cast<T*>(p), x); }
    static constexpr CompressFn compress1 = compress_rows<Xmm>;
    static T add(T a, T b) { return _mm256_add_epi32(a, b); }
    static T xor_(T a, T b) { return _mm256_xor_si256(a, b); }
    static T rot16(T x) {
        return _mm256_shuffle_epi8(x, _mm256_setr_epi8(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13,
                                                       2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13));
    }
    static T rot8(T x) {
        return _mm256_shuffle_epi8(x, _mm256_setr_epi8(1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12,
                                                       1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12));
    }
    static T rot12(T x) { return _mm256_or_si256(_mm256_srli_epi32(x, 12), _mm256_slli_epi32(x, 20)); }
    static T rot7(T x) { return _mm256_or_si256(_mm256_srli_epi32(x, 7), _mm256_slli_epi32(x, 25)); }

    // 4x4 word transposes inside each 128-bit half: out[j] half q lane l = r[l] word 4q+j.
    static void transpose4x2(const T* r, T out[4]) {
        const T u0 = _mm256_unpacklo_epi32(r[0], r[1]), u1 = _mm256_unpackhi_epi32(r[0], r[1]);
        const T u2 = _mm256_unpacklo_epi32(r[2], r[3]), u3 = _mm256_unpackhi_epi32(r[2], r[3]);
        out[0] = _mm256_unpacklo_epi64(u0, u2);
        out[1] = _mm256_unpackhi_epi64(u0, u2);
        out[2] = _mm256_unpacklo_epi64(u1, u3);
        out[3] = _mm256_unpackhi_epi64(u1, u3);
    }
    // Lanes (elements) i < n all ones: the mask of a VPMASKMOVD load, which
    // neither reads nor faults on the masked-off words.
    static T first_words(int n) {
        return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    }
    static void load_msg(const uint8_t* const p[N], int nwords, T m[16]) {
        const T zero = _mm256_setzero_si256();
        if (nwords <= 4) {
            // Only words 0..3 exist (the 80-byte header's second block):
            // x[g] holds lanes g and 4+g, one 128-bit load each.
            const __m128i mask = _mm256_castsi256_si128(first_words(nwords));
            T x[4];
            for (int g = 0; g < 4; ++g)
                x[g] = _mm256_set_m128i(_mm_maskload_epi32(reinterpret_cast<const int*>(p[4 + g]), mask),
                                        _mm_maskload_epi32(reinterpret_cast<const int*>(p[g]), mask));
            transpose4x2(x, m);
            for (int w = 4; w < 16; ++w) m[w] = zero;
            return;
        }
        for (int k = 0; k < 2; ++k) {  // words 8k..8k+8 of every lane
            const int n = std::clamp(nwords - 8 * k, 0, 8);
            T r[8], lo[4], hi[4];
            if (n == 8) {
                for (int l = 0; l < 8; ++l) r[l] = _mm256_loadu_si256(reinterpret_cast<const T*>(p[l] + 32 * k));
            } else {
                const T mask = first_words(n);
                for (int l = 0; l < 8; ++l)
                    r[l] = _mm256_maskload_epi32(reinterpret_cast<const int*>(p[l] + 32 * k), mask);
            }
            transpose4x2(r, lo);      // lanes 0..3
            transpose4x2(r + 4, hi);  // lanes 4..7
            for (int j = 0; j < 4; ++j) {
                m[8 * k + j] = _mm256_permute2x128_si256(lo[j], hi[j], 0x20);
                m[8 * k + 4 + j] = _mm256_permute2x128_si256(lo[j], hi[j], 0x31);
            }
        }
    }
    static void store_rows(const T h[8], uint8_t* out) {
        T lo[4], hi[4];  // lo[j] half q = words 0..3 of lane 4q+j, hi[j] words 4..7
        transpose4x2(h, lo);
        transpose4x2(h + 4, hi);
        for (int j = 0; j < 4; ++j) {
            _mm256_storeu_si256(reinterpret_cast<T*>(out + 32 * j), _mm256_permute2x128_si256(lo[j], hi[j], 0x20));
            _mm256_storeu_si256(reinterpret_cast<T*>(out + 32 * (4 + j)),
                                _mm256_permute2x128_si256(lo[j], hi[j], 0x31));
        }
    }
    static uint32_t leq_mask(T a, T b) {
        const T le = _mm256_cmpeq_epi32(_mm256_min_epu32(a, b), a);
        return uint32_t(_mm256_movemask_ps(_mm256_castsi256_ps(le)));
    }
};

}  // namespace

extern const Kernel blake3_avx2 = {
    "blake3", "avx2", cpu::AVX | cpu::AVX2, kOutLen,
    hash_lanes<Avx2>, hash_many_lanes<Avx2>, scan_lanes<Avx2>,
};

}  // namespace chimera::blake3
