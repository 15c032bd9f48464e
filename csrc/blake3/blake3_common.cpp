#include "blake3/blake3_common.hpp"

#include <cstring>
#include <utility>
#include <vector>

#include "common/bytes.hpp"

namespace chimera::blake3 {

const uint32_t IV[8] = {
    0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19,
};

namespace {

inline __attribute__((always_inline)) void g(uint32_t* v, int a, int b, int c, int d, uint32_t mx, uint32_t my) {
    v[a] = v[a] + v[b] + mx;
    v[d] = rotr32(v[d] ^ v[a], 16);
    v[c] = v[c] + v[d];
    v[b] = rotr32(v[b] ^ v[c], 12);
    v[a] = v[a] + v[b] + my;
    v[d] = rotr32(v[d] ^ v[a], 8);
    v[c] = v[c] + v[d];
    v[b] = rotr32(v[b] ^ v[c], 7);
}

void scalar_chunks(const uint8_t* in, size_t n, uint64_t counter0, uint8_t* cvs) {
    uint32_t cv[8];
    for (size_t i = 0; i < n; ++i) {
        chunk_cv(in + i * kChunkLen, kChunkLen, counter0 + i, 0, cv, compress);
        store_cv(cv, cvs + i * kOutLen);
    }
}

void scalar_parents(const uint8_t* in, size_t n, uint8_t* cvs) {
    uint32_t cv[8];
    for (size_t i = 0; i < n; ++i) {
        compress(IV, in + i * 2 * kOutLen, 0, kBlockLen, PARENT, cv);
        store_cv(cv, cvs + i * kOutLen);
    }
}

}  // namespace

const TreeOps kScalarTree = {compress, scalar_chunks, scalar_parents};

void compress(const uint32_t cv[8], const uint8_t block[kBlockLen], uint64_t counter,
              uint32_t block_len, uint32_t flags, uint32_t out[8]) {
    uint32_t m[16];
    for (int i = 0; i < 16; ++i) m[i] = load_le32(block + 4 * i);
    uint32_t v[16] = {
        cv[0], cv[1], cv[2], cv[3], cv[4], cv[5], cv[6], cv[7],
        IV[0], IV[1], IV[2], IV[3],
        uint32_t(counter), uint32_t(counter >> 32), block_len, flags,
    };
    // Unrolled, the schedule indices become constants and v, m stay in registers.
#pragma GCC unroll 7
    for (int r = 0; r < 7; ++r) {
        const uint8_t* s = kSchedule[r];
        g(v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
        g(v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
        g(v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
        g(v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
        g(v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
        g(v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
        g(v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
        g(v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
    }
    for (int i = 0; i < 8; ++i) out[i] = v[i] ^ v[i + 8];
}

void chunk_cv(const uint8_t* in, size_t len, uint64_t counter, uint32_t extra_flags,
              uint32_t out[8], CompressFn compress_fn) {
    uint32_t cv[8];
    std::memcpy(cv, IV, sizeof cv);
    const size_t nblocks = len == 0 ? 1 : (len + kBlockLen - 1) / kBlockLen;
    for (size_t b = 0; b < nblocks; ++b) {
        const size_t off = b * kBlockLen;
        const size_t rem = len - off < kBlockLen ? len - off : kBlockLen;
        uint32_t flags = b == 0 ? CHUNK_START : 0;
        if (b + 1 == nblocks) flags |= CHUNK_END | extra_flags;
        if (rem == kBlockLen) {
            compress_fn(cv, in + off, counter, kBlockLen, flags, cv);
        } else {
            uint8_t block[kBlockLen] = {0};  // a short last block is zero-padded
            if (rem) std::memcpy(block, in + off, rem);
            compress_fn(cv, block, counter, uint32_t(rem), flags, cv);
        }
    }
    std::memcpy(out, cv, sizeof cv);
}

void store_cv(const uint32_t cv[8], uint8_t out[kOutLen]) {
    for (int i = 0; i < 8; ++i) store_le32(out + 4 * i, cv[i]);
}

void hash(const uint8_t* in, size_t len, uint8_t out[kOutLen], const TreeOps& ops) {
    uint32_t cv[8];
    if (len <= kChunkLen) {
        chunk_cv(in, len, 0, ROOT, cv, ops.compress);
        store_cv(cv, out);
        return;
    }
    // Chunk CVs, then one tree level at a time: adjacent pairs merge into a
    // parent and an odd last node moves up unchanged, which yields exactly the
    // left-complete tree BLAKE3 specifies.
    const size_t n = (len + kChunkLen - 1) / kChunkLen;
    std::vector<uint8_t> level(n * kOutLen), next((n / 2 + 1) * kOutLen);
    ops.chunks(in, n - 1, 0, level.data());
    const size_t last = (n - 1) * kChunkLen;
    chunk_cv(in + last, len - last, n - 1, 0, cv, ops.compress);
    store_cv(cv, level.data() + (n - 1) * kOutLen);
    size_t count = n;
    while (count > 2) {
        const size_t pairs = count / 2;
        ops.parents(level.data(), pairs, next.data());
        if (count % 2)
            std::memcpy(next.data() + pairs * kOutLen, level.data() + (count - 1) * kOutLen,
                        kOutLen);
        count = pairs + count % 2;
        std::swap(level, next);
    }
    ops.compress(IV, level.data(), 0, kBlockLen, PARENT | ROOT, cv);
    store_cv(cv, out);
}

void keep_if_leq_nonce(const uint32_t midstate[8], const uint8_t header[80], uint32_t nonce,
                       const uint8_t target[kOutLen], NonceList& hits) {
    uint8_t tail[kBlockLen] = {0};
    std::memcpy(tail, header + 64, 12);
    store_le32(tail + 12, nonce);
    uint32_t h[8];
    compress(midstate, tail, 0, kHeaderTailLen, kHeaderTailFlags, h);
    uint8_t digest[kOutLen];
    store_cv(h, digest);
    if (le256_leq(digest, target)) hits.push_back(nonce);
}

void header_midstate(const uint8_t header[80], uint32_t cv[8]) {
    compress(IV, header, 0, kBlockLen, CHUNK_START, cv);
}

}  // namespace chimera::blake3
