#include "scheduler/cron_expression.h"

#include <date/date.h>
#include <date/tz.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <set>
#include <sstream>

#include "base/time_format.h"

namespace cronium::scheduler {
namespace {

// "2026-03-29 02:30:00" as wall-clock seconds.
LocalSeconds L(const std::string& text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  EXPECT_EQ(std::sscanf(text.c_str(), "%d-%d-%d %d:%d:%d", &y, &mo, &d, &h, &mi, &s), 6) << text;
  const auto day = date::sys_days{date::year{y} / date::month{static_cast<unsigned>(mo)} /
                                  date::day{static_cast<unsigned>(d)}};
  return LocalSeconds(static_cast<int64_t>(day.time_since_epoch().count()) * 86'400 + h * 3600 +
                      mi * 60 + s);
}

std::string Show(std::optional<LocalSeconds> t) {
  if (!t) return "never";
  return date::format("%F %T", date::sys_seconds{std::chrono::seconds(t->count())});
}

TimePoint U(const std::string& text) {
  auto parsed = ParseRfc3339(text);
  EXPECT_TRUE(parsed) << text;
  return *parsed;
}

CronExpression Cron(const std::string& text) {
  auto parsed = CronExpression::Parse(text);
  EXPECT_TRUE(parsed) << text << ": " << (parsed ? "" : parsed.error().message);
  return *parsed;
}

struct NextCase {
  const char* expr;
  const char* after;
  const char* expected;
};

TEST(CronExpressionTest, NextLocalTable) {
  const NextCase cases[] = {
      // Basics, lists, ranges and steps.
      {"* * * * *", "2026-01-01 00:00:00", "2026-01-01 00:01:00"},
      {"* * * * *", "2026-01-01 00:00:30", "2026-01-01 00:01:00"},
      {"*/15 * * * *", "2026-01-01 00:16:00", "2026-01-01 00:30:00"},
      {"10-40/7 * * * *", "2026-01-01 00:25:00", "2026-01-01 00:31:00"},
      {"10-40/7 * * * *", "2026-01-01 00:38:00", "2026-01-01 01:10:00"},
      {"5/20 * * * *", "2026-01-01 00:46:00", "2026-01-01 01:05:00"},
      {"0 9,17 * * *", "2026-01-01 09:00:00", "2026-01-01 17:00:00"},
      {"0 9-11 * * *", "2026-01-01 11:00:00", "2026-01-02 09:00:00"},
      {"30 23 31 12 *", "2026-06-01 00:00:00", "2026-12-31 23:30:00"},
      {"0 0 1 1 *", "2026-01-01 00:00:00", "2027-01-01 00:00:00"},
      // Seconds.
      {"*/10 * * * * *", "2026-01-01 00:00:05", "2026-01-01 00:00:10"},
      {"30 0 0 * * *", "2026-01-01 00:00:30", "2026-01-02 00:00:30"},
      {"59 59 23 31 12 *", "2026-12-31 23:59:58", "2026-12-31 23:59:59"},
      // Names, case-insensitive, and 0/7 Sunday.
      {"0 0 * JAN,jul *", "2026-02-01 00:00:00", "2026-07-01 00:00:00"},
      {"0 0 * * MON-FRI", "2026-01-02 12:00:00", "2026-01-05 00:00:00"},  // Fri -> Mon
      {"0 0 * * 7", "2026-01-01 00:00:00", "2026-01-04 00:00:00"},        // Sunday
      {"0 0 * * 0", "2026-01-01 00:00:00", "2026-01-04 00:00:00"},
      {"0 0 * * sun", "2026-01-01 00:00:00", "2026-01-04 00:00:00"},
      // Month ends and leap years.
      {"0 0 31 * *", "2026-04-01 00:00:00", "2026-05-31 00:00:00"},
      {"0 0 29 2 *", "2026-01-01 00:00:00", "2028-02-29 00:00:00"},
      {"0 0 29 2 *", "2096-03-01 00:00:00", "2104-02-29 00:00:00"},  // 2100 is no leap year
      {"0 0 30 2 *", "2026-01-01 00:00:00", "never"},
      {"0 0 31 4,6,9,11 *", "2026-01-01 00:00:00", "never"},
      // L, L-n, W, LW.
      {"0 0 L * *", "2026-02-01 00:00:00", "2026-02-28 00:00:00"},
      {"0 0 L * *", "2028-02-01 00:00:00", "2028-02-29 00:00:00"},
      {"0 0 L-2 * *", "2026-01-01 00:00:00", "2026-01-29 00:00:00"},
      {"0 0 15W * *", "2026-08-01 00:00:00", "2026-08-14 00:00:00"},  // Sat 15 -> Fri 14
      {"0 0 15W * *", "2026-03-01 00:00:00", "2026-03-16 00:00:00"},  // Sun 15 -> Mon 16
      {"0 0 1W * *", "2026-07-31 00:00:00", "2026-08-03 00:00:00"},   // Sat 1 -> Mon 3
      {"0 0 31W * *", "2026-05-01 00:00:00", "2026-05-29 00:00:00"},  // Sun 31 -> Fri 29
      {"0 0 LW * *", "2026-01-01 00:00:00", "2026-01-30 00:00:00"},   // Sat 31 -> Fri 30
      // nL and n#k.
      {"0 0 * * 5L", "2026-01-01 00:00:00", "2026-01-30 00:00:00"},
      {"0 0 * * FRIL", "2026-02-01 00:00:00", "2026-02-27 00:00:00"},
      {"0 0 * * MON#2", "2026-01-01 00:00:00", "2026-01-12 00:00:00"},
      {"0 0 * * 1#5", "2026-01-01 00:00:00", "2026-03-30 00:00:00"},  // months with 5 Mondays
      // Both day fields restricted -> either (dayMatch OR, the default; see DayMatchTable).
      {"0 0 13 * FRI", "2026-01-01 00:00:00", "2026-01-02 00:00:00"},  // Friday 2nd
      {"0 0 13 * FRI", "2026-01-10 00:00:00", "2026-01-13 00:00:00"},  // the 13th (a Tue)
      {"0 0 ? * FRI", "2026-01-01 00:00:00", "2026-01-02 00:00:00"},
      {"0 0 13 * ?", "2026-01-01 00:00:00", "2026-01-13 00:00:00"},
      // Macros.
      {"@yearly", "2026-05-05 00:00:00", "2027-01-01 00:00:00"},
      {"@annually", "2026-05-05 00:00:00", "2027-01-01 00:00:00"},
      {"@monthly", "2026-05-05 00:00:00", "2026-06-01 00:00:00"},
      {"@weekly", "2026-01-01 00:00:00", "2026-01-04 00:00:00"},
      {"@daily", "2026-01-01 10:00:00", "2026-01-02 00:00:00"},
      {"@midnight", "2026-01-01 10:00:00", "2026-01-02 00:00:00"},
      {"@hourly", "2026-01-01 10:00:00", "2026-01-01 11:00:00"},
      {"@HOURLY", "2026-01-01 10:59:59", "2026-01-01 11:00:00"},
      // More lists, ranges and steps in every field.
      {"0 0 1,15 * *", "2026-01-02 00:00:00", "2026-01-15 00:00:00"},
      {"0 0 1-3 * *", "2026-01-03 00:00:01", "2026-02-01 00:00:00"},
      {"0 0 */10 * *", "2026-01-01 00:00:00", "2026-01-11 00:00:00"},
      {"0 0 1 */3 *", "2026-01-02 00:00:00", "2026-04-01 00:00:00"},
      {"0 0 1 2-4 *", "2026-04-02 00:00:00", "2027-02-01 00:00:00"},
      {"0 0 * * 1-5/2", "2026-01-05 00:00:00", "2026-01-07 00:00:00"},  // Mon -> Wed
      {"0 */6 * * *", "2026-01-01 06:00:00", "2026-01-01 12:00:00"},
      {"0 22-23,0-1 * * *", "2026-01-01 01:00:00", "2026-01-01 22:00:00"},
      {"0 0 * * SAT,SUN", "2026-01-01 00:00:00", "2026-01-03 00:00:00"},
      {"0 0 * * 6-7", "2026-01-04 00:00:00", "2026-01-10 00:00:00"},
      {"0-10/5 * * * * *", "2026-01-01 00:00:05", "2026-01-01 00:00:10"},
      {"0-10/5 * * * * *", "2026-01-01 00:00:10", "2026-01-01 00:01:00"},
      {"15,45 30 12 * * *", "2026-01-01 12:30:15", "2026-01-01 12:30:45"},
      {"0 0 0 29 2 *", "2027-03-01 00:00:00", "2028-02-29 00:00:00"},
      {"0 0 L 2 *", "2100-01-01 00:00:00", "2100-02-28 00:00:00"},
      {"0 0 LW * *", "2026-05-01 00:00:00", "2026-05-29 00:00:00"},  // Sun 31 -> Fri 29
      {"0 0 * * 0#1", "2026-02-01 00:00:01", "2026-03-01 00:00:00"},
      {"0 0 * * SUN#5", "2026-01-01 00:00:00", "2026-03-29 00:00:00"},
      {"0 0 * * 0L", "2026-01-01 00:00:00", "2026-01-25 00:00:00"},
      {"0 0 * * 7L", "2026-01-01 00:00:00", "2026-01-25 00:00:00"},
      {"0 0 1 * MON#1", "2026-01-01 00:00:01", "2026-01-05 00:00:00"},  // either matches
      {"0 12 * JAN-MAR MON", "2026-03-31 00:00:00", "2027-01-04 12:00:00"},
  };
  for (const auto& c : cases) {
    const CronExpression expr = Cron(c.expr);
    EXPECT_EQ(Show(expr.NextLocal(L(c.after))), c.expected) << c.expr << " after " << c.after;
  }
}

// January 2026 starts on a Thursday: Mondays are the 5th, 12th, 19th and 26th.
TEST(CronExpressionTest, DayMatchTable) {
  struct Case {
    const char* expr;
    const char* after;
    const char* with_or;
    const char* with_and;
    const char* with_vixie;
  };
  const Case cases[] = {
      // A step from `*` is a restriction (OR: odd days or Mondays), except to Vixie (where it
      // counts as `*`, so odd days that are Mondays).
      {"0 9 */2 * 1", "2026-01-01 00:00:00", "2026-01-01 09:00:00", "2026-01-05 09:00:00",
       "2026-01-05 09:00:00"},
      {"0 9 */2 * 1", "2026-01-01 09:00:00", "2026-01-03 09:00:00", "2026-01-05 09:00:00",
       "2026-01-05 09:00:00"},
      {"0 9 */2 * 1", "2026-01-11 09:00:00", "2026-01-12 09:00:00", "2026-01-19 09:00:00",
       "2026-01-19 09:00:00"},  // Monday the 12th is even
      {"0 9 1-31/2 * MON", "2026-01-11 09:00:00", "2026-01-12 09:00:00", "2026-01-19 09:00:00",
       "2026-01-12 09:00:00"},  // the same days, written without `*`: Vixie says OR too
      // The first Monday of the month, with AND; the 1st to 7th and every Monday otherwise.
      {"0 9 1-7 * MON", "2026-01-01 00:00:00", "2026-01-01 09:00:00", "2026-01-05 09:00:00",
       "2026-01-01 09:00:00"},
      {"0 9 1-7 * MON", "2026-01-07 09:00:00", "2026-01-12 09:00:00", "2026-02-02 09:00:00",
       "2026-01-12 09:00:00"},
      {"0 9 1-7 * MON", "2026-02-02 09:00:00", "2026-02-03 09:00:00", "2026-03-02 09:00:00",
       "2026-02-03 09:00:00"},
      // One field exactly `*` or `?`: only the other counts, whatever the rule.
      {"0 9 * * MON", "2026-01-01 00:00:00", "2026-01-05 09:00:00", "2026-01-05 09:00:00",
       "2026-01-05 09:00:00"},
      {"0 9 ? * MON", "2026-01-01 00:00:00", "2026-01-05 09:00:00", "2026-01-05 09:00:00",
       "2026-01-05 09:00:00"},
      {"0 9 15 * *", "2026-01-01 00:00:00", "2026-01-15 09:00:00", "2026-01-15 09:00:00",
       "2026-01-15 09:00:00"},
      {"0 9 15 * ?", "2026-01-01 00:00:00", "2026-01-15 09:00:00", "2026-01-15 09:00:00",
       "2026-01-15 09:00:00"},
      {"0 9 ? * ?", "2026-01-01 00:00:00", "2026-01-01 09:00:00", "2026-01-01 09:00:00",
       "2026-01-01 09:00:00"},
      // A list that starts with `*` is not exactly `*`: OR runs every day (the 1st-31st match).
      {"0 9 *,15 * MON", "2026-01-01 00:00:00", "2026-01-01 09:00:00", "2026-01-05 09:00:00",
       "2026-01-05 09:00:00"},
      // L: the last day of the month or a Friday; AND: a last day that is a Friday (July 31).
      {"0 9 L * FRI", "2026-01-01 00:00:00", "2026-01-02 09:00:00", "2026-07-31 09:00:00",
       "2026-01-02 09:00:00"},
      {"0 9 L * FRI", "2026-01-30 09:00:00", "2026-01-31 09:00:00", "2026-07-31 09:00:00",
       "2026-01-31 09:00:00"},
      {"0 9 L * 5L", "2026-01-01 00:00:00", "2026-01-30 09:00:00", "2026-07-31 09:00:00",
       "2026-01-30 09:00:00"},
      // Friday the 13th: February 2026.
      {"0 9 13 * FRI", "2026-01-01 00:00:00", "2026-01-02 09:00:00", "2026-02-13 09:00:00",
       "2026-01-02 09:00:00"},
      // #: odd days or first Mondays; AND: first Mondays on odd days (January 5th, then June 1st).
      {"0 9 */2 * MON#1", "2026-02-01 09:00:00", "2026-02-02 09:00:00", "2026-06-01 09:00:00",
       "2026-06-01 09:00:00"},
      {"0 9 */2 * MON#1", "2026-01-01 09:00:00", "2026-01-03 09:00:00", "2026-01-05 09:00:00",
       "2026-01-05 09:00:00"},
      // W: the weekday nearest the 15th (Thursday the 15th in January; Monday the 16th in
      // February, as the 15th is a Sunday).
      {"0 9 15W * MON", "2026-01-01 00:00:00", "2026-01-05 09:00:00", "2026-02-16 09:00:00",
       "2026-01-05 09:00:00"},
      // Impossible together, possible apart.
      {"0 9 15 * MON#1", "2026-01-05 09:00:00", "2026-01-15 09:00:00", "never",
       "2026-01-15 09:00:00"},
      // Six fields and a macro.
      {"30 0 9 1-7 * MON", "2026-01-05 09:00:30", "2026-01-06 09:00:30", "2026-02-02 09:00:30",
       "2026-01-06 09:00:30"},
      {"@weekly", "2026-01-01 00:00:00", "2026-01-04 00:00:00", "2026-01-04 00:00:00",
       "2026-01-04 00:00:00"},
  };
  for (const auto& c : cases) {
    const std::pair<DayMatch, const char*> rules[] = {
        {DayMatch::kOr, c.with_or}, {DayMatch::kAnd, c.with_and}, {DayMatch::kVixie, c.with_vixie}};
    for (const auto& [rule, expected] : rules) {
      auto expr = CronExpression::Parse(c.expr, rule);
      ASSERT_TRUE(expr) << c.expr;
      EXPECT_EQ(expr->day_match(), rule);
      EXPECT_EQ(Show(expr->NextLocal(L(c.after))), expected)
          << c.expr << " after " << c.after << " rule " << static_cast<int>(rule);
      // And back: the previous match before the next one is at or before `after`.
      if (auto next = expr->NextLocal(L(c.after))) {
        auto prev = expr->PrevLocal(*next);
        if (prev) {
          EXPECT_LE(*prev, L(c.after)) << c.expr;
        }
      }
    }
  }
  // OR is the default.
  EXPECT_EQ(Cron("0 9 */2 * 1").day_match(), DayMatch::kOr);
}

TEST(CronExpressionTest, WarningsDescribeBothDayFieldsInPlainWords) {
  const std::pair<const char*, const char*> cases[] = {
      {"0 9 1-7 * MON", "runs on the 1st to 7th of the month and on every Monday"},
      {"0 9 */2 * 1", "runs on every 2nd day of the month from the 1st and on every Monday"},
      {"0 9 1,15 * MON-FRI", "runs on the 1st and 15th of the month and on every Monday to Friday"},
      {"0 9 11,12,13,21,22,23 * fri",
       "runs on the 11th, 12th, 13th, 21st, 22nd and 23rd of the month and on every Friday"},
      {"0 9 L * 5L", "runs on the last day of the month and on the last Friday of the month"},
      {"0 9 15W * MON#2",
       "runs on the weekday nearest the 15th of the month and on the 2nd Monday of the month"},
      {"0 9 LW,L-3 * SAT,SUN",
       "runs on the last weekday of the month and the 3rd day before the last day of the month "
       "and on every Saturday and Sunday"},
      {"0 9 L-1 * 0", "runs on the day before the last day of the month and on every Sunday"},
      {"0 9 1-15/2,20 * */2",
       "runs on every 2nd day of the month from the 1st to the 15th and the 20th of the month and "
       "on every Tuesday, Thursday, Saturday and Sunday"},
      {"0 9 10/5 * 1,3,5,7",
       "runs on every 5th day of the month from the 10th and on every Monday, Wednesday, Friday "
       "and Sunday"},
      {"0 9 */1 * 1-5/2",
       "runs on every day of the month and on every Monday, Wednesday and Friday"},
      {"0 9 5,1-3 * MON,2#1,WED",
       "runs on the 5th and 1st to 3rd of the month and on every Monday and Wednesday and the 1st "
       "Tuesday of the month"},
      {"0 0 0 1 * SUN-SAT", "runs on the 1st of the month and on every day of the week"},
      {"0 9 *,15 * MON",
       "runs on every day of the month and the 15th of the month and on every Monday"},
  };
  for (const auto& [text, words] : cases) {
    const std::vector<std::string> warnings = Cron(text).Warnings();
    ASSERT_EQ(warnings.size(), 1u) << text;
    EXPECT_EQ(warnings[0],
              std::string(words) + " (dayMatch OR); set dayMatch to AND for days that match both")
        << text;
  }
  // Nothing to say: one day field unrestricted, a macro, or a rule other than OR.
  for (const char* text :
       {"0 9 * * MON", "0 9 ? * MON", "0 9 1-7 * *", "0 9 1 * ?", "@weekly", "*/5 * * * *"}) {
    EXPECT_TRUE(Cron(text).Warnings().empty()) << text;
  }
  for (DayMatch rule : {DayMatch::kAnd, DayMatch::kVixie}) {
    EXPECT_TRUE(CronExpression::Parse("0 9 1-7 * MON", rule)->Warnings().empty());
  }
}

TEST(CronExpressionTest, PrevLocalTable) {
  const NextCase cases[] = {
      {"* * * * *", "2026-01-01 00:00:00", "2025-12-31 23:59:00"},
      {"*/15 * * * *", "2026-01-01 00:16:00", "2026-01-01 00:15:00"},
      {"0 9,17 * * *", "2026-01-01 09:00:00", "2025-12-31 17:00:00"},
      {"0 0 29 2 *", "2026-01-01 00:00:00", "2024-02-29 00:00:00"},
      {"0 0 L * *", "2026-03-15 00:00:00", "2026-02-28 00:00:00"},
      {"*/10 * * * * *", "2026-01-01 00:00:00", "2025-12-31 23:59:50"},
      {"0 0 30 2 *", "2026-01-01 00:00:00", "never"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(Show(Cron(c.expr).PrevLocal(L(c.after))), c.expected) << c.expr;
  }
}

TEST(CronExpressionTest, ParseErrorsNameTheFieldAndPosition) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "5 fields"},
      {"* * * *", "got 4"},
      {"* * * * * * *", "got 7"},
      {"60 * * * *", "minute field at position 1: 60 is out of range 0-59"},
      {"* 24 * * *", "hour field at position 3: 24 is out of range 0-23"},
      {"* * 0 * *", "day-of-month field at position 5: 0 is out of range 1-31"},
      {"* * 32 * *", "day-of-month field at position 5: 32 is out of range 1-31"},
      {"* * * 13 *", "month field at position 7: 13 is out of range 1-12"},
      {"* * * * 8", "day-of-week field at position 9: 8 is out of range 0-7"},
      {"* * * FOO *", "month field at position 7: 'FOO' is not a number or month name"},
      {"* * * * FUNDAY", "day-of-week field at position 9: 'FUNDAY' is not a number or day name"},
      {"*/0 * * * *", "minute field at position 3: step 0 is out of range 1-60"},
      {"*/ * * * *", "minute field at position 3: expected a step number after '/'"},
      {"30-10 * * * *", "minute field at position 1: range 30-10 runs backwards"},
      {"1,,2 * * * *", "minute field at position 3: empty list item"},
      {"x * * * *", "minute field at position 1: 'x' is not a number"},
      {"* * * * MON#6", "day-of-week field at position 13: expected 1 to 5 after '#'"},
      {"* * L-40 * *", "day-of-month field at position 7: 40 is out of range 1-31"},
      {"61 * * * * *", "second field at position 1: 61 is out of range 0-59"},
      {"@reboot", "'@reboot' is not a known macro"},
      {"1-2-3 * * * *", "minute field at position 3: '2-3' is not a number"},
      {"L * * * *", "minute field at position 1: 'L' is not a number"},
      {"* L * * *", "hour field at position 3: 'L' is not a number"},
      {"* * * L *", "month field at position 7: 'L' is not a number or month name"},
      {"? * * * *", "minute field at position 1: '?' is not a number"},
      {"* * * ? *", "month field at position 7: '?' is not a number or month name"},
      {"* * 1#2 * *", "day-of-month field at position 5: '1#2' is not a number"},
      {"* * 15X * *", "day-of-month field at position 5: '15X' is not a number"},
      {"* * 32W * *", "day-of-month field at position 5: 32 is out of range 1-31"},
      {"* * * * 8L", "day-of-week field at position 9: 8 is out of range 0-7"},
      {"* * * * MON#0", "day-of-week field at position 13: expected 1 to 5 after '#'"},
      {"* * * * FUN#1", "day-of-week field at position 9: 'FUN' is not a number or day name"},
      {"* * * DEC-JAN *", "month field at position 7: range DEC-JAN runs backwards"},
      {"*/61 * * * *", "minute field at position 3: step 61 is out of range 1-60"},
      {"*/x * * * *", "minute field at position 3: expected a step number after '/'"},
      {"5-/2 * * * *", "minute field at position 3: expected a number"},
      {", * * * *", "minute field at position 1: empty list item"},
      {"* * * * * * * *", "got 8"},
      {"@every 5m", "5 fields"},
      {"* * * * -1", "day-of-week field at position 9: expected a number"},
  };
  for (const auto& [text, fragment] : cases) {
    auto parsed = CronExpression::Parse(text);
    ASSERT_FALSE(parsed) << text;
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument) << text;
    EXPECT_NE(parsed.error().message.find(fragment), std::string::npos)
        << text << " -> " << parsed.error().message;
  }
}

