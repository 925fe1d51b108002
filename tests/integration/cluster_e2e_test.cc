// Several nodes on one PostgreSQL database (issue #9): real `cronium serve` processes on
// loopback ports against the cluster `make test` starts, each in a database of its own.

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <poll.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "e2e.h"
#include "stream_reader.h"
#include "testutil/http_client.h"
#include "testutil/postgres.h"
#include "testutil/server_process.h"
#include "testutil/temp_dir.h"
#include "testutil/websocket_client.h"

namespace cronium::e2e {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// Runs SQL on the test cluster; "" when it worked, else the error.
std::string Sql(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  std::string error;
  if (PQstatus(conn) != CONNECTION_OK) {
    error = PQerrorMessage(conn);
  } else {
    PGresult* result = PQexec(conn, sql.c_str());
    const auto status = PQresultStatus(result);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) error = PQerrorMessage(conn);
    PQclear(result);
  }
  PQfinish(conn);
  return error;
}

// The first column of every row of a query on the test cluster (empty on error, which fails
// the test).
std::vector<std::string> Column(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  std::vector<std::string> values;
  if (PQstatus(conn) != CONNECTION_OK) {
    ADD_FAILURE() << PQerrorMessage(conn);
  } else {
    PGresult* result = PQexec(conn, sql.c_str());
    if (PQresultStatus(result) != PGRES_TUPLES_OK) {
      ADD_FAILURE() << sql << ": " << PQerrorMessage(conn);
    } else {
      for (int row = 0; row < PQntuples(result); ++row)
        values.emplace_back(PQgetvalue(result, row, 0));
    }
    PQclear(result);
  }
  PQfinish(conn);
  return values;
}

int64_t Count(const std::string& url, const std::string& sql) {
  auto values = Column(url, sql);
  return values.size() == 1 ? std::stoll(values[0]) : -1;
}

// The test's own listener on the nodes' channel of live output: it sees every payload the
// nodes exchange there, so a test knows when one went out.
class LiveTap {
 public:
  explicit LiveTap(const std::string& url) : conn_(PQconnectdb(url.c_str())) {
    PGresult* result = PQexec(conn_, "LISTEN cronium_live");
    EXPECT_EQ(PQresultStatus(result), PGRES_COMMAND_OK) << PQerrorMessage(conn_);
    PQclear(result);
  }
  ~LiveTap() { PQfinish(conn_); }
  LiveTap(const LiveTap&) = delete;
  LiveTap& operator=(const LiveTap&) = delete;

  // Waits (at most 15 s) for a payload that starts with `prefix` and contains `text`.
  bool Saw(const std::string& prefix, const std::string& text) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (std::chrono::steady_clock::now() < deadline) {
      if (PQconsumeInput(conn_) == 0) return false;
      while (PGnotify* notify = PQnotifies(conn_)) {
        const std::string payload = notify->extra;
        PQfreemem(notify);
        if (payload.starts_with(prefix) && payload.find(text) != std::string::npos) return true;
      }
      pollfd fd{.fd = PQsocket(conn_), .events = POLLIN, .revents = 0};
      ::poll(&fd, 1, 100);
    }
    return false;
  }

 private:
  PGconn* conn_;
};

// A schedule of every second that runs what was missed and lets runs overlap.
json EverySecond() {
  return {{"kind", "CRON"},
          {"cron", "* * * * * *"},
          {"timezone", "UTC"},
          {"overlapPolicy", "ALLOW"},
          {"misfirePolicy", "RUN_ALL"}};
}

