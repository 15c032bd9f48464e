// BLAKE3 (hash mode, 32-byte output) constants, the portable compression
// function and the chunk/tree structure, shared by every blake3 variant.
//
// Everything here is compiled with the baseline flags only: SIMD variants
// reach it through plain calls, so no AVX code can leak into the scalar path.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/kernel.hpp"

namespace chimera::blake3 {

constexpr size_t kBlockLen = 64;
constexpr size_t kChunkLen = 1024;
constexpr size_t kOutLen = 32;

// Domain-separation flags of the BLAKE3 specification (hash mode uses these four).
enum Flag : uint32_t {
    CHUNK_START = 1u << 0,
    CHUNK_END = 1u << 1,
    PARENT = 1u << 2,
    ROOT = 1u << 3,
};

// The initialisation vector: SHA-256's initial hash value.
extern const uint32_t IV[8];

// Message word order used in each of the 7 rounds: row r is the identity
// permuted r times by the BLAKE3 message permutation
// (2,6,3,10,7,0,4,13,1,11,12,5,9,14,15,8). constexpr so that SIMD rounds,
// once unrolled, index message registers with constants.
inline constexpr uint8_t kSchedule[7][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8},
    {3, 4, 10, 12, 13, 2, 7, 14, 6, 5, 9, 0, 11, 15, 8, 1},
    {10, 7, 12, 9, 14, 3, 13, 15, 4, 0, 11, 2, 5, 8, 1, 6},
    {12, 13, 9, 11, 15, 10, 14, 8, 7, 2, 5, 3, 0, 1, 6, 4},
    {9, 14, 11, 5, 8, 12, 15, 1, 13, 3, 0, 10, 2, 6, 4, 7},
    {11, 15, 5, 0, 1, 9, 8, 6, 14, 10, 2, 12, 3, 4, 7, 13},
};

// First 8 words of the compression output (v[i] ^ v[i+8]): the chaining
// value, or the 32-byte root output when ROOT is set. `out` may alias `cv`.
using CompressFn = void (*)(const uint32_t cv[8], const uint8_t block[kBlockLen],
                            uint64_t counter, uint32_t block_len, uint32_t flags,
                            uint32_t out[8]);

// The portable compression function.
void compress(const uint32_t cv[8], const uint8_t block[kBlockLen], uint64_t counter,
              uint32_t block_len, uint32_t flags, uint32_t out[8]);

// Chaining value of one chunk (1..1024 bytes, or 0 for the empty input).
// `extra_flags` is ROOT when the chunk is the whole input.
void chunk_cv(const uint8_t* in, size_t len, uint64_t counter, uint32_t extra_flags,
              uint32_t out[8], CompressFn compress_fn);

void store_cv(const uint32_t cv[8], uint8_t out[kOutLen]);

// What a variant supplies to hash one input of any length.
struct TreeOps {
    // One compression, for a single chunk, the last chunk and the root.
    CompressFn compress;
    // CVs (32 bytes each, back to back) of `n` full chunks starting at `in`,
    // the first with chunk counter `counter0`. Never ROOT.
    void (*chunks)(const uint8_t* in, size_t n, uint64_t counter0, uint8_t* cvs);
    // Parent CVs of `n` pairs: pair i is the 64 bytes at in + 64 i. Never ROOT.
    void (*parents)(const uint8_t* in, size_t n, uint8_t* cvs);
};

// Portable TreeOps (one compression at a time).
extern const TreeOps kScalarTree;

// BLAKE3 hash of any input length: a single chunk is the root itself;
// longer inputs build the left-complete binary tree of parent nodes.
void hash(const uint8_t* in, size_t len, uint8_t out[kOutLen], const TreeOps& ops);

// Chaining value after the first (nonce-independent) block of an 80-byte
// header: the state every scan lane starts its second compression from.
void header_midstate(const uint8_t header[80], uint32_t cv[8]);

// Appends `nonce` to `hits` when the digest of the header with that nonce,
// finished from `midstate`, is <= `target` (32 bytes LE). The full check
// behind a SIMD scan's top-word filter. Out of line on purpose: SIMD units
// call this instead of push_back so they never emit their own (weak,
// linker-shared) copy of std::vector code built with AVX flags, which the
// linker could hand to the portable units.
void keep_if_leq_nonce(const uint32_t midstate[8], const uint8_t header[80], uint32_t nonce,
                       const uint8_t target[kOutLen], NonceList& hits);

// Length and flags of the second header block (bytes 64..80; counter 0).
constexpr uint32_t kHeaderTailLen = 16;
constexpr uint32_t kHeaderTailFlags = CHUNK_END | ROOT;

}  // namespace chimera::blake3
