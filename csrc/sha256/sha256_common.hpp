// SHA-256 (FIPS 180-4) constants, the portable compression function and the
// nonce-independent precomputation shared by every sha256d variant.
//
// Rule for the SIMD translation units (compiled with -msha / -mavx2 /
// -mavx512*): they must not instantiate inline functions or templates with
// external linkage, because the linker may keep their ISA-specific copy for
// the portable code too. They call the out-of-line functions declared here
// (compiled with base flags) and keep their own helpers in anonymous
// namespaces; templates they instantiate take an internal type argument.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/bytes.hpp"

namespace chimera::sha256 {

extern const uint32_t K[64];
extern const uint32_t IV[8];

// One compression of a 64-byte big-endian block into state.
void compress_scalar(uint32_t state[8], const uint8_t block[64]);

// hits.push_back(nonce), out of line: a SIMD unit calling push_back itself
// would emit its own ISA-specific copy of std::vector's growth code.
void add_hit(std::vector<uint32_t>& hits, uint32_t nonce);

// One round on state {a..h} with `kw` = K[i] + W[i]; the state is shifted
// so that state[0] is the new a.
void round_scalar(uint32_t state[8], uint32_t kw);

// sha256d of one buffer by the fastest single-buffer code this CPU runs
// (SHA-NI when present, else portable). Multi-lane variants use it for
// hash() of one input, where lanes would sit idle.
void sha256d_single(const uint8_t* in, size_t len, uint8_t out[32]);

// Everything about scanning one 80-byte header that does not depend on the
// nonce. Block 2 of the first hash is header[64..76] (W0..W2), the nonce
// word W3 = bswap(nonce), then fixed padding (W4 = 0x80000000, W15 = 640).
struct ScanPrecomp {
    uint32_t mid[8];    // state after the first 64 header bytes
    uint32_t w[18];     // block-2 W0..W17 computed with W3 = 0
    uint32_t s4[8];     // block-2 state after rounds 0..3 computed with W3 = 0:
                        // the real state has a and e larger by W3, the rest equal
    uint32_t kw[18];    // K[i] + w[i] (meaningful for i != 3)
    // Nonce-free parts of the schedule words that W3 reaches:
    // W18 = w18_add + sigma0(W3), W19 = w19_add + W3, and the constant terms
    // of W30, W31, W32 (see the multi-lane scan).
    uint32_t w18_add, w19_add, w30_add, w31_add, w32_add;
};
void scan_precompute(const uint8_t header[80], ScanPrecomp& p);

// The second hash hashes a 32-byte digest: W8 = 0x80000000, W9..W14 = 0,
// W15 = 256. Its first round is W0-free except for a and e: this sets `s` to
// the state after round 0 computed with W0 = 0 (add W0 to a and e).
void second_hash_round0(uint32_t s[8]);

inline uint32_t big_sigma0(uint32_t x) { return rotr32(x, 2) ^ rotr32(x, 13) ^ rotr32(x, 22); }
inline uint32_t big_sigma1(uint32_t x) { return rotr32(x, 6) ^ rotr32(x, 11) ^ rotr32(x, 25); }
inline uint32_t small_sigma0(uint32_t x) { return rotr32(x, 7) ^ rotr32(x, 18) ^ (x >> 3); }
inline uint32_t small_sigma1(uint32_t x) { return rotr32(x, 17) ^ rotr32(x, 19) ^ (x >> 10); }

// Full SHA-256 of `len` bytes using `compress` for each block.
template <typename Compress>
inline void sha256(const uint8_t* in, size_t len, uint8_t out[32], Compress compress) {
    uint32_t st[8];
    for (int i = 0; i < 8; ++i) st[i] = IV[i];
    size_t off = 0;
    for (; off + 64 <= len; off += 64) compress(st, in + off);
    uint8_t tail[128] = {0};
    const size_t rem = len - off;
    for (size_t i = 0; i < rem; ++i) tail[i] = in[off + i];
    tail[rem] = 0x80;
    const size_t tail_len = rem + 9 <= 64 ? 64 : 128;
    store_be64(tail + tail_len - 8, uint64_t(len) * 8);
    compress(st, tail);
    if (tail_len == 128) compress(st, tail + 64);
    for (int i = 0; i < 8; ++i) store_be32(out + 4 * i, st[i]);
}

// Second SHA-256 over a 32-byte digest: one block, padding fixed.
template <typename Compress>
inline void sha256_32(const uint8_t in[32], uint8_t out[32], Compress compress) {
    uint8_t block[64] = {0};
    for (int i = 0; i < 32; ++i) block[i] = in[i];
    block[32] = 0x80;
    block[62] = 0x01;  // bit length 256 = 0x100
    uint32_t st[8];
    for (int i = 0; i < 8; ++i) st[i] = IV[i];
    compress(st, block);
    for (int i = 0; i < 8; ++i) store_be32(out + 4 * i, st[i]);
}

}  // namespace chimera::sha256
