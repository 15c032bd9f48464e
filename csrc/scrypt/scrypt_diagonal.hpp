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
// Ops traits supply V (kPer 128-bit lanes, one hash each), add, xor_,
// rotl<k>, shuffle<imm> (_mm_shuffle_epi32 in every 128-bit lane),
// load_rows/store_rows (16-byte row r of each hash's block at ptr[h] + 16 r)
// and integerify (word 0 of each lane). Anonymous namespace: compiled per
// translation unit with that unit's flags.
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

// ROMix for K vectors of O::kPer hashes each (one hash per 128-bit lane);
// scratch K * kPer * 128 KiB, V[i] of all hashes contiguous, each hash's
// block contiguous.
template <typename O, int K>
void romix_diag(uint32_t (*X)[kBlockWords], uint8_t* scratch) {
    using V = typename O::V;
    constexpr int P = O::kPer;
    constexpr size_t G = size_t(K) * P;  // hashes in flight
    V s[K][8];
    {
        alignas(16) uint32_t p[G][kBlockWords];
        for (size_t g = 0; g < G; ++g)
            for (int h = 0; h < 2; ++h)
                for (int i = 0; i < 16; ++i) p[g][16 * h + i] = X[g][16 * h + kDiagOrder[i]];
        for (int k = 0; k < K; ++k) {
            const uint8_t* src[P];
            for (int h = 0; h < P; ++h) src[h] = reinterpret_cast<const uint8_t*>(p[k * P + h]);
            for (int r = 0; r < 8; ++r) s[k][r] = O::load_rows(src, r);
        }
    }
    for (uint32_t i = 0; i < kN; ++i) {
        uint8_t* v = scratch + size_t(i) * G * kBlockBytes;
        for (int k = 0; k < K; ++k) {
            uint8_t* dst[P];
            for (int h = 0; h < P; ++h) dst[h] = v + kBlockBytes * (k * P + h);
            for (int r = 0; r < 8; ++r) O::store_rows(dst, r, s[k][r]);
        }
        block_mix_diag<O, K>(s);
    }
    for (uint32_t i = 0; i < kN; ++i) {
        for (int k = 0; k < K; ++k) {
            uint32_t j[P];
            O::integerify(s[k][4], j);
            const uint8_t* src[P];
            for (int h = 0; h < P; ++h)
                src[h] = scratch + (size_t(j[h] & (kN - 1)) * G + k * P + h) * kBlockBytes;
            for (int r = 0; r < 8; ++r) s[k][r] = O::xor_(s[k][r], O::load_rows(src, r));
        }
        block_mix_diag<O, K>(s);
    }
    alignas(16) uint32_t p[G][kBlockWords];
    for (int k = 0; k < K; ++k) {
        uint8_t* dst[P];
        for (int h = 0; h < P; ++h) dst[h] = reinterpret_cast<uint8_t*>(p[k * P + h]);
        for (int r = 0; r < 8; ++r) O::store_rows(dst, r, s[k][r]);
    }
    for (size_t g = 0; g < G; ++g)
        for (int h = 0; h < 2; ++h)
            for (int i = 0; i < 16; ++i) X[g][16 * h + kDiagOrder[i]] = p[g][16 * h + i];
}

}  // namespace
}  // namespace chimera::scrypt
