// Portable x86-64 / any-64-bit build of ethash.
#define CHIMERA_ETHASH_VARIANT kScalarVariant
#define CHIMERA_ETHASH_ISA "scalar"
#define CHIMERA_ETHASH_REQUIRES 0u
#include "ethash/variant.inc"
