#include "crypto/secrets.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "testutil/temp_dir.h"

namespace cronium::crypto {
namespace {

std::array<unsigned char, kKeyBytes> Bytes(unsigned char fill) {
  std::array<unsigned char, kKeyBytes> bytes{};
  bytes.fill(fill);
  return bytes;
}

TEST(SecretBoxTest, RoundTrip) {
  const SecretBox box = MasterKey::FromBytesForTest(Bytes(1)).Box(KeyPurpose::kEventEnvVars);
  const std::string sealed = box.Seal("s3cret value ✓", "evt_1/API_KEY");
  EXPECT_EQ(sealed.find("s3cret"), std::string::npos);
  auto opened = box.Open(sealed, "evt_1/API_KEY");
  ASSERT_TRUE(opened);
  EXPECT_EQ(*opened, "s3cret value ✓");
}

TEST(SecretBoxTest, SameTextSealsDifferently) {
  const SecretBox box = MasterKey::FromBytesForTest(Bytes(1)).Box(KeyPurpose::kEventEnvVars);
  EXPECT_NE(box.Seal("x", "a"), box.Seal("x", "a"));
}

TEST(SecretBoxTest, RejectsOtherRecord) {
  const SecretBox box = MasterKey::FromBytesForTest(Bytes(1)).Box(KeyPurpose::kEventEnvVars);
  auto opened = box.Open(box.Seal("v", "evt_1/A"), "evt_2/A");
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::kPermissionDenied);
}

TEST(SecretBoxTest, RejectsOtherPurposeAndOtherMaster) {
  const MasterKey master = MasterKey::FromBytesForTest(Bytes(1));
  const std::string sealed = master.Box(KeyPurpose::kEventEnvVars).Seal("v", "r");
  EXPECT_EQ(master.Box(KeyPurpose::kUserVariables).Open(sealed, "r").error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(MasterKey::FromBytesForTest(Bytes(2))
                .Box(KeyPurpose::kEventEnvVars)
                .Open(sealed, "r")
                .error()
                .code,
            ErrorCode::kPermissionDenied);
}

TEST(SecretBoxTest, RejectsTamperedCiphertext) {
  const SecretBox box = MasterKey::FromBytesForTest(Bytes(1)).Box(KeyPurpose::kEventEnvVars);
  std::string sealed = box.Seal("value", "r");
  sealed[sealed.size() - 3] = sealed[sealed.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_EQ(box.Open(sealed, "r").error().code, ErrorCode::kPermissionDenied);
}

TEST(SecretBoxTest, RejectsGarbage) {
  const SecretBox box = MasterKey::FromBytesForTest(Bytes(1)).Box(KeyPurpose::kEventEnvVars);
  EXPECT_EQ(box.Open("plain", "r").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(box.Open("v1.!!!", "r").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(box.Open("v1.AAAA", "r").error().code, ErrorCode::kInvalidArgument);
}

TEST(MasterKeyTest, CreatesKeyFileWithMode0600AndReloadsIt) {
  testutil::TempDir dir;
  const std::string path = dir.path() + "/sub/master.key";
  auto first = MasterKey::LoadOrCreate(path);
  ASSERT_TRUE(first) << first.error().message;
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, static_cast<off_t>(kKeyBytes));
  const std::string sealed = first->Box(KeyPurpose::kEventEnvVars).Seal("v", "r");
  auto second = MasterKey::LoadOrCreate(path);
  ASSERT_TRUE(second);
  EXPECT_EQ(*second->Box(KeyPurpose::kEventEnvVars).Open(sealed, "r"), "v");
}

TEST(MasterKeyTest, RefusesWorldReadableKeyFile) {
  testutil::TempDir dir;
  const std::string path = dir.path() + "/master.key";
  ASSERT_TRUE(MasterKey::LoadOrCreate(path));
  ::chmod(path.c_str(), 0644);
  auto loaded = MasterKey::LoadOrCreate(path);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code, ErrorCode::kFailedPrecondition);
}

TEST(MasterKeyTest, RefusesTruncatedKeyFile) {
  testutil::TempDir dir;
  const std::string path = dir.path() + "/master.key";
  { std::ofstream(path) << "short"; }
  ::chmod(path.c_str(), 0600);
  auto loaded = MasterKey::LoadOrCreate(path);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code, ErrorCode::kFailedPrecondition);
}

TEST(SecretHasherTest, IsKeyedAndStable) {
  const MasterKey a = MasterKey::FromBytesForTest(Bytes(1));
  const MasterKey b = MasterKey::FromBytesForTest(Bytes(2));
  const std::string hash = a.Hasher(KeyPurpose::kTokenHashing).Hash("crn_secret");
  EXPECT_EQ(hash.size(), 64u);
  EXPECT_EQ(hash, a.Hasher(KeyPurpose::kTokenHashing).Hash("crn_secret"));
  EXPECT_NE(hash, a.Hasher(KeyPurpose::kTokenHashing).Hash("crn_secreT"));
  EXPECT_NE(hash, b.Hasher(KeyPurpose::kTokenHashing).Hash("crn_secret"));
  EXPECT_EQ(hash.find("secret"), std::string::npos);
}

TEST(MasterKeyTest, CheckValueNamesTheKeyWithoutRevealingIt) {
  const MasterKey a = MasterKey::FromBytesForTest(Bytes(1));
  const MasterKey b = MasterKey::FromBytesForTest(Bytes(2));
  EXPECT_EQ(a.CheckValue().size(), 16u);
  EXPECT_EQ(a.CheckValue(), MasterKey::FromBytesForTest(Bytes(1)).CheckValue());
  EXPECT_NE(a.CheckValue(), b.CheckValue());
  // Not a hash that any other use of the key produces.
  for (uint64_t purpose = 1; purpose <= 6; ++purpose) {
    EXPECT_EQ(
        a.Hasher(static_cast<KeyPurpose>(purpose)).Hash("cronium key check").find(a.CheckValue()),
        std::string::npos);
  }
}

TEST(NewSecretTokenTest, HasPrefixAndIsRandom) {
  const std::string one = NewSecretToken("crn_");
  const std::string two = NewSecretToken("crn_");
  EXPECT_EQ(one.rfind("crn_", 0), 0u);
  EXPECT_EQ(one.size(), 4u + 43u);
  EXPECT_NE(one, two);
}

TEST(KeyFilesTest, RotationKeepsValuesReadableThroughout) {
  testutil::TempDir dir;
  auto files = KeyFiles::Open(dir.path() + "/master.key");
  ASSERT_TRUE(files);
  EXPECT_FALSE(files->rotating());
  const std::string old_sealed = files->Box(KeyPurpose::kEventEnvVars).Seal("v", "r");
  const std::string before = files->CheckValue();
  EXPECT_EQ(files->NextCheckValue(), std::nullopt);
  ASSERT_TRUE(files->BeginRotation());
  EXPECT_TRUE(files->rotating());
  ASSERT_TRUE(files->NextCheckValue().has_value());
  EXPECT_NE(*files->NextCheckValue(), before);
  const std::string next = *files->NextCheckValue();
  // During the rotation both old and new values open; new values use the next key.
  const SecretBox during = files->Box(KeyPurpose::kEventEnvVars);
  EXPECT_EQ(*during.Open(old_sealed, "r"), "v");
  const std::string new_sealed = files->TargetBox(KeyPurpose::kEventEnvVars).Seal("w", "r");
  EXPECT_EQ(*during.Open(new_sealed, "r"), "w");
  EXPECT_FALSE(files->TargetBox(KeyPurpose::kEventEnvVars).Open(old_sealed, "r"));
  ASSERT_TRUE(files->CommitRotation());
  EXPECT_FALSE(files->rotating());
  EXPECT_EQ(files->CheckValue(), next);
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/master.key.next"));
  auto reopened = KeyFiles::Open(dir.path() + "/master.key");
  ASSERT_TRUE(reopened);
  EXPECT_EQ(*reopened->Box(KeyPurpose::kEventEnvVars).Open(new_sealed, "r"), "w");
  EXPECT_FALSE(reopened->Box(KeyPurpose::kEventEnvVars).Open(old_sealed, "r"));
}

TEST(KeyFilesTest, AnUnfinishedRotationIsFoundAtTheNextOpen) {
  testutil::TempDir dir;
  std::string old_sealed;
  {
    auto files = KeyFiles::Open(dir.path() + "/master.key");
    old_sealed = files->Box(KeyPurpose::kEventEnvVars).Seal("v", "r");
    ASSERT_TRUE(files->BeginRotation());
  }
  auto files = KeyFiles::Open(dir.path() + "/master.key");
  ASSERT_TRUE(files);
  EXPECT_TRUE(files->rotating());
  EXPECT_EQ(*files->Box(KeyPurpose::kEventEnvVars).Open(old_sealed, "r"), "v");
}

TEST(ConstantTimeEqualsTest, ComparesContent) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
}

// Checked against an independent HMAC-SHA256 (Python's hmac) over the same key and payload.
constexpr std::string_view kKnownToken =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJleGVjdXRpb25JZCI6ImV4ZV8xIiwiZXhwIjoyMDAwMDAwMDAwfQ."
    "U55ILH6k8Vx2YOeyIEtn1DzfTXSx1Wbo4kQOUsHGdnE";

TEST(JwtSignerTest, SignsAndVerifiesStandardHs256) {
  const JwtSigner signer({Key(Bytes(7))});
  EXPECT_EQ(signer.Sign(R"({"executionId":"exe_1","exp":2000000000})"), kKnownToken);
  auto payload = signer.Verify(kKnownToken);
  ASSERT_TRUE(payload) << payload.error().message;
  EXPECT_EQ(*payload, R"({"executionId":"exe_1","exp":2000000000})");
}

TEST(JwtSignerTest, RejectsEverythingElse) {
  const JwtSigner signer({Key(Bytes(7))});
  const std::string token(kKnownToken);
  const auto rejected = [&](std::string_view bad) {
    auto result = signer.Verify(bad);
    EXPECT_FALSE(result) << bad;
    if (!result) {
      EXPECT_EQ(result.error().code, ErrorCode::kUnauthenticated) << bad;
    }
  };
  rejected("");
  rejected("not a token");
  rejected("a.b");
  rejected(token + ".extra");
  rejected(token.substr(0, token.size() - 1));      // a signature byte short
  rejected(token.substr(0, token.rfind('.') + 1));  // no signature
  // "alg": "none", and HS512 with a valid HS512 signature: only HS256 is accepted.
  rejected(
      "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0."
      "eyJleGVjdXRpb25JZCI6ImV4ZV8xIiwiZXhwIjoyMDAwMDAwMDAwfQ.");
  rejected(
      "eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9.eyJleGVjdXRpb25JZCI6ImV4ZV8xIiwiZXhwIjoyMDAwMDAwMDAwfQ."
      "CTTLc5t0c5khDxZWx3UZFwtUs86qpgj5t1rcTLZikRQc3YIET40_uEnwWPV5xg6EyQSHMEFhOzWrErWO_Jm1gA");
  // Another payload under the same signature.
  const std::string forged_payload = Base64UrlEncode(R"({"executionId":"exe_2","exp":2000000000})");
  rejected(token.substr(0, token.find('.') + 1) + forged_payload + token.substr(token.rfind('.')));
  // Another key.
  EXPECT_FALSE(JwtSigner({Key(Bytes(8))}).Verify(token));
}

TEST(JwtSignerTest, KeyRotationKeepsTokensValid) {
  const JwtSigner old_signer({Key(Bytes(7))});
  const JwtSigner rotating({Key(Bytes(8)), Key(Bytes(7))});
  const std::string old_token = old_signer.Sign(R"({"a":1})");
  EXPECT_TRUE(rotating.Verify(old_token));
  const std::string new_token = rotating.Sign(R"({"a":2})");
  EXPECT_FALSE(old_signer.Verify(new_token));  // signed with the next key
  EXPECT_TRUE(JwtSigner({Key(Bytes(8))}).Verify(new_token));
}

TEST(Base64UrlTest, RoundTripsAndRejectsOtherAlphabets) {
  const std::string bytes("\x00\xff\xfe binary \x01", 13);
  const std::string text = Base64UrlEncode(bytes);
  EXPECT_EQ(text.find_first_of("+/="), std::string::npos);
  EXPECT_EQ(Base64UrlDecode(text), bytes);
  EXPECT_FALSE(Base64UrlDecode("ab+/"));
  EXPECT_FALSE(Base64UrlDecode("YQ=="));  // padding
  EXPECT_EQ(Base64UrlDecode(""), std::string());
}

}  // namespace
}  // namespace cronium::crypto

namespace cronium::crypto {
namespace {

TEST(HmacSha256Test, MatchesRfc4231) {
  // RFC 4231, test case 2.
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_NE(HmacSha256Hex("Jefe", "what do ya want for nothing!"),
            HmacSha256Hex("Jefe", "what do ya want for nothing?"));
}

TEST(Sha256Test, MatchesFips180Vectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace cronium::crypto