class ClusterE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto base = testutil::PostgresUrl();
    if (!base) GTEST_SKIP() << "PostgreSQL is not available";
    base_url_ = *base;
    database_ = "cluster_" + std::to_string(std::random_device{}() % 1'000'000'000);
    ASSERT_EQ(Sql(base_url_, "CREATE DATABASE " + database_), "");
    url_ = base_url_.substr(0, base_url_.rfind('/') + 1) + database_;
    // The first node's bootstrap makes the keys; every node of a cluster shares them.
    auto result = testutil::RunCronium(
        {"admin", "bootstrap", "--data-dir", DataDir("a"), "--database", url_}, {});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    token_ = result.out.substr(0, result.out.find('\n'));
    for (const char* node : {"b", "c"}) {
      fs::create_directories(DataDir(node));
      for (const char* key : {"master.key", "hash.key"}) {
        fs::copy_file(DataDir("a") + "/" + key, DataDir(node) + "/" + key);
      }
    }
  }

  void TearDown() override {
    if (!database_.empty()) {  // a test may have closed it (AllowConnections)
      EXPECT_EQ(Sql(base_url_, "ALTER DATABASE " + database_ + " ALLOW_CONNECTIONS true"), "");
    }
    for (auto& [name, server] : servers_) {
      if (server && HasFailure()) {
        const std::string logs = server->Logs();
        std::cerr << "---- the last logs of node " << name << ":\n"
                  << logs.substr(logs.size() > 6000 ? logs.size() - 6000 : 0) << "\n";
      }
      if (server && server->pid() > 0) {
        EXPECT_EQ(server->Stop(), 0) << server->Logs();
      }
    }
    servers_.clear();
    if (!database_.empty()) {
      EXPECT_EQ(Sql(base_url_, "DROP DATABASE IF EXISTS " + database_ + " WITH (FORCE)"), "");
    }
  }

  std::string DataDir(const std::string& node) const { return dir_.path() + "/" + node; }

  // A `cronium serve` node, or with `worker` a `cronium worker` one.
  testutil::ServerProcess& Start(const std::string& node, bool worker = false) {
    std::vector<std::string> args{"--database",         url_,      "--node-id",      node,
                                  "--isolation",        "process", "--heartbeat-ms", "300",
                                  "--lease-ms",         lease_ms_, "--workers",      "4",
                                  "--queue-tidy-every", "100"};
    if (worker)
      args.insert(args.begin(), "worker");
    else
      args.insert(args.end(), {"--executions-per-event", "0"});
    auto server = std::make_unique<testutil::ServerProcess>(DataDir(node), std::move(args));
    EXPECT_TRUE(server->Start()) << server->error();
    auto& ref = *server;
    servers_[node] = std::move(server);
    return ref;
  }

  // Creates an event on `node` from `event` and runs it there; returns the execution id.
  std::string RunOn(const std::string& node, const json& event) {
    auto created = Client(node).Post("/api/v1/events", event.dump());
    EXPECT_EQ(created.status, 201) << created.body;
    auto ran = Client(node).Post("/api/v1/events/" + Parse(created).value("id", "") + "/run", "{}");
    EXPECT_EQ(ran.status, 202) << ran.body;
    return Parse(ran).value("executionId", "");
  }

  // Starts node a alone and runs the Bash `script` there, so the run is a's; returns the
  // execution's id once it runs.
  std::string RunningOnA(const std::string& script) {
    // These runs wait on the test; a loaded machine must not make their leases lapse.
    lease_ms_ = "600000";
    Start("a");
    const std::string execution = RunOn(
        "a", {{"name", "steps"}, {"type", "BASH"}, {"content", script}, {"status", "ACTIVE"}});
    EXPECT_TRUE(Eventually([&] {
      return Parse(Client("a").Get("/api/v1/executions/" + execution))["status"] == "RUNNING";
    }));
    return execution;
  }

  testutil::HttpClient Client(const std::string& node) {
    return testutil::HttpClient(servers_.at(node)->url(), token_);
  }

  static json Parse(const testutil::HttpResult& result) {
    json doc = json::parse(result.body, nullptr, false);
    EXPECT_FALSE(doc.is_discarded()) << result.body;
    return doc;
  }

  // The ids of the nodes the API shows alive, and the leader among them ("" if none).
  std::pair<std::set<std::string>, std::string> Nodes(const std::string& via) {
    json nodes = Parse(Client(via).Get("/api/v1/system/nodes"));
    std::set<std::string> alive;
    std::string leader;
    for (const auto& n : nodes["items"]) {
      if (n.value("alive", false)) alive.insert(n["id"].get<std::string>());
      if (n.value("leader", false)) leader = n["id"].get<std::string>();
    }
    return {alive, leader};
  }

  // Every item of a paged list.
  json All(const std::string& via, const std::string& path) {
    json items = json::array();
    std::string cursor;
    for (int page = 0; page < 50; ++page) {
      auto result =
          Client(via).Get(path + "?limit=200" + (cursor.empty() ? "" : "&cursor=" + cursor));
      EXPECT_EQ(result.status, 200) << result.body;
      json doc = Parse(result);
      for (auto& item : doc["items"]) items.push_back(item);
      if (!doc["nextCursor"].is_string()) break;
      cursor = doc["nextCursor"];
    }
    return items;
  }

  // Opens or closes the test's database to new connections (superusers included).
  void AllowConnections(bool allow) {
    ASSERT_EQ(Sql(base_url_, "ALTER DATABASE " + database_ + " ALLOW_CONNECTIONS " +
                                 (allow ? "true" : "false")),
              "");
  }

  // Ends the connection that `application_name` names (and waits until it has ended).
  void Cut(const std::string& application_name) {
    EXPECT_EQ(Count(base_url_,
                    "SELECT COUNT(*) FILTER (WHERE pg_terminate_backend(pid, 10000)) FROM "
                    "pg_stat_activity WHERE datname = '" +
                        database_ + "' AND application_name = '" + application_name + "'"),
              1);
  }

  json Ledger(const std::string& via, const std::string& event_id) {
    return All(via, "/api/v1/events/" + event_id + "/ledger");
  }

  testutil::TempDir dir_;
  std::string lease_ms_ = "3000";  // short: the kill tests recover the runs of killed nodes
  std::string base_url_;
  std::string database_;
  std::string url_;
  std::string token_;
  std::map<std::string, std::unique_ptr<testutil::ServerProcess>> servers_;
};

