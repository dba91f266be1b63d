/* token.h - the proof that a test ran to its end, shared by the harness and the grader
 *
 * A test process writes "end NAME PID TOKEN" when its test has finished; the
 * token is a keyed hash (SipHash-2-4) of "NAME PID" under a key that the
 * grader hands to the test runner through a pipe and nobody else sees. Code
 * under test that ends its process early with status 0, or writes an "end"
 * line itself, cannot make a token that the grader accepts.
 */
#ifndef TOKEN_H
#define TOKEN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define TOKEN_KEY_LEN 16

static inline uint64_t token_rotl(uint64_t x, int b)
{
    return (x << b) | (x >> (64 - b));
}

static inline void token_round(uint64_t v[4])
{
    v[0] += v[1];
    v[1] = token_rotl(v[1], 13) ^ v[0];
    v[0] = token_rotl(v[0], 32);
    v[2] += v[3];
    v[3] = token_rotl(v[3], 16) ^ v[2];
    v[0] += v[3];
    v[3] = token_rotl(v[3], 21) ^ v[0];
    v[2] += v[1];
    v[1] = token_rotl(v[1], 17) ^ v[2];
    v[2] = token_rotl(v[2], 32);
}

static inline uint64_t token_load(const unsigned char *p, size_t n)
{
    uint64_t x = 0;

    for (size_t i = 0; i < n; i++)
        x |= (uint64_t)p[i] << (8 * i);
    return x;
}

/* SipHash-2-4 of msg (len bytes) under key. */
static inline uint64_t token_hash(const unsigned char key[TOKEN_KEY_LEN],
                                  const unsigned char *msg, size_t len)
{
    uint64_t k0 = token_load(key, 8), k1 = token_load(key + 8, 8);
    uint64_t v[4] = {k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL,
                     k0 ^ 0x6c7967656e657261ULL, k1 ^ 0x7465646279746573ULL};
    size_t full = len - len % 8;
    uint64_t m;

    for (size_t i = 0; i < full; i += 8) {
        m = token_load(msg + i, 8);
        v[3] ^= m;
        token_round(v);
        token_round(v);
        v[0] ^= m;
    }
    m = token_load(msg + full, len % 8) | (uint64_t)(len & 0xff) << 56;
    v[3] ^= m;
    token_round(v);
    token_round(v);
    v[0] ^= m;
    v[2] ^= 0xff;
    for (int i = 0; i < 4; i++)
        token_round(v);
    return v[0] ^ v[1] ^ v[2] ^ v[3];
}

/* The token of test `name` run by process `pid`. */
static inline uint64_t token_for(const unsigned char key[TOKEN_KEY_LEN], const char *name,
                                 long pid)
{
    char msg[160];
    int n = snprintf(msg, sizeof(msg), "%s %ld", name, pid);

    if (n < 0 || (size_t)n >= sizeof(msg))
        n = 0;
    return token_hash(key, (const unsigned char *)msg, (size_t)n);
}

#endif
