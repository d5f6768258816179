#include "controller/auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <vector>

#include "controller/password.h"

namespace floe::controller {

std::optional<std::string> base64Decode(const std::string& text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  size_t size = static_cast<size_t>(n);
  // EVP_DecodeBlock counts the padding as data.
  for (size_t i = text.size(); i > 0 && text[i - 1] == '=' && size > 0; --i) --size;
  out.resize(size);
  return out;
}

Result<std::unique_ptr<Auth>> Auth::open(Store& store,
                                         const std::optional<std::string>& adminPassword,
                                         std::ostream& announce) {
  auto users = store.loadUsers();
  if (!users) return users.error();
  std::map<std::string, std::string> hashes;
  for (const auto& u : *users) hashes[u.name] = u.passwordHash;
  if (hashes.empty()) {
    const std::string password = adminPassword ? *adminPassword : generatePassword();
    if (password.empty()) return makeError("FLOE_ADMIN_PASSWORD: must not be empty");
    StoredUser admin{"admin", hashPassword(password)};
    if (auto s = store.putUser(admin); !s) return s.error();
    hashes[admin.name] = admin.passwordHash;
    if (!adminPassword) {
      announce << "floe-controller: created user admin with password " << password
               << " (shown only this once)" << std::endl;
    }
  }
  return std::unique_ptr<Auth>(new Auth(std::move(hashes)));
}

Auth::Auth(std::map<std::string, std::string> users)
    : hashes_(std::move(users)), cacheKey_(randomHex(32)) {}

std::string Auth::fingerprint(const std::string& user, const std::string& password) const {
  const std::string message = user + ":" + password;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), cacheKey_.data(), static_cast<int>(cacheKey_.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &size);
  return std::string(reinterpret_cast<char*>(mac), size);
}

bool Auth::checkPassword(const std::string& user, const std::string& password) {
  const std::string print = fingerprint(user, password);
  std::string hash;
  {
    std::lock_guard lock(mutex_);
    const auto it = hashes_.find(user);
    if (it == hashes_.end()) return false;
    const auto known = verified_.find(user);
    if (known != verified_.end() && known->second.size() == print.size() &&
        CRYPTO_memcmp(known->second.data(), print.data(), print.size()) == 0) {
      return true;
    }
    hash = it->second;
  }
  if (!verifyPassword(password, hash)) return false;  // slow: outside the lock
  std::lock_guard lock(mutex_);
  verified_[user] = print;
  return true;
}

std::optional<std::string> Auth::authenticate(const std::string& authorization,
                                              const std::string& cookie) {
  std::string token;
  if (authorization.rfind("Basic ", 0) == 0) {
    const auto decoded = base64Decode(authorization.substr(6));
    if (!decoded) return std::nullopt;
    const auto colon = decoded->find(':');
    if (colon == std::string::npos) return std::nullopt;
    const std::string user = decoded->substr(0, colon);
    if (!checkPassword(user, decoded->substr(colon + 1))) return std::nullopt;
    return user;
  }
  if (authorization.rfind("Bearer ", 0) == 0) {
    token = authorization.substr(7);
  } else {
    // Cookie: a=b; sessionid=TOKEN; c=d
    size_t pos = 0;
    while (pos < cookie.size()) {
      while (pos < cookie.size() && (cookie[pos] == ' ' || cookie[pos] == ';')) ++pos;
      const auto end = cookie.find(';', pos);
      const std::string pair = cookie.substr(pos, end == std::string::npos ? end : end - pos);
      if (pair.rfind("sessionid=", 0) == 0) token = pair.substr(10);
      if (end == std::string::npos) break;
      pos = end;
    }
  }
  if (token.empty()) return std::nullopt;
  std::lock_guard lock(mutex_);
  const auto it = sessions_.find(token);
  if (it == sessions_.end()) return std::nullopt;
  if (it->second.expires < std::chrono::steady_clock::now()) {
    sessions_.erase(it);
    return std::nullopt;
  }
  return it->second.user;
}

std::optional<std::string> Auth::login(const std::string& user, const std::string& password) {
  if (!checkPassword(user, password)) return std::nullopt;
  std::string token = randomHex(32);
  std::lock_guard lock(mutex_);
  sessions_[token] = {user, std::chrono::steady_clock::now() + kSessionLifetime};
  return token;
}

void Auth::logout(const std::string& token) {
  std::lock_guard lock(mutex_);
  sessions_.erase(token);
}

}  // namespace floe::controller
