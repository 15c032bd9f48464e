#include "scrypt/scrypt_common.hpp"

#include <cstdlib>
#include <cstring>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "common/bytes.hpp"
#include "sha256/sha256_common.hpp"

namespace chimera::scrypt {
namespace {

using sha256::compress_scalar;

void init(uint32_t st[8]) { std::memcpy(st, sha256::IV, 32); }

// Pads and compresses the last bytes of a message whose total length
// (everything hashed into `st`, these bytes included) is `total_len`.
void finish_message(uint32_t st[8], const uint8_t* tail, size_t tail_len, uint64_t total_len) {
    uint8_t buf[128] = {0};
    std::memcpy(buf, tail, tail_len);
    buf[tail_len] = 0x80;
    const size_t blocks = tail_len + 9 <= 64 ? 1 : 2;
    store_be64(buf + 64 * blocks - 8, total_len * 8);
    compress_scalar(st, buf);
    if (blocks == 2) compress_scalar(st, buf + 64);
}

// Outer HMAC hash over a 32-byte inner digest held as a SHA-256 state.
void hmac_outer(const HmacKey& key, const uint32_t inner[8], uint32_t out[8]) {
    uint8_t block[64] = {0};
    for (int i = 0; i < 8; ++i) store_be32(block + 4 * i, inner[i]);
    block[32] = 0x80;
    store_be64(block + 56, (64 + 32) * 8);
    std::memcpy(out, key.outer, 32);
    compress_scalar(out, block);
}

uint32_t bswap(uint32_t v) { return __builtin_bswap32(v); }

}  // namespace

void sha256_midstate(const uint8_t block[64], uint32_t state[8]) {
    init(state);
    compress_scalar(state, block);
}

void hmac_key(const uint8_t* password, size_t len, HmacKey& key, const uint32_t* first64_mid) {
    uint8_t k[64] = {0};
    if (len > 64) {
        uint32_t st[8];
        size_t off = 0;
        if (first64_mid) {
            std::memcpy(st, first64_mid, 32);
            off = 64;
        } else {
            init(st);
        }
        for (; off + 64 <= len; off += 64) compress_scalar(st, password + off);
        finish_message(st, password + off, len - off, len);
        for (int i = 0; i < 8; ++i) store_be32(k + 4 * i, st[i]);
    } else if (len > 0) {
        std::memcpy(k, password, len);
    }
    uint8_t pad[64];
    for (int i = 0; i < 64; ++i) pad[i] = k[i] ^ 0x36;
    sha256_midstate(pad, key.inner);
    for (int i = 0; i < 64; ++i) pad[i] = k[i] ^ 0x5c;
    sha256_midstate(pad, key.outer);
}

void pbkdf2_expand(const HmacKey& key, const uint8_t* salt, size_t len, uint32_t B[32]) {
    // Inner message: ipad || salt || INT(i). The full salt blocks do not
    // depend on i: compress them once and branch the state four times.
    uint32_t salted[8];
    std::memcpy(salted, key.inner, 32);
    size_t off = 0;
    for (; off + 64 <= len; off += 64) compress_scalar(salted, salt + off);
    const size_t rem = len - off;
    uint8_t tail[68];
    if (rem) std::memcpy(tail, salt + off, rem);  // salt may be null when len == 0
    for (uint32_t i = 1; i <= 4; ++i) {
        store_be32(tail + rem, i);
        uint32_t inner[8], t[8];
        std::memcpy(inner, salted, 32);
        finish_message(inner, tail, rem + 4, 64 + len + 4);
        hmac_outer(key, inner, t);
        // T_i bytes are big-endian state words; ROMix reads them as LE words.
        for (int w = 0; w < 8; ++w) B[8 * (i - 1) + w] = bswap(t[w]);
    }
}

void pbkdf2_finish(const HmacKey& key, const uint32_t B[32], uint8_t out[32]) {
    uint8_t block[64];
    uint32_t inner[8], t[8];
    std::memcpy(inner, key.inner, 32);
    for (int half = 0; half < 2; ++half) {
        for (int w = 0; w < 16; ++w) store_le32(block + 4 * w, B[16 * half + w]);
        compress_scalar(inner, block);
    }
    const uint8_t int1[4] = {0, 0, 0, 1};
    finish_message(inner, int1, 4, 64 + kBlockBytes + 4);
    hmac_outer(key, inner, t);
    for (int i = 0; i < 8; ++i) store_be32(out + 4 * i, t[i]);
}

void finish_scan_lane(const HmacKey& key, const uint32_t B[32], const uint8_t* target,
                      uint32_t nonce, NonceList& hits) {
    uint8_t digest[32];
    pbkdf2_finish(key, B, digest);
    if (le256_leq(digest, target)) hits.push_back(nonce);
}

uint8_t* thread_scratch(size_t bytes) {
    // Huge-page alignment lets the kernel back the 2 MiB of a 16-lane
    // scratchpad with one TLB entry (random reads in ROMix's second loop).
    constexpr size_t kHugePage = size_t(2) << 20;
    struct Buffer {
        uint8_t* data = nullptr;
        size_t size = 0;
        ~Buffer() { std::free(data); }
    };
    thread_local Buffer buf;
    if (buf.size < bytes) {
        std::free(buf.data);
        buf.data = nullptr;
        buf.size = 0;
        const size_t align = bytes >= kHugePage ? kHugePage : 4096;
        const size_t rounded = (bytes + align - 1) / align * align;
        void* p = std::aligned_alloc(align, rounded);
        if (!p) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
        if (align == kHugePage) madvise(p, rounded, MADV_HUGEPAGE);  // advisory only
#endif
        buf.data = static_cast<uint8_t*>(p);
        buf.size = rounded;
    }
    return buf.data;
}

}  // namespace chimera::scrypt
