// Multi-lane sha256d: one message per 32-bit lane of a SIMD register, all
// lanes in lockstep. Items of one hash_many call all have the same length,
// hence the same blocks and padding, so any item size works.
//
// Included only by the SIMD translation units, each instantiating Lanes<V>
// with its own vector-ops type V from an anonymous namespace: every
// instantiation then has internal linkage and ISA-specific code can never be
// shared with another unit (see the rule in sha256_common.hpp).
//
// V provides: vec, lanes, set1, load, add, xor3, ch, maj, ror<n>, shr<n>,
// bswap, gather (32-bit words at per-lane byte offsets), lane_index,
// le_mask (unsigned <=, one bit per lane), store.
#pragma once

#include <algorithm>
#include <cstring>

#include "common/kernel.hpp"
#include "sha256/sha256_common.hpp"

#define CHIMERA_AI inline __attribute__((always_inline))

namespace chimera::sha256 {

template <class V>
struct Lanes {
    using vec = typename V::vec;
    static constexpr int L = V::lanes;

    static constexpr uint32_t rotr_c(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }
    static constexpr uint32_t sigma0_c(uint32_t x) { return rotr_c(x, 7) ^ rotr_c(x, 18) ^ (x >> 3); }
    static constexpr uint32_t sigma1_c(uint32_t x) { return rotr_c(x, 17) ^ rotr_c(x, 19) ^ (x >> 10); }
    // The second hash's padding: W8 = 0x80000000, W9..W14 = 0, W15 = 256.
    static constexpr uint32_t kPad = 0x80000000u, kLen2 = 256;

    static CHIMERA_AI vec Sigma0(vec x) {
        return V::xor3(V::template ror<2>(x), V::template ror<13>(x), V::template ror<22>(x));
    }
    static CHIMERA_AI vec Sigma1(vec x) {
        return V::xor3(V::template ror<6>(x), V::template ror<11>(x), V::template ror<25>(x));
    }
    static CHIMERA_AI vec sigma0(vec x) {
        return V::xor3(V::template ror<7>(x), V::template ror<18>(x), V::template shr<3>(x));
    }
    static CHIMERA_AI vec sigma1(vec x) {
        return V::xor3(V::template ror<17>(x), V::template ror<19>(x), V::template shr<10>(x));
    }
    static CHIMERA_AI vec add3(vec a, vec b, vec c) { return V::add(V::add(a, b), c); }
    static CHIMERA_AI vec add4(vec a, vec b, vec c, vec d) {
        return V::add(V::add(a, b), V::add(c, d));
    }

    // Round I on the state ring s: roles move one slot per round instead of
    // moving the data (a is s[-I mod 8]), so after 8k rounds s is a..h again.
    // hk = h + K[I] + W[I] (h is not read: callers fold it when constant).
    template <int I>
    static CHIMERA_AI void round_hk(vec* s, vec hk) {
        constexpr int r = I & 7;
        vec a = s[(8 - r) & 7], b = s[(9 - r) & 7], c = s[(10 - r) & 7];
        vec& d = s[(11 - r) & 7];
        vec e = s[(12 - r) & 7], f = s[(13 - r) & 7], g = s[(14 - r) & 7];
        vec& h = s[(15 - r) & 7];
        const vec t1 = add3(hk, Sigma1(e), V::ch(e, f, g));
        d = V::add(d, t1);
        h = add3(t1, Sigma0(a), V::maj(a, b, c));
    }
    template <int I>
    static CHIMERA_AI void round(vec* s, vec kw) {
        round_hk<I>(s, V::add(s[(15 - (I & 7)) & 7], kw));
    }

    // Round I computing only the new e (the new a is left unset): enough
    // for the rounds whose a nobody reads before the early reject.
    template <int I>
    static CHIMERA_AI void round_e_only(vec* s, vec kw) {
        constexpr int r = I & 7;
        vec& d = s[(11 - r) & 7];
        vec e = s[(12 - r) & 7], f = s[(13 - r) & 7], g = s[(14 - r) & 7];
        vec h = s[(15 - r) & 7];
        d = V::add(d, add3(V::add(h, kw), Sigma1(e), V::ch(e, f, g)));
    }

