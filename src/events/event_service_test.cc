#include "events/event_service.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "store/sqlite/sqlite_store.h"
#include "testutil/fake_clock.h"
#include "testutil/temp_dir.h"

namespace cronium::events {
namespace {

using store::EventType;

const store::Actor kOwner{.type = "user", .id = "usr_1", .name = "owner", .source = "test"};

crypto::MasterKey TestKey() {
  std::array<unsigned char, crypto::kKeyBytes> bytes{};
  bytes.fill(7);
  return crypto::MasterKey::FromBytesForTest(bytes);
}

class EventServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::sqlite::OpenStore({.path = dir_.path() + "/c.db"});
    ASSERT_TRUE(opened);
    store_ = std::move(*opened);
    service_ = std::make_unique<EventService>(
        EventsOptions{}, *store_, TestKey().Box(crypto::KeyPurpose::kEventEnvVars), clock_);
  }

  static EventFields Minimal() {
    EventFields f;
    f.name = "hello";
    f.type = EventType::kBash;
    f.content = "echo hi";
    return f;
  }

  void ExpectInvalid(EventFields fields, const std::string& fragment) {
    auto created = service_->Create(std::move(fields), kOwner);
    ASSERT_FALSE(created) << "expected failure mentioning " << fragment;
    EXPECT_EQ(created.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(created.error().message.find(fragment), std::string::npos) << created.error().message;
  }

  testutil::TempDir dir_;
  testutil::FakeClock clock_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<EventService> service_;
};

TEST_F(EventServiceTest, CreateAppliesDefaults) {
  auto created = service_->Create(Minimal(), kOwner);
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ(created->id.rfind("evt_", 0), 0u);
  EXPECT_EQ(created->owner_id, "usr_1");
  EXPECT_EQ(created->status, store::EventStatus::kDraft);
  EXPECT_EQ(created->timeout_seconds, 30);
  EXPECT_EQ(created->retries, 0);
  EXPECT_EQ(created->created_at, clock_.Now());
  auto loaded = service_->Get(created->id);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->name, "hello");
  EXPECT_EQ(loaded->content, "echo hi");
}

TEST_F(EventServiceTest, EnvVarsAreSealedAtRestAndUnsealedOnRead) {
  EventFields f = Minimal();
  f.env_vars = std::map<std::string, std::string>{{"API_KEY", "s3cr3t-value"}};
  auto created = service_->Create(f, kOwner);
  ASSERT_TRUE(created);
  auto record = store_->GetEvent(created->id);
  ASSERT_TRUE(record);
  ASSERT_EQ(record->env_vars.size(), 1u);
  EXPECT_EQ(record->env_vars[0].key, "API_KEY");
  EXPECT_EQ(record->env_vars[0].sealed_value.find("s3cr3t"), std::string::npos);
  EXPECT_EQ(service_->Get(created->id)->env_vars.at("API_KEY"), "s3cr3t-value");
}

TEST_F(EventServiceTest, ChangesAreAuditedWithoutSecretValues) {
  EventFields f = Minimal();
  f.env_vars = std::map<std::string, std::string>{{"API_KEY", "value-never-in-audit"}};
  auto created = service_->Create(f, kOwner);
  ASSERT_TRUE(created);
  ASSERT_TRUE(service_->Update(created->id, Minimal(), kOwner));
  ASSERT_TRUE(service_->Delete(created->id, kOwner));
  auto entries = store_->ListAudit({.target_id = created->id});
  ASSERT_TRUE(entries);
  ASSERT_EQ(entries->size(), 3u);
  EXPECT_EQ((*entries)[2].action, "event.create");
  EXPECT_EQ((*entries)[1].action, "event.update");
  EXPECT_EQ((*entries)[0].action, "event.delete");
  EXPECT_EQ((*entries)[2].actor.id, "usr_1");
  EXPECT_NE((*entries)[2].details_json.find("API_KEY"), std::string::npos);
  for (const auto& e : *entries) {
    EXPECT_EQ(e.details_json.find("value-never-in-audit"), std::string::npos);
  }
}

