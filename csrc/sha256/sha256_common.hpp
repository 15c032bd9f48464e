// SHA-256 (FIPS 180-4) constants and the portable compression function,
// shared by every sha256d variant for padding, midstates and tails.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/bytes.hpp"

namespace chimera::sha256 {

extern const uint32_t K[64];
extern const uint32_t IV[8];

// One compression of a 64-byte big-endian block into state.
void compress_scalar(uint32_t state[8], const uint8_t block[64]);

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