TEST(CronExpressionTest, RandomExpressionsBehaveLikeTheirDefinition) {
  std::mt19937 rng(20261126);  // seeded: deterministic
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  auto field = [&](int lo, int hi) -> std::string {
    switch (pick(0, 4)) {
      case 0:
        return "*";
      case 1:
        return std::to_string(pick(lo, hi));
      case 2: {
        const int a = pick(lo, hi), b = pick(a, hi);
        return std::to_string(a) + "-" + std::to_string(b);
      }
      case 3:
        return "*/" + std::to_string(pick(1, (hi - lo) / 2 + 1));
      default:
        return std::to_string(pick(lo, hi)) + "," + std::to_string(pick(lo, hi));
    }
  };
  for (int n = 0; n < 300; ++n) {
    const std::string text = field(0, 59) + " " + field(0, 59) + " " + field(0, 23) + " " +
                             field(1, 28) + " " + field(1, 12) + " " + field(0, 6);
    constexpr DayMatch kRules[] = {DayMatch::kOr, DayMatch::kAnd, DayMatch::kVixie};
    const CronExpression expr = *CronExpression::Parse(text, kRules[n % 3]);  // each in turn
    LocalSeconds t = L("2026-01-01 00:00:00") + LocalSeconds(pick(0, 86'400 * 365));
    for (int step = 0; step < 5; ++step) {
      auto next = expr.NextLocal(t);
      if (!next) break;
      ASSERT_GT(*next, t) << text;
      ASSERT_TRUE(expr.Matches(*next)) << text << " " << Show(next);
      // Nothing matches in between, and Prev(Next(t)) <= t.
      auto prev = expr.PrevLocal(*next);
      if (prev) {
        ASSERT_LE(*prev, t) << text << " " << Show(next) << " " << Show(prev);
      }
      if (*next - t < LocalSeconds(600)) {
        for (LocalSeconds probe = t + LocalSeconds(1); probe < *next; probe += LocalSeconds(1)) {
          ASSERT_FALSE(expr.Matches(probe)) << text << " " << Show(probe);
        }
      }
      t = *next;
    }
  }
}

// The values a field of plain items (`*`, `n`, `a-b`, `*/s`, `a-b/s`, `a/s`, lists) stands
// for, computed here from its text rather than by the parser.
std::set<int> Expand(const std::string& field, int lo, int hi) {
  std::set<int> values;
  std::stringstream items(field);
  for (std::string item; std::getline(items, item, ',');) {
    int step = 1;
    if (const size_t slash = item.find('/'); slash != std::string::npos) {
      step = std::stoi(item.substr(slash + 1));
      item = item.substr(0, slash);
      if (item != "*" && item.find('-') == std::string::npos) {
        item += "-" + std::to_string(hi);  // `a/s` runs from a to the end of the range
      }
    }
    int low = lo, high = hi;
    if (item != "*") {
      const size_t dash = item.find('-');
      low = std::stoi(item.substr(0, dash));
      high = dash == std::string::npos ? low : std::stoi(item.substr(dash + 1));
    }
    for (int value = low; value <= high; value += step) values.insert(value);
  }
  return values;
}

// Random day fields, checked day by day against the rule as the documentation states it.
TEST(CronExpressionTest, RandomDayFieldsFollowTheChosenRule) {
  std::mt19937 rng(20);  // seeded: deterministic
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  auto field = [&](int lo, int hi) -> std::string {
    switch (pick(0, 6)) {
      case 0:
        return "*";
      case 1:
        return std::to_string(pick(lo, hi));
      case 2: {
        const int a = pick(lo, hi), b = pick(a, hi);
        return std::to_string(a) + "-" + std::to_string(b);
      }
      case 3:
        return "*/" + std::to_string(pick(2, 4));
      case 4:
        return std::to_string(pick(lo, hi)) + "/" + std::to_string(pick(2, 4));
      case 5:
        return "*," + std::to_string(pick(lo, hi));
      default:
        return std::to_string(pick(lo, hi)) + "," + std::to_string(pick(lo, hi));
    }
  };
  const date::sys_days first{date::year{2026} / 1 / 1};
  for (int n = 0; n < 150; ++n) {
    const std::string dom = field(1, 31), dow = field(0, 6);
    const std::set<int> days = Expand(dom, 1, 31);
    std::set<int> weekdays = Expand(dow, 0, 7);  // `a/s` runs to 7, which is Sunday too
    if (weekdays.count(7) > 0) weekdays.insert(0);
    for (DayMatch rule : {DayMatch::kOr, DayMatch::kAnd, DayMatch::kVixie}) {
      const std::string text = "0 12 " + dom + " * " + dow;
      const CronExpression expr = *CronExpression::Parse(text, rule);
      for (int offset = 0; offset < 120; ++offset) {
        const date::sys_days day = first + date::days{offset * 3};
        const date::year_month_day ymd{day};
        const bool in_days = days.count(static_cast<int>(static_cast<unsigned>(ymd.day()))) > 0;
        const bool in_weekdays =
            weekdays.count(static_cast<int>(date::weekday{day}.c_encoding())) > 0;
        // Both fields must match under AND, and under the others when one of them counts as
        // `*`: exactly `*` for OR, starting with `*` for Vixie.
        const bool both = rule == DayMatch::kOr      ? dom == "*" || dow == "*"
                          : rule == DayMatch::kVixie ? dom[0] == '*' || dow[0] == '*'
                                                     : true;
        const bool expected = both ? in_days && in_weekdays : in_days || in_weekdays;
        const LocalSeconds noon(day.time_since_epoch().count() * 86'400 + 12 * 3600);
        EXPECT_EQ(expr.Matches(noon), expected)
            << text << " rule " << static_cast<int>(rule) << " on " << Show(noon);
      }
    }
  }
}

std::string Iso(const std::optional<Occurrence>& o) {
  if (!o) return "never";
  std::string mark = o->dst == DstMark::kShifted    ? " SHIFTED"
                     : o->dst == DstMark::kRepeated ? " REPEATED"
                                                    : "";
  return FormatRfc3339(o->instant) + mark;
}

std::vector<std::string> Fires(const CronExpression& expr, const std::string& zone_name,
                               const std::string& from, int count, DstGapPolicy gap,
                               DstOverlapPolicy overlap) {
  const date::time_zone& zone = **LocateZone(zone_name);
  std::vector<std::string> out;
  TimePoint t = U(from);
  for (int n = 0; n < count; ++n) {
    auto next = expr.NextAfter(t, zone, gap, overlap);
    out.push_back(Iso(next));
    if (!next) break;
    t = next->instant;
  }
  return out;
}

TEST(CronExpressionDstTest, WallClockScheduleFollowsTheZone) {
  // 09:00 Berlin is 08:00Z in winter and 07:00Z in summer.
  EXPECT_EQ(Fires(Cron("0 9 * * *"), "Europe/Berlin", "2026-03-27T12:00:00Z", 3,
                  DstGapPolicy::kShift, DstOverlapPolicy::kOnce),
            (std::vector<std::string>{"2026-03-28T08:00:00.000Z", "2026-03-29T07:00:00.000Z",
                                      "2026-03-30T07:00:00.000Z"}));
}

TEST(CronExpressionDstTest, SpringForwardGapShiftsOrSkips) {
  // Berlin, 2026-03-29: 02:00 CET becomes 03:00 CEST (01:00Z).
  const CronExpression at_0230 = Cron("30 2 * * *");
  EXPECT_EQ(
      Fires(at_0230, "Europe/Berlin", "2026-03-28T12:00:00Z", 2, DstGapPolicy::kShift,
            DstOverlapPolicy::kOnce),
      (std::vector<std::string>{"2026-03-29T01:00:00.000Z SHIFTED", "2026-03-30T00:30:00.000Z"}));
  EXPECT_EQ(Fires(at_0230, "Europe/Berlin", "2026-03-28T12:00:00Z", 1, DstGapPolicy::kSkip,
                  DstOverlapPolicy::kOnce),
            (std::vector<std::string>{"2026-03-30T00:30:00.000Z"}));
  // SKIP reports what the gap swallowed with the next occurrence.
  const date::time_zone& berlin = **LocateZone("Europe/Berlin");
  auto after_gap = at_0230.NextAfter(U("2026-03-28T12:00:00Z"), berlin, DstGapPolicy::kSkip,
                                     DstOverlapPolicy::kOnce);
  ASSERT_TRUE(after_gap);
  EXPECT_EQ(after_gap->skipped, 1);
  EXPECT_EQ(after_gap->skipped_at, U("2026-03-29T01:00:00Z"));
  EXPECT_EQ(after_gap->skipped_first, L("2026-03-29 02:30:00"));
  auto every_10m = Cron("*/10 * * * *")
                       .NextAfter(U("2026-03-29T00:55:00Z"), berlin, DstGapPolicy::kSkip,
                                  DstOverlapPolicy::kOnce);
  ASSERT_TRUE(every_10m);
  EXPECT_EQ(every_10m->instant, U("2026-03-29T01:00:00Z"));  // 03:00 exists
  EXPECT_EQ(every_10m->skipped, 6);                          // 02:00 .. 02:50 do not
  // Every 20 minutes through the gap: the gap's occurrences collapse into one at 03:00.
  EXPECT_EQ(Fires(Cron("*/20 * * * *"), "Europe/Berlin", "2026-03-29T00:30:00Z", 4,
                  DstGapPolicy::kShift, DstOverlapPolicy::kOnce),
            (std::vector<std::string>{"2026-03-29T00:40:00.000Z", "2026-03-29T01:00:00.000Z",
                                      "2026-03-29T01:20:00.000Z", "2026-03-29T01:40:00.000Z"}));
}

TEST(CronExpressionDstTest, FallBackOverlapRunsOnceOrTwice) {
  // Berlin, 2026-10-25: 03:00 CEST becomes 02:00 CET; 02:00-02:59 happens twice.
  const CronExpression at_0230 = Cron("30 2 * * *");
  EXPECT_EQ(Fires(at_0230, "Europe/Berlin", "2026-10-24T12:00:00Z", 2, DstGapPolicy::kShift,
                  DstOverlapPolicy::kOnce),
            (std::vector<std::string>{"2026-10-25T00:30:00.000Z", "2026-10-26T01:30:00.000Z"}));
  EXPECT_EQ(
      Fires(at_0230, "Europe/Berlin", "2026-10-24T12:00:00Z", 3, DstGapPolicy::kShift,
            DstOverlapPolicy::kTwice),
      (std::vector<std::string>{"2026-10-25T00:30:00.000Z", "2026-10-25T01:30:00.000Z REPEATED",
                                "2026-10-26T01:30:00.000Z"}));
  // Hourly through the overlap: ONCE gives one run per wall-clock hour, TWICE one per real hour.
  EXPECT_EQ(Fires(Cron("0 * * * *"), "Europe/Berlin", "2026-10-24T23:30:00Z", 4,
                  DstGapPolicy::kShift, DstOverlapPolicy::kOnce),
            (std::vector<std::string>{"2026-10-25T00:00:00.000Z", "2026-10-25T02:00:00.000Z",
                                      "2026-10-25T03:00:00.000Z", "2026-10-25T04:00:00.000Z"}));
  EXPECT_EQ(
      Fires(Cron("0 * * * *"), "Europe/Berlin", "2026-10-24T23:30:00Z", 4, DstGapPolicy::kShift,
            DstOverlapPolicy::kTwice),
      (std::vector<std::string>{"2026-10-25T00:00:00.000Z", "2026-10-25T01:00:00.000Z REPEATED",
                                "2026-10-25T02:00:00.000Z", "2026-10-25T03:00:00.000Z"}));
}

TEST(CronExpressionDstTest, SouthernHemisphereAndHalfHourShifts) {
  // Sydney: DST ends 2026-04-05 03:00 AEDT -> 02:00 AEST; starts 2026-10-04 02:00 -> 03:00.
  EXPECT_EQ(Fires(Cron("30 2 * * *"), "Australia/Sydney", "2026-04-04T00:00:00Z", 2,
                  DstGapPolicy::kShift, DstOverlapPolicy::kOnce),
            (std::vector<std::string>{"2026-04-04T15:30:00.000Z", "2026-04-05T16:30:00.000Z"}));
  EXPECT_EQ(Fires(Cron("30 2 * * *"), "Australia/Sydney", "2026-10-03T00:00:00Z", 1,
                  DstGapPolicy::kShift, DstOverlapPolicy::kOnce),
            (std::vector<std::string>{"2026-10-03T16:00:00.000Z SHIFTED"}));
  // Lord Howe moves by 30 minutes: 2026-10-04 02:00 becomes 02:30 (+10:30 -> +11).
  EXPECT_EQ(Fires(Cron("15 2 * * *"), "Australia/Lord_Howe", "2026-10-03T00:00:00Z", 1,
                  DstGapPolicy::kShift, DstOverlapPolicy::kOnce),
            (std::vector<std::string>{"2026-10-03T15:30:00.000Z SHIFTED"}));
  EXPECT_EQ(Fires(Cron("45 2 * * *"), "Australia/Lord_Howe", "2026-10-03T00:00:00Z", 1,
                  DstGapPolicy::kShift, DstOverlapPolicy::kOnce),
            (std::vector<std::string>{"2026-10-03T15:45:00.000Z"}));
  // New York, fall back 2026-11-01 02:00 EDT -> 01:00 EST.
  EXPECT_EQ(
      Fires(Cron("30 1 * * *"), "America/New_York", "2026-10-31T12:00:00Z", 3, DstGapPolicy::kShift,
            DstOverlapPolicy::kTwice),
      (std::vector<std::string>{"2026-11-01T05:30:00.000Z", "2026-11-01T06:30:00.000Z REPEATED",
                                "2026-11-02T06:30:00.000Z"}));
}

TEST(CronExpressionDstTest, AutoResolvesByTheHourField) {
  const std::pair<const char*, bool> cases[] = {
      // The clock: `*` or a step of at most 2 hours.
      {"13 * * * *", true},
      {"0 */2 * * *", true},
      {"0 */1 * * *", true},
      {"0 8-18/2 * * *", true},
      {"0 1/2 * * *", true},
      {"0 */2,*/1 * * *", true},
      {"*/10 * * * * *", true},
      {"@hourly", true},
      {"*/5 * * * *", true},
      // Fixed hours: values, ranges, lists and coarser steps.
      {"30 2 * * *", false},
      {"0 9,17 * * *", false},
      {"0 9-17 * * *", false},
      {"0 0-23 * * *", false},
      {"0 */3 * * *", false},
      {"0 */2,5 * * *", false},
      {"*/5 2 * * *", false},
      {"@daily", false},
  };
  for (const auto& [text, follows] : cases) {
    const CronExpression expr = Cron(text);
    EXPECT_EQ(expr.hours_follow_clock(), follows) << text;
    EXPECT_EQ(expr.Resolve(DstGapPolicy::kAuto),
              follows ? DstGapPolicy::kSkip : DstGapPolicy::kShift)
        << text;
    EXPECT_EQ(expr.Resolve(DstOverlapPolicy::kAuto),
              follows ? DstOverlapPolicy::kTwice : DstOverlapPolicy::kOnce)
        << text;
    // An explicit policy is kept.
    EXPECT_EQ(expr.Resolve(DstGapPolicy::kShift), DstGapPolicy::kShift);
    EXPECT_EQ(expr.Resolve(DstGapPolicy::kSkip), DstGapPolicy::kSkip);
    EXPECT_EQ(expr.Resolve(DstOverlapPolicy::kOnce), DstOverlapPolicy::kOnce);
    EXPECT_EQ(expr.Resolve(DstOverlapPolicy::kTwice), DstOverlapPolicy::kTwice);
  }
}

// Spring and autumn in three zones, under AUTO (the default) and the explicit policies. Berlin
// moves at 01:00Z (02:00 -> 03:00 on 2026-03-29, 03:00 -> 02:00 on 2026-10-25); New York at
// 07:00Z on 2026-03-08 (02:00 -> 03:00) and 06:00Z on 2026-11-01 (02:00 -> 01:00); Lord Howe by
// 30 minutes, at 15:30Z on 2026-10-03 (02:00 -> 02:30) and 15:00Z on 2026-04-04 (02:00 ->
// 01:30).
TEST(CronExpressionDstTest, AutoKeepsHourlyJobsHourlyAndFixedTimesShiftedTable) {
  using Fired = std::vector<std::string>;
  struct Case {
    const char* expr;
    const char* zone;
    const char* from;
    int count;
    DstGapPolicy gap;
    DstOverlapPolicy overlap;
    Fired expected;
  };
  constexpr auto kAuto = DstGapPolicy::kAuto;
  constexpr auto kShift = DstGapPolicy::kShift;
  constexpr auto kSkip = DstGapPolicy::kSkip;
  constexpr auto kAutoO = DstOverlapPolicy::kAuto;
  constexpr auto kOnce = DstOverlapPolicy::kOnce;
  constexpr auto kTwice = DstOverlapPolicy::kTwice;
  const Case cases[] = {
      // Berlin, spring: hourly runs an hour apart under AUTO (SKIP); SHIFT adds 03:00.
      {"13 * * * *", "Europe/Berlin", "2026-03-28T23:30:00Z", 3, kAuto, kAutoO,
       Fired{"2026-03-29T00:13:00.000Z", "2026-03-29T01:13:00.000Z", "2026-03-29T02:13:00.000Z"}},
      {"13 * * * *", "Europe/Berlin", "2026-03-28T23:30:00Z", 3, kSkip, kOnce,
       Fired{"2026-03-29T00:13:00.000Z", "2026-03-29T01:13:00.000Z", "2026-03-29T02:13:00.000Z"}},
      {"13 * * * *", "Europe/Berlin", "2026-03-28T23:30:00Z", 3, kShift, kOnce,
       Fired{"2026-03-29T00:13:00.000Z", "2026-03-29T01:00:00.000Z SHIFTED",
             "2026-03-29T01:13:00.000Z"}},
      // Berlin, autumn: both 02:13 under AUTO (TWICE), an hour apart; ONCE leaves two hours.
      {"13 * * * *", "Europe/Berlin", "2026-10-24T23:30:00Z", 3, kAuto, kAutoO,
       Fired{"2026-10-25T00:13:00.000Z", "2026-10-25T01:13:00.000Z REPEATED",
             "2026-10-25T02:13:00.000Z"}},
      {"13 * * * *", "Europe/Berlin", "2026-10-24T23:30:00Z", 2, kShift, kOnce,
       Fired{"2026-10-25T00:13:00.000Z", "2026-10-25T02:13:00.000Z"}},
      // Every two hours: AUTO follows the clock as well.
      {"0 */2 * * *", "Europe/Berlin", "2026-03-28T22:30:00Z", 2, kAuto, kAutoO,
       Fired{"2026-03-28T23:00:00.000Z", "2026-03-29T02:00:00.000Z"}},
      {"0 */2 * * *", "Europe/Berlin", "2026-03-28T22:30:00Z", 3, kShift, kOnce,
       Fired{"2026-03-28T23:00:00.000Z", "2026-03-29T01:00:00.000Z SHIFTED",
             "2026-03-29T02:00:00.000Z"}},
      {"0 */2 * * *", "Europe/Berlin", "2026-10-24T21:30:00Z", 4, kAuto, kAutoO,
       Fired{"2026-10-24T22:00:00.000Z", "2026-10-25T00:00:00.000Z",
             "2026-10-25T01:00:00.000Z REPEATED", "2026-10-25T03:00:00.000Z"}},
      {"0 */2 * * *", "Europe/Berlin", "2026-10-24T21:30:00Z", 3, kShift, kOnce,
       Fired{"2026-10-24T22:00:00.000Z", "2026-10-25T00:00:00.000Z", "2026-10-25T03:00:00.000Z"}},
      // A fixed time of day: AUTO shifts it out of the gap and runs it once in the overlap.
      {"30 2 * * *", "Europe/Berlin", "2026-03-28T12:00:00Z", 2, kAuto, kAutoO,
       Fired{"2026-03-29T01:00:00.000Z SHIFTED", "2026-03-30T00:30:00.000Z"}},
      {"30 2 * * *", "Europe/Berlin", "2026-03-28T12:00:00Z", 1, kSkip, kTwice,
       Fired{"2026-03-30T00:30:00.000Z"}},
      {"30 2 * * *", "Europe/Berlin", "2026-10-24T12:00:00Z", 2, kAuto, kAutoO,
       Fired{"2026-10-25T00:30:00.000Z", "2026-10-26T01:30:00.000Z"}},
      {"30 2 * * *", "Europe/Berlin", "2026-10-24T12:00:00Z", 3, kSkip, kTwice,
       Fired{"2026-10-25T00:30:00.000Z", "2026-10-25T01:30:00.000Z REPEATED",
             "2026-10-26T01:30:00.000Z"}},
      // New York.
      {"13 * * * *", "America/New_York", "2026-03-08T06:00:00Z", 3, kAuto, kAutoO,
       Fired{"2026-03-08T06:13:00.000Z", "2026-03-08T07:13:00.000Z", "2026-03-08T08:13:00.000Z"}},
      {"13 * * * *", "America/New_York", "2026-03-08T06:00:00Z", 3, kShift, kOnce,
       Fired{"2026-03-08T06:13:00.000Z", "2026-03-08T07:00:00.000Z SHIFTED",
             "2026-03-08T07:13:00.000Z"}},
      {"13 * * * *", "America/New_York", "2026-11-01T05:00:00Z", 3, kAuto, kAutoO,
       Fired{"2026-11-01T05:13:00.000Z", "2026-11-01T06:13:00.000Z REPEATED",
             "2026-11-01T07:13:00.000Z"}},
      {"13 * * * *", "America/New_York", "2026-11-01T05:00:00Z", 2, kAuto, kOnce,
       Fired{"2026-11-01T05:13:00.000Z", "2026-11-01T07:13:00.000Z"}},
      {"30 2 * * *", "America/New_York", "2026-03-07T12:00:00Z", 2, kAuto, kAutoO,
       Fired{"2026-03-08T07:00:00.000Z SHIFTED", "2026-03-09T06:30:00.000Z"}},
      {"30 1 * * *", "America/New_York", "2026-10-31T12:00:00Z", 2, kAuto, kAutoO,
       Fired{"2026-11-01T05:30:00.000Z", "2026-11-02T06:30:00.000Z"}},
      {"30 1 * * *", "America/New_York", "2026-10-31T12:00:00Z", 2, kAuto, kTwice,
       Fired{"2026-11-01T05:30:00.000Z", "2026-11-01T06:30:00.000Z REPEATED"}},
      // Lord Howe, spring: 02:00-02:29 does not exist, so 02:13 goes and 02:45 stays.
      {"13 * * * *", "Australia/Lord_Howe", "2026-10-03T14:30:00Z", 2, kAuto, kAutoO,
       Fired{"2026-10-03T14:43:00.000Z", "2026-10-03T16:13:00.000Z"}},
      {"13 * * * *", "Australia/Lord_Howe", "2026-10-03T14:30:00Z", 3, kShift, kOnce,
       Fired{"2026-10-03T14:43:00.000Z", "2026-10-03T15:30:00.000Z SHIFTED",
             "2026-10-03T16:13:00.000Z"}},
      {"45 * * * *", "Australia/Lord_Howe", "2026-10-03T14:30:00Z", 3, kAuto, kAutoO,
       Fired{"2026-10-03T15:15:00.000Z", "2026-10-03T15:45:00.000Z", "2026-10-03T16:45:00.000Z"}},
      {"15 2 * * *", "Australia/Lord_Howe", "2026-10-03T00:00:00Z", 1, kAuto, kAutoO,
       Fired{"2026-10-03T15:30:00.000Z SHIFTED"}},
      // Lord Howe, autumn: 01:30-01:59 happens twice, 01:13 once.
      {"45 * * * *", "Australia/Lord_Howe", "2026-04-04T14:30:00Z", 3, kAuto, kAutoO,
       Fired{"2026-04-04T14:45:00.000Z", "2026-04-04T15:15:00.000Z REPEATED",
             "2026-04-04T16:15:00.000Z"}},
      {"45 * * * *", "Australia/Lord_Howe", "2026-04-04T14:30:00Z", 2, kShift, kOnce,
       Fired{"2026-04-04T14:45:00.000Z", "2026-04-04T16:15:00.000Z"}},
      {"13 * * * *", "Australia/Lord_Howe", "2026-04-04T13:30:00Z", 3, kAuto, kAutoO,
       Fired{"2026-04-04T14:13:00.000Z", "2026-04-04T15:43:00.000Z", "2026-04-04T16:43:00.000Z"}},
      {"45 1 * * *", "Australia/Lord_Howe", "2026-04-04T12:00:00Z", 2, kAuto, kAutoO,
       Fired{"2026-04-04T14:45:00.000Z", "2026-04-05T15:15:00.000Z"}},
      {"45 1 * * *", "Australia/Lord_Howe", "2026-04-04T12:00:00Z", 2, kAuto, kTwice,
       Fired{"2026-04-04T14:45:00.000Z", "2026-04-04T15:15:00.000Z REPEATED"}},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(Fires(Cron(c.expr), c.zone, c.from, c.count, c.gap, c.overlap), c.expected)
        << c.expr << " in " << c.zone << " from " << c.from;
  }
  // What SKIP reports with the run after the gap, under AUTO.
  const date::time_zone& berlin = **LocateZone("Europe/Berlin");
  auto after_gap = Cron("13 * * * *").NextAfter(U("2026-03-29T00:13:00Z"), berlin);
  ASSERT_TRUE(after_gap);
  EXPECT_EQ(after_gap->instant, U("2026-03-29T01:13:00Z"));
  EXPECT_EQ(after_gap->skipped, 1);
  EXPECT_EQ(after_gap->skipped_first, L("2026-03-29 02:13:00"));
}

TEST(CronExpressionDstTest, PrevBeforeMirrorsNextAfterAcrossZonesAndDst) {
  // For each next occurrence, the previous occurrence before just after it is itself, and
  // the previous before it is the one before: walking back retraces walking forward.
  const std::vector<std::tuple<const char*, const char*, DstGapPolicy, DstOverlapPolicy>> cases{
      {"*/20 * * * *", "Europe/Berlin", DstGapPolicy::kShift, DstOverlapPolicy::kOnce},
      {"*/20 * * * *", "Europe/Berlin", DstGapPolicy::kSkip, DstOverlapPolicy::kTwice},
      {"30 2 * * *", "Europe/Berlin", DstGapPolicy::kShift, DstOverlapPolicy::kTwice},
      {"0 * * * *", "America/New_York", DstGapPolicy::kShift, DstOverlapPolicy::kOnce},
      {"15 2 * * *", "Australia/Lord_Howe", DstGapPolicy::kShift, DstOverlapPolicy::kOnce},
      {"0 9 * * MON-FRI", "Asia/Tokyo", DstGapPolicy::kShift, DstOverlapPolicy::kOnce},
      {"13 * * * *", "Europe/Berlin", DstGapPolicy::kAuto, DstOverlapPolicy::kAuto},
      {"30 2 * * *", "Europe/Berlin", DstGapPolicy::kAuto, DstOverlapPolicy::kAuto},
      {"13 */2 * * *", "America/New_York", DstGapPolicy::kAuto, DstOverlapPolicy::kAuto},
  };
  const std::vector<const char*> starts{"2026-03-28T20:00:00Z", "2026-10-24T20:00:00Z",
                                        "2026-10-02T12:00:00Z", "2026-03-07T12:00:00Z"};
  for (const auto& [text, zone_name, gap, overlap] : cases) {
    const CronExpression expr = Cron(text);
    const date::time_zone& zone = **LocateZone(zone_name);
    for (const char* start : starts) {
      std::vector<Occurrence> forward;
      TimePoint t = U(start);
      for (int n = 0; n < 12; ++n) {
        auto next = expr.NextAfter(t, zone, gap, overlap);
        ASSERT_TRUE(next);
        forward.push_back(*next);
        t = next->instant;
      }
      for (size_t idx = 1; idx < forward.size(); ++idx) {
        auto prev = expr.PrevBefore(forward[idx].instant, zone, gap, overlap);
        ASSERT_TRUE(prev) << text << " " << zone_name;
        EXPECT_EQ(prev->instant, forward[idx - 1].instant)
            << text << " " << zone_name << " before " << FormatRfc3339(forward[idx].instant);
        EXPECT_EQ(prev->dst, forward[idx - 1].dst) << text << " " << zone_name;
      }
    }
  }
}

TEST(CronExpressionDstTest, UtcAndSecondsAreExact) {
  EXPECT_EQ(Fires(Cron("*/10 * * * * *"), "UTC", "2026-01-01T00:00:05.500Z", 3,
                  DstGapPolicy::kShift, DstOverlapPolicy::kOnce),
            (std::vector<std::string>{"2026-01-01T00:00:10.000Z", "2026-01-01T00:00:20.000Z",
                                      "2026-01-01T00:00:30.000Z"}));
  EXPECT_EQ(Fires(Cron("0 0 30 2 *"), "UTC", "2026-01-01T00:00:00Z", 1, DstGapPolicy::kShift,
                  DstOverlapPolicy::kOnce),
            (std::vector<std::string>{"never"}));
}

TEST(LocateZoneTest, KnowsIanaNamesOnly) {
  EXPECT_TRUE(LocateZone("Europe/Berlin"));
  EXPECT_TRUE(LocateZone("UTC"));
  EXPECT_EQ(LocateZone("Mars/Olympus").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(LocateZone("").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(LocateZone("../../etc/passwd").error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace cronium::scheduler
