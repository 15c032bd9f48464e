// ROMix with each hash's Salsa20/8 state in four 128-bit rows, "diagonal"
// layout: a = (x0,x5,x10,x15), b = (x4,x9,x14,x3), c = (x8,x13,x2,x7),
// d = (x12,x1,x6,x11). A column round is then four row-wise vector steps;
// rotating the lanes of b, c, d turns rows into columns for the row round.
// K hashes are interleaved to hide the latency of the dependent steps.
//
// Blocks stay in this permuted word order in the scratchpad, so the
// permutation is applied only on entry and exit; Integerify (word 16) is
// lane 0 of B1's row a.
//
// Ops traits supply V (128-bit), add, xor_, rotl<k>, shuffle<imm>
// (_mm_shuffle_epi32), aligned load/store and low32 (lane 0). Anonymous
// namespace: compiled per translation unit with that unit's flags.
#pragma once

#include <cstddef>
#include <cstdint>

#include "scrypt/scrypt_common.hpp"
#include "scrypt/scrypt_sliced.hpp"  // CHIMERA_SCRYPT_INLINE

namespace chimera::scrypt {
namespace {

// Position p of a permuted 16-word block holds original word kDiagOrder[p].
constexpr int kDiagOrder[16] = {0, 5, 10, 15, 4, 9, 14, 3, 8, 13, 2, 7, 12, 1, 6, 11};

template <typename O, int K>
CHIMERA_SCRYPT_INLINE void salsa_diag(typename O::V (*s)[8], int off) {
    using V = typename O::V;
    V a[K], b[K], c[K], d[K];
    for (int k = 0; k < K; ++k) {
        a[k] = s[k][off]; b[k] = s[k][off + 1]; c[k] = s[k][off + 2]; d[k] = s[k][off + 3];
    }
    // Unrolled: GCC spilled the state at every iteration of the rolled loop.
#pragma GCC unroll 4
    for (int round = 0; round < 8; round += 2) {
        // Column round.
        for (int k = 0; k < K; ++k) b[k] = O::xor_(b[k], O::template rotl<7>(O::add(a[k], d[k])));
        for (int k = 0; k < K; ++k) c[k] = O::xor_(c[k], O::template rotl<9>(O::add(b[k], a[k])));
        for (int k = 0; k < K; ++k) d[k] = O::xor_(d[k], O::template rotl<13>(O::add(c[k], b[k])));
        for (int k = 0; k < K; ++k) a[k] = O::xor_(a[k], O::template rotl<18>(O::add(d[k], c[k])));
        // b = (x3,x4,x9,x14), c = (x2,x7,x8,x13), d = (x1,x6,x11,x12).
        for (int k = 0; k < K; ++k) {
            b[k] = O::template shuffle<0x93>(b[k]);
            c[k] = O::template shuffle<0x4E>(c[k]);
            d[k] = O::template shuffle<0x39>(d[k]);
        }
        // Row round: the column round with b and d exchanged.
        for (int k = 0; k < K; ++k) d[k] = O::xor_(d[k], O::template rotl<7>(O::add(a[k], b[k])));
        for (int k = 0; k < K; ++k) c[k] = O::xor_(c[k], O::template rotl<9>(O::add(d[k], a[k])));
        for (int k = 0; k < K; ++k) b[k] = O::xor_(b[k], O::template rotl<13>(O::add(c[k], d[k])));
        for (int k = 0; k < K; ++k) a[k] = O::xor_(a[k], O::template rotl<18>(O::add(b[k], c[k])));
        for (int k = 0; k < K; ++k) {
            b[k] = O::template shuffle<0x39>(b[k]);
            c[k] = O::template shuffle<0x4E>(c[k]);
            d[k] = O::template shuffle<0x93>(d[k]);
        }
    }
    for (int k = 0; k < K; ++k) {
        s[k][off] = O::add(s[k][off], a[k]);
        s[k][off + 1] = O::add(s[k][off + 1], b[k]);
        s[k][off + 2] = O::add(s[k][off + 2], c[k]);
        s[k][off + 3] = O::add(s[k][off + 3], d[k]);
    }
}

template <typename O, int K>
CHIMERA_SCRYPT_INLINE void block_mix_diag(typename O::V (*s)[8]) {
    for (int k = 0; k < K; ++k)
        for (int r = 0; r < 4; ++r) s[k][r] = O::xor_(s[k][r], s[k][4 + r]);
    salsa_diag<O, K>(s, 0);
    for (int k = 0; k < K; ++k)
        for (int r = 0; r < 4; ++r) s[k][4 + r] = O::xor_(s[k][4 + r], s[k][r]);
    salsa_diag<O, K>(s, 4);
}

// ROMix for K hashes; scratch K * 128 KiB, V[i] of the K hashes contiguous.
template <typename O, int K>
void romix_diag(uint32_t (*X)[kBlockWords], uint8_t* scratch) {
    using V = typename O::V;
    V s[K][8];
    for (int k = 0; k < K; ++k) {
        alignas(16) uint32_t p[kBlockWords];
        for (int h = 0; h < 2; ++h)
            for (int i = 0; i < 16; ++i) p[16 * h + i] = X[k][16 * h + kDiagOrder[i]];
        for (int r = 0; r < 8; ++r) s[k][r] = O::load(p + 4 * r);
    }
    for (uint32_t i = 0; i < kN; ++i) {
        uint8_t* v = scratch + size_t(i) * K * kBlockBytes;
        for (int k = 0; k < K; ++k)
            for (int r = 0; r < 8; ++r) O::store(v + kBlockBytes * k + 16 * r, s[k][r]);
        block_mix_diag<O, K>(s);
    }
    for (uint32_t i = 0; i < kN; ++i) {
        for (int k = 0; k < K; ++k) {
            const uint32_t j = O::low32(s[k][4]) & (kN - 1);
            const uint8_t* v = scratch + (size_t(j) * K + k) * kBlockBytes;
            for (int r = 0; r < 8; ++r) s[k][r] = O::xor_(s[k][r], O::load(v + 16 * r));
        }
        block_mix_diag<O, K>(s);
    }
    for (int k = 0; k < K; ++k) {
        alignas(16) uint32_t p[kBlockWords];
        for (int r = 0; r < 8; ++r) O::store(p + 4 * r, s[k][r]);
        for (int h = 0; h < 2; ++h)
            for (int i = 0; i < 16; ++i) X[k][16 * h + kDiagOrder[i]] = p[16 * h + i];
    }
}

}  // namespace
}  // namespace chimera::scrypt
