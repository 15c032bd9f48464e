// The contract every hashing kernel variant implements.
//
// A variant is one ISA-specific implementation of one algorithm. Variants are
// listed best-first by each algorithm; the dispatcher (registry.cpp) picks the
// first whose CPU requirements are met, once, unless CHIMERA_ISA forces one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace chimera {

// Scan hits are collected here; kernels push_back nonces in the order found.
using NonceList = std::vector<uint32_t>;

struct Kernel {
    const char* algo;        // "sha256d", "scrypt", "blake3", ...
    const char* isa;         // "scalar", "sse2", "avx2", "avx512", "shani"
    uint32_t requires_cpu;   // bitmask of cpu::Feature, all must be present
    size_t digest_size;

    // PoW digest of `len` bytes of `in`, written to `out` (digest_size bytes).
    void (*hash)(const uint8_t* in, size_t len, uint8_t* out);

    // n items of item_size bytes each, digests written back to back into out.
    void (*hash_many)(const uint8_t* in, size_t item_size, size_t n, uint8_t* out);

    // For every nonce in [start, start + count) taken modulo 2^32, written
    // little-endian at header[76..80): append it to `hits` when the digest,
    // read as a little-endian 256-bit integer, is <= target (32 bytes LE).
    // count <= 2^32. `header` is 80 bytes; its bytes 76..80 are ignored.
    void (*scan)(const uint8_t* header, uint32_t start, uint64_t count,
                 const uint8_t* target_le, NonceList& hits);
};

// Digest `d` (32 bytes) read as little-endian integer <= target (32 bytes LE).
inline bool le256_leq(const uint8_t* d, const uint8_t* target) {
    for (int i = 31; i >= 0; --i) {
        if (d[i] != target[i]) return d[i] < target[i];
    }
    return true;
}

}  // namespace chimera
