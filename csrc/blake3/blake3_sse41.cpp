// blake3, 4 lanes of SSE4.1 (built with -msse4.1; SSSE3 byte shuffles do the
// 16- and 8-bit rotations).
#include <immintrin.h>

#include "blake3/blake3_lanes.hpp"
#include "common/cpu.hpp"

namespace chimera::blake3 {
namespace {

struct Sse41 : Xmm {
    static constexpr int N = 4;

    static T loadu(const uint32_t* p) { return _mm_loadu_si128(reinterpret_cast<const T*>(p)); }
    static void storeu(uint32_t* p, T x) { _mm_storeu_si128(reinterpret_cast<T*>(p), x); }
    static constexpr CompressFn compress1 = compress_rows<Xmm>;

    // 4x4 transpose of 32-bit words: out[j] lane l = in[l] word j.
    static void transpose4(const T r[4], T out[4]) {
        const T u0 = _mm_unpacklo_epi32(r[0], r[1]), u1 = _mm_unpackhi_epi32(r[0], r[1]);
        const T u2 = _mm_unpacklo_epi32(r[2], r[3]), u3 = _mm_unpackhi_epi32(r[2], r[3]);
        out[0] = _mm_unpacklo_epi64(u0, u2);
        out[1] = _mm_unpackhi_epi64(u0, u2);
        out[2] = _mm_unpacklo_epi64(u1, u3);
        out[3] = _mm_unpackhi_epi64(u1, u3);
    }
    // The first n (0..4) words at q, zero beyond; reads 4n bytes.
    static T load_words(const uint8_t* q, int n) {
        switch (n) {
            case 4: return _mm_loadu_si128(reinterpret_cast<const T*>(q));
            case 3: return _mm_insert_epi32(_mm_loadl_epi64(reinterpret_cast<const T*>(q)),
                                            int(load_le32(q + 8)), 2);
            case 2: return _mm_loadl_epi64(reinterpret_cast<const T*>(q));
            case 1: return _mm_cvtsi32_si128(int(load_le32(q)));
            default: return _mm_setzero_si128();
        }
    }
    static void load_msg(const uint8_t* const p[N], int nwords, T m[16]) {
        for (int k = 0; k < 4; ++k) {  // words 4k..4k+4 of every lane
            const int n = std::clamp(nwords - 4 * k, 0, 4);
            T r[4];
            for (int l = 0; l < 4; ++l) r[l] = load_words(p[l] + 16 * k, n);
            transpose4(r, m + 4 * k);
        }
    }
    static void store_rows(const T h[8], uint8_t* out) {
        T lo[4], hi[4];
        transpose4(h, lo);
        transpose4(h + 4, hi);
        for (int l = 0; l < 4; ++l) {
            _mm_storeu_si128(reinterpret_cast<T*>(out + 32 * l), lo[l]);
            _mm_storeu_si128(reinterpret_cast<T*>(out + 32 * l + 16), hi[l]);
        }
    }
    static uint32_t leq_mask(T a, T b) {
        return uint32_t(_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(_mm_min_epu32(a, b), a))));
    }
};

}  // namespace

extern const Kernel blake3_sse41 = {
    "blake3", "sse41", cpu::SSSE3 | cpu::SSE41, kOutLen,
    hash_lanes<Sse41>, hash_many_lanes<Sse41>, scan_lanes<Sse41>,
};

}  // namespace chimera::blake3
