// Portable scrypt: the word-sliced ROMix with a single 32-bit lane. Always
// compiled, always tested; the reference the SIMD variants are checked
// against (besides hashlib.scrypt).
#include <cstring>

#include "common/bytes.hpp"
#include "common/kernel.hpp"
#include "scrypt/scrypt_driver.hpp"
#include "scrypt/scrypt_sliced.hpp"

namespace chimera::scrypt {
namespace {

struct ScalarLane {
    using V = uint32_t;
    static constexpr size_t kLanes = 1;
    static V add(V a, V b) { return a + b; }
    static V xor_(V a, V b) { return a ^ b; }
    template <int K>
    static V rotl(V a) { return rotl32(a, K); }
    static void load_state(const uint32_t (*X)[kBlockWords], V* x) {
        std::memcpy(x, X[0], kBlockBytes);
    }
    static void store_state(const V* x, uint32_t (*X)[kBlockWords]) {
        std::memcpy(X[0], x, kBlockBytes);
    }
    static void store_block(const V* x, uint8_t* dst) { std::memcpy(dst, x, kBlockBytes); }
    static void xor_block(V* x, const uint8_t* const* src) {
        for (size_t w = 0; w < kBlockWords; ++w) x[w] ^= load_le32(src[0] + 4 * w);
    }
    static void index(V x16, uint32_t* j) { j[0] = x16 & (kN - 1); }
};

void romix1(uint32_t (*X)[kBlockWords], uint8_t* s) { romix_sliced<ScalarLane>(X, s); }

constexpr Stage kStages[] = {{1, romix1, 1.0f}};
using E = Entry<kStages, 1>;

}  // namespace

extern const Kernel scrypt_scalar = {"scrypt", "scalar", 0, 32, E::hash, E::hash_many, E::scan};

}  // namespace chimera::scrypt