TEST_F(ClusterE2eTest, OneLeaderFiresEachOccurrenceOnceAcrossKillsAndCutConnections) {
  Start("a");
  Start("b");
  // A schedule made on one node is fired by whichever leads.
  auto created = Client("b").Post("/api/v1/events", json{{"name", "tick"},
                                                         {"type", "BASH"},
                                                         {"content", "echo tick"},
                                                         {"status", "ACTIVE"},
                                                         {"schedule", EverySecond()}}
                                                        .dump());
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string event_id = Parse(created)["id"];
  auto fired = [&](const std::string& via) {
    int count = 0;
    for (const auto& row : Ledger(via, event_id)) count += row["fate"] == "FIRED";
    return count;
  };
  ASSERT_TRUE(Eventually([&] { return fired("a") >= 3; }))
      << servers_["a"]->Logs() << servers_["b"]->Logs();
  std::string leader;
  ASSERT_TRUE(Eventually([&] {
    auto [alive, lead] = Nodes("a");
    leader = lead;
    return alive == std::set<std::string>{"a", "b"} && !lead.empty();
  }));

  // The leader dies: the other node takes over and catches up on what was missed.
  servers_[leader]->Kill();
  const std::string survivor = leader == "a" ? "b" : "a";
  const int before = fired(survivor);
  ASSERT_TRUE(Eventually([&] { return fired(survivor) >= before + 3; }))
      << servers_[survivor]->Logs();
  ASSERT_TRUE(Eventually([&] { return Nodes(survivor).second == survivor; }));
  Start(leader);  // back, as a standby

  // The leader's database connections are cut (a network fault, an administrator): another
  // node leads (it may be the same one, having reconnected first), and firing goes on.
  ASSERT_EQ(Sql(url_, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" +
                          database_ + "' AND pid != pg_backend_pid()"),
            "");
  const int after_cut = fired(survivor);
  ASSERT_TRUE(Eventually([&] { return fired(survivor) >= after_cut + 3; }))
      << servers_[survivor]->Logs();
  ASSERT_TRUE(Eventually([&] {
    auto [alive, lead] = Nodes(survivor);
    return alive == std::set<std::string>{"a", "b"} && !lead.empty();
  }));

  // Every occurrence fired once: one ledger row and one job per planned instant.
  json ledger = Ledger(survivor, event_id);
  std::set<std::string> planned;
  std::set<std::string> jobs;
  int fired_rows = 0;
  for (const auto& row : ledger) {
    if (row["fate"] != "FIRED") continue;
    ++fired_rows;
    EXPECT_TRUE(planned.insert(row["plannedAt"].get<std::string>()).second) << row.dump();
    EXPECT_TRUE(jobs.insert(row["executionId"].get<std::string>()).second) << row.dump();
  }
  EXPECT_GE(fired_rows, 9);
  EXPECT_EQ(All(survivor, "/api/v1/events/" + event_id + "/executions").size(),
            static_cast<size_t>(fired_rows));
}

