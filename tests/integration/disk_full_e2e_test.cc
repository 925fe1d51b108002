// A full disk under the data dir: writes fail with a clear error, runs are still recorded
// (without their output), nothing is corrupted, and everything works again once there is room.
// The data dir is a small tmpfs mounted in a private mount namespace of this test process.

#include <sched.h>
#include <sqlite3.h>
#include <sys/mount.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "e2e.h"

namespace cronium::e2e {
namespace {

class DiskFullE2eTest : public E2eTest {
 protected:
  // Mounts a tmpfs of `bytes` at `path`, visible only to this process and its children.
  static std::string MountSmallDisk(const std::string& path, size_t bytes) {
    if (::unshare(CLONE_NEWNS) != 0) return std::string("unshare: ") + std::strerror(errno);
    if (::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
      return std::string("mount --make-rprivate /: ") + std::strerror(errno);
    }
    std::filesystem::create_directories(path);
    const std::string options = "size=" + std::to_string(bytes) + ",mode=0700";
    if (::mount("tmpfs", path.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) != 0) {
      return std::string("mount tmpfs: ") + std::strerror(errno);
    }
    return "";
  }

  // Fills the file system of `dir` until `leave` bytes are free (0: completely).
  static void Fill(const std::string& file, const std::string& dir, size_t leave) {
    struct statvfs fs {};
    ASSERT_EQ(::statvfs(dir.c_str(), &fs), 0);
    const size_t free_bytes = static_cast<size_t>(fs.f_bavail) * fs.f_frsize;
    std::ofstream out(file, std::ios::binary | std::ios::app);
    const std::string block(4096, 'x');
    for (size_t written = 0; written + leave + block.size() <= free_bytes + (leave == 0 ? 4096 : 0);
         written += block.size()) {
      if (!out.write(block.data(), static_cast<std::streamsize>(block.size()))) break;
    }
    out.flush();
  }
};

TEST_F(DiskFullE2eTest, AFullDiskFailsClearlyAndCorruptsNothing) {
  ASSERT_EQ(server_->Stop(), 0);
  const std::string disk = dir_.path() + "/small";
  const std::string mounted = MountSmallDisk(disk, 12 << 20);
  if (!mounted.empty()) GTEST_SKIP() << "cannot mount a small file system here: " << mounted;
  const std::string data = disk + "/data";
  auto bootstrap = testutil::RunCronium({"admin", "bootstrap", "--data-dir", data}, {});
  ASSERT_EQ(bootstrap.exit_code, 0) << bootstrap.err;
  std::string token = bootstrap.out.substr(0, bootstrap.out.find('\n'));
  server_ = std::make_unique<testutil::ServerProcess>(data);
  ASSERT_TRUE(server_->Start()) << server_->error();
  client_ = std::make_unique<testutil::HttpClient>(server_->url(), token);

  const std::string chatty = CreateScript("BASH", "head -c 900000 /dev/zero | tr '\\0' 'y'");
  const std::string quick = CreateScript("BASH", "echo fine");
  EXPECT_EQ(RunAndWait(quick)["status"], "SUCCEEDED");

  // Almost full: the run ends, but its 900 KB of output does not fit; the end is recorded
  // without it, and says so.
  const std::string filler = disk + "/filler";
  Fill(filler, disk, 400 << 10);
  json big = RunAndWait(chatty);
  EXPECT_EQ(big["status"], "SUCCEEDED") << big.dump();
  EXPECT_NE(big["endReason"].get<std::string>().find("output was not stored"), std::string::npos)
      << big["endReason"];
  EXPECT_NE(big["endReason"].get<std::string>().find("disk of the database is full"),
            std::string::npos);
  EXPECT_EQ(big["stdout"], "");

  // Completely full: new runs are refused with a clear error, and the server keeps answering.
  Fill(filler, disk, 0);
  auto refused = client_->Post("/api/v1/events/" + quick + "/run", "{}");
  if (refused.status == 202) {
    // SQLite may still find room in pages it freed. The run then either could not start on the
    // full disk (plain processes write the script there) and says so, or ran in the sandbox's
    // memory-backed work dir and its end fit in the database too.
    json x = AwaitEnd(Parse(refused)["executionId"]);
    const std::string reason = x.value("endReason", "");
    if (x["status"] != "SUCCEEDED") {
      EXPECT_TRUE(reason.find("space") != std::string::npos ||
                  reason.find("full") != std::string::npos)
          << x.dump();
    } else {
      EXPECT_EQ(x["stdout"], "fine\n");
    }
  } else {
    EXPECT_EQ(refused.status, 503) << refused.body;
    EXPECT_NE(refused.body.find("disk of the database is full"), std::string::npos) << refused.body;
  }
  EXPECT_EQ(client_->Get("/healthz").status, 200);
  EXPECT_EQ(client_->Get("/api/v1/events/" + quick).status, 200);

  // Room again: everything works, and the database is intact.
  std::filesystem::remove(filler);
  EXPECT_EQ(RunAndWait(quick)["stdout"], "fine\n");
  EXPECT_EQ(RunAndWait(chatty)["stdout"].get<std::string>().size(), 900'000u);
  ASSERT_EQ(server_->Stop(), 0);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2((data + "/cronium.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr),
            SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "ok");
  sqlite3_finalize(stmt);
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "SELECT COUNT(*) FROM jobs WHERE status IN ('QUEUED', 'LEASED', "
                               "'RUNNING')",
                               -1, &stmt, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(stmt, 0), 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  server_.reset();
  ::umount2(disk.c_str(), MNT_DETACH);
}

}  // namespace
}  // namespace cronium::e2e
