/* sha256d (SHA-256 applied twice, FIPS 180-4) for the Chimera WASM ABI.
 * Portable C; the 80-byte scan compresses the constant first block once. */
#include "chimera_plugin.h"

#include <wasm_simd128.h>

/* FIPS 180-4 4.2.2: fractional parts of the cube roots of the first 64 primes. */
static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

/* FIPS 180-4 5.3.3. */
static const uint32_t IV[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

static void compress(uint32_t state[8], const uint8_t block[64]) {
    uint32_t w[64];
    for (int i = 0; i < 16; ++i) w[i] = load_be32(block + 4 * i);
    for (int i = 16; i < 64; ++i) {
        const uint32_t s0 = rotr32(w[i - 15], 7) ^ rotr32(w[i - 15], 18) ^ (w[i - 15] >> 3);
        const uint32_t s1 = rotr32(w[i - 2], 17) ^ rotr32(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
    uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
    for (int i = 0; i < 64; ++i) {
        const uint32_t t1 = h + (rotr32(e, 6) ^ rotr32(e, 11) ^ rotr32(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
        const uint32_t t2 = (rotr32(a, 2) ^ rotr32(a, 13) ^ rotr32(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g; g = f; f = e; e = d + t1;
        d = c; c = b; b = a; a = t1 + t2;
    }
    state[0] += a; state[1] += b; state[2] += c; state[3] += d;
    state[4] += e; state[5] += f; state[6] += g; state[7] += h;
}

static void sha256(const uint8_t *in, uint32_t len, uint8_t out[32]) {
    uint32_t st[8];
    for (int i = 0; i < 8; ++i) st[i] = IV[i];
    uint32_t off = 0;
    for (; off + 64 <= len; off += 64) compress(st, in + off);
    uint8_t tail[128] = {0};
    const uint32_t rem = len - off;
    for (uint32_t i = 0; i < rem; ++i) tail[i] = in[off + i];
    tail[rem] = 0x80;
    const uint32_t tail_len = rem + 9 <= 64 ? 64 : 128;
    const uint64_t bits = (uint64_t)len * 8;
    store_be32(tail + tail_len - 8, (uint32_t)(bits >> 32));
    store_be32(tail + tail_len - 4, (uint32_t)bits);
    compress(st, tail);
    if (tail_len == 128) compress(st, tail + 64);
    for (int i = 0; i < 8; ++i) store_be32(out + 4 * i, st[i]);
}

/* Second SHA-256 over a 32-byte digest: one block with fixed padding. */
static void sha256_of_digest(const uint8_t in[32], uint8_t out[32]) {
    uint8_t block[64] = {0};
    for (int i = 0; i < 32; ++i) block[i] = in[i];
    block[32] = 0x80;
    block[62] = 0x01; /* bit length 256 */
    uint32_t st[8];
    for (int i = 0; i < 8; ++i) st[i] = IV[i];
    compress(st, block);
    for (int i = 0; i < 8; ++i) store_be32(out + 4 * i, st[i]);
}

/* ---- four messages at once in wasm SIMD128 lanes (one lane per message) ---- */

typedef v128_t u32x4;

static inline u32x4 rotr4(u32x4 x, int n) { return wasm_v128_or(wasm_u32x4_shr(x, n), wasm_i32x4_shl(x, 32 - n)); }
static inline u32x4 add4(u32x4 a, u32x4 b) { return wasm_i32x4_add(a, b); }

/* One compression in each lane; w[0..15] hold the lanes' message words. */
static void compress4(u32x4 st[8], u32x4 w[16]) {
    u32x4 a = st[0], b = st[1], c = st[2], d = st[3], e = st[4], f = st[5], g = st[6], h = st[7];
    for (int i = 0; i < 64; ++i) {
        u32x4 wi;
        if (i < 16) {
            wi = w[i];
        } else {
            const u32x4 w15 = w[(i - 15) & 15], w2 = w[(i - 2) & 15];
            const u32x4 s0 = wasm_v128_xor(wasm_v128_xor(rotr4(w15, 7), rotr4(w15, 18)), wasm_u32x4_shr(w15, 3));
            const u32x4 s1 = wasm_v128_xor(wasm_v128_xor(rotr4(w2, 17), rotr4(w2, 19)), wasm_u32x4_shr(w2, 10));
            wi = add4(add4(w[i & 15], s0), add4(w[(i - 7) & 15], s1));
            w[i & 15] = wi;
        }
        const u32x4 S1 = wasm_v128_xor(wasm_v128_xor(rotr4(e, 6), rotr4(e, 11)), rotr4(e, 25));
        const u32x4 ch = wasm_v128_bitselect(f, g, e);
        const u32x4 t1 = add4(add4(add4(h, S1), add4(ch, wasm_i32x4_splat((int32_t)K[i]))), wi);
        const u32x4 S0 = wasm_v128_xor(wasm_v128_xor(rotr4(a, 2), rotr4(a, 13)), rotr4(a, 22));
        const u32x4 maj = wasm_v128_bitselect(a, c, wasm_v128_xor(b, c)) ;
        const u32x4 t2 = add4(S0, maj);
        h = g; g = f; f = e; e = add4(d, t1);
        d = c; c = b; b = a; a = add4(t1, t2);
    }
    st[0] = add4(st[0], a); st[1] = add4(st[1], b); st[2] = add4(st[2], c); st[3] = add4(st[3], d);
    st[4] = add4(st[4], e); st[5] = add4(st[5], f); st[6] = add4(st[6], g); st[7] = add4(st[7], h);
}

static inline u32x4 gather_be32(const uint8_t *const p[4], int off) {
    return wasm_u32x4_make(load_be32(p[0] + off), load_be32(p[1] + off), load_be32(p[2] + off), load_be32(p[3] + off));
}

static void init4(u32x4 st[8]) {
    for (int i = 0; i < 8; ++i) st[i] = wasm_i32x4_splat((int32_t)IV[i]);
}

/* Second SHA-256 of each lane's first digest, written as 4 x 32 bytes. */
static void finish4(const u32x4 first[8], uint8_t *const out[4]) {
    u32x4 w[16], st[8];
    for (int i = 0; i < 8; ++i) w[i] = first[i];
    w[8] = wasm_i32x4_splat((int32_t)0x80000000u);
    for (int i = 9; i < 15; ++i) w[i] = wasm_i32x4_splat(0);
    w[15] = wasm_i32x4_splat(256);
    init4(st);
    compress4(st, w);
    for (int i = 0; i < 8; ++i) {
        store_be32(out[0] + 4 * i, wasm_u32x4_extract_lane(st[i], 0));
        store_be32(out[1] + 4 * i, wasm_u32x4_extract_lane(st[i], 1));
        store_be32(out[2] + 4 * i, wasm_u32x4_extract_lane(st[i], 2));
        store_be32(out[3] + 4 * i, wasm_u32x4_extract_lane(st[i], 3));
    }
}

/* sha256d of four messages of the same length. */
static void hash4(const uint8_t *const in[4], uint32_t len, uint8_t *const out[4]) {
    u32x4 st[8], w[16];
    init4(st);
    uint32_t off = 0;
    for (; off + 64 <= len; off += 64) {
        const uint8_t *p[4] = {in[0] + off, in[1] + off, in[2] + off, in[3] + off};
        for (int i = 0; i < 16; ++i) w[i] = gather_be32(p, 4 * i);
        compress4(st, w);
    }
    const uint32_t rem = len - off;
    const uint32_t tail_len = rem + 9 <= 64 ? 64 : 128;
    uint8_t tails[4][128];
    const uint8_t *p[4];
    for (int l = 0; l < 4; ++l) {
        for (uint32_t i = 0; i < tail_len; ++i) tails[l][i] = 0;
        for (uint32_t i = 0; i < rem; ++i) tails[l][i] = in[l][off + i];
        tails[l][rem] = 0x80;
        const uint64_t bits = (uint64_t)len * 8;
        store_be32(tails[l] + tail_len - 8, (uint32_t)(bits >> 32));
        store_be32(tails[l] + tail_len - 4, (uint32_t)bits);
        p[l] = tails[l];
    }
    for (uint32_t blk = 0; blk < tail_len; blk += 64) {
        const uint8_t *q[4] = {p[0] + blk, p[1] + blk, p[2] + blk, p[3] + blk};
        for (int i = 0; i < 16; ++i) w[i] = gather_be32(q, 4 * i);
        compress4(st, w);
    }
    finish4(st, out);
}

uint32_t plugin_digest_size(void) { return 32; }

static void hash1(const uint8_t *in, uint32_t len, uint8_t *out) {
    uint8_t first[32];
    sha256(in, len, first);
    sha256_of_digest(first, out);
}

void plugin_hash_many(const uint8_t *in, uint32_t item_size, uint32_t n, uint8_t *out) {
    uint32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const uint8_t *src[4] = {in + (size_t)i * item_size, in + (size_t)(i + 1) * item_size,
                                 in + (size_t)(i + 2) * item_size, in + (size_t)(i + 3) * item_size};
        uint8_t *dst[4] = {out + 32 * (size_t)i, out + 32 * (size_t)(i + 1), out + 32 * (size_t)(i + 2),
                           out + 32 * (size_t)(i + 3)};
        hash4(src, item_size, dst);
    }
    for (; i < n; ++i) hash1(in + (size_t)i * item_size, item_size, out + 32 * (size_t)i);
}

/* Midstate scan, four nonces per step: the first 64 header bytes are
 * compressed once; each step compresses the second block for 4 nonces. */
uint32_t plugin_scan(const uint8_t *header, uint32_t start, uint32_t count, const uint8_t *target,
                     uint32_t *hits) {
    uint32_t mid[8];
    for (int i = 0; i < 8; ++i) mid[i] = IV[i];
    compress(mid, header);
    u32x4 w_fixed[16];
    for (int i = 0; i < 3; ++i) w_fixed[i] = wasm_i32x4_splat((int32_t)load_be32(header + 64 + 4 * i));
    w_fixed[4] = wasm_i32x4_splat((int32_t)0x80000000u);
    for (int i = 5; i < 15; ++i) w_fixed[i] = wasm_i32x4_splat(0);
    w_fixed[15] = wasm_i32x4_splat(640);
    uint8_t digests[4][32];
    uint8_t *const out[4] = {digests[0], digests[1], digests[2], digests[3]};
    uint32_t found = 0;
    uint32_t done = 0;
    while (done < count) {
        const uint32_t lanes = count - done < 4 ? count - done : 4;
        uint32_t nonce[4];
        for (uint32_t l = 0; l < 4; ++l) nonce[l] = start + done + (l < lanes ? l : 0);
        u32x4 w[16], st[8];
        for (int i = 0; i < 16; ++i) w[i] = w_fixed[i];
        /* the nonce is little-endian in the header; SHA-256 reads words big-endian */
        w[3] = wasm_u32x4_make(__builtin_bswap32(nonce[0]), __builtin_bswap32(nonce[1]),
                               __builtin_bswap32(nonce[2]), __builtin_bswap32(nonce[3]));
        for (int i = 0; i < 8; ++i) st[i] = wasm_i32x4_splat((int32_t)mid[i]);
        compress4(st, w);
        finish4(st, out);
        for (uint32_t l = 0; l < lanes; ++l)
            if (le256_leq(digests[l], target)) hits[found++] = nonce[l];
        done += lanes;
    }
    return found;
}
