#include "common/kernel.hpp"

namespace chimera {
namespace sha256 {
extern const Kernel sha256d_scalar;
}

const std::vector<const Kernel*>& sha256d_variants() {
    static const std::vector<const Kernel*> v = {
        &sha256::sha256d_scalar,
    };
    return v;
}

}  // namespace chimera
