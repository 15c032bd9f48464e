// BLAKE3 on N independent inputs at once, one input per SIMD lane.
//
// Included only by the SIMD translation units, each of which defines a lane
// type `L` (in an anonymous namespace, compiled with that unit's flags):
//   static constexpr int N;                  lanes
//   using T;                                 vector of N uint32 words
//   T set1(uint32_t); T loadu(const uint32_t*); void storeu(uint32_t*, T);
//   T add(T, T); T xor_(T, T); T rot16/rot12/rot8/rot7(T);   (rotate right)
//   void load_msg(const uint8_t* const p[N], int nwords, T m[16]);
//       m[w] lane l = word w of p[l] for w < nwords (1..16), 0 beyond; reads
//       only the first 4*nwords bytes of each p[l]
//   void store_rows(const T h[8], uint8_t* out);   lane l's 8 words to out + 32 l
//   uint32_t leq_mask(T a, T b);             bit l set when a[l] <= b[l] (unsigned)
//   static void compress1(...);              one input's compression (a CompressFn)
// Everything below is a template in an anonymous namespace, so each unit gets
// its own copy built with its own instruction set.
//
// Single inputs (hash() of one header, the last chunk and root of long
// inputs) use the row form instead: the 4x4 state is four 128-bit rows, the
// column step works on all four columns at once, and rotating rows 1..3 by
// 1..3 words turns diagonals into columns.
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "blake3/blake3_common.hpp"
#include "common/bytes.hpp"
#include "common/kernel.hpp"

namespace chimera::blake3 {
namespace {

// Forced inline so each caller's constants (zero message words, counters,
// loop-invariant midstate) fold into its own copy of the rounds.
#define CHIMERA_BLAKE3_INLINE inline __attribute__((always_inline))

template <class L>
CHIMERA_BLAKE3_INLINE void g_lanes(typename L::T& a, typename L::T& b, typename L::T& c,
                                   typename L::T& d, typename L::T mx, typename L::T my) {
    a = L::add(L::add(a, b), mx);
    d = L::rot16(L::xor_(d, a));
    c = L::add(c, d);
    b = L::rot12(L::xor_(b, c));
    a = L::add(L::add(a, b), my);
    d = L::rot8(L::xor_(d, a));
    c = L::add(c, d);
    b = L::rot7(L::xor_(b, c));
}

// h[0..8) <- first 8 words of the compression of m under chaining value h.
template <class L>
CHIMERA_BLAKE3_INLINE void compress_lanes(typename L::T h[8], const typename L::T m[16],
                                          typename L::T counter_lo, typename L::T counter_hi,
                                          uint32_t block_len, uint32_t flags) {
    using T = typename L::T;
    T v[16] = {
        h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7],
        L::set1(IV[0]), L::set1(IV[1]), L::set1(IV[2]), L::set1(IV[3]),
        counter_lo, counter_hi, L::set1(block_len), L::set1(flags),
    };
#pragma GCC unroll 7
    for (int r = 0; r < 7; ++r) {
        const uint8_t* s = kSchedule[r];
        g_lanes<L>(v[0], v[4], v[8], v[12], m[s[0]], m[s[1]]);
        g_lanes<L>(v[1], v[5], v[9], v[13], m[s[2]], m[s[3]]);
        g_lanes<L>(v[2], v[6], v[10], v[14], m[s[4]], m[s[5]]);
        g_lanes<L>(v[3], v[7], v[11], v[15], m[s[6]], m[s[7]]);
        g_lanes<L>(v[0], v[5], v[10], v[15], m[s[8]], m[s[9]]);
        g_lanes<L>(v[1], v[6], v[11], v[12], m[s[10]], m[s[11]]);
        g_lanes<L>(v[2], v[7], v[8], v[13], m[s[12]], m[s[13]]);
        g_lanes<L>(v[3], v[4], v[9], v[14], m[s[14]], m[s[15]]);
    }
    for (int i = 0; i < 8; ++i) h[i] = L::xor_(v[i], v[i + 8]);
}

// 128-bit word operations every SIMD unit has (SSSE3 byte shuffles rotate by
// 16 and 8); the AVX-512 unit overrides the rotations with vprord.
struct Xmm {
    using T = __m128i;
    static T set1(uint32_t x) { return _mm_set1_epi32(int(x)); }
    static T add(T a, T b) { return _mm_add_epi32(a, b); }
    static T xor_(T a, T b) { return _mm_xor_si128(a, b); }
    static T rot16(T x) {
        return _mm_shuffle_epi8(x, _mm_setr_epi8(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13));
    }
    static T rot8(T x) {
        return _mm_shuffle_epi8(x, _mm_setr_epi8(1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12));
    }
    static T rot12(T x) { return _mm_or_si128(_mm_srli_epi32(x, 12), _mm_slli_epi32(x, 20)); }
    static T rot7(T x) { return _mm_or_si128(_mm_srli_epi32(x, 7), _mm_slli_epi32(x, 25)); }
};

inline __m128i words4(const uint32_t m[16], int i0, int i1, int i2, int i3) {
    return _mm_setr_epi32(int(m[i0]), int(m[i1]), int(m[i2]), int(m[i3]));
}

// One input's compression with the state in rows (R: Xmm-like operations).
template <class R>
void compress_rows(const uint32_t cv[8], const uint8_t block[kBlockLen], uint64_t counter,
                   uint32_t block_len, uint32_t flags, uint32_t out[8]) {
    uint32_t m[16];
    std::memcpy(m, block, sizeof m);  // little-endian words on x86
    __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(cv));
    __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(cv + 4));
    __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(IV));
    __m128i d = _mm_setr_epi32(int(uint32_t(counter)), int(uint32_t(counter >> 32)), int(block_len),
                               int(flags));
