// Controller accounts and request authentication: HTTP basic (RFC 7617) and session tokens
// (POST /login), passwords as PBKDF2 hashes in the Store (password.h). Thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>

#include "common/result.h"
#include "controller/store.h"

namespace floe::controller {

class Auth {
 public:
  // Loads the accounts; when there are none (first start) creates "admin" with
  // `adminPassword`, or with a generated password that is written once to `announce`.
  static Result<std::unique_ptr<Auth>> open(Store& store,
                                            const std::optional<std::string>& adminPassword,
                                            std::ostream& announce);

  // The user a request authenticates as, from its Authorization header ("Basic BASE64" or
  // "Bearer TOKEN") or its Cookie header ("sessionid=TOKEN"); nullopt when it does not.
  std::optional<std::string> authenticate(const std::string& authorization,
                                          const std::string& cookie);
  // A new session token (64 hex characters, valid kSessionLifetime) when the password is right.
  std::optional<std::string> login(const std::string& user, const std::string& password);
  void logout(const std::string& token);

  static constexpr std::chrono::hours kSessionLifetime{24};

 private:
  explicit Auth(std::map<std::string, std::string> users);
  bool checkPassword(const std::string& user, const std::string& password);
  std::string fingerprint(const std::string& user, const std::string& password) const;

  std::mutex mutex_;
  std::map<std::string, std::string> hashes_;  // user → encoded PBKDF2 hash
  // Basic auth sends the password with every request; PBKDF2 is deliberately slow, so a
  // verified (user, password) is remembered as an HMAC under a per-process random key.
  std::string cacheKey_;
  std::map<std::string, std::string> verified_;  // user → HMAC(cacheKey_, user:password)
  struct Session {
    std::string user;
    std::chrono::steady_clock::time_point expires;
  };
  std::map<std::string, Session> sessions_;
};

// RFC 4648 base64 decoding; nullopt for malformed input.
std::optional<std::string> base64Decode(const std::string& text);

}  // namespace floe::controller
