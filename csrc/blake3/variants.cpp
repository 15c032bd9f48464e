#include "common/kernel.hpp"

namespace chimera {
namespace blake3 {
extern const Kernel blake3_scalar;
#if defined(CHIMERA_X86_64)
extern const Kernel blake3_sse41;
extern const Kernel blake3_avx2;
extern const Kernel blake3_avx512;
#endif
}  // namespace blake3

// Best first, by measured hash_many/scan throughput on 80-byte headers
// (docs/performance.md).
const std::vector<const Kernel*>& blake3_variants() {
    static const std::vector<const Kernel*> v = {
#if defined(CHIMERA_X86_64)
        &blake3::blake3_avx512,
        &blake3::blake3_avx2,
        &blake3::blake3_sse41,
#endif
        &blake3::blake3_scalar,
    };
    return v;
}

}  // namespace chimera
