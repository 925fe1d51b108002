#include "scheduler/schedule_spec.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/time_format.h"

namespace cronium::scheduler {
namespace {

using nlohmann::json;

TimePoint U(const char* text) { return *ParseRfc3339(text); }

Result<CompiledSchedule> Compile(const json& doc) {
  CRONIUM_ASSIGN_OR_RETURN(auto spec, ScheduleSpecFromJson(doc, SpecSource::kRequest));
  return CompiledSchedule::Compile(spec, U("2026-01-01T00:00:00Z"));
}

TEST(ScheduleSpecTest, JsonRoundTrip) {
  const json doc = {
      {"kind", "CRON"},         {"cron", "0 9 * * MON-FRI"},   {"timezone", "Europe/Berlin"},
      {"maxRuns", 5},           {"misfirePolicy", "RUN_ONCE"}, {"overlapPolicy", "BUFFER_ONE"},
      {"dstGapPolicy", "SKIP"}, {"dstOverlapPolicy", "TWICE"}, {"endAt", "2027-01-01T00:00:00Z"}};
  auto spec = ScheduleSpecFromJson(doc, SpecSource::kRequest);
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
  EXPECT_TRUE(ScheduleSpecFromJson(back, SpecSource::kRequest));
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
      {{{"kind", "CRON"}, {"cron", "0 9 1-7 * MON"}, {"dayMatch", "FIRST"}},
       "schedule.dayMatch: 'FIRST' is not one of OR, AND, VIXIE"},
      {{{"kind", "CRON"}, {"cron", "0 9 1-7 * MON"}, {"dayMatch", "and"}},
       "schedule.dayMatch: 'and' is not one of OR, AND, VIXIE"},
      {{{"kind", "CRON"}, {"cron", "0 9 1-7 * MON"}, {"dayMatch", 1}},
       "schedule.dayMatch: must be a string"},
      {{{"kind", "CRON"}, {"cron", "* * * * *"}, {"dstGapPolicy", "LATER"}},
       "schedule.dstGapPolicy: 'LATER' is not one of AUTO, SHIFT, SKIP"},
      {{{"kind", "CRON"}, {"cron", "* * * * *"}, {"dstOverlapPolicy", "THRICE"}},
       "schedule.dstOverlapPolicy: 'THRICE' is not one of AUTO, ONCE, TWICE"},
  };
  for (const auto& [doc, fragment] : cases) {
    auto compiled = Compile(doc);
    ASSERT_FALSE(compiled) << doc.dump();
    EXPECT_EQ(compiled.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(compiled.error().message.find(fragment), std::string::npos)
        << doc.dump() << " -> " << compiled.error().message;
  }
}

TEST(ScheduleSpecTest, NewSpecsDefaultToOrAndAutoAndWriteThemOut) {
  auto spec =
      ScheduleSpecFromJson({{"kind", "CRON"}, {"cron", "0 9 */2 * 1"}}, SpecSource::kRequest);
  ASSERT_TRUE(spec);
  EXPECT_EQ(spec->day_match, DayMatch::kOr);
  EXPECT_EQ(spec->dst_gap, DstGapPolicy::kAuto);
  EXPECT_EQ(spec->dst_overlap, DstOverlapPolicy::kAuto);
  const json stored = ScheduleSpecToJson(*spec);
  EXPECT_EQ(stored["dayMatch"], "OR");
  EXPECT_EQ(stored["dstGapPolicy"], "AUTO");  // as set, not resolved
  EXPECT_EQ(stored["dstOverlapPolicy"], "AUTO");
  // Read back from the store, it means the same.
  auto again = ScheduleSpecFromJson(stored, SpecSource::kStored);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->day_match, DayMatch::kOr);
  EXPECT_EQ(again->dst_gap, DstGapPolicy::kAuto);
  EXPECT_EQ(again->dst_overlap, DstOverlapPolicy::kAuto);
  for (const char* rule : {"OR", "AND", "VIXIE"}) {
    auto chosen = ScheduleSpecFromJson(
        {{"kind", "CRON"}, {"cron", "0 9 1-7 * MON"}, {"dayMatch", rule}}, SpecSource::kRequest);
    ASSERT_TRUE(chosen) << rule;
    EXPECT_EQ(ScheduleSpecToJson(*chosen)["dayMatch"], rule);
  }
}

// A spec as this version's predecessor stored it: every field but dayMatch, the DST policies
// written out. It keeps the Vixie rule and SHIFT/ONCE after the upgrade; the same JSON sent as
// a new schedule gets today's defaults.
TEST(ScheduleSpecTest, Issue20StoredSpecsWithoutDayMatchKeepTheirOldMeaning) {
  const json old_format = json::parse(R"({"at":null,"catchUpWindowSeconds":3600,
      "cron":"0 9 */2 * 1","dstGapPolicy":"SHIFT","dstOverlapPolicy":"ONCE","endAt":null,
      "intervalSeconds":null,"kind":"CRON","maxRuns":null,"misfirePolicy":"SKIP",
      "overlapPolicy":"SKIP","startAt":null,"timezone":"UTC"})");
  auto stored = ScheduleSpecFromJson(old_format, SpecSource::kStored);
  ASSERT_TRUE(stored) << stored.error().message;
  EXPECT_EQ(stored->day_match, DayMatch::kVixie);
  EXPECT_EQ(stored->dst_gap, DstGapPolicy::kShift);
  EXPECT_EQ(stored->dst_overlap, DstOverlapPolicy::kOnce);
  auto compiled = CompiledSchedule::Compile(*stored, U("2026-01-01T00:00:00Z"));
  ASSERT_TRUE(compiled);
  // Odd days that are Mondays: the 5th, then the 19th.
  EXPECT_EQ(compiled->NextAfter(U("2026-01-01T00:00:00Z"))->instant, U("2026-01-05T09:00:00Z"));
  EXPECT_EQ(compiled->NextAfter(U("2026-01-05T09:00:00Z"))->instant, U("2026-01-19T09:00:00Z"));
  EXPECT_TRUE(compiled->Warnings().empty());
  // Written again (a restart, another node), it now says so.
  EXPECT_EQ(ScheduleSpecToJson(*stored)["dayMatch"], "VIXIE");

