#include "common/kernel.hpp"

namespace chimera {
namespace sha256 {
extern const Kernel sha256d_scalar;
#if defined(CHIMERA_X86_64)
extern const Kernel sha256d_shani;
extern const Kernel sha256d_avx512;
extern const Kernel sha256d_avx2;
#endif
}  // namespace sha256

// Best first, by scan rate measured on a Xeon with SHA-NI, AVX2 and
// AVX-512 (see docs/performance.md): 16 lanes beat SHA-NI, whose rounds
// instruction is throughput-bound there. Every variant's hash() of a single
// input uses SHA-NI when present anyway.
const std::vector<const Kernel*>& sha256d_variants() {
    static const std::vector<const Kernel*> v = {
#if defined(CHIMERA_X86_64)
        &sha256::sha256d_avx512,
        &sha256::sha256d_shani,
        &sha256::sha256d_avx2,
#endif
        &sha256::sha256d_scalar,
    };
    return v;
}

}  // namespace chimera
