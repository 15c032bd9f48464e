// The single-buffer sha256d path: SHA-NI when the CPU has it, else portable.
#include "common/cpu.hpp"
#include "sha256/sha256_common.hpp"

namespace chimera::sha256 {

void sha256d_portable_hash(const uint8_t* in, size_t len, uint8_t* out);
#if defined(CHIMERA_X86_64)
void sha256d_shani_hash(const uint8_t* in, size_t len, uint8_t* out);
#endif

namespace {
using HashFn = void (*)(const uint8_t*, size_t, uint8_t*);

HashFn pick() {
#if defined(CHIMERA_X86_64)
    constexpr uint32_t shani = cpu::SHA | cpu::SSE41 | cpu::SSSE3;
    if ((cpu::features() & shani) == shani) return sha256d_shani_hash;
#endif
    return sha256d_portable_hash;
}
}  // namespace

void sha256d_single(const uint8_t* in, size_t len, uint8_t out[32]) {
    static const HashFn fn = pick();
    fn(in, len, out);
}

}  // namespace chimera::sha256
