#include "sha256/sha256_common.hpp"

namespace chimera::sha256 {

// FIPS 180-4 section 4.2.2: first 32 bits of the fractional parts of the
// cube roots of the first 64 primes.
const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

// FIPS 180-4 section 5.3.3: initial hash value.
const uint32_t IV[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

void add_hit(std::vector<uint32_t>& hits, uint32_t nonce) { hits.push_back(nonce); }

void round_scalar(uint32_t s[8], uint32_t kw) {
    const uint32_t ch = (s[4] & s[5]) ^ (~s[4] & s[6]);
    const uint32_t maj = (s[0] & s[1]) ^ (s[0] & s[2]) ^ (s[1] & s[2]);
    const uint32_t t1 = s[7] + big_sigma1(s[4]) + ch + kw;
    const uint32_t t2 = big_sigma0(s[0]) + maj;
    for (int i = 7; i > 0; --i) s[i] = s[i - 1];
    s[4] += t1;
    s[0] = t1 + t2;
}

namespace {
// One round with the roles passed in: the caller rotates the names instead
// of moving eight words per round.
inline void round_named(uint32_t a, uint32_t b, uint32_t c, uint32_t& d, uint32_t e, uint32_t f,
                        uint32_t g, uint32_t& h, uint32_t kw) {
    const uint32_t t1 = h + big_sigma1(e) + ((e & f) ^ (~e & g)) + kw;
    d += t1;
    h = t1 + big_sigma0(a) + ((a & b) ^ (a & c) ^ (b & c));
}
}  // namespace

void compress_scalar(uint32_t state[8], const uint8_t block[64]) {
    uint32_t w[64];
    for (int i = 0; i < 16; ++i) w[i] = load_be32(block + 4 * i);
    for (int i = 16; i < 64; ++i)
        w[i] = small_sigma1(w[i - 2]) + w[i - 7] + small_sigma0(w[i - 15]) + w[i - 16];
    uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
    uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
    for (int i = 0; i < 64; i += 8) {
        round_named(a, b, c, d, e, f, g, h, K[i] + w[i]);
        round_named(h, a, b, c, d, e, f, g, K[i + 1] + w[i + 1]);
        round_named(g, h, a, b, c, d, e, f, K[i + 2] + w[i + 2]);
        round_named(f, g, h, a, b, c, d, e, K[i + 3] + w[i + 3]);
        round_named(e, f, g, h, a, b, c, d, K[i + 4] + w[i + 4]);
        round_named(d, e, f, g, h, a, b, c, K[i + 5] + w[i + 5]);
        round_named(c, d, e, f, g, h, a, b, K[i + 6] + w[i + 6]);
        round_named(b, c, d, e, f, g, h, a, K[i + 7] + w[i + 7]);
    }
    state[0] += a; state[1] += b; state[2] += c; state[3] += d;
    state[4] += e; state[5] += f; state[6] += g; state[7] += h;
}

void scan_precompute(const uint8_t header[80], ScanPrecomp& p) {
    for (int i = 0; i < 8; ++i) p.mid[i] = IV[i];
    compress_scalar(p.mid, header);
    uint32_t* w = p.w;
    for (int i = 0; i < 18; ++i) w[i] = 0;
    for (int i = 0; i < 3; ++i) w[i] = load_be32(header + 64 + 4 * i);
    w[4] = 0x80000000;
    w[15] = 640;  // message length in bits
    // Words 16 and 17 read only nonce-free words (W3 enters at 18).
    w[16] = small_sigma1(w[14]) + w[9] + small_sigma0(w[1]) + w[0];
    w[17] = small_sigma1(w[15]) + w[10] + small_sigma0(w[2]) + w[1];
    p.w18_add = small_sigma1(w[16]) + w[11] + w[2];
    p.w19_add = small_sigma1(w[17]) + w[12] + small_sigma0(w[4]);
    p.w30_add = small_sigma0(w[15]) + w[14];
    p.w31_add = small_sigma0(w[16]) + w[15];
    p.w32_add = small_sigma0(w[17]) + w[16];
    for (int i = 0; i < 18; ++i) p.kw[i] = K[i] + w[i];
    // Rounds 0..3 with W3 = 0: W3 reaches the state only through t1 of round
    // 3, which is added to both the new a and the new e.
    for (int i = 0; i < 8; ++i) p.s4[i] = p.mid[i];
    for (int i = 0; i < 4; ++i) round_scalar(p.s4, p.kw[i]);
}

void second_hash_round0(uint32_t s[8]) {
    for (int i = 0; i < 8; ++i) s[i] = IV[i];
    round_scalar(s, K[0]);  // W0 = 0; the real W0 is added to a and e
}

}  // namespace chimera::sha256
