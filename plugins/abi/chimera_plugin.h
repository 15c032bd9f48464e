/* Chimera WASM plugin ABI, version 1 (see docs/plugin-abi.md).
 *
 * A plugin is a freestanding wasm32 module that imports nothing. This header
 * declares what each algorithm file implements; chimera_plugin.c turns those
 * hooks into the exported entry points and owns the scratch memory. */
#ifndef CHIMERA_PLUGIN_H
#define CHIMERA_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#define CHIMERA_ABI_VERSION 1u

/* Error codes returned (negated) by the exported entry points. */
#define CHIMERA_E_ARGUMENT 1 /* an argument is out of range */
#define CHIMERA_E_BOUNDS 2   /* a pointer range lies outside linear memory */

/* Implemented by each algorithm file. */
uint32_t plugin_digest_size(void);
/* n items of item_size bytes each; digests written back to back into out. */
void plugin_hash_many(const uint8_t *in, uint32_t item_size, uint32_t n, uint8_t *out);
/* Append nonces in [start, start + count) (mod 2^32, little-endian at header
 * bytes 76..80) whose digest read as a little-endian integer is <= target.
 * Returns the number written to hits (never more than count). */
uint32_t plugin_scan(const uint8_t *header80, uint32_t start, uint32_t count,
                     const uint8_t *target_le32, uint32_t *hits);

/* Helpers shared by the algorithm files. */
static inline uint32_t load_be32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline void store_be32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}
static inline uint32_t load_le32(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline void store_le32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}
static inline uint32_t rotr32(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

/* digest (32 bytes) read as little-endian integer <= target (32 bytes LE). */
static inline int le256_leq(const uint8_t *d, const uint8_t *target) {
    for (int i = 31; i >= 0; --i)
        if (d[i] != target[i]) return d[i] < target[i];
    return 1;
}

#endif
