// scrypt with AVX-512: 16 hashes, one per 32-bit lane of zmm registers, with
// the one-instruction rotate (vprold). The 16 scratchpads take 2 MiB, this
// machine's L2 per core; measured faster than 8 lanes in ymm registers
// (which keep the VL rotate and 32 registers), used here for remainders of
// up to 8 items, and one diagonal-layout hash for hash().
#include "common/cpu.hpp"
#include "common/kernel.hpp"
#include "scrypt/scrypt_diagonal.hpp"
#include "scrypt/scrypt_driver.hpp"
#include "scrypt/scrypt_lanes_x86.hpp"
#include "scrypt/scrypt_ops128.hpp"
#include "scrypt/scrypt_sliced.hpp"

namespace chimera::scrypt {
namespace {

void romix16(uint32_t (*X)[kBlockWords], uint8_t* s) { romix_sliced<Zmm16>(X, s); }
void romix8(uint32_t (*X)[kBlockWords], uint8_t* s) { romix_sliced<Ymm8<true>>(X, s); }
void romix1(uint32_t (*X)[kBlockWords], uint8_t* s) { romix_diag<Xmm1, 1>(X, s); }

// Pass costs: lanes / kH/s measured for each stage alone (30, 22, 6.2).
constexpr Stage kStages[] = {{16, romix16, 0.53f}, {8, romix8, 0.36f}, {1, romix1, 0.16f}};
using E = Entry<kStages, 3>;

}  // namespace

extern const Kernel scrypt_avx512 = {"scrypt", "avx512", cpu::AVX512F | cpu::AVX512VL, 32,
                                     E::hash, E::hash_many, E::scan};

}  // namespace chimera::scrypt
