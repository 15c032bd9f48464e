// Portable sha256d: always compiled, always tested, the reference for the
// SIMD variants.
#include "common/kernel.hpp"
#include "sha256/sha256_common.hpp"

namespace chimera::sha256 {
namespace {

void hash(const uint8_t* in, size_t len, uint8_t* out) {
    uint8_t first[32];
    sha256(in, len, first, compress_scalar);
    sha256_32(first, out, compress_scalar);
}

void hash_many(const uint8_t* in, size_t item_size, size_t n, uint8_t* out) {
    for (size_t i = 0; i < n; ++i) hash(in + i * item_size, item_size, out + 32 * i);
}

void scan(const uint8_t* header, uint32_t start, uint64_t count, const uint8_t* target,
          NonceList& hits) {
    // The first 64 header bytes never change: compress them once (midstate).
    uint32_t mid[8];
    for (int i = 0; i < 8; ++i) mid[i] = IV[i];
    compress_scalar(mid, header);
    uint8_t block2[64] = {0};
    for (int i = 0; i < 12; ++i) block2[i] = header[64 + i];
    block2[16] = 0x80;
    block2[62] = 0x02;  // bit length 640 = 0x280
    block2[63] = 0x80;
    uint8_t first[32], digest[32];
    uint32_t nonce = start;
    for (uint64_t i = 0; i < count; ++i, ++nonce) {
        store_le32(block2 + 12, nonce);
        uint32_t st[8];
        for (int j = 0; j < 8; ++j) st[j] = mid[j];
        compress_scalar(st, block2);
        for (int j = 0; j < 8; ++j) store_be32(first + 4 * j, st[j]);
        sha256_32(first, digest, compress_scalar);
        if (le256_leq(digest, target)) hits.push_back(nonce);
    }
}

}  // namespace

void sha256d_portable_hash(const uint8_t* in, size_t len, uint8_t* out) { hash(in, len, out); }

extern const Kernel sha256d_scalar = {
    "sha256d", "scalar", 0, 32, hash, hash_many, scan,
};

}  // namespace chimera::sha256
