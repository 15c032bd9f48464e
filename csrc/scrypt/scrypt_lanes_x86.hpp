// Lane traits for romix_sliced on x86: 8 hashes in ymm registers (AVX2, or
// AVX-512VL for the one-instruction rotate and 32 registers) and 16 hashes in
// zmm registers (AVX-512F). Each lane's 128-byte block is moved between the
// sliced registers and memory with in-register transposes, so the scratchpad
// keeps every lane's V[j] contiguous (2 cache lines per random read).
// Include only from a translation unit compiled with the matching flags.
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "scrypt/scrypt_common.hpp"

namespace chimera::scrypt {
namespace {

#if defined(__AVX2__)
// 8x8 transpose of 32-bit words: out[c] word r = in[r] word c.
inline void transpose8(const __m256i* in, __m256i* out) {
    __m256i t[8], u[8];
    for (int i = 0; i < 4; ++i) {
        t[2 * i] = _mm256_unpacklo_epi32(in[2 * i], in[2 * i + 1]);
        t[2 * i + 1] = _mm256_unpackhi_epi32(in[2 * i], in[2 * i + 1]);
    }
    for (int i = 0; i < 2; ++i) {
        u[4 * i + 0] = _mm256_unpacklo_epi64(t[4 * i], t[4 * i + 2]);
        u[4 * i + 1] = _mm256_unpackhi_epi64(t[4 * i], t[4 * i + 2]);
        u[4 * i + 2] = _mm256_unpacklo_epi64(t[4 * i + 1], t[4 * i + 3]);
        u[4 * i + 3] = _mm256_unpackhi_epi64(t[4 * i + 1], t[4 * i + 3]);
    }
    // u[4i + c], 128-bit half k: column 4k + c of rows 4i..4i+3.
    for (int c = 0; c < 4; ++c) {
        out[c] = _mm256_permute2x128_si256(u[c], u[4 + c], 0x20);
        out[4 + c] = _mm256_permute2x128_si256(u[c], u[4 + c], 0x31);
    }
}

// 8 lanes in ymm; `Rol` uses the AVX-512VL rotate instead of two shifts.
template <bool Rol>
struct Ymm8 {
    using V = __m256i;
    static constexpr size_t kLanes = 8;
    static V add(V a, V b) { return _mm256_add_epi32(a, b); }
    static V xor_(V a, V b) { return _mm256_xor_si256(a, b); }
    template <int K>
    static V rotl(V a) {
#if defined(__AVX512VL__)
        if constexpr (Rol) return _mm256_rol_epi32(a, K);
#endif
        return _mm256_or_si256(_mm256_slli_epi32(a, K), _mm256_srli_epi32(a, 32 - K));
    }
    // Rows (lane l, words 8q..8q+8) at base + l * stride + 32 q <-> x[8q..8q+8].
    static void gather_rows(const uint8_t* const* rows, V* x) {
        for (int q = 0; q < 4; ++q) {
            V r[8];
            for (int l = 0; l < 8; ++l)
                r[l] = _mm256_loadu_si256(reinterpret_cast<const V*>(rows[l] + 32 * q));
            transpose8(r, x + 8 * q);
        }
    }
    static void scatter_rows(const V* x, uint8_t* const* rows) {
        for (int q = 0; q < 4; ++q) {
            V r[8];
            transpose8(x + 8 * q, r);
            for (int l = 0; l < 8; ++l)
                _mm256_storeu_si256(reinterpret_cast<V*>(rows[l] + 32 * q), r[l]);
        }
    }
    static void load_state(const uint32_t (*X)[kBlockWords], V* x) {
        const uint8_t* rows[8];
        for (int l = 0; l < 8; ++l) rows[l] = reinterpret_cast<const uint8_t*>(X[l]);
        gather_rows(rows, x);
    }
    static void store_state(const V* x, uint32_t (*X)[kBlockWords]) {
        uint8_t* rows[8];
        for (int l = 0; l < 8; ++l) rows[l] = reinterpret_cast<uint8_t*>(X[l]);
        scatter_rows(x, rows);
    }
    static void store_block(const V* x, uint8_t* dst) {
        for (int q = 0; q < 4; ++q) {
            V r[8];
            transpose8(x + 8 * q, r);
            for (int l = 0; l < 8; ++l)
                _mm256_store_si256(reinterpret_cast<V*>(dst + kBlockBytes * l + 32 * q), r[l]);
        }
    }
    static void xor_block(V* x, const uint8_t* const* src) {
        for (int q = 0; q < 4; ++q) {
            V r[8], c[8];
            for (int l = 0; l < 8; ++l)
                r[l] = _mm256_load_si256(reinterpret_cast<const V*>(src[l] + 32 * q));
            transpose8(r, c);
            for (int w = 0; w < 8; ++w) x[8 * q + w] = _mm256_xor_si256(x[8 * q + w], c[w]);
        }
    }
    static void index(V x16, uint32_t* j) {
        _mm256_storeu_si256(reinterpret_cast<V*>(j),
                            _mm256_and_si256(x16, _mm256_set1_epi32(kN - 1)));
    }
};
#endif  // __AVX2__

#if defined(__AVX512F__)
// 16x16 transpose of 32-bit words: out[c] word r = in[r] word c.
inline void transpose16(const __m512i* in, __m512i* out) {
    __m512i t[16], u[16];
    for (int i = 0; i < 8; ++i) {
        t[2 * i] = _mm512_unpacklo_epi32(in[2 * i], in[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_epi32(in[2 * i], in[2 * i + 1]);
    }
    for (int i = 0; i < 4; ++i) {
        u[4 * i + 0] = _mm512_unpacklo_epi64(t[4 * i], t[4 * i + 2]);
        u[4 * i + 1] = _mm512_unpackhi_epi64(t[4 * i], t[4 * i + 2]);
        u[4 * i + 2] = _mm512_unpacklo_epi64(t[4 * i + 1], t[4 * i + 3]);
        u[4 * i + 3] = _mm512_unpackhi_epi64(t[4 * i + 1], t[4 * i + 3]);
    }
    // u[4i + c], 128-bit lane k: column 4k + c of rows 4i..4i+3. Transpose
    // the 4x4 grid of 128-bit lanes for each c.
    for (int c = 0; c < 4; ++c) {
        const __m512i p = _mm512_shuffle_i32x4(u[c], u[4 + c], 0x44);
        const __m512i q = _mm512_shuffle_i32x4(u[c], u[4 + c], 0xEE);
        const __m512i r = _mm512_shuffle_i32x4(u[8 + c], u[12 + c], 0x44);
        const __m512i s = _mm512_shuffle_i32x4(u[8 + c], u[12 + c], 0xEE);
        out[c] = _mm512_shuffle_i32x4(p, r, 0x88);
        out[4 + c] = _mm512_shuffle_i32x4(p, r, 0xDD);
        out[8 + c] = _mm512_shuffle_i32x4(q, s, 0x88);
        out[12 + c] = _mm512_shuffle_i32x4(q, s, 0xDD);
    }
}

struct Zmm16 {
    using V = __m512i;
    static constexpr size_t kLanes = 16;
    static V add(V a, V b) { return _mm512_add_epi32(a, b); }
    static V xor_(V a, V b) { return _mm512_xor_si512(a, b); }
    template <int K>
    static V rotl(V a) { return _mm512_rol_epi32(a, K); }
    static void load_state(const uint32_t (*X)[kBlockWords], V* x) {
        for (int h = 0; h < 2; ++h) {
            V r[16];
            for (int l = 0; l < 16; ++l) r[l] = _mm512_loadu_si512(X[l] + 16 * h);
            transpose16(r, x + 16 * h);
        }
    }
    static void store_state(const V* x, uint32_t (*X)[kBlockWords]) {
        for (int h = 0; h < 2; ++h) {
            V r[16];
            transpose16(x + 16 * h, r);
            for (int l = 0; l < 16; ++l) _mm512_storeu_si512(X[l] + 16 * h, r[l]);
        }
    }
    static void store_block(const V* x, uint8_t* dst) {
        for (int h = 0; h < 2; ++h) {
            V r[16];
            transpose16(x + 16 * h, r);
            for (int l = 0; l < 16; ++l)
                _mm512_store_si512(dst + kBlockBytes * l + 64 * h, r[l]);
        }
    }
    static void xor_block(V* x, const uint8_t* const* src) {
        for (int h = 0; h < 2; ++h) {
            V r[16], c[16];
            for (int l = 0; l < 16; ++l) r[l] = _mm512_load_si512(src[l] + 64 * h);
            transpose16(r, c);
            for (int w = 0; w < 16; ++w) x[16 * h + w] = _mm512_xor_si512(x[16 * h + w], c[w]);
        }
    }
    static void index(V x16, uint32_t* j) {
        _mm512_storeu_si512(j, _mm512_and_si512(x16, _mm512_set1_epi32(kN - 1)));
    }
};
#endif  // __AVX512F__

}  // namespace
}  // namespace chimera::scrypt