// A reader on one node of a run on another: the WebSocket stream gets the run's output so far,
// then each line as it comes, then the end; a long poll there returns when the run ends.
TEST_F(ClusterE2eTest, ReadersOnOneNodeFollowARunOnAnother) {
  const std::string fifo = dir_.path() + "/step.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string path = "/api/v1/executions/" + RunningOnA("echo first\nread go < " + fifo +
                                                              "\necho second >&2\nprintf third");
  Start("b");

  auto connected = testutil::WebSocketClient::Connect(servers_["b"]->url(), path + "/stream",
                                                      {"Authorization: Bearer " + token_});
  ASSERT_TRUE(connected) << connected.status << " " << connected.body;
  auto& client = *connected.client;
  StreamReader reader(client);
  EXPECT_EQ(reader.Status()["status"], "RUNNING");
  json first = reader.NextLine();  // from a's backlog
  EXPECT_EQ(first["line"], "first\n");
  EXPECT_EQ(first["sequence"], 1);

  // A long poll on b; without word from a it would hold for its full minute.
  auto waited = std::async(std::launch::async, [&] {
    testutil::HttpClient poll(servers_["b"]->url(), token_);
    poll.set_timeout(std::chrono::seconds(30));
    return poll.Get(path + "?wait=60");
  });
  ASSERT_TRUE(testutil::WriteFifo(fifo, "go\n")) << "the script does not read " << fifo;
  json second = reader.NextLine();
  EXPECT_EQ(second["line"], "second\n");
  EXPECT_EQ(second["stream"], "stderr");
  EXPECT_EQ(reader.NextLine()["line"], "third");
  json end = reader.ReadToEnd();
  EXPECT_EQ(end["status"], "SUCCEEDED");
  EXPECT_EQ(reader.CheckCovers(1, 3), "");
  EXPECT_EQ(client.close_code(), 1000);
  auto polled = waited.get();
  ASSERT_EQ(polled.status, 200) << polled.error;
  EXPECT_EQ(Parse(polled)["status"], "SUCCEEDED");
}

// Issue #21 across nodes: a reader on b of a run on a that prints 20,000 lines, resuming after
// the second line, gets each later sequence once (batches cross as NOTIFY parts), then the end.
TEST_F(ClusterE2eTest, AReaderOnAnotherNodeResumesAfterASequenceAndGetsEachLaterOneOnce) {
  constexpr int kLines = 20'000;
  const std::string fifo = dir_.path() + "/step.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string path = "/api/v1/executions/" + RunningOnA("seq 1 3\nread go < " + fifo +
                                                              "\nseq 4 " + std::to_string(kLines));
  Start("b");
  auto connected = testutil::WebSocketClient::Connect(
      servers_["b"]->url(), path + "/stream?after=2", {"Authorization: Bearer " + token_});
  ASSERT_TRUE(connected) << connected.status << " " << connected.body;
  StreamReader reader(*connected.client);
  EXPECT_EQ(reader.Status()["status"], "RUNNING");
  json third = reader.NextLine();  // a's backlog holds 1..3; b hands over 3 only
  EXPECT_EQ(third["line"], "3\n");
  EXPECT_EQ(third["sequence"], 3);
  ASSERT_TRUE(testutil::WriteFifo(fifo, "go\n")) << "the script does not read " << fifo;
  EXPECT_EQ(reader.ReadToEnd()["status"], "SUCCEEDED");
  EXPECT_EQ(reader.CheckCovers(3, kLines), "");
  for (const auto& line : reader.lines()) {
    ASSERT_EQ(line["line"], std::to_string(line["sequence"].get<uint64_t>()) + "\n");
  }
  EXPECT_EQ(connected.client->close_code(), 1000);
}

