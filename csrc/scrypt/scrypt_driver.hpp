// hash_many and scan for a ROMix that runs `Lanes` hashes at once: PBKDF2
// per lane on either side, unused lanes of the last group padded (their
// results are discarded). Anonymous namespace: instantiated per variant TU.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "common/bytes.hpp"
#include "common/kernel.hpp"
#include "scrypt/scrypt_common.hpp"

namespace chimera::scrypt {
namespace {

using RomixFn = void (*)(uint32_t (*X)[kBlockWords], uint8_t* scratch);

template <size_t Lanes, RomixFn Romix>
void hash_many_lanes(const uint8_t* in, size_t item, size_t n, uint8_t* out) {
    if (n == 0) return;
    uint8_t* scratch = thread_scratch(Lanes * kScratchPerHash);
    alignas(64) uint32_t X[Lanes][kBlockWords];
    HmacKey keys[Lanes];
    for (size_t base = 0; base < n; base += Lanes) {
        const size_t m = n - base < Lanes ? n - base : Lanes;
        for (size_t l = 0; l < m; ++l) {
            const uint8_t* p = in + (base + l) * item;
            hmac_key(p, item, keys[l]);
            pbkdf2_expand(keys[l], p, item, X[l]);
        }
        for (size_t l = m; l < Lanes; ++l) std::memcpy(X[l], X[0], sizeof X[0]);
        Romix(X, scratch);
        for (size_t l = 0; l < m; ++l) pbkdf2_finish(keys[l], X[l], out + (base + l) * 32);
    }
}

template <size_t Lanes, RomixFn Romix>
void scan_lanes(const uint8_t* header, uint32_t start, uint64_t count, const uint8_t* target,
                NonceList& hits) {
    if (count == 0) return;
    uint8_t* scratch = thread_scratch(Lanes * kScratchPerHash);
    // Bytes 0..64 are the same for every nonce: their SHA-256 state (first
    // block of the HMAC key hash) is computed once.
    uint32_t first64[8];
    sha256_midstate(header, first64);
    uint8_t hdr[Lanes][80];
    for (size_t l = 0; l < Lanes; ++l) std::memcpy(hdr[l], header, 76);
    alignas(64) uint32_t X[Lanes][kBlockWords];
    HmacKey keys[Lanes];
    uint8_t digest[32];
    for (uint64_t done = 0; done < count; done += Lanes) {
        const size_t m = count - done < Lanes ? size_t(count - done) : Lanes;
        for (size_t l = 0; l < Lanes; ++l) {
            // Nonces wrap modulo 2^32 (uint32_t arithmetic).
            const uint32_t nonce = start + uint32_t(done) + uint32_t(l < m ? l : 0);
            store_le32(hdr[l] + 76, nonce);
            hmac_key(hdr[l], 80, keys[l], first64);
            pbkdf2_expand(keys[l], hdr[l], 80, X[l]);
        }
        Romix(X, scratch);
        for (size_t l = 0; l < m; ++l) {
            pbkdf2_finish(keys[l], X[l], digest);
            if (le256_leq(digest, target)) hits.push_back(start + uint32_t(done) + uint32_t(l));
        }
    }
}

}  // namespace
}  // namespace chimera::scrypt
