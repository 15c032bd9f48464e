/* The exported side of the Chimera WASM plugin ABI v1: version, scratch
 * memory, and the batched entry points wrapping the algorithm's hooks. The
 * host bounds-checks every offset it receives; these checks keep a plugin from
 * reading or writing past its own memory on a bad request. */
#include "chimera_plugin.h"

#define EXPORT(name) __attribute__((export_name(name)))
#define PAGE 65536u

extern unsigned char __heap_base; /* first byte after static data and stack */

static uint32_t memory_bytes(void) { return (uint32_t)__builtin_wasm_memory_size(0) * PAGE; }

static int in_memory(uint32_t ptr, uint64_t len) {
    return (uint64_t)ptr + len <= (uint64_t)memory_bytes();
}

EXPORT("chimera_abi_version") uint32_t chimera_abi_version(void) { return CHIMERA_ABI_VERSION; }

EXPORT("chimera_digest_size") uint32_t chimera_digest_size(void) { return plugin_digest_size(); }

/* One scratch region at the heap base, grown on demand; the host writes
 * inputs there and reads results back. Returns 0 when memory cannot grow. */
EXPORT("chimera_scratch") uint32_t chimera_scratch(uint32_t nbytes) {
    const uint32_t base = ((uint32_t)&__heap_base + 15u) & ~15u;
    const uint64_t need = (uint64_t)base + nbytes;
    const uint64_t have = memory_bytes();
    if (need > have) {
        const uint64_t pages = (need - have + PAGE - 1) / PAGE;
        if (__builtin_wasm_memory_grow(0, (uint32_t)pages) == (size_t)-1) return 0;
    }
    return base;
}

EXPORT("chimera_hash_many")
int32_t chimera_hash_many(uint32_t in, uint32_t item_size, uint32_t n, uint32_t out) {
    const uint32_t dsize = plugin_digest_size();
    if (!in_memory(in, (uint64_t)item_size * n) || !in_memory(out, (uint64_t)dsize * n))
        return -CHIMERA_E_BOUNDS;
    plugin_hash_many((const uint8_t *)(uintptr_t)in, item_size, n, (uint8_t *)(uintptr_t)out);
    return 0;
}

EXPORT("chimera_scan")
int32_t chimera_scan(uint32_t header, uint32_t start, uint32_t count, uint32_t target, uint32_t hits) {
    if (count > 0x7fffffffu) return -CHIMERA_E_ARGUMENT;
    if (!in_memory(header, 80) || !in_memory(target, 32) || !in_memory(hits, (uint64_t)count * 4))
        return -CHIMERA_E_BOUNDS;
    return (int32_t)plugin_scan((const uint8_t *)(uintptr_t)header, start, count,
                                (const uint8_t *)(uintptr_t)target, (uint32_t *)(uintptr_t)hits);
}
