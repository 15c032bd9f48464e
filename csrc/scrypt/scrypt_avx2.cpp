// scrypt with AVX2: 8 hashes, one per 32-bit lane of ymm registers.
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
void romix_d1(uint32_t (*X)[kBlockWords], uint8_t* s) { romix_diag<Xmm1, 1>(X, s); }
void romix_y2x2(uint32_t (*X)[kBlockWords], uint8_t* s) { romix_diag<Ymm2, 2>(X, s); }
void romix_y2x3(uint32_t (*X)[kBlockWords], uint8_t* s) { romix_diag<Ymm2, 3>(X, s); }
void romix_y2x4(uint32_t (*X)[kBlockWords], uint8_t* s) { romix_diag<Ymm2, 4>(X, s); }

void hash(const uint8_t* in, size_t len, uint8_t* out) { hash_many_lanes<1, romix_d1>(in, len, 1, out); }

}  // namespace

extern const Kernel scrypt_avx2 = {"scrypt", "avx2", cpu::AVX2, 32, hash, hash_many_lanes<8, romix8>, scan_lanes<8, romix8>};
extern const Kernel scrypt_avx2_d4 = {"scrypt", "avx2d4", cpu::AVX2, 32, hash, hash_many_lanes<4, romix_y2x2>, scan_lanes<4, romix_y2x2>};
extern const Kernel scrypt_avx2_d6 = {"scrypt", "avx2d6", cpu::AVX2, 32, hash, hash_many_lanes<6, romix_y2x3>, scan_lanes<6, romix_y2x3>};
extern const Kernel scrypt_avx2_d8 = {"scrypt", "avx2d8", cpu::AVX2, 32, hash, hash_many_lanes<8, romix_y2x4>, scan_lanes<8, romix_y2x4>};

}  // namespace chimera::scrypt