#pragma GCC unroll 7
    for (int r = 0; r < 7; ++r) {
        const uint8_t* s = kSchedule[r];
        g_lanes<R>(a, b, c, d, words4(m, s[0], s[2], s[4], s[6]), words4(m, s[1], s[3], s[5], s[7]));
        b = _mm_shuffle_epi32(b, 0x39);  // (v5 v6 v7 v4)
        c = _mm_shuffle_epi32(c, 0x4E);  // (v10 v11 v8 v9)
        d = _mm_shuffle_epi32(d, 0x93);  // (v15 v12 v13 v14)
        g_lanes<R>(a, b, c, d, words4(m, s[8], s[10], s[12], s[14]), words4(m, s[9], s[11], s[13], s[15]));
        b = _mm_shuffle_epi32(b, 0x93);
        c = _mm_shuffle_epi32(c, 0x4E);
        d = _mm_shuffle_epi32(d, 0x39);
    }
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm_xor_si128(a, c));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 4), _mm_xor_si128(b, d));
}

// Chaining values of N same-length inputs of `len` bytes (<= one chunk):
// the first block gets `first_flags`, the last `last_flags`, every lane's
// counter is given. A short last block is read word by word, zero-filled by
// the loads; only a length that is not a multiple of 4 goes through a
// zero-padded staging copy.
template <class L>
inline void blocks_lanes(const uint8_t* const ptr[L::N], size_t len, typename L::T counter_lo,
                         typename L::T counter_hi, uint32_t first_flags, uint32_t last_flags,
                         typename L::T h[8]) {
    for (int i = 0; i < 8; ++i) h[i] = L::set1(IV[i]);
    const size_t nblocks = len == 0 ? 1 : (len + kBlockLen - 1) / kBlockLen;
    for (size_t b = 0; b < nblocks; ++b) {
        const size_t off = b * kBlockLen;
        const size_t rem = std::min(kBlockLen, len - off);
        typename L::T m[16];
        const uint8_t* p[L::N];
        uint32_t flags = b == 0 ? first_flags : 0;
        if (b + 1 == nblocks) flags |= last_flags;
        if (rem % 4 == 0 && rem != 0 && rem <= 16) {
            // A short tail (the 80-byte header's second block): with words
            // 4..15 known zero, this copy of the rounds drops their additions.
            for (int l = 0; l < L::N; ++l) p[l] = ptr[l] + off;
            L::load_msg(p, int(rem / 4), m);
            for (int w = 4; w < 16; ++w) m[w] = L::set1(0);
            compress_lanes<L>(h, m, counter_lo, counter_hi, uint32_t(rem), flags);
            continue;
        }
        if (rem % 4 == 0 && rem != 0) {
            for (int l = 0; l < L::N; ++l) p[l] = ptr[l] + off;
            L::load_msg(p, int(rem / 4), m);
        } else {
            alignas(64) uint8_t stage[L::N][kBlockLen];
            for (int l = 0; l < L::N; ++l) {
                if (rem) std::memcpy(stage[l], ptr[l] + off, rem);
                std::memset(stage[l] + rem, 0, kBlockLen - rem);
                p[l] = stage[l];
            }
            L::load_msg(p, 16, m);
        }
        compress_lanes<L>(h, m, counter_lo, counter_hi, uint32_t(rem), flags);
    }
}

// The first `n` lanes of h as 32-byte little-endian outputs, back to back.
template <class L>
inline void store_lanes(const typename L::T h[8], size_t n, uint8_t* out) {
    if (n == size_t(L::N)) {
        L::store_rows(h, out);
        return;
    }
    alignas(64) uint8_t rows[L::N * kOutLen];
    L::store_rows(h, rows);
    std::memcpy(out, rows, n * kOutLen);
}

