// scrypt (RFC 7914) fixed to the Litecoin parameters N=1024, r=1, p=1,
// dkLen=32: the PBKDF2-HMAC-SHA256 prologue/epilogue and the per-thread
// scratchpad every variant shares. Compiled once, without SIMD flags, so the
// scalar variant never picks up code built for a wider ISA.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/kernel.hpp"

namespace chimera::scrypt {

constexpr uint32_t kN = 1024;                       // CPU/memory cost
constexpr size_t kBlockWords = 32;                  // 2 * r * 64 bytes, as 32-bit words
constexpr size_t kBlockBytes = kBlockWords * 4;     // 128
constexpr size_t kScratchPerHash = kN * kBlockBytes;  // V: 128 KiB per hash

// HMAC-SHA256 keyed with the password, reduced to the SHA-256 states after
// the ipad and opad blocks: both PBKDF2 calls reuse them.
struct HmacKey {
    uint32_t inner[8];
    uint32_t outer[8];
};

// SHA-256 state after compressing one 64-byte block from the IV.
void sha256_midstate(const uint8_t block[64], uint32_t state[8]);

// Key midstates for `password`. For passwords longer than 64 bytes the HMAC
// key is SHA-256(password); `first64_mid`, when given, is sha256_midstate of
// password[0..64) so a scan over nonces (bytes 76..80) skips that block.
void hmac_key(const uint8_t* password, size_t len, HmacKey& key,
              const uint32_t* first64_mid = nullptr);

// B = PBKDF2-HMAC-SHA256(P, S = salt, c = 1, dkLen = 128) as the 32
// little-endian words ROMix works on.
void pbkdf2_expand(const HmacKey& key, const uint8_t* salt, size_t len, uint32_t B[32]);

// DK = PBKDF2-HMAC-SHA256(P, S = B', c = 1, dkLen = 32), B' as 32 words.
void pbkdf2_finish(const HmacKey& key, const uint32_t B[32], uint8_t out[32]);

// Scan epilogue: the digest of B' and, when it is <= target (32 bytes LE),
// `nonce` appended to hits. Out of line so that the vector's growth code is
// never instantiated in (and taken by the linker from) a SIMD-flagged unit.
void finish_scan_lane(const HmacKey& key, const uint32_t B[32], const uint8_t* target,
                      uint32_t nonce, NonceList& hits);

// A 64-byte aligned buffer of at least `bytes`, owned by the calling thread
// and reused by its later calls: kernels stay reentrant across threads
// without allocating 128 KiB-2 MiB per call.
uint8_t* thread_scratch(size_t bytes);

}  // namespace chimera::scrypt
