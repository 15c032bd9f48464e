/* BLAKE3 (32-byte output, unkeyed hash mode) for the Chimera WASM ABI,
 * written from the BLAKE3 specification: 1 KiB chunks of 64-byte blocks,
 * a 7-round compression function, and a binary tree of chaining values. */
#include "chimera_plugin.h"

enum { CHUNK_START = 1, CHUNK_END = 2, PARENT = 4, ROOT = 8 };
enum { BLOCK_LEN = 64, CHUNK_LEN = 1024, MAX_DEPTH = 54 };

static const uint32_t IV[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};
static const uint8_t PERMUTATION[16] = {2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8};

#define G(a, b, c, d, mx, my)                                   \
    do {                                                        \
        s[a] = s[a] + s[b] + (mx); s[d] = rotr32(s[d] ^ s[a], 16); \
        s[c] = s[c] + s[d];        s[b] = rotr32(s[b] ^ s[c], 12); \
        s[a] = s[a] + s[b] + (my); s[d] = rotr32(s[d] ^ s[a], 8);  \
        s[c] = s[c] + s[d];        s[b] = rotr32(s[b] ^ s[c], 7);  \
    } while (0)

/* The compression function; writes the first 8 output words to out. */
static void compress(const uint32_t cv[8], const uint32_t block[16], uint64_t counter, uint32_t block_len,
                     uint32_t flags, uint32_t out[8]) {
    uint32_t s[16] = {cv[0], cv[1], cv[2], cv[3], cv[4], cv[5], cv[6], cv[7],
                      IV[0], IV[1], IV[2], IV[3], (uint32_t)counter, (uint32_t)(counter >> 32), block_len, flags};
    uint32_t m[16], t[16];
    for (int i = 0; i < 16; ++i) m[i] = block[i];
    for (int r = 0; r < 7; ++r) {
        G(0, 4, 8, 12, m[0], m[1]);
        G(1, 5, 9, 13, m[2], m[3]);
        G(2, 6, 10, 14, m[4], m[5]);
        G(3, 7, 11, 15, m[6], m[7]);
        G(0, 5, 10, 15, m[8], m[9]);
        G(1, 6, 11, 12, m[10], m[11]);
        G(2, 7, 8, 13, m[12], m[13]);
        G(3, 4, 9, 14, m[14], m[15]);
        if (r < 6) {
            for (int i = 0; i < 16; ++i) t[i] = m[PERMUTATION[i]];
            for (int i = 0; i < 16; ++i) m[i] = t[i];
        }
    }
    for (int i = 0; i < 8; ++i) out[i] = s[i] ^ s[i + 8];
}

/* What the last compression of a node needs; ROOT is added only once we
 * know the node is the root. */
typedef struct {
    uint32_t cv[8];
    uint32_t block[16];
    uint64_t counter;
    uint32_t block_len;
    uint32_t flags;
} Output;

static void load_block(const uint8_t *in, uint32_t len, uint32_t words[16]) {
    uint8_t buf[BLOCK_LEN] = {0};
    for (uint32_t i = 0; i < len; ++i) buf[i] = in[i];
    for (int i = 0; i < 16; ++i) words[i] = load_le32(buf + 4 * i);
}

/* Compress all but the last block of a chunk; return the last as an Output. */
static Output chunk_output(const uint8_t *in, uint32_t len, uint64_t chunk_counter) {
    Output o;
    for (int i = 0; i < 8; ++i) o.cv[i] = IV[i];
    uint32_t flags = CHUNK_START;
    while (len > BLOCK_LEN) {
        uint32_t words[16];
        load_block(in, BLOCK_LEN, words);
        compress(o.cv, words, chunk_counter, BLOCK_LEN, flags, o.cv);
        flags = 0;
        in += BLOCK_LEN;
        len -= BLOCK_LEN;
    }
    load_block(in, len, o.block);
    o.counter = chunk_counter;
    o.block_len = len;
    o.flags = flags | CHUNK_END;
    return o;
}

static Output parent_output(const uint32_t left[8], const uint32_t right[8]) {
    Output o;
    for (int i = 0; i < 8; ++i) {
        o.cv[i] = IV[i];
        o.block[i] = left[i];
        o.block[i + 8] = right[i];
    }
    o.counter = 0;
    o.block_len = BLOCK_LEN;
    o.flags = PARENT;
    return o;
}

static void chaining_value(const Output *o, uint32_t cv[8]) {
    compress(o->cv, o->block, o->counter, o->block_len, o->flags, cv);
}

static void blake3(const uint8_t *in, uint32_t len, uint8_t out[32]) {
    uint32_t stack[MAX_DEPTH][8];
    int depth = 0;
    uint64_t chunk = 0;
    /* Every chunk but the last is finished and merged into the stack: after
     * the k-th chunk, merge one parent per trailing zero bit of k. */
    while (len > CHUNK_LEN) {
        Output o = chunk_output(in, CHUNK_LEN, chunk);
        uint32_t cv[8];
        chaining_value(&o, cv);
        uint64_t total = ++chunk;
        while ((total & 1) == 0) {
            Output p = parent_output(stack[--depth], cv);
            chaining_value(&p, cv);
            total >>= 1;
        }
        for (int i = 0; i < 8; ++i) stack[depth][i] = cv[i];
        ++depth;
        in += CHUNK_LEN;
        len -= CHUNK_LEN;
    }
    Output o = chunk_output(in, len, chunk);
    while (depth > 0) {
        uint32_t cv[8];
        chaining_value(&o, cv);
        o = parent_output(stack[--depth], cv);
    }
    uint32_t words[8];
    compress(o.cv, o.block, 0, o.block_len, o.flags | ROOT, words);
    for (int i = 0; i < 8; ++i) store_le32(out + 4 * i, words[i]);
}

uint32_t plugin_digest_size(void) { return 32; }

void plugin_hash_many(const uint8_t *in, uint32_t item_size, uint32_t n, uint8_t *out) {
    for (uint32_t i = 0; i < n; ++i) blake3(in + (size_t)i * item_size, item_size, out + 32 * (size_t)i);
}

uint32_t plugin_scan(const uint8_t *header, uint32_t start, uint32_t count, const uint8_t *target,
                     uint32_t *hits) {
    uint8_t buf[80], digest[32];
    for (int i = 0; i < 80; ++i) buf[i] = header[i];
    uint32_t found = 0, nonce = start;
    for (uint32_t i = 0; i < count; ++i, ++nonce) {
        store_le32(buf + 76, nonce);
        blake3(buf, 80, digest);
        if (le256_leq(digest, target)) hits[found++] = nonce;
    }
    return found;
}
