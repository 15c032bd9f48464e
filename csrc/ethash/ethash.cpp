#include "ethash/ethash.hpp"

#include <cstring>

#include "ethash/keccak.hpp"

namespace chimera::ethash {
namespace {

constexpr uint32_t kFnvPrime = 0x01000193;

inline uint32_t fnv(uint32_t a, uint32_t b) { return a * kFnvPrime ^ b; }

inline void prefetch(const void* p) { __builtin_prefetch(p, 0, 3); }

bool is_prime(uint64_t x) {
    if (x < 2) return false;
    if (x % 2 == 0) return x == 2;
    for (uint64_t d = 3; d * d <= x; d += 2)
        if (x % d == 0) return false;
    return true;
}

uint64_t prime_size(uint64_t bound, uint64_t item) {
    uint64_t size = bound - item;
    while (!is_prime(size / item)) size -= 2 * item;
    return size;
}

// Start of a dataset node: the cache node index % n, word 0 xored with the
// index, hashed.
inline void item_init(const Node* cache, size_t n, uint32_t index, Node& mix) {
    mix = cache[index % n];
    mix.w[0] ^= index;
    keccak512_64(mix.q, mix.q);
}

inline void fnv_node(Node& mix, const Node& parent) {
    for (size_t k = 0; k < kNodeWords; ++k) mix.w[k] = fnv(mix.w[k], parent.w[k]);
}

// Two dataset nodes at once: their parent chains are independent, so the
// two random cache reads of each step overlap instead of queuing.
void dataset_item_pair(const Node* cache, size_t n, uint32_t ia, uint32_t ib, Node& a, Node& b) {
    item_init(cache, n, ia, a);
    item_init(cache, n, ib, b);
    const uint32_t nn = static_cast<uint32_t>(n);
    for (uint32_t j = 0; j < kDatasetParents; ++j) {
        const Node& pa = cache[fnv(ia ^ j, a.w[j % kNodeWords]) % nn];
        const Node& pb = cache[fnv(ib ^ j, b.w[j % kNodeWords]) % nn];
        fnv_node(a, pa);
        fnv_node(b, pb);
    }
    keccak512_64(a.q, a.q);
    keccak512_64(b.q, b.q);
}

struct Seed {
    Node s;  // keccak-512(header_hash || nonce_le)
};

Seed make_seed(const uint8_t header_hash[32], uint64_t nonce) {
    uint8_t buf[40];
    std::memcpy(buf, header_hash, 32);
    std::memcpy(buf + 32, &nonce, 8);
    Seed seed;
    keccak512(buf, 40, seed.s.b);
    return seed;
}

Result finish(const Seed& seed, const uint32_t mix[32]) {
    Result r;
    uint32_t cmix[8];
    for (int i = 0; i < 8; ++i)
        cmix[i] = fnv(fnv(fnv(mix[4 * i], mix[4 * i + 1]), mix[4 * i + 2]), mix[4 * i + 3]);
    std::memcpy(r.mix_hash, cmix, 32);
    uint8_t buf[96];
    std::memcpy(buf, seed.s.b, 64);
    std::memcpy(buf + 64, cmix, 32);
    keccak256(buf, 96, r.final_hash);
    return r;
}

template <typename Lookup>
Result hashimoto(uint64_t full_size, const uint8_t header_hash[32], uint64_t nonce,
                 Lookup&& lookup_page) {
    const Seed seed = make_seed(header_hash, nonce);
    const uint32_t pages = static_cast<uint32_t>(full_size / kMixBytes);
    uint32_t mix[32];
    for (int i = 0; i < 32; ++i) mix[i] = seed.s.w[i % 16];
    Node page[2];
    for (uint32_t i = 0; i < kAccesses; ++i) {
        const uint32_t p = fnv(i ^ seed.s.w[0], mix[i % 32]) % pages;
        lookup_page(p, page);
        for (int k = 0; k < 16; ++k) mix[k] = fnv(mix[k], page[0].w[k]);
        for (int k = 0; k < 16; ++k) mix[16 + k] = fnv(mix[16 + k], page[1].w[k]);
    }
    return finish(seed, mix);
}

}  // namespace

uint64_t cache_size(uint64_t epoch) {
    return prime_size(kCacheInitBytes + kCacheGrowthBytes * epoch, kNodeBytes);
}

uint64_t dataset_size(uint64_t epoch) {
    return prime_size(kDatasetInitBytes + kDatasetGrowthBytes * epoch, kMixBytes);
}

void seed_hash(uint64_t rounds, uint8_t out[32]) {
    std::memset(out, 0, 32);
    for (uint64_t i = 0; i < rounds; ++i) keccak256(out, 32, out);
}

void build_cache(const uint8_t seed[32], Node* cache, size_t n) {
    keccak512(seed, 32, cache[0].b);
    for (size_t i = 1; i < n; ++i) keccak512_64(cache[i - 1].q, cache[i].q);

    // RandMemoHash: node j := keccak512(node[j-1] xor node[node[j].w0 % n]).
    // The xor partner's index is known a few steps ahead: prefetch it.
    constexpr size_t kAhead = 4;
    for (int round = 0; round < kCacheRounds; ++round) {
        for (size_t j = 0; j < n; ++j) {
            if (j + kAhead < n) prefetch(&cache[cache[j + kAhead].w[0] % n]);
            const Node& prev = cache[(j + n - 1) % n];
            const Node& other = cache[cache[j].w[0] % n];
            Node t;
            for (int k = 0; k < 8; ++k) t.q[k] = prev.q[k] ^ other.q[k];
            keccak512_64(t.q, cache[j].q);
        }
    }
}

void dataset_item(const Node* cache, size_t n, uint32_t index, Node* out) {
    Node mix;
    item_init(cache, n, index, mix);
    const uint32_t nn = static_cast<uint32_t>(n);
    for (uint32_t j = 0; j < kDatasetParents; ++j)
        fnv_node(mix, cache[fnv(index ^ j, mix.w[j % kNodeWords]) % nn]);
    keccak512_64(mix.q, out->q);
}

void dataset_range(const Node* cache, size_t n, uint64_t first, uint64_t last, Node* out) {
    uint64_t i = first;
    for (; i + 1 < last; i += 2)
        dataset_item_pair(cache, n, uint32_t(i), uint32_t(i + 1), out[i - first],
                          out[i + 1 - first]);
    if (i < last) dataset_item(cache, n, uint32_t(i), &out[i - first]);
}

Result hashimoto_light(const Node* cache, size_t n, uint64_t full_size,
                       const uint8_t header_hash[32], uint64_t nonce) {
    return hashimoto(full_size, header_hash, nonce, [&](uint32_t p, Node page[2]) {
        dataset_item_pair(cache, n, 2 * p, 2 * p + 1, page[0], page[1]);
    });
}

Result hashimoto_full(const Node* dataset, uint64_t full_size, const uint8_t header_hash[32],
                      uint64_t nonce) {
    return hashimoto(full_size, header_hash, nonce, [&](uint32_t p, Node page[2]) {
        page[0] = dataset[2 * size_t(p)];
        page[1] = dataset[2 * size_t(p) + 1];
    });
}

void final_hash_from_mix(const uint8_t header_hash[32], uint64_t nonce, const uint8_t mix[32],
                         uint8_t out[32]) {
    const Seed seed = make_seed(header_hash, nonce);
    uint8_t buf[96];
    std::memcpy(buf, seed.s.b, 64);
    std::memcpy(buf + 64, mix, 32);
    keccak256(buf, 96, out);
}

}  // namespace chimera::ethash