// Notifications sent while a node's listening connection was away are lost to it. A node
// whose listener reconnects asks again: the node that missed a reader's watch serves it then,
// and a reader whose node missed lines gets them, each once and in order.
TEST_F(ClusterE2eTest, LiveOutputSurvivesListenersThatReconnect) {
  const std::string fifo = dir_.path() + "/step.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string execution = RunningOnA("echo first\nread go < " + fifo +
                                           "\necho second\nread go < " + fifo + "\necho third");
  const std::string path = "/api/v1/executions/" + execution;
  Start("b");
  LiveTap tap(url_);

  // a's listener is away while b's reader starts watching: a misses the watch.
  AllowConnections(false);
  Cut("cronium listener a");
  auto connected = testutil::WebSocketClient::Connect(servers_["b"]->url(), path + "/stream",
                                                      {"Authorization: Bearer " + token_});
  ASSERT_TRUE(connected) << connected.status << " " << connected.body;
  StreamReader reader(*connected.client);
  ASSERT_TRUE(tap.Saw("W\tb\t", execution));
  AllowConnections(true);
  EXPECT_EQ(reader.Status()["status"], "RUNNING");
  json first = reader.NextLine();  // a heard of the watch again once it listened again
  EXPECT_EQ(first["line"], "first\n");
  EXPECT_EQ(first["sequence"], 1);

  // b's listener is away while the run prints its second line: b misses it.
  AllowConnections(false);
  Cut("cronium listener b");
  ASSERT_TRUE(testutil::WriteFifo(fifo, "go\n")) << "the script does not read " << fifo;
  ASSERT_TRUE(tap.Saw("O\tb\t", "second"));
  AllowConnections(true);
  json second = reader.NextLine();  // asked for again once b listened again; "first" not twice
  EXPECT_EQ(second["line"], "second\n");
  EXPECT_EQ(second["sequence"], 2);
  ASSERT_TRUE(testutil::WriteFifo(fifo, "go\n")) << "the script does not read " << fifo;
  json third = reader.NextLine();
  EXPECT_EQ(third["line"], "third\n");
  EXPECT_EQ(third["sequence"], 3);
  EXPECT_EQ(reader.ReadToEnd()["status"], "SUCCEEDED");
  EXPECT_EQ(reader.CheckCovers(1, 3), "");
}

