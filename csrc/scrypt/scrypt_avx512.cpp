// scrypt with AVX-512: hashes one per 32-bit lane, with the one-instruction
// rotate (vprold).
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
void romix_d1(uint32_t (*X)[kBlockWords], uint8_t* s) { romix_diag<Xmm1, 1>(X, s); }

void hash(const uint8_t* in, size_t len, uint8_t* out) { hash_many_lanes<1, romix_d1>(in, len, 1, out); }

}  // namespace

constexpr uint32_t kAvx512 = cpu::AVX512F | cpu::AVX512VL;
extern const Kernel scrypt_avx512 = {"scrypt", "avx512", kAvx512, 32, hash, hash_many_lanes<16, romix16>, scan_lanes<16, romix16>};
extern const Kernel scrypt_avx512_y8 = {"scrypt", "avx512y8", kAvx512, 32, hash, hash_many_lanes<8, romix8>, scan_lanes<8, romix8>};

}  // namespace chimera::scrypt