  auto renewed = ScheduleSpecFromJson(old_format, SpecSource::kRequest);
  ASSERT_TRUE(renewed);
  EXPECT_EQ(renewed->day_match, DayMatch::kOr);
  auto compiled_new = CompiledSchedule::Compile(*renewed, U("2026-01-01T00:00:00Z"));
  ASSERT_TRUE(compiled_new);
  EXPECT_EQ(compiled_new->NextAfter(U("2026-01-01T00:00:00Z"))->instant, U("2026-01-01T09:00:00Z"));
  EXPECT_EQ(compiled_new->Warnings().size(), 1u);

  // A stored spec that never wrote its DST policies means SHIFT and ONCE as well.
  auto bare = ScheduleSpecFromJson({{"kind", "CRON"}, {"cron", "13 * * * *"}}, SpecSource::kStored);
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->dst_gap, DstGapPolicy::kShift);
  EXPECT_EQ(bare->dst_overlap, DstOverlapPolicy::kOnce);
}

TEST(ScheduleSpecTest, AppliedDstPoliciesAndWarnings) {
  auto hourly = Compile({{"kind", "CRON"}, {"cron", "13 * * * *"}, {"timezone", "Europe/Berlin"}});
  ASSERT_TRUE(hourly);
  EXPECT_EQ(hourly->applied_dst_gap(), DstGapPolicy::kSkip);
  EXPECT_EQ(hourly->applied_dst_overlap(), DstOverlapPolicy::kTwice);
  EXPECT_EQ(hourly->NextAfter(U("2026-03-29T00:13:00Z"))->instant, U("2026-03-29T01:13:00Z"));
  auto nightly = Compile({{"kind", "CRON"}, {"cron", "30 2 * * *"}, {"timezone", "Europe/Berlin"}});
  ASSERT_TRUE(nightly);
  EXPECT_EQ(nightly->applied_dst_gap(), DstGapPolicy::kShift);
  EXPECT_EQ(nightly->applied_dst_overlap(), DstOverlapPolicy::kOnce);
  auto pinned = Compile({{"kind", "CRON"},
                         {"cron", "13 * * * *"},
                         {"dstGapPolicy", "SHIFT"},
                         {"dstOverlapPolicy", "ONCE"}});
  ASSERT_TRUE(pinned);
  EXPECT_EQ(pinned->applied_dst_gap(), DstGapPolicy::kShift);
  EXPECT_EQ(pinned->applied_dst_overlap(), DstOverlapPolicy::kOnce);

  auto first_monday = Compile({{"kind", "CRON"}, {"cron", "0 9 1-7 * MON"}, {"dayMatch", "AND"}});
  ASSERT_TRUE(first_monday);
  EXPECT_TRUE(first_monday->Warnings().empty());
  EXPECT_EQ(first_monday->NextAfter(U("2026-01-05T09:00:00Z"))->instant, U("2026-02-02T09:00:00Z"));
  auto either = Compile({{"kind", "CRON"}, {"cron", "0 9 1-7 * MON"}});
  ASSERT_TRUE(either);
  EXPECT_EQ(either->Warnings(), std::vector<std::string>{
                                    "runs on the 1st to 7th of the month and on every Monday "
                                    "(dayMatch OR); set dayMatch to AND for days that match both"});
  EXPECT_TRUE(Compile({{"kind", "INTERVAL"}, {"intervalSeconds", 60}})->Warnings().empty());
}

TEST(ScheduleSpecTest, PoliciesByName) {
  EXPECT_EQ(*ParseDayMatch("AND", "dayMatch"), DayMatch::kAnd);
  EXPECT_EQ(*ParseDstGapPolicy("AUTO", "dstGapPolicy"), DstGapPolicy::kAuto);
  EXPECT_EQ(*ParseDstOverlapPolicy("TWICE", "dstOverlapPolicy"), DstOverlapPolicy::kTwice);
  auto bad = ParseDayMatch("BOTH", "dayMatch");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.error().message, "dayMatch: 'BOTH' is not one of OR, AND, VIXIE");
  EXPECT_EQ(ToString(DayMatch::kVixie), "VIXIE");
  EXPECT_EQ(ToString(DstGapPolicy::kAuto), "AUTO");
  EXPECT_EQ(ToString(DstOverlapPolicy::kOnce), "ONCE");
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
