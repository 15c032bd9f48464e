#include "common/kernel.hpp"

namespace chimera {
namespace scrypt {
extern const Kernel scrypt_scalar;
#if defined(CHIMERA_X86_64)
extern const Kernel scrypt_sse2, scrypt_avx2, scrypt_avx512;
#endif
}  // namespace scrypt

// Best first, by measurement (benchmarks/bench_scrypt.py).
const std::vector<const Kernel*>& scrypt_variants() {
    static const std::vector<const Kernel*> v = {
#if defined(CHIMERA_X86_64)
        &scrypt::scrypt_avx512,
        &scrypt::scrypt_avx2,
        &scrypt::scrypt_sse2,
#endif
        &scrypt::scrypt_scalar,
    };
    return v;
}

}  // namespace chimera
