// hash_many, hash and scan on top of ROMix kernels that run several hashes
// at once. A variant lists its kernels ("stages") widest first with the
// measured time of one pass; full groups go through the widest, and the
// remainder (fewer items than its lanes) through the cheapest mix of passes,
// unused lanes padded and discarded. PBKDF2 runs per lane on either side.
// Anonymous namespace: instantiated per variant translation unit.
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

struct Stage {
    size_t lanes;     // hashes per pass, <= kMaxLanes; stages[0] has the most
    RomixFn romix;    // scratch: lanes * kScratchPerHash bytes
    float pass_cost;  // relative time of one pass (lanes / measured rate)
};

constexpr size_t kMaxLanes = 16;

// The stage to run first for `rem` < stages[0].lanes items: the cheapest
// sequence of padded passes covering `rem`, by dynamic programming.
inline size_t first_stage_for(const Stage* stages, size_t count, size_t rem) {
    float best[kMaxLanes + 1];
    size_t first[kMaxLanes + 1];
    best[0] = 0;
    for (size_t r = 1; r <= rem; ++r) {
        best[r] = 1e30f;
        for (size_t k = 0; k < count; ++k) {
            const size_t covered = stages[k].lanes < r ? stages[k].lanes : r;
            const float c = stages[k].pass_cost + best[r - covered];
            if (c < best[r]) {
                best[r] = c;
                first[r] = k;
            }
        }
    }
    return first[rem];
}

// For items [0, n): fill(i, X, key) prepares item i, drain(i, X, key)
// finishes it after ROMix.
template <typename Fill, typename Drain>
void run_passes(const Stage* stages, size_t count, uint64_t n, Fill fill, Drain drain) {
    if (n == 0) return;
    alignas(64) uint32_t X[kMaxLanes][kBlockWords];
    HmacKey keys[kMaxLanes];
    for (uint64_t done = 0; done < n;) {
        const uint64_t rem = n - done;
        const Stage& st = rem >= stages[0].lanes
                              ? stages[0]
                              : stages[first_stage_for(stages, count, size_t(rem))];
        const size_t m = rem < st.lanes ? size_t(rem) : st.lanes;
        // Sized by the stage, not the variant: a thread that only calls
        // hash() keeps 128 KiB, not 2 MiB.
        uint8_t* scratch = thread_scratch(st.lanes * kScratchPerHash);
        for (size_t l = 0; l < m; ++l) fill(done + l, X[l], keys[l]);
        for (size_t l = m; l < st.lanes; ++l) std::memcpy(X[l], X[0], sizeof X[0]);
        st.romix(X, scratch);
        for (size_t l = 0; l < m; ++l) drain(done + l, X[l], keys[l]);
        done += m;
    }
}

inline void hash_many_with(const Stage* stages, size_t count, const uint8_t* in, size_t item,
                           size_t n, uint8_t* out) {
    run_passes(
        stages, count, n,
        [&](uint64_t i, uint32_t* X, HmacKey& key) {
            const uint8_t* p = in + i * item;
            hmac_key(p, item, key);
            pbkdf2_expand(key, p, item, X);
        },
        [&](uint64_t i, const uint32_t* X, const HmacKey& key) {
            pbkdf2_finish(key, X, out + 32 * i);
        });
}

inline void scan_with(const Stage* stages, size_t count, const uint8_t* header, uint32_t start,
                      uint64_t n, const uint8_t* target, NonceList& hits) {
    // Bytes 0..64 are the same for every nonce: the SHA-256 state after
    // them (first block of the HMAC key hash) is computed once.
    uint32_t first64[8];
    sha256_midstate(header, first64);
    uint8_t hdr[80];
    std::memcpy(hdr, header, 76);
    run_passes(
        stages, count, n,
        [&](uint64_t i, uint32_t* X, HmacKey& key) {
            store_le32(hdr + 76, start + uint32_t(i));  // wraps modulo 2^32
            hmac_key(hdr, 80, key, first64);
            pbkdf2_expand(key, hdr, 80, X);
        },
        [&](uint64_t i, const uint32_t* X, const HmacKey& key) {
            finish_scan_lane(key, X, target, start + uint32_t(i), hits);
        });
}

// The three Kernel entry points for a variant's stage table.
template <const Stage* Stages, size_t Count>
struct Entry {
    static void hash(const uint8_t* in, size_t len, uint8_t* out) {
        hash_many_with(Stages, Count, in, len, 1, out);
    }
    static void hash_many(const uint8_t* in, size_t item, size_t n, uint8_t* out) {
        hash_many_with(Stages, Count, in, item, n, out);
    }
    static void scan(const uint8_t* header, uint32_t start, uint64_t n, const uint8_t* target,
                     NonceList& hits) {
        scan_with(Stages, Count, header, start, n, target, hits);
    }
};

}  // namespace
}  // namespace chimera::scrypt
