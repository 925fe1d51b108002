#include "scheduler/schedule_spec.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/time_format.h"

namespace cronium::scheduler {
namespace {

using nlohmann::json;

TimePoint U(const char* text) { return *ParseRfc3339(text); }

Result<CompiledSchedule> Compile(const json& doc) {
  CRONIUM_ASSIGN_OR_RETURN(auto spec, ScheduleSpecFromJson(doc));
  return CompiledSchedule::Compile(spec, U("2026-01-01T00:00:00Z"));
}

TEST(ScheduleSpecTest, JsonRoundTrip) {
  const json doc = {
      {"kind", "CRON"},         {"cron", "0 9 * * MON-FRI"},   {"timezone", "Europe/Berlin"},
      {"maxRuns", 5},           {"misfirePolicy", "RUN_ONCE"}, {"overlapPolicy", "BUFFER_ONE"},
      {"dstGapPolicy", "SKIP"}, {"dstOverlapPolicy", "TWICE"}, {"endAt", "2027-01-01T00:00:00Z"}};
  auto spec = ScheduleSpecFromJson(doc);
  ASSERT_TRUE(spec) << spec.error().message;
  const json back = ScheduleSpecToJson(*spec);
  EXPECT_EQ(back["cron"], "0 9 * * MON-FRI");
  EXPECT_EQ(back["timezone"], "Europe/Berlin");
  EXPECT_EQ(back["maxRuns"], 5);
  EXPECT_EQ(back["misfirePolicy"], "RUN_ONCE");
  EXPECT_EQ(back["overlapPolicy"], "BUFFER_ONE");
  EXPECT_EQ(back["dstGapPolicy"], "SKIP");
  EXPECT_EQ(back["dstOverlapPolicy"], "TWICE");
  EXPECT_EQ(back["endAt"], "2027-01-01T00:00:00.000Z");
  EXPECT_TRUE(ScheduleSpecFromJson(back));
}

TEST(ScheduleSpecTest, InvalidSpecsNameTheField) {
  const std::pair<json, const char*> cases[] = {
      {json::array(), "schedule: must be an object"},
      {json::object(), "schedule.kind: required"},
      {{{"kind", "HOURLY"}}, "schedule.kind: 'HOURLY' is not one of"},
      {{{"kind", "CRON"}}, "schedule.cron: required for CRON"},
      {{{"kind", "CRON"}, {"cron", "61 * * * *"}}, "schedule.cron: minute field at position 1"},
      {{{"kind", "CRON"}, {"cron", "* * * * *"}, {"timezone", "Nowhere/Land"}}, "timezone"},
      {{{"kind", "INTERVAL"}}, "schedule.intervalSeconds: from 1"},
      {{{"kind", "INTERVAL"}, {"intervalSeconds", "10"}},
       "schedule.intervalSeconds: must be an integer"},
      {{{"kind", "ONCE"}}, "schedule.at: required for ONCE"},
      {{{"kind", "ONCE"}, {"at", "tomorrow"}}, "schedule.at: an RFC 3339 timestamp"},
      {{{"kind", "MANUAL"}, {"cron", "* * * * *"}}, "schedule.cron: only for CRON"},
      {{{"kind", "INTERVAL"},
        {"intervalSeconds", 5},
        {"startAt", "2026-02-01T00:00:00Z"},
        {"endAt", "2026-01-01T00:00:00Z"}},
       "schedule.endAt: must be after startAt"},
      {{{"kind", "INTERVAL"}, {"intervalSeconds", 5}, {"maxRuns", -1}}, "schedule.maxRuns"},
      {{{"kind", "INTERVAL"}, {"intervalSeconds", 5}, {"misfirePolicy", "LATER"}},
       "schedule.misfirePolicy: 'LATER' is not one of SKIP, RUN_ONCE, RUN_ALL"},
      {{{"kind", "INTERVAL"}, {"intervalSeconds", 5}, {"overlapPolicy", 3}},
       "schedule.overlapPolicy: must be a string"},
      {{{"kind", "INTERVAL"}, {"intervalSeconds", 5}, {"sometimes", true}},
       "schedule: unknown field 'sometimes'"},
  };
  for (const auto& [doc, fragment] : cases) {
    auto compiled = Compile(doc);
    ASSERT_FALSE(compiled) << doc.dump();
    EXPECT_EQ(compiled.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(compiled.error().message.find(fragment), std::string::npos)
        << doc.dump() << " -> " << compiled.error().message;
  }
}

TEST(ScheduleSpecTest, IntervalsAreAnchoredAtTheStart) {
  auto every_10s =
      Compile({{"kind", "INTERVAL"}, {"intervalSeconds", 10}, {"startAt", "2026-01-01T00:00:03Z"}});
  ASSERT_TRUE(every_10s);
  EXPECT_EQ(every_10s->NextAfter(U("2025-12-31T00:00:00Z"))->instant, U("2026-01-01T00:00:03Z"));
  EXPECT_EQ(every_10s->NextAfter(U("2026-01-01T00:00:03Z"))->instant, U("2026-01-01T00:00:13Z"));
  EXPECT_EQ(every_10s->NextAfter(U("2026-01-01T00:00:12.999Z"))->instant,
            U("2026-01-01T00:00:13Z"));
  EXPECT_EQ(every_10s->NextAfter(U("2026-01-01T01:00:00Z"))->instant, U("2026-01-01T01:00:03Z"));
}

TEST(ScheduleSpecTest, StartEndOnceAndManual) {
  auto cron = Compile({{"kind", "CRON"},
                       {"cron", "0 * * * *"},
                       {"timezone", "UTC"},
                       {"startAt", "2026-01-01T05:30:00Z"},
                       {"endAt", "2026-01-01T07:00:00Z"}});
  ASSERT_TRUE(cron);
  EXPECT_EQ(cron->NextAfter(U("2026-01-01T00:00:00Z"))->instant, U("2026-01-01T06:00:00Z"));
  EXPECT_EQ(cron->NextAfter(U("2026-01-01T06:00:00Z"))->instant, U("2026-01-01T07:00:00Z"));
  EXPECT_FALSE(cron->NextAfter(U("2026-01-01T07:00:00Z")));
  auto once = Compile({{"kind", "ONCE"}, {"at", "2026-06-01T12:00:00Z"}});
  EXPECT_EQ(once->NextAfter(U("2026-01-01T00:00:00Z"))->instant, U("2026-06-01T12:00:00Z"));
  EXPECT_FALSE(once->NextAfter(U("2026-06-01T12:00:00Z")));
  EXPECT_FALSE(Compile({{"kind", "MANUAL"}})->NextAfter(U("2026-01-01T00:00:00Z")));
}

}  // namespace
}  // namespace cronium::scheduler