// The issue's test: two serve nodes and a worker node, 1,000 jobs, 24 per-second schedules,
// 10 workflow runs (a chain of three) and 10 runs of an event with a conditional action;
// the leader and the worker node are killed (-9) at random moments, mid-run, and restarted.
// At the end every job ended exactly once, within its attempts, every occurrence fired once
// and none was lost, every workflow run and action went on to its end once, and leadership
// moved and came back.
TEST_F(ClusterE2eTest, ThreeNodesKilledAtRandomEndEveryJobOnceAndFireEveryOccurrenceOnce) {
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 random(seed);
  Start("a");
  Start("b");
  Start("c", /*worker=*/true);
  auto create = [&](const json& body) {
    auto created = Client("a").Post("/api/v1/events", body.dump());
    EXPECT_EQ(created.status, 201) << created.body;
    return Parse(created).value("id", "");
  };
  const std::string quick = create({{"name", "quick"},
                                    {"type", "BASH"},
                                    {"content", "sleep 0.1"},
                                    {"retries", 3},
                                    {"status", "ACTIVE"}});
  const std::string slow = create({{"name", "slow"},
                                   {"type", "BASH"},
                                   {"content", "sleep 3"},
                                   {"retries", 3},
                                   {"status", "ACTIVE"}});
  std::vector<std::string> scheduled;
  for (int i = 0; i < 24; ++i) {
    scheduled.push_back(create({{"name", "tick " + std::to_string(i)},
                                {"type", "BASH"},
                                {"content", "true"},
                                {"status", "ACTIVE"},
                                {"schedule", EverySecond()}}));
  }
  // 1,000 jobs through both API nodes: every 50th is slow (3 s), to be caught mid-run.
  for (int i = 0; i < 1000; ++i) {
    auto ran = Client(i % 2 ? "a" : "b")
                   .Post("/api/v1/events/" + (i % 50 == 25 ? slow : quick) + "/run", "{}");
    ASSERT_EQ(ran.status, 202) << ran.body;
  }
  // Workflows (a chain of three) and conditional actions move on wherever their jobs end.
  const std::string target =
      create({{"name", "target"}, {"type", "BASH"}, {"content", "true"}, {"status", "ACTIVE"}});
  const std::string source =
      create({{"name", "source"},
              {"type", "BASH"},
              {"content", "sleep 0.2"},
              {"retries", 3},
              {"status", "ACTIVE"},
              {"actions", {{{"trigger", "ON_SUCCESS"}, {"targetEventId", target}}}}});
  auto chain = Client("a").Post("/api/v1/workflows",
                                json{{"name", "chain"},
                                     {"nodes",
                                      {{{"id", "n1"}, {"eventId", quick}},
                                       {{"id", "n2"}, {"eventId", slow}},
                                       {{"id", "n3"}, {"eventId", quick}}}},
                                     {"edges",
                                      {{{"from", "n1"}, {"to", "n2"}, {"kind", "ON_SUCCESS"}},
                                       {{"from", "n2"}, {"to", "n3"}, {"kind", "ON_SUCCESS"}}}}}
                                    .dump());
  ASSERT_EQ(chain.status, 201) << chain.body;
  const std::string workflow = Parse(chain)["id"];
  std::vector<std::string> runs;
  for (int i = 0; i < 10; ++i) {
    auto started = Client(i % 2 ? "a" : "b").Post("/api/v1/workflows/" + workflow + "/run", "{}");
    ASSERT_EQ(started.status, 202) << started.body;
    runs.push_back(Parse(started)["id"]);
    ASSERT_EQ(Client(i % 2 ? "b" : "a").Post("/api/v1/events/" + source + "/run", "{}").status,
              202);
  }
  const std::string manual =
      "event_id IN ('" + quick + "', '" + slow + "') AND workflow_run_id = ''";
  auto ended = [&] {
    return Count(url_, "SELECT COUNT(*) FROM jobs WHERE " + manual +
                           " AND status NOT IN ('QUEUED', 'LEASED', 'RUNNING')");
  };

  // The leader dies at a random point of the work.
  std::string leader;
  ASSERT_TRUE(Eventually([&] {
    auto [alive, lead] = Nodes("a");
    leader = lead;
    return alive == std::set<std::string>{"a", "b", "c"} && !lead.empty();
  })) << servers_["a"]->Logs();
  for (const auto& node : Parse(Client("a").Get("/api/v1/system/nodes"))["items"]) {
    EXPECT_EQ(node["role"], node["id"] == "c" ? "WORKER" : "SERVE") << node.dump();
    EXPECT_EQ(node["workers"], 4) << node.dump();
  }
  const int64_t progress = std::uniform_int_distribution<int64_t>(100, 400)(random);
  ASSERT_TRUE(Eventually([&] { return ended() >= progress; }, std::chrono::seconds(60)));
  servers_[leader]->Kill();
  const std::string survivor = leader == "a" ? "b" : "a";
  // The worker node dies while it runs a slow job.
  ASSERT_TRUE(Eventually(
      [&] {
        return Count(url_, "SELECT COUNT(*) FROM jobs WHERE event_id = '" + slow +
                               "' AND status = 'RUNNING' AND lease_owner LIKE 'c/%'") > 0;
      },
      std::chrono::seconds(60)));
  servers_["c"]->Kill();
  ASSERT_TRUE(Eventually([&] { return Nodes(survivor).second == survivor; }))
      << servers_[survivor]->Logs();
  const int64_t fired_before_restart =
      Count(url_, "SELECT COUNT(*) FROM schedule_ledger WHERE fate = 'FIRED'");
  Start(leader);
  Start("c", /*worker=*/true);
  ASSERT_TRUE(Eventually([&] { return ended() == 1000; }, std::chrono::seconds(120)))
      << ended() << " of 1000 ended";
  ASSERT_TRUE(Eventually([&] {
    auto [alive, lead] = Nodes(survivor);
    return alive == std::set<std::string>{"a", "b", "c"} && !lead.empty() &&
           Count(url_, "SELECT COUNT(*) FROM schedule_ledger WHERE fate = 'FIRED'") >
               fired_before_restart + 24;
  }));
  for (const auto& run : runs) {
    json finished;
    ASSERT_TRUE(Eventually(
        [&] {
          finished = Parse(Client(survivor).Get("/api/v1/workflow-executions/" + run));
          return !finished["finishedAt"].is_null();
        },
        // Each step's job queues behind what is left of the 1,000: minutes on a loaded machine.
        std::chrono::seconds(180)))
        << finished.dump();
    EXPECT_EQ(finished["status"], "SUCCEEDED") << finished.dump();
    for (const auto& node : finished["nodes"]) EXPECT_EQ(node["status"], "SUCCEEDED") << node;
  }
  for (const auto& id : scheduled) {
    ASSERT_EQ(Client(survivor).Patch("/api/v1/events/" + id, R"({"status":"PAUSED"})").status, 200);
  }
  ASSERT_TRUE(Eventually(
      [&] {
        return Count(url_,
                     "SELECT COUNT(*) FROM jobs WHERE status IN ('QUEUED', 'LEASED', 'RUNNING')") ==
               0;
      },
      std::chrono::seconds(60)));

  // Every job ended once, within its attempts, as its last attempt did.
  EXPECT_EQ(Count(url_, "SELECT COUNT(*) FROM jobs WHERE attempts > max_attempts"), 0);
  EXPECT_EQ(Count(url_,
                  "SELECT COUNT(*) FROM (SELECT job_id, attempt FROM executions GROUP BY "
                  "job_id, attempt HAVING COUNT(*) > 1) AS twice"),
            0);
  EXPECT_EQ(Count(url_,
                  "SELECT COUNT(*) FROM jobs AS j JOIN executions AS x ON x.id = "
                  "j.current_execution_id WHERE x.status <> j.status"),
            0);
  EXPECT_EQ(Count(url_,
                  "SELECT COUNT(*) FROM executions WHERE status IN ('QUEUED', 'LEASED', "
                  "'RUNNING')"),
            0);
  EXPECT_EQ(Count(url_,
                  "SELECT COUNT(*) FROM (SELECT target_id FROM audit_log WHERE action = "
                  "'run.end' GROUP BY target_id HAVING COUNT(*) > 1) AS twice"),
            0);
  EXPECT_EQ(Count(url_, "SELECT COUNT(*) FROM jobs WHERE " + manual + " AND status = 'SUCCEEDED'"),
            1000);
  // Each success of the source fired its action once.
  EXPECT_EQ(Count(url_, "SELECT COUNT(*) FROM jobs WHERE event_id = '" + source +
                            "' AND status = 'SUCCEEDED'"),
            10);
  EXPECT_EQ(Count(url_, "SELECT COUNT(*) FROM jobs WHERE event_id = '" + target + "'"), 10);
  // The nodes tidied the queue as their jobs ended (every 100 here).
  EXPECT_GE(Count(url_, "SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'jobs'"), 1);
  // The kills hit runs: lost attempts, each retried.
  EXPECT_GE(Count(url_, "SELECT COUNT(*) FROM executions WHERE event_id = '" + slow +
                            "' AND status = 'LOST'"),
            1);
  // Every occurrence fired once, into one job, and none was lost: each schedule's planned
  // instants run second by second from its first to its last.
  EXPECT_EQ(Count(url_,
                  "SELECT COUNT(*) FROM (SELECT target_id, planned_at FROM schedule_ledger "
                  "WHERE fate = 'FIRED' GROUP BY target_id, planned_at HAVING COUNT(*) > "
                  "1) AS twice"),
            0);
  EXPECT_EQ(Count(url_,
                  "SELECT COUNT(*) FROM schedule_ledger AS l LEFT JOIN jobs AS j ON j.id = "
                  "l.job_id WHERE l.fate = 'FIRED' AND j.id IS NULL"),
            0);
  EXPECT_EQ(Count(url_,
                  "SELECT COUNT(*) FROM (SELECT target_id FROM schedule_ledger WHERE fate = "
                  "'FIRED' GROUP BY target_id HAVING COUNT(*) <> (MAX(planned_at) - "
                  "MIN(planned_at)) / 1000 + 1) AS gaps"),
            0)
      << testing::PrintToString(
             Column(url_,
                    "SELECT target_id || ' ' || planned_at || ' -> ' || next_at || ' fired ' || "
                    "enqueued_at FROM (SELECT target_id, planned_at, enqueued_at, LEAD(planned_at) "
                    "OVER (PARTITION BY target_id ORDER BY planned_at) AS next_at FROM "
                    "schedule_ledger WHERE fate = 'FIRED') AS t WHERE next_at - planned_at <> 1000 "
                    "LIMIT 30"));
  // (The occurrence due once the pause reached the leader is recorded as PAUSED.)
  EXPECT_EQ(
      Count(url_, "SELECT COUNT(*) FROM schedule_ledger WHERE fate NOT IN ('FIRED', 'PAUSED')"), 0)
      << testing::PrintToString(
             Column(url_,
                    "SELECT fate || ' ' || detail FROM schedule_ledger WHERE fate NOT IN "
                    "('FIRED', 'PAUSED') LIMIT 5"));
}

