// Portable blake3: always compiled, always tested, the reference for the
// SIMD variants.
#include "blake3/blake3_common.hpp"
#include "common/bytes.hpp"
#include "common/kernel.hpp"

namespace chimera::blake3 {
namespace {

void hash_one(const uint8_t* in, size_t len, uint8_t* out) { hash(in, len, out, kScalarTree); }

void hash_many(const uint8_t* in, size_t item_size, size_t n, uint8_t* out) {
    for (size_t i = 0; i < n; ++i) hash_one(in + i * item_size, item_size, out + kOutLen * i);
}

void scan(const uint8_t* header, uint32_t start, uint64_t count, const uint8_t* target,
          NonceList& hits) {
    uint32_t mid[8];
    header_midstate(header, mid);  // bytes 0..64 do not depend on the nonce
    uint8_t tail[kBlockLen] = {0};
    for (int i = 0; i < 12; ++i) tail[i] = header[64 + i];
    uint32_t h[8];
    uint8_t digest[kOutLen];
    uint32_t nonce = start;
    for (uint64_t i = 0; i < count; ++i, ++nonce) {
        store_le32(tail + 12, nonce);
        compress(mid, tail, 0, kHeaderTailLen, kHeaderTailFlags, h);
        store_cv(h, digest);
        if (le256_leq(digest, target)) hits.push_back(nonce);
    }
}

}  // namespace

extern const Kernel blake3_scalar = {
    "blake3", "scalar", 0, kOutLen, hash_one, hash_many, scan,
};

}  // namespace chimera::blake3
