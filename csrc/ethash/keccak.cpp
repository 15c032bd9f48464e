// Keccak written from the Keccak reference specification (FIPS 202 section 3
// for the permutation; the pre-standard pad10*1 with domain bits 0x01).
#include "ethash/keccak.hpp"

#include <cstring>

namespace chimera::ethash {
namespace {

constexpr uint64_t kRoundConstants[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

inline uint64_t rotl64(uint64_t x, unsigned n) { return (x << n) | (x >> ((64 - n) & 63)); }

inline uint64_t load_le64(const uint8_t* p) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    return v;  // little-endian targets only (see common/bytes.hpp)
}

// Absorb `len` bytes into a sponge of `rate` bytes with Keccak padding, then
// squeeze `out_len` <= rate bytes.
void sponge(const uint8_t* in, size_t len, size_t rate, uint8_t* out, size_t out_len) {
    uint64_t st[25] = {};
    const size_t rate_words = rate / 8;
    while (len >= rate) {
        for (size_t i = 0; i < rate_words; ++i) st[i] ^= load_le64(in + 8 * i);
        keccakf1600(st);
        in += rate;
        len -= rate;
    }
    uint8_t last[200] = {};
    std::memcpy(last, in, len);
    last[len] ^= 0x01;
    last[rate - 1] ^= 0x80;
    for (size_t i = 0; i < rate_words; ++i) st[i] ^= load_le64(last + 8 * i);
    keccakf1600(st);
    std::memcpy(out, st, out_len);
}

}  // namespace

// The five steps of a round written out over 25 locals so the compiler keeps
// the state in registers; rho offsets and pi positions from the spec tables.
void keccakf1600(uint64_t s[25]) {
    uint64_t a00 = s[0], a01 = s[1], a02 = s[2], a03 = s[3], a04 = s[4];
    uint64_t a05 = s[5], a06 = s[6], a07 = s[7], a08 = s[8], a09 = s[9];
    uint64_t a10 = s[10], a11 = s[11], a12 = s[12], a13 = s[13], a14 = s[14];
    uint64_t a15 = s[15], a16 = s[16], a17 = s[17], a18 = s[18], a19 = s[19];
    uint64_t a20 = s[20], a21 = s[21], a22 = s[22], a23 = s[23], a24 = s[24];

    for (int round = 0; round < 24; ++round) {
        // theta
        const uint64_t c0 = a00 ^ a05 ^ a10 ^ a15 ^ a20;
        const uint64_t c1 = a01 ^ a06 ^ a11 ^ a16 ^ a21;
        const uint64_t c2 = a02 ^ a07 ^ a12 ^ a17 ^ a22;
        const uint64_t c3 = a03 ^ a08 ^ a13 ^ a18 ^ a23;
        const uint64_t c4 = a04 ^ a09 ^ a14 ^ a19 ^ a24;
        const uint64_t d0 = c4 ^ rotl64(c1, 1);
        const uint64_t d1 = c0 ^ rotl64(c2, 1);
        const uint64_t d2 = c1 ^ rotl64(c3, 1);
        const uint64_t d3 = c2 ^ rotl64(c4, 1);
        const uint64_t d4 = c3 ^ rotl64(c0, 1);

        // rho and pi: lane (x, y) moves to (y, 2x + 3y) rotated by its offset.
        const uint64_t b00 = a00 ^ d0;
        const uint64_t b01 = rotl64(a06 ^ d1, 44);
        const uint64_t b02 = rotl64(a12 ^ d2, 43);
        const uint64_t b03 = rotl64(a18 ^ d3, 21);
        const uint64_t b04 = rotl64(a24 ^ d4, 14);
        const uint64_t b05 = rotl64(a03 ^ d3, 28);
        const uint64_t b06 = rotl64(a09 ^ d4, 20);
        const uint64_t b07 = rotl64(a10 ^ d0, 3);
        const uint64_t b08 = rotl64(a16 ^ d1, 45);
        const uint64_t b09 = rotl64(a22 ^ d2, 61);
        const uint64_t b10 = rotl64(a01 ^ d1, 1);
        const uint64_t b11 = rotl64(a07 ^ d2, 6);
        const uint64_t b12 = rotl64(a13 ^ d3, 25);
        const uint64_t b13 = rotl64(a19 ^ d4, 8);
        const uint64_t b14 = rotl64(a20 ^ d0, 18);
        const uint64_t b15 = rotl64(a04 ^ d4, 27);
        const uint64_t b16 = rotl64(a05 ^ d0, 36);
        const uint64_t b17 = rotl64(a11 ^ d1, 10);
        const uint64_t b18 = rotl64(a17 ^ d2, 15);
        const uint64_t b19 = rotl64(a23 ^ d3, 56);
        const uint64_t b20 = rotl64(a02 ^ d2, 62);
        const uint64_t b21 = rotl64(a08 ^ d3, 55);
        const uint64_t b22 = rotl64(a14 ^ d4, 39);
        const uint64_t b23 = rotl64(a15 ^ d0, 41);
        const uint64_t b24 = rotl64(a21 ^ d1, 2);

        // chi, then iota on lane (0, 0)
        a00 = b00 ^ (~b01 & b02) ^ kRoundConstants[round];
        a01 = b01 ^ (~b02 & b03);
        a02 = b02 ^ (~b03 & b04);
        a03 = b03 ^ (~b04 & b00);
        a04 = b04 ^ (~b00 & b01);
        a05 = b05 ^ (~b06 & b07);
        a06 = b06 ^ (~b07 & b08);
        a07 = b07 ^ (~b08 & b09);
        a08 = b08 ^ (~b09 & b05);
        a09 = b09 ^ (~b05 & b06);
        a10 = b10 ^ (~b11 & b12);
        a11 = b11 ^ (~b12 & b13);
        a12 = b12 ^ (~b13 & b14);
        a13 = b13 ^ (~b14 & b10);
        a14 = b14 ^ (~b10 & b11);
        a15 = b15 ^ (~b16 & b17);
        a16 = b16 ^ (~b17 & b18);
        a17 = b17 ^ (~b18 & b19);
        a18 = b18 ^ (~b19 & b15);
        a19 = b19 ^ (~b15 & b16);
        a20 = b20 ^ (~b21 & b22);
        a21 = b21 ^ (~b22 & b23);
        a22 = b22 ^ (~b23 & b24);
        a23 = b23 ^ (~b24 & b20);
        a24 = b24 ^ (~b20 & b21);
    }

    s[0] = a00; s[1] = a01; s[2] = a02; s[3] = a03; s[4] = a04;
    s[5] = a05; s[6] = a06; s[7] = a07; s[8] = a08; s[9] = a09;
    s[10] = a10; s[11] = a11; s[12] = a12; s[13] = a13; s[14] = a14;
    s[15] = a15; s[16] = a16; s[17] = a17; s[18] = a18; s[19] = a19;
    s[20] = a20; s[21] = a21; s[22] = a22; s[23] = a23; s[24] = a24;
}

void keccak256(const uint8_t* in, size_t len, uint8_t out[32]) { sponge(in, len, 136, out, 32); }

void keccak512(const uint8_t* in, size_t len, uint8_t out[64]) { sponge(in, len, 72, out, 64); }

void keccak512_64(const uint64_t in[8], uint64_t out[8]) {
    // 64 bytes fit in one 72-byte block: the padding lands in word 8.
    uint64_t st[25] = {in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7],
                       0x8000000000000001ULL};
    keccakf1600(st);
    std::memcpy(out, st, 64);
}

}  // namespace chimera::ethash
