// The algorithms compiled into _core and the choice of variant for each.
#pragma once

#include <string>
#include <vector>

#include "common/kernel.hpp"

namespace chimera {

// Algorithm names in registration order.
std::vector<std::string> algorithm_names();

// All variants compiled for `algo`, best first (empty if unknown).
const std::vector<const Kernel*>& variants(const std::string& algo);

struct Selection {
    const Kernel* kernel = nullptr;  // nullptr: unknown algorithm
    bool forced_unavailable = false; // `forced` named a variant this CPU/build lacks
};

// The best variant the CPU supports, or the one named by `forced` (an ISA
// name) when non-empty and supported.
Selection select(const std::string& algo, const std::string& forced);

}  // namespace chimera