    // Rounds I..End-1 with message words w (w[i] for i >= 16 computed here).
    template <int I, int End>
    static CHIMERA_AI void rounds(vec* s, vec* w) {
        if constexpr (I < End) {
            if constexpr (I >= 16) w[I] = add4(sigma1(w[I - 2]), w[I - 7], sigma0(w[I - 15]), w[I - 16]);
            round<I>(s, V::add(w[I], V::set1(K[I])));
            rounds<I + 1, End>(s, w);
        }
    }

    // Rounds I..End-1 whose K[i] + W[i] are the scalars kw[i].
    template <int I, int End>
    static CHIMERA_AI void rounds_const(vec* s, const uint32_t* kw) {
        if constexpr (I < End) {
            round<I>(s, V::set1(kw[I]));
            rounds_const<I + 1, End>(s, kw);
        }
    }

    // One compression; w[0..15] are the block's words.
    static CHIMERA_AI void compress(vec* state, vec* w) {
        vec s[8];
        for (int i = 0; i < 8; ++i) s[i] = state[i];
        rounds<0, 64>(s, w);
        for (int i = 0; i < 8; ++i) state[i] = V::add(state[i], s[i]);
    }

    // Second hash of the first digest h[0..8], rounds 0..56. Its padding
    // words are constants, so every term they contribute is folded. r1 is
    // from second_hash_round0().
    static CHIMERA_AI void second_to_57(const vec* h, const uint32_t* r1, vec* s, vec* w) {
        for (int i = 0; i < 8; ++i) w[i] = h[i];
        // State after round 0 in ring order: slot (i + 7) % 8 holds r1[i];
        // a (slot 7) and e (slot 3) miss W0. Rounds 1..3 still see the
        // constant r1[7], r1[6], r1[5] as h.
        for (int i = 0; i < 8; ++i) s[(i + 7) & 7] = V::set1(r1[i]);
        s[7] = V::add(s[7], w[0]);
        s[3] = V::add(s[3], w[0]);
        round_hk<1>(s, V::add(w[1], V::set1(K[1] + r1[7])));
        round_hk<2>(s, V::add(w[2], V::set1(K[2] + r1[6])));
        round_hk<3>(s, V::add(w[3], V::set1(K[3] + r1[5])));
        rounds<4, 8>(s, w);
        uint32_t kw[16];
        for (int i = 8; i < 16; ++i) kw[i] = K[i];
        kw[8] += kPad;
        kw[15] += kLen2;
        rounds_const<8, 16>(s, kw);
        w[16] = V::add(sigma0(w[1]), w[0]);
        w[17] = add3(V::set1(sigma1_c(kLen2)), sigma0(w[2]), w[1]);
        w[18] = add3(sigma1(w[16]), sigma0(w[3]), w[2]);
        w[19] = add3(sigma1(w[17]), sigma0(w[4]), w[3]);
        w[20] = add3(sigma1(w[18]), sigma0(w[5]), w[4]);
        w[21] = add3(sigma1(w[19]), sigma0(w[6]), w[5]);
        w[22] = add4(sigma1(w[20]), V::set1(kLen2), sigma0(w[7]), w[6]);
        w[23] = add4(sigma1(w[21]), w[16], V::set1(sigma0_c(kPad)), w[7]);
        w[24] = add3(sigma1(w[22]), w[17], V::set1(kPad));
        w[25] = V::add(sigma1(w[23]), w[18]);
        w[26] = V::add(sigma1(w[24]), w[19]);
        w[27] = V::add(sigma1(w[25]), w[20]);
        w[28] = V::add(sigma1(w[26]), w[21]);
        w[29] = V::add(sigma1(w[27]), w[22]);
        w[30] = add3(sigma1(w[28]), w[23], V::set1(sigma0_c(kLen2)));
        w[31] = add4(sigma1(w[29]), w[24], sigma0(w[16]), V::set1(kLen2));
        rounds_given<16, 32>(s, w);
        rounds<32, 57>(s, w);
    }

    // The whole second hash: s becomes the digest words.
    static CHIMERA_AI void second_hash(const vec* h, const uint32_t* r1, vec* s, vec* w) {
        second_to_57(h, r1, s, w);
        rounds<57, 64>(s, w);
        for (int i = 0; i < 8; ++i) s[i] = V::add(s[i], V::set1(IV[i]));
    }

