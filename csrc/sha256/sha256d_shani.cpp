// sha256d with the x86 SHA extensions (SHA-NI). Compiled with -msha -msse4.1
// -mssse3 only: SHA-NI has no VEX form, and legacy-SSE code after dirty
// AVX upper state runs many times slower, so no AVX code may live here.
//
// sha256rnds2 (two rounds) waits for the previous one of the same message,
// so batch paths run N independent messages (streams) interleaved
// instruction by instruction. Measured on the Xeon of docs/performance.md
// (scan, MH/s): 1 stream 11.7, 2 streams 14.0, 3 14.0, 4 14.3: from two on,
// the unit's throughput (about one sha256rnds2 per 3 cycles) is the limit.
#include <immintrin.h>

#include <cstring>

#include "common/cpu.hpp"
#include "common/kernel.hpp"
#include "sha256/sha256_common.hpp"

namespace chimera::sha256 {
namespace {

using u128 = __m128i;

// SHA-NI keeps the state as two registers: (a b e f) and (c d g h), with a
// and c in the highest lane.
struct State {
    u128 abef, cdgh;
};

inline State to_shani(const uint32_t s[8]) {
    return {_mm_set_epi32(int(s[0]), int(s[1]), int(s[4]), int(s[5])),
            _mm_set_epi32(int(s[2]), int(s[3]), int(s[6]), int(s[7]))};
}

// (a b c d) and (e f g h) with a / e in the lowest lane: the word order of
// message words, so the first hash's state is the second hash's message.
inline void from_shani(const State& st, u128& abcd, u128& efgh) {
    const u128 feba = _mm_shuffle_epi32(st.abef, 0x1B);
    const u128 dchg = _mm_shuffle_epi32(st.cdgh, 0xB1);
    abcd = _mm_blend_epi16(feba, dchg, 0xF0);
    efgh = _mm_alignr_epi8(dchg, feba, 8);
}

inline u128 bswap_words(u128 x) {
    return _mm_shuffle_epi8(x, _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL));
}

inline u128 load_words_be(const uint8_t* p) {
    return bswap_words(_mm_loadu_si128(reinterpret_cast<const u128*>(p)));
}

inline u128 k4(int g) { return _mm_loadu_si128(reinterpret_cast<const u128*>(K + 4 * g)); }

// W[i..i+3] from W[i-16..i-13], W[i-12..i-9], W[i-8..i-5], W[i-4..i-1].
inline u128 next_words(u128 m16, u128 m12, u128 m8, u128 m4) {
    const u128 t = _mm_add_epi32(_mm_sha256msg1_epu32(m16, m12), _mm_alignr_epi8(m4, m8, 4));
    return _mm_sha256msg2_epu32(t, m4);
}

// First / second half of four rounds with wk = W + K (two rounds each).
template <int N>
inline void rounds_lo(State* st, const u128* wk) {
    for (int s = 0; s < N; ++s) st[s].cdgh = _mm_sha256rnds2_epu32(st[s].cdgh, st[s].abef, wk[s]);
}
template <int N>
inline void rounds_hi(State* st, const u128* wk) {
    for (int s = 0; s < N; ++s)
        st[s].abef = _mm_sha256rnds2_epu32(st[s].abef, st[s].cdgh, _mm_shuffle_epi32(wk[s], 0x0E));
}

// Message group g (rounds 4g..4g+3) for N streams; m[s] holds the last four
// groups of stream s in a ring indexed by g % 4.
template <int N>
inline void group(State* st, u128 (*m)[4], int g) {
    u128 wk[N];
    for (int s = 0; s < N; ++s) {
        if (g >= 4)
            m[s][g & 3] = next_words(m[s][g & 3], m[s][(g + 1) & 3], m[s][(g + 2) & 3],
                                     m[s][(g + 3) & 3]);
        wk[s] = _mm_add_epi32(m[s][g & 3], k4(g));
    }
    rounds_lo<N>(st, wk);
    rounds_hi<N>(st, wk);
}

template <int N>
inline void compress(State* st, u128 (*m)[4]) {
    State start[N];
    for (int s = 0; s < N; ++s) start[s] = st[s];
#pragma GCC unroll 16
    for (int g = 0; g < 16; ++g) group<N>(st, m, g);
    for (int s = 0; s < N; ++s) {
        st[s].abef = _mm_add_epi32(st[s].abef, start[s].abef);
        st[s].cdgh = _mm_add_epi32(st[s].cdgh, start[s].cdgh);
    }
}

inline u128 second_pad_lo() { return _mm_set_epi32(0, 0, 0, int(0x80000000u)); }  // W8..W11
inline u128 second_pad_hi() { return _mm_set_epi32(256, 0, 0, 0); }               // W12..W15

// Message of the second hash: the first hash's state as words, then padding.
template <int N>
inline void second_message(const State* first, u128 (*m)[4], State* st) {
    const State iv = to_shani(IV);
    for (int s = 0; s < N; ++s) {
        from_shani(first[s], m[s][0], m[s][1]);
        m[s][2] = second_pad_lo();
        m[s][3] = second_pad_hi();
        st[s] = iv;
    }
}

inline void store_digest(const State& st, uint8_t* out) {
    u128 abcd, efgh;
    from_shani(st, abcd, efgh);
    _mm_storeu_si128(reinterpret_cast<u128*>(out), bswap_words(abcd));
    _mm_storeu_si128(reinterpret_cast<u128*>(out + 16), bswap_words(efgh));
}

// sha256d of N messages of `len` bytes each, in lockstep.
template <int N>
void sha256d_streams(const uint8_t* const* in, size_t len, uint8_t* const* out) {
    State st[N];
    u128 m[N][4];
    const State iv = to_shani(IV);
    for (int s = 0; s < N; ++s) st[s] = iv;
    size_t off = 0;
    for (; off + 64 <= len; off += 64) {
        for (int s = 0; s < N; ++s)
            for (int j = 0; j < 4; ++j) m[s][j] = load_words_be(in[s] + off + 16 * j);
        compress<N>(st, m);
    }
    // Padding: 0x80, zeros, 64-bit bit length; one or two final blocks.
    const size_t rem = len - off;
    const size_t tail_len = rem + 9 <= 64 ? 64 : 128;
    alignas(16) uint8_t tail[N][128];
    for (int s = 0; s < N; ++s) {
        std::memset(tail[s], 0, tail_len);
        std::memcpy(tail[s], in[s] + off, rem);
        tail[s][rem] = 0x80;
        const uint64_t bits = uint64_t(len) * 8;
        for (int i = 0; i < 8; ++i) tail[s][tail_len - 1 - i] = uint8_t(bits >> (8 * i));
    }
    for (size_t b = 0; b < tail_len; b += 64) {
        for (int s = 0; s < N; ++s)
            for (int j = 0; j < 4; ++j) m[s][j] = load_words_be(tail[s] + b + 16 * j);
        compress<N>(st, m);
    }
    State second[N];
    second_message<N>(st, m, second);
    compress<N>(second, m);
    for (int s = 0; s < N; ++s) store_digest(second[s], out[s]);
}

constexpr int kStreams = 2;

void hash(const uint8_t* in, size_t len, uint8_t* out) {
    sha256d_streams<1>(&in, len, &out);
}

void hash_many(const uint8_t* in, size_t item_size, size_t n, uint8_t* out) {
    size_t i = 0;
    for (; i + kStreams <= n; i += kStreams) {
        const uint8_t* ins[kStreams];
        uint8_t* outs[kStreams];
        for (int s = 0; s < kStreams; ++s) {
            ins[s] = in + (i + s) * item_size;
            outs[s] = out + (i + s) * 32;
        }
        sha256d_streams<kStreams>(ins, item_size, outs);
    }
    for (; i < n; ++i) hash(in + i * item_size, item_size, out + 32 * i);
}

// N nonces per step: block 2 of the first hash from the precomputed state
// after rounds 0..1, then the second hash; its last two rounds are only run
// for streams whose top digest word already passes the target.
template <int N>
void scan_streams(const uint8_t* header, uint32_t start, uint64_t count, const uint8_t* target,
                  NonceList& hits) {
    ScanPrecomp p;
    scan_precompute(header, p);
    const State mid = to_shani(p.mid);
    const u128 m0_base = _mm_set_epi32(0, int(p.w[2]), int(p.w[1]), int(p.w[0]));
    const u128 m1 = _mm_set_epi32(0, 0, 0, int(0x80000000u));  // W4..W7
    const u128 m2 = _mm_setzero_si128();                        // W8..W11
    const u128 m3 = _mm_set_epi32(640, 0, 0, 0);                // W12..W15
    // Rounds 0-1 read only W0, W1: run them once (lanes 2-3 are ignored).
    const u128 after01 = _mm_sha256rnds2_epu32(mid.cdgh, mid.abef, _mm_add_epi32(m0_base, k4(0)));
    const uint32_t target_top = load_le32(target + 28);
    const State iv = to_shani(IV);

    uint32_t nonce = start;
    for (uint64_t done = 0; done < count; done += N, nonce += N) {
        State st[N];
        u128 m[N][4];
        for (int s = 0; s < N; ++s) {
            m[s][0] = _mm_insert_epi32(m0_base, int(__builtin_bswap32(nonce + uint32_t(s))), 3);
            m[s][1] = m1;
            m[s][2] = m2;
            m[s][3] = m3;
            st[s].cdgh = after01;
            st[s].abef = mid.abef;
        }
        u128 wk[N];
        for (int s = 0; s < N; ++s) wk[s] = _mm_add_epi32(m[s][0], k4(0));
        rounds_hi<N>(st, wk);
#pragma GCC unroll 15
        for (int g = 1; g < 16; ++g) group<N>(st, m, g);
        for (int s = 0; s < N; ++s) {
            st[s].abef = _mm_add_epi32(st[s].abef, mid.abef);
            st[s].cdgh = _mm_add_epi32(st[s].cdgh, mid.cdgh);
        }

        State h2[N];
        second_message<N>(st, m, h2);
#pragma GCC unroll 15
        for (int g = 0; g < 15; ++g) group<N>(h2, m, g);
        for (int s = 0; s < N; ++s) {
            m[s][3] = next_words(m[s][3], m[s][0], m[s][1], m[s][2]);
            wk[s] = _mm_add_epi32(m[s][3], k4(15));
        }
        rounds_lo<N>(h2, wk);
        // After 62 rounds f is the final h: digest word 7, the most
        // significant 32 bits of the little-endian digest.
        for (int s = 0; s < N; ++s) {
            const uint32_t h7 = uint32_t(_mm_cvtsi128_si32(h2[s].cdgh)) + IV[7];
            if (__builtin_bswap32(h7) > target_top || done + uint64_t(s) >= count) continue;
            State fin = h2[s];
            fin.abef = _mm_sha256rnds2_epu32(fin.abef, fin.cdgh, _mm_shuffle_epi32(wk[s], 0x0E));
            fin.abef = _mm_add_epi32(fin.abef, iv.abef);
            fin.cdgh = _mm_add_epi32(fin.cdgh, iv.cdgh);
            uint8_t digest[32];
            store_digest(fin, digest);
            if (le256_leq(digest, target)) add_hit(hits, nonce + uint32_t(s));
        }
    }
}

void scan(const uint8_t* header, uint32_t start, uint64_t count, const uint8_t* target,
          NonceList& hits) {
    scan_streams<kStreams>(header, start, count, target, hits);
}

}  // namespace

void sha256d_shani_hash(const uint8_t* in, size_t len, uint8_t* out) { hash(in, len, out); }

extern const Kernel sha256d_shani = {
    "sha256d", "shani", cpu::SHA | cpu::SSE41 | cpu::SSSE3, 32, hash, hash_many, scan,
};

}  // namespace chimera::sha256