// A worker node runs what the serve nodes queue, and serves the runtime API to its own runs.
TEST_F(ClusterE2eTest, AWorkerNodeRunsScriptsThatUseTheRuntimeApi) {
  Start("a");
  ASSERT_EQ(Client("a").Post("/api/v1/admin/drain", R"({"graceSeconds": 0})").status, 202);
  Start("c", /*worker=*/true);
  const std::string execution =
      RunOn("a", {{"name", "helpers"},
                  {"type", "BASH"},
                  {"content",
                   "set -e\ncronium_increment_variable cluster/n 5 >/dev/null\n"
                   "[ \"$(cronium_get_variable cluster/n)\" = 5 ]\n"
                   "cronium_output \"{\\\"node\\\":\\\"$CRONIUM_EXECUTION_ID\\\"}\""},
                  {"status", "ACTIVE"}});
  json done = Parse(Client("a").Get("/api/v1/executions/" + execution + "?wait=30"));
  ASSERT_EQ(done["status"], "SUCCEEDED") << done.dump() << servers_["c"]->Logs();
  EXPECT_EQ(done["workerId"].get<std::string>().substr(0, 2), "c/") << done.dump();
  EXPECT_EQ(done["output"], json({{"node", execution}}));
  EXPECT_EQ(Parse(Client("a").Get("/api/v1/variables/cluster%2Fn"))["value"], 5);
}

