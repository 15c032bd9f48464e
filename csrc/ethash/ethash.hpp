// Ethash (the Ethereum yellow paper, appendix J, and the Ethash wiki spec),
// parametrised by cache and dataset size so tests can run it on tiny sizes.
//
// All words are little-endian uint32 on the wire; node = 64 bytes (16 words),
// a dataset row ("page") = 2 nodes = 128 bytes. Keccak here is the original
// Keccak (padding byte 0x01), not SHA-3.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace chimera::ethash {

constexpr size_t kNodeBytes = 64;
constexpr size_t kNodeWords = 16;
constexpr size_t kMixBytes = 128;
constexpr uint64_t kCacheInitBytes = uint64_t(1) << 24;
constexpr uint64_t kCacheGrowthBytes = uint64_t(1) << 17;
constexpr uint64_t kDatasetInitBytes = uint64_t(1) << 30;
constexpr uint64_t kDatasetGrowthBytes = uint64_t(1) << 23;
constexpr int kCacheRounds = 3;
constexpr uint32_t kDatasetParents = 256;
constexpr int kAccesses = 64;

union Node {
    uint32_t w[kNodeWords];
    uint64_t q[8];
    uint8_t b[kNodeBytes];
};
static_assert(sizeof(Node) == 64);

struct Result {
    uint8_t mix_hash[32];
    uint8_t final_hash[32];
};

// One compiled copy of the algorithm (same code, different compiler flags).
struct Variant {
    const char* isa;        // "scalar", "bmi2"
    uint32_t requires_cpu;  // cpu::Feature bits

    void (*keccak256)(const uint8_t* in, size_t len, uint8_t out[32]);
    void (*keccak512)(const uint8_t* in, size_t len, uint8_t out[64]);
    // Fill n >= 1 nodes from the seed: keccak-512 chain, then kCacheRounds
    // passes of RandMemoHash.
    void (*build_cache)(const uint8_t seed[32], Node* cache, size_t n);
    // Dataset nodes [first, last) from the cache (n nodes) into out[0..].
    void (*dataset_range)(const Node* cache, size_t n, uint64_t first, uint64_t last, Node* out);
    // `full_size` bytes of dataset (a multiple of 128); nonce as a number.
    Result (*hashimoto_light)(const Node* cache, size_t n, uint64_t full_size,
                              const uint8_t header_hash[32], uint64_t nonce);
    Result (*hashimoto_full)(const Node* dataset, uint64_t full_size,
                             const uint8_t header_hash[32], uint64_t nonce);
    // keccak256(keccak512(header_hash || nonce_le) || mix): no dataset access.
    void (*final_hash_from_mix)(const uint8_t header_hash[32], uint64_t nonce,
                                const uint8_t mix[32], uint8_t out[32]);
};

// Compiled variants, best first.
const std::vector<const Variant*>& variants();
// The variant in use: the best one this CPU supports, or the one named by
// CHIMERA_ISA when it is supported. Thread-safe to read.
const Variant& active();
// Switch the process to variant `isa` (tests compare variants). False if
// unknown or unsupported.
bool use_variant(const std::string& isa);

// Spec sizes: the largest size <= the linear bound whose item count is prime.
uint64_t cache_size(uint64_t epoch);
uint64_t dataset_size(uint64_t epoch);

// keccak-256 applied `rounds` times to 32 zero bytes.
void seed_hash(uint64_t rounds, uint8_t out[32]);

}  // namespace chimera::ethash
