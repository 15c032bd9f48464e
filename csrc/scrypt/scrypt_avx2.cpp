// scrypt with AVX2: 8 hashes, one per 32-bit lane of ymm registers; one
// diagonal-layout hash for single items (hash()) and short remainders.
#include "common/cpu.hpp"
#include "common/kernel.hpp"
#include "scrypt/scrypt_diagonal.hpp"
#include "scrypt/scrypt_driver.hpp"
#include "scrypt/scrypt_lanes_x86.hpp"
#include "scrypt/scrypt_ops128.hpp"
#include "scrypt/scrypt_sliced.hpp"

namespace chimera::scrypt {
namespace {

void romix8(uint32_t (*X)[kBlockWords], uint8_t* s) { romix_sliced<Ymm8<false>>(X, s); }
void romix1(uint32_t (*X)[kBlockWords], uint8_t* s) { romix_diag<Xmm1, 1>(X, s); }

// Pass costs: lanes / kH/s measured for each stage alone (14.5, 4.3).
constexpr Stage kStages[] = {{8, romix8, 0.55f}, {1, romix1, 0.23f}};
using E = Entry<kStages, 2>;

}  // namespace

extern const Kernel scrypt_avx2 = {"scrypt", "avx2", cpu::AVX2, 32, E::hash, E::hash_many, E::scan};

}  // namespace chimera::scrypt
