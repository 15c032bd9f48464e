// scrypt with SSE2: diagonal-layout Salsa20/8, several hashes interleaved.
#include "common/cpu.hpp"
#include "common/kernel.hpp"
#include "scrypt/scrypt_diagonal.hpp"
#include "scrypt/scrypt_driver.hpp"
#include "scrypt/scrypt_ops128.hpp"

namespace chimera::scrypt {
namespace {

void romix1(uint32_t (*X)[kBlockWords], uint8_t* s) { romix_diag<Xmm1, 1>(X, s); }
void romix2(uint32_t (*X)[kBlockWords], uint8_t* s) { romix_diag<Xmm1, 2>(X, s); }
void romix3(uint32_t (*X)[kBlockWords], uint8_t* s) { romix_diag<Xmm1, 3>(X, s); }
void romix4(uint32_t (*X)[kBlockWords], uint8_t* s) { romix_diag<Xmm1, 4>(X, s); }

void hash(const uint8_t* in, size_t len, uint8_t* out) { hash_many_lanes<1, romix1>(in, len, 1, out); }

}  // namespace

extern const Kernel scrypt_sse2_k1 = {"scrypt", "sse2k1", cpu::SSE2, 32, hash, hash_many_lanes<1, romix1>, scan_lanes<1, romix1>};
extern const Kernel scrypt_sse2_k2 = {"scrypt", "sse2k2", cpu::SSE2, 32, hash, hash_many_lanes<2, romix2>, scan_lanes<2, romix2>};
extern const Kernel scrypt_sse2_k3 = {"scrypt", "sse2k3", cpu::SSE2, 32, hash, hash_many_lanes<3, romix3>, scan_lanes<3, romix3>};
extern const Kernel scrypt_sse2_k4 = {"scrypt", "sse2k4", cpu::SSE2, 32, hash, hash_many_lanes<4, romix4>, scan_lanes<4, romix4>};

}  // namespace chimera::scrypt
