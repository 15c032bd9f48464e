// ROMix with one hash per 32-bit lane ("word-sliced"): vector x[w] holds word
// w of every lane's block, so Salsa20/8 is the RFC 7914 scalar code applied to
// whole vectors and needs no shuffles. With one lane and uint32_t it is the
// portable scalar kernel.
//
// The lane traits `T` supply:
//   V, kLanes; add, xor_, rotl<k>;
//   load_state / store_state: standard per-hash 32-word blocks <-> x[32];
//   store_block(x, dst): write each lane's 128-byte block to dst + 128 * lane;
//   xor_block(x, src): x ^= the block at src[lane] for each lane;
//   index(x16, j): j[lane] = Integerify mod N.
// Everything lives in an anonymous namespace: each translation unit compiles
// its own copy with its own ISA flags (no cross-ISA ODR merging).
#pragma once

#include <cstddef>
#include <cstdint>

#include "scrypt/scrypt_common.hpp"

namespace chimera::scrypt {
namespace {

// The Salsa20/8 steps must inline into the ROMix loops: a call per core
// spills the whole state to memory (and costs a vzeroupper).
#define CHIMERA_SCRYPT_INLINE inline __attribute__((always_inline))

template <typename T, int K>
CHIMERA_SCRYPT_INLINE void salsa_step(typename T::V& dst, typename T::V a, typename T::V b) {
    dst = T::xor_(dst, T::template rotl<K>(T::add(a, b)));
}

// x = Salsa20/8(x) (RFC 7914 section 3), 16 words.
template <typename T>
CHIMERA_SCRYPT_INLINE void salsa20_8(typename T::V* x) {
    using V = typename T::V;
    V t[16];
    for (int i = 0; i < 16; ++i) t[i] = x[i];
    // Unrolled: GCC spilled the state at every iteration of the rolled loop.
#pragma GCC unroll 4
    for (int round = 0; round < 8; round += 2) {
        // Columns.
        salsa_step<T, 7>(t[4], t[0], t[12]);   salsa_step<T, 7>(t[9], t[5], t[1]);
        salsa_step<T, 7>(t[14], t[10], t[6]);  salsa_step<T, 7>(t[3], t[15], t[11]);
        salsa_step<T, 9>(t[8], t[4], t[0]);    salsa_step<T, 9>(t[13], t[9], t[5]);
        salsa_step<T, 9>(t[2], t[14], t[10]);  salsa_step<T, 9>(t[7], t[3], t[15]);
        salsa_step<T, 13>(t[12], t[8], t[4]);  salsa_step<T, 13>(t[1], t[13], t[9]);
        salsa_step<T, 13>(t[6], t[2], t[14]);  salsa_step<T, 13>(t[11], t[7], t[3]);
        salsa_step<T, 18>(t[0], t[12], t[8]);  salsa_step<T, 18>(t[5], t[1], t[13]);
        salsa_step<T, 18>(t[10], t[6], t[2]);  salsa_step<T, 18>(t[15], t[11], t[7]);
        // Rows.
        salsa_step<T, 7>(t[1], t[0], t[3]);    salsa_step<T, 7>(t[6], t[5], t[4]);
        salsa_step<T, 7>(t[11], t[10], t[9]);  salsa_step<T, 7>(t[12], t[15], t[14]);
        salsa_step<T, 9>(t[2], t[1], t[0]);    salsa_step<T, 9>(t[7], t[6], t[5]);
        salsa_step<T, 9>(t[8], t[11], t[10]);  salsa_step<T, 9>(t[13], t[12], t[15]);
        salsa_step<T, 13>(t[3], t[2], t[1]);   salsa_step<T, 13>(t[4], t[7], t[6]);
        salsa_step<T, 13>(t[9], t[8], t[11]);  salsa_step<T, 13>(t[14], t[13], t[12]);
        salsa_step<T, 18>(t[0], t[3], t[2]);   salsa_step<T, 18>(t[5], t[4], t[7]);
        salsa_step<T, 18>(t[10], t[9], t[8]);  salsa_step<T, 18>(t[15], t[14], t[13]);
    }
    for (int i = 0; i < 16; ++i) x[i] = T::add(x[i], t[i]);
}

// BlockMix_{Salsa20/8, r=1}: B0' = H(B0 ^ B1), B1' = H(B0' ^ B1).
template <typename T>
CHIMERA_SCRYPT_INLINE void block_mix(typename T::V* x) {
    for (int i = 0; i < 16; ++i) x[i] = T::xor_(x[i], x[16 + i]);
    salsa20_8<T>(x);
    for (int i = 0; i < 16; ++i) x[16 + i] = T::xor_(x[16 + i], x[i]);
    salsa20_8<T>(x + 16);
}

// ROMix over T::kLanes hashes; `X` holds one standard 32-word block per lane,
// `scratch` kLanes * 128 KiB. V[i] of all lanes is contiguous (lane-major
// inside i): the first loop writes sequentially.
template <typename T>
void romix_sliced(uint32_t (*X)[kBlockWords], uint8_t* scratch) {
    constexpr size_t L = T::kLanes;
    typename T::V x[kBlockWords];
    T::load_state(X, x);
    for (uint32_t i = 0; i < kN; ++i) {
        T::store_block(x, scratch + size_t(i) * L * kBlockBytes);
        block_mix<T>(x);
    }
    for (uint32_t i = 0; i < kN; ++i) {
        uint32_t j[L];
        T::index(x[16], j);
        const uint8_t* src[L];
        for (size_t l = 0; l < L; ++l) src[l] = scratch + (size_t(j[l]) * L + l) * kBlockBytes;
        T::xor_block(x, src);
        block_mix<T>(x);
    }
    T::store_state(x, X);
}

}  // namespace
}  // namespace chimera::scrypt
