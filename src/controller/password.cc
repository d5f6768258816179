#include "controller/password.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdlib>
#include <stdexcept>
#include <vector>

namespace floe::controller {
namespace {

constexpr std::string_view kScheme = "pbkdf2-sha256";
constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;

std::string toHex(const unsigned char* data, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 0xF];
  }
  return out;
}

bool fromHex(std::string_view hex, std::vector<unsigned char>& out) {
  if (hex.size() % 2 != 0) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  out.clear();
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = nibble(hex[i]);
    const int lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<unsigned char>(hi << 4 | lo));
  }
  return true;
}

void randomBytes(unsigned char* out, size_t size) {
  // RAND_bytes fails only when the CSPRNG cannot be seeded; no account may get a weak salt.
  if (RAND_bytes(out, static_cast<int>(size)) != 1) std::abort();
}

bool derive(std::string_view password, const std::vector<unsigned char>& salt, int iterations,
            unsigned char* out, size_t outSize) {
  return PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt.data(),
                           static_cast<int>(salt.size()), iterations, EVP_sha256(),
                           static_cast<int>(outSize), out) == 1;
}

}  // namespace

std::string hashPassword(std::string_view password, int iterations) {
  std::vector<unsigned char> salt(kSaltBytes);
  randomBytes(salt.data(), salt.size());
  unsigned char hash[kHashBytes];
  if (!derive(password, salt, iterations, hash, sizeof hash)) std::abort();
  return std::string(kScheme) + "$" + std::to_string(iterations) + "$" +
         toHex(salt.data(), salt.size()) + "$" + toHex(hash, sizeof hash);
}

bool verifyPassword(std::string_view password, std::string_view encoded) {
  // scheme $ iterations $ salt $ hash
  std::string_view parts[4];
  for (int i = 0; i < 4; ++i) {
    const auto dollar = encoded.find('$');
    if ((dollar == std::string_view::npos) != (i == 3)) return false;
    parts[i] = encoded.substr(0, dollar);
    if (dollar != std::string_view::npos) encoded.remove_prefix(dollar + 1);
  }
  if (parts[0] != kScheme || parts[1].empty() || parts[1].size() > 9) return false;
  int iterations = 0;
  for (char c : parts[1]) {
    if (c < '0' || c > '9') return false;
    iterations = iterations * 10 + (c - '0');
  }
  std::vector<unsigned char> salt;
  std::vector<unsigned char> expected;
  if (iterations < 1 || !fromHex(parts[2], salt) || !fromHex(parts[3], expected) ||
      expected.size() != kHashBytes) {
    return false;
  }
  unsigned char hash[kHashBytes];
  if (!derive(password, salt, iterations, hash, sizeof hash)) return false;
  return CRYPTO_memcmp(hash, expected.data(), kHashBytes) == 0;
}

std::string randomHex(size_t bytes) {
  std::vector<unsigned char> data(bytes);
  randomBytes(data.data(), data.size());
  return toHex(data.data(), data.size());
}

std::string generatePassword() {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string out;
  while (out.size() < 20) {
    unsigned char b;
    randomBytes(&b, 1);
    if (b < 62 * 4) out += kAlphabet[b % 62];  // rejection sampling: no modulo bias
  }
  return out;
}

}  // namespace floe::controller
