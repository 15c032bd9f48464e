// blake3, 16 lanes of AVX-512 (built with -mavx512f -mavx512vl; vprord does
// every rotation in one instruction).
#include <immintrin.h>

#include "blake3/blake3_lanes.hpp"
#include "common/cpu.hpp"

namespace chimera::blake3 {
namespace {

// Rows of a single input, rotated with vprord (AVX-512VL on xmm registers).
struct XmmRor : Xmm {
    static T rot16(T x) { return _mm_ror_epi32(x, 16); }
    static T rot12(T x) { return _mm_ror_epi32(x, 12); }
    static T rot8(T x) { return _mm_ror_epi32(x, 8); }
    static T rot7(T x) { return _mm_ror_epi32(x, 7); }
};

struct Avx512 {
    static constexpr int N = 16;
    using T = __m512i;

    static T set1(uint32_t x) { return _mm512_set1_epi32(int(x)); }
    static T loadu(const uint32_t* p) { return _mm512_loadu_si512(p); }
    static void storeu(uint32_t* p, T x) { _mm512_storeu_si512(p, x); }
    static constexpr CompressFn compress1 = compress_rows<XmmRor>;
    static T add(T a, T b) { return _mm512_add_epi32(a, b); }
    static T xor_(T a, T b) { return _mm512_xor_si512(a, b); }
    static T rot16(T x) { return _mm512_ror_epi32(x, 16); }
    static T rot12(T x) { return _mm512_ror_epi32(x, 12); }
    static T rot8(T x) { return _mm512_ror_epi32(x, 8); }
    static T rot7(T x) { return _mm512_ror_epi32(x, 7); }

    // 4x4 word transposes inside each 128-bit quarter of r[0..3]:
    // t[j] quarter q element i = r[i] quarter q word j.
    static void transpose4x4(const T r[4], T t[4]) {
        const T u0 = _mm512_unpacklo_epi32(r[0], r[1]), u1 = _mm512_unpackhi_epi32(r[0], r[1]);
        const T u2 = _mm512_unpacklo_epi32(r[2], r[3]), u3 = _mm512_unpackhi_epi32(r[2], r[3]);
        t[0] = _mm512_unpacklo_epi64(u0, u2);
        t[1] = _mm512_unpackhi_epi64(u0, u2);
        t[2] = _mm512_unpacklo_epi64(u1, u3);
        t[3] = _mm512_unpackhi_epi64(u1, u3);
    }

    // Masked loads neither read nor fault on masked-off words, so a short
    // last block is read in place and arrives zero-filled.
    static void load_msg(const uint8_t* const p[N], int nwords, T m[16]) {
        if (nwords <= 4) {
            // Only words 0..3 exist (the 80-byte header's second block):
            // x[g] quarter q holds lane 4q+g, so one transpose step suffices.
            const __mmask8 mask = __mmask8((1u << nwords) - 1);
            T x[4];
            for (int g = 0; g < 4; ++g) {
                T v = _mm512_castsi128_si512(_mm_maskz_loadu_epi32(mask, p[g]));
                v = _mm512_inserti32x4(v, _mm_maskz_loadu_epi32(mask, p[4 + g]), 1);
                v = _mm512_inserti32x4(v, _mm_maskz_loadu_epi32(mask, p[8 + g]), 2);
                x[g] = _mm512_inserti32x4(v, _mm_maskz_loadu_epi32(mask, p[12 + g]), 3);
            }
            transpose4x4(x, m);
            for (int w = 4; w < 16; ++w) m[w] = _mm512_setzero_si512();
            return;
        }
        // 16x16 word transpose in two steps: 4x4 word transposes inside each
        // 128-bit quarter, then a 4x4 transpose of the quarters themselves.
        const __mmask16 mask = __mmask16((1u << nwords) - 1);
        T t[4][4];  // t[g][j] quarter q element i = lane 4g+i word 4q+j
        for (int g = 0; g < 4; ++g) {
            T r[4];
            for (int i = 0; i < 4; ++i) r[i] = _mm512_maskz_loadu_epi32(mask, p[4 * g + i]);
            transpose4x4(r, t[g]);
        }
        for (int j = 0; j < 4; ++j) {
            const T a = _mm512_shuffle_i32x4(t[0][j], t[1][j], 0x44);  // q0 q1 of groups 0, 1
            const T b = _mm512_shuffle_i32x4(t[0][j], t[1][j], 0xEE);  // q2 q3 of groups 0, 1
            const T c = _mm512_shuffle_i32x4(t[2][j], t[3][j], 0x44);
            const T d = _mm512_shuffle_i32x4(t[2][j], t[3][j], 0xEE);
            m[j] = _mm512_shuffle_i32x4(a, c, 0x88);
            m[4 + j] = _mm512_shuffle_i32x4(a, c, 0xDD);
            m[8 + j] = _mm512_shuffle_i32x4(b, d, 0x88);
            m[12 + j] = _mm512_shuffle_i32x4(b, d, 0xDD);
        }
    }

    static void store_rows(const T h[8], uint8_t* out) {
        T s0[4], s1[4];  // s0[j] quarter q = words 0..3 of lane 4q+j, s1[j] words 4..7
        transpose4x4(h, s0);
        transpose4x4(h + 4, s1);
        for (int j = 0; j < 4; ++j) {
            // (s0.q0, s1.q0, s0.q1, s1.q1): lanes j and 4+j; likewise q2, q3.
            const T x = _mm512_shuffle_i32x4(s0[j], s1[j], 0x44);
            const T y = _mm512_shuffle_i32x4(s0[j], s1[j], 0xEE);
            const T lanes_j_4j = _mm512_shuffle_i32x4(x, x, 0xD8);
            const T lanes_8j_12j = _mm512_shuffle_i32x4(y, y, 0xD8);
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 32 * j), _mm512_castsi512_si256(lanes_j_4j));
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 32 * (4 + j)),
                                _mm512_extracti64x4_epi64(lanes_j_4j, 1));
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 32 * (8 + j)),
                                _mm512_castsi512_si256(lanes_8j_12j));
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 32 * (12 + j)),
                                _mm512_extracti64x4_epi64(lanes_8j_12j, 1));
        }
    }
    static uint32_t leq_mask(T a, T b) { return _mm512_cmple_epu32_mask(a, b); }
};

}  // namespace

extern const Kernel blake3_avx512 = {
    "blake3", "avx512", cpu::AVX512F | cpu::AVX512VL, kOutLen,
    hash_lanes<Avx512>, hash_many_lanes<Avx512>, scan_lanes<Avx512>,
};

}  // namespace chimera::blake3
