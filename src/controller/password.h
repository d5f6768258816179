// Password hashing for controller accounts: PBKDF2-HMAC-SHA256 (RFC 8018 §5.2, OpenSSL) with a
// random 16-byte salt. Encoded as "pbkdf2-sha256$ITERATIONS$SALT_HEX$HASH_HEX" so that the
// iteration count can be raised later without invalidating stored hashes.
#pragma once

#include <string>
#include <string_view>

namespace floe::controller {

// OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256.
inline constexpr int kPasswordIterations = 600000;

// Hashes `password` with a fresh salt and `iterations` rounds.
std::string hashPassword(std::string_view password, int iterations = kPasswordIterations);

// True when `password` matches `encoded` (constant-time comparison). A malformed `encoded`
// never matches.
bool verifyPassword(std::string_view password, std::string_view encoded);

// `bytes` random bytes from OpenSSL's CSPRNG, as lower-case hex (2 × bytes characters).
std::string randomHex(size_t bytes);

// A random password for the first admin: 20 characters of [A-Za-z0-9].
std::string generatePassword();

}  // namespace floe::controller