    // The final digest word 7 without rounds 61..63: h after 64 rounds is g
    // after 63, f after 62, e after 61, and e after 61 needs only the e
    // half of rounds 57..60 (their a is first read in round 61).
    static CHIMERA_AI vec second_word7(const vec* h, const uint32_t* r1, vec* w) {
        vec s[8];
        second_to_57(h, r1, s, w);
        e_only_rounds<57, 61>(s, w);
        return V::add(s[7], V::set1(IV[7]));  // round 60 wrote e into slot 7
    }

    template <int I, int End>
    static CHIMERA_AI void e_only_rounds(vec* s, vec* w) {
        if constexpr (I < End) {
            w[I] = add4(sigma1(w[I - 2]), w[I - 7], sigma0(w[I - 15]), w[I - 16]);
            round_e_only<I>(s, V::add(w[I], V::set1(K[I])));
            e_only_rounds<I + 1, End>(s, w);
        }
    }

    // Rounds I..End-1 whose words w[I..End) are already computed.
    template <int I, int End>
    static CHIMERA_AI void rounds_given(vec* s, const vec* w) {
        if constexpr (I < End) {
            round<I>(s, V::add(w[I], V::set1(K[I])));
            rounds_given<I + 1, End>(s, w);
        }
    }

    // Digest bytes of the lanes in `lanes_wanted` (bit per lane) to out[l].
    static void store_digests(const vec* h, uint32_t lanes_wanted, uint8_t* const* out) {
        alignas(64) uint32_t words[8][L];
        for (int i = 0; i < 8; ++i) V::store(words[i], V::bswap(h[i]));
        for (int l = 0; l < L; ++l) {
            if (!(lanes_wanted >> l & 1)) continue;
            for (int i = 0; i < 8; ++i) std::memcpy(out[l] + 4 * i, &words[i][l], 4);
        }
    }

    // sha256d of `valid` (1..L) items of item_size bytes at `in`, digests to
    // `out`. Lanes past `valid` repeat the last item and are not stored.
    static void hash_group(const uint8_t* in, size_t item_size, int valid, const uint32_t* r1,
                           uint8_t* out) {
        alignas(64) int32_t off[L];
        for (int l = 0; l < L; ++l) off[l] = int32_t(size_t(std::min(l, valid - 1)) * item_size);
        const vec offsets = V::load(off);
        vec state[8], w[64];
        for (int i = 0; i < 8; ++i) state[i] = V::set1(IV[i]);
        size_t pos = 0;
        for (; pos + 64 <= item_size; pos += 64) {
            for (int j = 0; j < 16; ++j) w[j] = V::bswap(V::gather(in + pos + 4 * j, offsets));
            compress(state, w);
        }
        // The last partial block plus padding (0x80, zeros, 64-bit bit
        // length), one or two blocks, built word by word without copying:
        // whole data words are gathered, padding words are constants, and
        // the one word holding both data and the 0x80 byte is assembled per
        // lane.
        const size_t rem = item_size - pos;
        const size_t tail_words = rem + 9 <= 64 ? 16 : 32;
        const uint64_t bits = uint64_t(item_size) * 8;
        for (size_t j = 0; j < tail_words; ++j) {
            vec& word = w[j & 15];
            if (4 * j + 4 <= rem) {
                word = V::bswap(V::gather(in + pos + 4 * j, offsets));
            } else if (4 * j <= rem) {
                alignas(64) int32_t mixed[L];
                for (int l = 0; l < L; ++l) {
                    uint32_t v = 0x80u << (8 * (3 - (rem - 4 * j)));
                    for (size_t b = 4 * j; b < rem; ++b)
                        v |= uint32_t(in[off[l] + pos + b]) << (8 * (3 - (b - 4 * j)));
                    mixed[l] = int32_t(v);
                }
                word = V::load(mixed);
            } else if (j == tail_words - 2) {
                word = V::set1(uint32_t(bits >> 32));
            } else if (j == tail_words - 1) {
                word = V::set1(uint32_t(bits));
            } else {
                word = V::set1(0);
            }
            if ((j & 15) == 15) compress(state, w);
        }
        vec s[8];
        second_hash(state, r1, s, w);
        uint8_t* outs[L];
        for (int l = 0; l < L; ++l) outs[l] = out + 32 * l;
        store_digests(s, valid == L ? ~0u : (1u << valid) - 1, outs);
    }

