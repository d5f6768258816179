#include "controller/password.h"

#include <gtest/gtest.h>

#include "controller/auth.h"

namespace floe::controller {
namespace {

constexpr int kFast = 1000;  // the production count makes each hash take ~0.3 s

TEST(Password, VerifiesTheRightPassword) {
  const auto hash = hashPassword("s3cret", kFast);
  EXPECT_TRUE(verifyPassword("s3cret", hash));
}

TEST(Password, RejectsAWrongPassword) {
  const auto hash = hashPassword("s3cret", kFast);
  EXPECT_FALSE(verifyPassword("s3cret ", hash));
  EXPECT_FALSE(verifyPassword("", hash));
}

TEST(Password, SaltsEveryHash) {
  EXPECT_NE(hashPassword("same", kFast), hashPassword("same", kFast));
}

TEST(Password, EncodesSchemeAndIterations) {
  const auto hash = hashPassword("x");
  EXPECT_EQ(hash.rfind("pbkdf2-sha256$600000$", 0), 0u) << hash;
}

TEST(Password, NeverMatchesAMalformedHash) {
  for (const char* bad : {"", "pbkdf2-sha256", "pbkdf2-sha256$1000$zz$00",
                          "md5$1000$00$00", "pbkdf2-sha256$0$00$00",
                          "pbkdf2-sha256$1000$00$00$00", "pbkdf2-sha256$x$00$00"}) {
    EXPECT_FALSE(verifyPassword("x", bad)) << bad;
  }
}

TEST(Password, GeneratesDistinctAlphanumericPasswords) {
  const auto a = generatePassword();
  EXPECT_EQ(a.size(), 20u);
  for (char c : a) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << a;
  EXPECT_NE(a, generatePassword());
}

TEST(Base64, DecodesWithAndWithoutPadding) {
  EXPECT_EQ(base64Decode("YWRtaW46c2VjcmV0"), "admin:secret");
  EXPECT_EQ(base64Decode("YQ=="), "a");
  EXPECT_EQ(base64Decode("YWI="), "ab");
  EXPECT_FALSE(base64Decode("YQ="));
  EXPECT_FALSE(base64Decode("!!!!"));
}

}  // namespace
}  // namespace floe::controller
