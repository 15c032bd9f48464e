// Keccak-f[1600] and the Keccak-256/512 hashes ethash uses: the original
// Keccak padding (domain byte 0x01), not SHA-3's 0x06.
#pragma once

#include <cstddef>
#include <cstdint>

namespace chimera::ethash {

void keccakf1600(uint64_t st[25]);

// Any input length; out is 32 / 64 bytes.
void keccak256(const uint8_t* in, size_t len, uint8_t out[32]);
void keccak512(const uint8_t* in, size_t len, uint8_t out[64]);

// Keccak-512 of exactly 64 bytes in 8 little-endian words (the cache and
// dataset hot path): one permutation, no byte shuffling. in may equal out.
void keccak512_64(const uint64_t in[8], uint64_t out[8]);

}  // namespace chimera::ethash