TEST_F(EventServiceTest, ResealAllMovesEverySecretToTheNewKey) {
  EventFields f = Minimal();
  f.env_vars = std::map<std::string, std::string>{{"A", "alpha"}, {"B", "beta"}};
  auto with_vars = service_->Create(f, kOwner);
  auto without = service_->Create(Minimal(), kOwner);
  ASSERT_TRUE(with_vars && without);
  std::array<unsigned char, crypto::kKeyBytes> other{};
  other.fill(9);
  const crypto::SecretBox old_box = TestKey().Box(crypto::KeyPurpose::kEventEnvVars);
  const crypto::SecretBox new_box =
      crypto::MasterKey::FromBytesForTest(other).Box(crypto::KeyPurpose::kEventEnvVars);
  auto resealed = service_->ResealAll(
      new_box, store::MakeAudit(kOwner, clock_.Now(), "key.rotate", "key", "master"));
  ASSERT_TRUE(resealed) << resealed.error().message;
  EXPECT_EQ(*resealed, 1);
  auto record = store_->GetEvent(with_vars->id);
  for (const auto& var : record->env_vars) {
    EXPECT_TRUE(new_box.Open(var.sealed_value, "event-env/" + with_vars->id + "/" + var.key));
    EXPECT_FALSE(old_box.Open(var.sealed_value, "event-env/" + with_vars->id + "/" + var.key));
  }
  service_->SetEnvBox(new_box);
  EXPECT_EQ(service_->Get(with_vars->id)->env_vars.at("B"), "beta");
  EXPECT_EQ(store_->ListAudit({.action = "key.rotate"})->size(), 1u);
}

// Issue #20: a create that sealed its env vars before a key rotation switched the box, and
// stored them after the rotation re-encrypted every event, left values only the old key opens:
// unreadable once the rotation finished. The rotation here starts while the create is between
// sealing and storing (in its schedule step), and gets up to a second to finish: with the box
// lock it cannot switch the box until the create has stored, and re-encrypts it.
TEST_F(EventServiceTest, Issue20AKeyRotationCannotSlipBetweenSealingAndStoringAnEvent) {
  std::array<unsigned char, crypto::kKeyBytes> other{};
  other.fill(9);
  const crypto::MasterKey next = crypto::MasterKey::FromBytesForTest(other);
  const crypto::SecretBox both(
      std::vector<crypto::Key>{next.Derive(crypto::KeyPurpose::kEventEnvVars),
                               TestKey().Derive(crypto::KeyPurpose::kEventEnvVars)});
  std::thread rotation;
  std::future<void> rotated;
  EventFields f = Minimal();
  f.env_vars = std::map<std::string, std::string>{{"API_KEY", "kept"}};
  auto created = service_->Create(
      f, kOwner, [&](const std::string& id, TimePoint at) -> Result<store::NewSchedule> {
        std::packaged_task<void()> task([&] {
          // As RotateKeys does: switch to both keys, re-encrypt, then keep the next key only.
          service_->SetEnvBox(both);
          EXPECT_TRUE(service_->ResealAll(next.Box(crypto::KeyPurpose::kEventEnvVars), {}));
          service_->SetEnvBox(next.Box(crypto::KeyPurpose::kEventEnvVars));
        });
        rotated = task.get_future();
        rotation = std::thread(std::move(task));
        // Without the lock the rotation finishes here, before this event is stored.
        (void)rotated.wait_for(std::chrono::seconds(1));
        return store::NewSchedule{
            .record = {.target_id = id, .spec_json = R"({"kind":"MANUAL"})", .updated_at = at}};
      });
  ASSERT_TRUE(created) << created.error().message;
  rotation.join();
  auto read = service_->Get(created->id);
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(read->env_vars.at("API_KEY"), "kept");
}

TEST_F(EventServiceTest, SealedValueMovedToAnotherEventDoesNotDecrypt) {
  EventFields f = Minimal();
  f.env_vars = std::map<std::string, std::string>{{"API_KEY", "v"}};
  auto a = service_->Create(f, kOwner);
  auto b = service_->Create(Minimal(), kOwner);
  ASSERT_TRUE(a && b);
  auto record_a = store_->GetEvent(a->id);
  auto record_b = store_->GetEvent(b->id);
  record_b->env_vars = record_a->env_vars;
  ASSERT_TRUE(store_->UpdateEvent(*record_b, {}));
  auto loaded = service_->Get(b->id);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code, ErrorCode::kInternal);
}

TEST_F(EventServiceTest, UpdateChangesOnlyGivenFieldsAndKeepsMaskedSecrets) {
  EventFields f = Minimal();
  f.env_vars = std::map<std::string, std::string>{{"A", "1"}, {"B", "2"}};
  f.tags = std::vector<std::string>{"x"};
  auto created = service_->Create(f, kOwner);
  ASSERT_TRUE(created);
  clock_.Advance(std::chrono::seconds(5));
  EventFields patch;
  patch.description = "new";
  patch.env_vars = std::map<std::string, std::string>{{"A", std::string(kMaskedValue)}, {"C", "3"}};
  auto updated = service_->Update(created->id, patch, kOwner);
  ASSERT_TRUE(updated) << updated.error().message;
  EXPECT_EQ(updated->name, "hello");
  EXPECT_EQ(updated->description, "new");
  EXPECT_EQ(updated->tags, std::vector<std::string>{"x"});
  EXPECT_EQ(updated->env_vars, (std::map<std::string, std::string>{{"A", "1"}, {"C", "3"}}));
  EXPECT_EQ(updated->updated_at, clock_.Now());
  EXPECT_EQ(updated->created_at, created->created_at);
}