// Lanes past the end of a short final group re-read the last real item; their
// outputs are discarded.
template <class L>
inline size_t group_pointers(const uint8_t* in, size_t stride, size_t first, size_t n,
                             const uint8_t* ptr[L::N]) {
    const size_t valid = std::min<size_t>(L::N, n - first);
    for (size_t l = 0; l < size_t(L::N); ++l)
        ptr[l] = in + (first + std::min(l, valid - 1)) * stride;
    return valid;
}

template <class L>
void chunks_lanes(const uint8_t* in, size_t n, uint64_t counter0, uint8_t* cvs) {
    for (size_t i = 0; i < n; i += L::N) {
        const uint8_t* ptr[L::N];
        const size_t valid = group_pointers<L>(in, kChunkLen, i, n, ptr);
        alignas(64) uint32_t lo[L::N], hi[L::N];
        for (int l = 0; l < L::N; ++l) {
            const uint64_t c = counter0 + i + l;
            lo[l] = uint32_t(c);
            hi[l] = uint32_t(c >> 32);
        }
        typename L::T h[8];
        blocks_lanes<L>(ptr, kChunkLen, L::loadu(lo), L::loadu(hi), CHUNK_START, CHUNK_END, h);
        store_lanes<L>(h, valid, cvs + kOutLen * i);
    }
}

template <class L>
void parents_lanes(const uint8_t* in, size_t n, uint8_t* cvs) {
    const typename L::T zero = L::set1(0);
    for (size_t i = 0; i < n; i += L::N) {
        const uint8_t* ptr[L::N];
        const size_t valid = group_pointers<L>(in, 2 * kOutLen, i, n, ptr);
        typename L::T h[8];
        blocks_lanes<L>(ptr, kBlockLen, zero, zero, PARENT, 0, h);
        store_lanes<L>(h, valid, cvs + kOutLen * i);
    }
}

template <class L>
inline constexpr TreeOps kLaneTree = {L::compress1, chunks_lanes<L>, parents_lanes<L>};

template <class L>
void hash_lanes(const uint8_t* in, size_t len, uint8_t* out) {
    hash(in, len, out, kLaneTree<L>);
}

// Items that fit in one chunk run in lockstep, one per lane, each its own
// root chunk; longer items are hashed one by one with lanes across chunks.
template <class L>
void hash_many_lanes(const uint8_t* in, size_t item_size, size_t n, uint8_t* out) {
    if (item_size > kChunkLen) {
        for (size_t i = 0; i < n; ++i) hash_lanes<L>(in + i * item_size, item_size, out + kOutLen * i);
        return;
    }
    const typename L::T zero = L::set1(0);
    for (size_t i = 0; i < n; i += L::N) {
        const uint8_t* ptr[L::N];
        const size_t valid = group_pointers<L>(in, item_size, i, n, ptr);
        typename L::T h[8];
        blocks_lanes<L>(ptr, item_size, zero, zero, CHUNK_START, CHUNK_END | ROOT, h);
        store_lanes<L>(h, valid, out + kOutLen * i);
    }
}

// One lane per nonce: only the second header block (bytes 64..80, nonce in
// word 3) is compressed per nonce, from the shared first-block midstate.
// Only the top digest word (v7 ^ v15) is kept, so the compiler drops the
// work that feeds nothing else; a lane whose top word is <= the target's is
// rare and gets its full digest recomputed by the portable path.
template <class L>
void scan_lanes(const uint8_t* header, uint32_t start, uint64_t count, const uint8_t* target,
                NonceList& hits) {
    using T = typename L::T;
    uint32_t mid[8];
    header_midstate(header, mid);
    T h0[8];
    for (int i = 0; i < 8; ++i) h0[i] = L::set1(mid[i]);
    const T zero = L::set1(0);
    T m[16];
    for (int w = 0; w < 16; ++w) m[w] = zero;
    for (int w = 0; w < 3; ++w) m[w] = L::set1(load_le32(header + 64 + 4 * w));
    alignas(64) uint32_t idx[L::N];
    for (int l = 0; l < L::N; ++l) idx[l] = uint32_t(l);
    const T lane = L::loadu(idx);
    const T top = L::set1(load_le32(target + 28));
    for (uint64_t i = 0; i < count; i += L::N) {
        const uint32_t base = start + uint32_t(i);  // wraps modulo 2^32 by design
        m[3] = L::add(L::set1(base), lane);
        T h[8];
        for (int k = 0; k < 8; ++k) h[k] = h0[k];
        compress_lanes<L>(h, m, zero, zero, kHeaderTailLen, kHeaderTailFlags);
        uint32_t mask = L::leq_mask(h[7], top);
        if (count - i < uint64_t(L::N)) mask &= (1u << (count - i)) - 1;
        for (int l = 0; mask; ++l, mask >>= 1)
            if (mask & 1) keep_if_leq_nonce(mid, header, base + uint32_t(l), target, hits);
    }
}

}  // namespace
}  // namespace chimera::blake3