TEST_F(ClusterE2eTest, AWorkerNodeNeedsTheSharedDatabaseAndAGoodNodeId) {
  testutil::ServerProcess alone(DataDir("b"), {"worker", "--isolation", "process"});
  EXPECT_FALSE(alone.Start());
  EXPECT_NE(alone.error().find("give it --database postgres://"), std::string::npos)
      << alone.error() << alone.Logs();
  testutil::ServerProcess odd(DataDir("c"), {"worker", "--database", url_, "--node-id", "c\tx"});
  EXPECT_FALSE(odd.Start());
  EXPECT_NE(odd.error().find("A-Z a-z 0-9 . _ -"), std::string::npos) << odd.error();
}

TEST_F(ClusterE2eTest, ANodeIdInUseIsRefused) {
  Start("a");
  testutil::ServerProcess twin(DataDir("b"),
                               {"--database", url_, "--node-id", "a", "--isolation", "process"});
  EXPECT_FALSE(twin.Start());
  EXPECT_NE(twin.error().find("another running node uses the node id 'a'"), std::string::npos)
      << twin.error() << twin.Logs();
}

// Issue #20: a node whose key files are not the cluster's (someone forgot to copy them) refuses
// to start and says what to copy, instead of joining and answering 401 to every API token; a
// running node whose key another node rotated stops and says the same.
TEST_F(ClusterE2eTest, Issue20ANodeWithOtherKeysRefusesToStartAndSaysWhatToCopy) {
  Start("a");
  fs::create_directories(DataDir("d"));  // its own keys: created at its start
  testutil::ServerProcess stranger(
      DataDir("d"), {"--database", url_, "--node-id", "d", "--isolation", "process"});
  EXPECT_FALSE(stranger.Start());
  EXPECT_NE(stranger.error().find("/master.key (key check "), std::string::npos)
      << stranger.error() << stranger.Logs();
  EXPECT_NE(stranger.error().find("copy both from the data directory of a node"), std::string::npos)
      << stranger.error();
  // With the cluster's keys copied, it joins.
  for (const char* key : {"master.key", "hash.key"}) {
    fs::copy_file(DataDir("a") + "/" + key, DataDir("d") + "/" + key,
                  fs::copy_options::overwrite_existing);
  }
  Start("d");
  EXPECT_EQ(Client("d").Get("/api/v1/events").status, 200);

  // A rotation on a names the new key in the database: b, with a copy of the old one, refuses
  // to start until the new one is copied.
  auto rotated = Client("a").Post("/api/v1/admin/keys/rotate", "{}");
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  // d, running with the old key, cannot read what a seals now: it stops by itself at its next
  // heartbeat and says what to copy.
  const auto stopped = servers_["d"]->WaitForExit(std::chrono::seconds(60));
  ASSERT_TRUE(stopped.has_value()) << "d still runs after the rotation";
  EXPECT_EQ(*stopped, 1);
  EXPECT_NE(servers_["d"]->Logs().find("another node rotated the cluster's master key"),
            std::string::npos)
      << servers_["d"]->Logs();
  EXPECT_EQ(Client("a").Get("/api/v1/events").status, 200);  // a goes on
  testutil::ServerProcess stale(DataDir("b"),
                                {"--database", url_, "--node-id", "b", "--isolation", "process"});
  EXPECT_FALSE(stale.Start());
  EXPECT_NE(stale.error().find("is not the master key"), std::string::npos) << stale.error();
  fs::copy_file(DataDir("a") + "/master.key", DataDir("b") + "/master.key",
                fs::copy_options::overwrite_existing);
  Start("b");
  EXPECT_EQ(Client("b").Get("/api/v1/events").status, 200);
}

}  // namespace
}  // namespace cronium::e2e