TEST_F(EventServiceTest, MaskedValueWithoutStoredValueIsRejected) {
  EventFields f = Minimal();
  f.env_vars = std::map<std::string, std::string>{{"A", std::string(kMaskedValue)}};
  ExpectInvalid(f, "masked");
}

TEST_F(EventServiceTest, RejectsInvalidFields) {
  {
    EventFields f = Minimal();
    f.name.reset();
    ExpectInvalid(f, "name: required");
  }
  {
    EventFields f = Minimal();
    f.type.reset();
    ExpectInvalid(f, "type: required");
  }
  {
    EventFields f = Minimal();
    f.name = "   ";
    ExpectInvalid(f, "name: must not be empty");
  }
  {
    EventFields f = Minimal();
    f.name = std::string(201, 'n');
    ExpectInvalid(f, "name: at most");
  }
  {
    EventFields f = Minimal();
    f.content = std::string((256 << 10) + 1, 'c');
    ExpectInvalid(f, "content: at most");
  }
  {
    EventFields f = Minimal();
    f.content = "bad \xFF utf8";
    ExpectInvalid(f, "UTF-8");
  }
  for (int64_t timeout : {0LL, -5LL, 7LL * 24 * 3600 + 1}) {
    EventFields f = Minimal();
    f.timeout_seconds = timeout;
    ExpectInvalid(f, "timeoutSeconds");
  }
  for (int retries : {-1, 11}) {
    EventFields f = Minimal();
    f.retries = retries;
    ExpectInvalid(f, "retries");
  }
  for (const char* key : {"lower", "1ABC", "A-B", "", "A B", "ÄB"}) {
    EventFields f = Minimal();
    f.env_vars = std::map<std::string, std::string>{{key, "v"}};
    ExpectInvalid(f, "envVars: key");
  }
  {
    EventFields f = Minimal();
    f.env_vars = std::map<std::string, std::string>{{"CRONIUM_EXECUTION_ID", "x"}};
    ExpectInvalid(f, "reserved");
  }
  {
    EventFields f = Minimal();
    f.env_vars = std::map<std::string, std::string>{{"A", std::string("a\0b", 3)}};
    ExpectInvalid(f, "without NUL");
  }
  {
    EventFields f = Minimal();
    f.tags = std::vector<std::string>{"a", "a"};
    ExpectInvalid(f, "appears twice");
  }
  {
    EventFields f = Minimal();
    f.tags = std::vector<std::string>{""};
    ExpectInvalid(f, "tags");
  }
}

TEST_F(EventServiceTest, HttpRequestEventsNeedAValidRequest) {
  EventFields f = Minimal();
  f.type = EventType::kHttpRequest;
  ExpectInvalid(f, "httpRequest: required");
  f.http_request = HttpRequestSpec{.method = "GET", .url = "ftp://x"};
  ExpectInvalid(f, "httpRequest.url");
  f.http_request = HttpRequestSpec{.method = "BREW", .url = "http://x"};
  ExpectInvalid(f, "httpRequest.method");
  f.http_request = HttpRequestSpec{.method = "POST",
                                   .url = "https://example.test/hook",
                                   .headers = {{"X-A", "1"}},
                                   .body = "{}"};
  auto created = service_->Create(f, kOwner);
  ASSERT_TRUE(created) << created.error().message;
  auto loaded = service_->Get(created->id);
  ASSERT_TRUE(loaded && loaded->http_request);
  EXPECT_EQ(loaded->http_request->url, "https://example.test/hook");
  EXPECT_EQ(loaded->http_request->headers.size(), 1u);

  EventFields script = Minimal();
  script.http_request = HttpRequestSpec{.url = "http://x"};
  ExpectInvalid(script, "only for HTTP_REQUEST");
}

TEST_F(EventServiceTest, UnknownOrMalformedIdsAreNotFound) {
  EXPECT_EQ(service_->Get("evt_missing").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(service_->Get("../../etc").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(service_->Delete("evt_missing", kOwner).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(service_->Update("evt_missing", Minimal(), kOwner).error().code, ErrorCode::kNotFound);
}

TEST_F(EventServiceTest, ListClampsPageSize) {
  for (int n = 0; n < 3; ++n) {
    ASSERT_TRUE(service_->Create(Minimal(), kOwner));
    clock_.Advance(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(service_->List({.limit = 0})->size(), 1u);
  EXPECT_EQ(service_->List({.limit = 100000})->size(), 3u);
}

}  // namespace
}  // namespace cronium::events
