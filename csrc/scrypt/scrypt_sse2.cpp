// scrypt with SSE2: diagonal-layout Salsa20/8, 4 hashes interleaved (16
// xmm registers; measured faster than 2 or 3 on the dev machine); 2 and 1
// for the last few items of a batch.
#include "common/cpu.hpp"
#include "common/kernel.hpp"
#include "scrypt/scrypt_diagonal.hpp"
#include "scrypt/scrypt_driver.hpp"
#include "scrypt/scrypt_ops128.hpp"

namespace chimera::scrypt {
namespace {

void romix4(uint32_t (*X)[kBlockWords], uint8_t* s) { romix_diag<Xmm1, 4>(X, s); }
void romix2(uint32_t (*X)[kBlockWords], uint8_t* s) { romix_diag<Xmm1, 2>(X, s); }
void romix1(uint32_t (*X)[kBlockWords], uint8_t* s) { romix_diag<Xmm1, 1>(X, s); }

// Pass costs: lanes / kH/s measured for each stage alone (8.1, 6.2, 4.3).
constexpr Stage kStages[] = {{4, romix4, 0.49f}, {2, romix2, 0.32f}, {1, romix1, 0.23f}};
using E = Entry<kStages, 3>;

}  // namespace

extern const Kernel scrypt_sse2 = {"scrypt", "sse2", cpu::SSE2, 32, E::hash, E::hash_many, E::scan};

}  // namespace chimera::scrypt
