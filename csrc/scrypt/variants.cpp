#include "common/kernel.hpp"

namespace chimera {
namespace scrypt {
extern const Kernel scrypt_scalar;
#if defined(CHIMERA_X86_64)
extern const Kernel scrypt_sse2_k1, scrypt_sse2_k2, scrypt_sse2_k3, scrypt_sse2_k4;
extern const Kernel scrypt_avx2, scrypt_avx2_d4, scrypt_avx2_d6, scrypt_avx2_d8;
extern const Kernel scrypt_avx512, scrypt_avx512_y8;
#endif
}

// Best first, by measurement (see benchmarks/bench_scrypt.py).
const std::vector<const Kernel*>& scrypt_variants() {
    static const std::vector<const Kernel*> v = {
#if defined(CHIMERA_X86_64)
        &scrypt::scrypt_avx512, &scrypt::scrypt_avx512_y8,
        &scrypt::scrypt_avx2, &scrypt::scrypt_avx2_d4, &scrypt::scrypt_avx2_d6, &scrypt::scrypt_avx2_d8,
        &scrypt::scrypt_sse2_k1, &scrypt::scrypt_sse2_k2, &scrypt::scrypt_sse2_k3, &scrypt::scrypt_sse2_k4,
#endif
        &scrypt::scrypt_scalar,
    };
    return v;
}

}  // namespace chimera