    static void hash_many(const uint8_t* in, size_t item_size, size_t n, uint8_t* out) {
        // Gather offsets are 32-bit: giant items go one at a time.
        if (item_size * L >= (size_t(1) << 31)) {
            for (size_t i = 0; i < n; ++i) sha256d_single(in + i * item_size, item_size, out + 32 * i);
            return;
        }
        uint32_t r1[8];
        second_hash_round0(r1);
        size_t i = 0;
        for (; i + L <= n; i += L) hash_group(in + i * item_size, item_size, L, r1, out + 32 * i);
        if (i < n) hash_group(in + i * item_size, item_size, int(n - i), r1, out + 32 * i);
    }

    // Block 2 of the first hash for nonce words n = bswap(nonce): rounds 0..3
    // and the words before W18 are nonce-free (precomputed), the padding
    // words fold into constants.
    static CHIMERA_AI void first_block2(const ScanPrecomp& p, vec n, vec* state, vec* w) {
        vec s[8];
        // State after round 3 in ring order: slot (i + 4) % 8 holds s4[i];
        // a (slot 4) and e (slot 0) miss W3.
        for (int i = 0; i < 8; ++i) s[(i + 4) & 7] = V::set1(p.s4[i]);
        s[4] = V::add(s[4], n);
        s[0] = V::add(s[0], n);
        // Rounds 4..6 still see constant h (s4[7], s4[6], s4[5]).
        round_hk<4>(s, V::set1(p.s4[7] + p.kw[4]));
        round_hk<5>(s, V::set1(p.s4[6] + p.kw[5]));
        round_hk<6>(s, V::set1(p.s4[5] + p.kw[6]));
        rounds_const<7, 18>(s, p.kw);
        for (int i = 0; i < 18; ++i) w[i] = V::set1(p.w[i]);  // only 16, 17 are read
        w[18] = V::add(V::set1(p.w18_add), sigma0(n));
        w[19] = V::add(V::set1(p.w19_add), n);
        w[20] = V::add(sigma1(w[18]), V::set1(p.w[4]));
        w[21] = sigma1(w[19]);
        w[22] = V::add(sigma1(w[20]), V::set1(p.w[15]));
        w[23] = V::add(sigma1(w[21]), w[16]);
        w[24] = V::add(sigma1(w[22]), w[17]);
        w[25] = V::add(sigma1(w[23]), w[18]);
        w[26] = V::add(sigma1(w[24]), w[19]);
        w[27] = V::add(sigma1(w[25]), w[20]);
        w[28] = V::add(sigma1(w[26]), w[21]);
        w[29] = V::add(sigma1(w[27]), w[22]);
        w[30] = add3(sigma1(w[28]), w[23], V::set1(p.w30_add));
        w[31] = add3(sigma1(w[29]), w[24], V::set1(p.w31_add));
        w[32] = add3(sigma1(w[30]), w[25], V::set1(p.w32_add));
        w[33] = add4(sigma1(w[31]), w[26], sigma0(w[18]), w[17]);
        rounds_given<18, 34>(s, w);
        rounds<34, 64>(s, w);
        for (int i = 0; i < 8; ++i) state[i] = V::add(s[i], V::set1(p.mid[i]));
    }

    static void scan(const uint8_t* header, uint32_t start, uint64_t count, const uint8_t* target,
                     NonceList& hits) {
        ScanPrecomp p;
        scan_precompute(header, p);
        uint32_t r1[8];
        second_hash_round0(r1);
        const vec top = V::set1(load_le32(target + 28));
        const vec lane = V::lane_index();
        uint32_t nonce = start;
        for (uint64_t done = 0; done < count; done += L, nonce += L) {
            const vec nonces = V::add(V::set1(nonce), lane);
            vec h1[8], w[64];
            first_block2(p, V::bswap(nonces), h1, w);
            // Digest word 7 is the top of the little-endian digest.
            const vec word7 = second_word7(h1, r1, w);
            uint32_t pass = V::le_mask(V::bswap(word7), top);
            if (count - done < uint64_t(L)) pass &= (1u << (count - done)) - 1;
            if (!pass) continue;
            vec s[8];
            second_hash(h1, r1, s, w);  // rare: survivors get the full digest
            alignas(64) uint8_t digests[L][32];
            uint8_t* outs[L];
            for (int l = 0; l < L; ++l) outs[l] = digests[l];
            store_digests(s, pass, outs);
            for (int l = 0; l < L; ++l)
                if ((pass >> l & 1) && le256_leq(digests[l], target)) add_hit(hits, nonce + uint32_t(l));
        }
    }
};

}  // namespace chimera::sha256

#undef CHIMERA_AI
