#pragma once

// Cron expressions: parsing and the next/previous matching time, computed field by field (no
// minute-by-minute scanning). Pure functions; CronExpression is an immutable value and
// thread-safe.
//
// Grammar: 5 fields (minute hour day-of-month month day-of-week) or 6 (a leading seconds
// field). Each field is a comma list of `*`, `?` (day fields), values, ranges `a-b`, steps
// `*/s`, `a-b/s`, `a/s`; month names JAN-DEC and weekday names SUN-SAT; weekday 0 and 7 are
// Sunday. Day-of-month also takes `L` (last day), `L-n` (n days before it), `nW` (weekday
// nearest day n, within the month) and `LW` (last weekday). Day-of-week also takes `nL` (last
// such weekday of the month) and `n#k` (k-th such weekday, k 1-5). Macros: @yearly @annually
// @monthly @weekly @daily @midnight @hourly.
//
// Day-of-month and day-of-week combine by a rule chosen per expression (DayMatch):
//   kOr (the default, as cron-parser and croner): a day runs when it matches either field,
//       unless one of the two is exactly `*` or `?`, in which case only the other counts.
//       `0 9 */2 * 1` runs on odd days and on Mondays; `0 9 * * 1` on Mondays only.
//   kAnd: a day runs when it matches both. `0 9 1-7 * MON` is the first Monday of the month.
//   kVixie (system cron): as kOr, but a field that starts with `*` (`*/2`) counts as `*`, so
//       `0 9 */2 * 1` runs on odd days that are Mondays.
//
// DST: a wall-clock time that a spring-forward change removes, or that a fall-back change
// repeats, is handled by DstGapPolicy and DstOverlapPolicy. kAuto (the default) follows the
// hour field, as Debian's cron does: an expression whose hour field is `*` or a step of at most
// 2 hours (`*/2`, `8-18/2`) follows the clock (SKIP and TWICE, so `13 * * * *` runs every hour
// of real time); one whose hour field names fixed hours (`2`, `9,17`, `9-17`, `*/3`) is moved
// to the first valid instant and runs once (SHIFT and ONCE).
//
//   auto first_monday = CronExpression::Parse("0 9 1-7 * MON", DayMatch::kAnd);
//   first_monday->NextLocal(/* 2026-01-07 09:00:00 */)  // 2026-02-02 09:00:00
//   CronExpression::Parse("0 9 1-7 * MON")->Warnings()  // {"runs on the 1st to 7th of the ..."}

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/error.h"

namespace date {
class time_zone;
}

namespace cronium::scheduler {

// Wall-clock time without a zone, in whole seconds since 1970-01-01T00:00:00 (local).
using LocalSeconds = std::chrono::duration<int64_t>;

// How day-of-month and day-of-week combine (see the top of this file).
enum class DayMatch { kOr, kAnd, kVixie };

// What to do with a wall-clock time that a DST change makes nonexistent or ambiguous. kAuto
// chooses by the hour field (CronExpression::Resolve).
enum class DstGapPolicy { kShift, kSkip, kAuto };  // spring forward: run at the gap's end, or skip
enum class DstOverlapPolicy { kOnce, kTwice, kAuto };  // fall back: the first instant only, or both

enum class DstMark { kNone, kShifted, kRepeated };

struct Occurrence {
  TimePoint instant;
  DstMark dst = DstMark::kNone;
  // With DstGapPolicy::kSkip: how many wall-clock matches a spring-forward gap swallowed
  // between the previous occurrence and this one, the first of them, and the gap's instant.
  int skipped = 0;
  LocalSeconds skipped_first{0};
  TimePoint skipped_at;
};

class CronExpression {
 public:
  // kInvalidArgument naming the field, the position (1-based) and what was expected.
  static Result<CronExpression> Parse(std::string_view text, DayMatch day_match = DayMatch::kOr);

  // The first matching wall-clock second strictly after `after`; nullopt if none ever does
  // (e.g. "0 0 30 2 *").
  std::optional<LocalSeconds> NextLocal(LocalSeconds after) const;
  // The last matching wall-clock second strictly before `before`.
  std::optional<LocalSeconds> PrevLocal(LocalSeconds before) const;

  // The first occurrence strictly after `after` in `zone`, applying the DST policies.
  std::optional<Occurrence> NextAfter(TimePoint after, const date::time_zone& zone,
                                      DstGapPolicy gap = DstGapPolicy::kAuto,
                                      DstOverlapPolicy overlap = DstOverlapPolicy::kAuto) const;

  // The last occurrence strictly before `before` in `zone`, with the same DST policies (a
  // skipped wall time has no occurrence; a shifted one happens at the end of its gap).
  std::optional<Occurrence> PrevBefore(TimePoint before, const date::time_zone& zone,
                                       DstGapPolicy gap = DstGapPolicy::kAuto,
                                       DstOverlapPolicy overlap = DstOverlapPolicy::kAuto) const;

  // The policy that applies: kAuto becomes SKIP and TWICE when the hour field follows the
  // clock (`*` or a step of at most 2 hours), else SHIFT and ONCE; the others stay.
  DstGapPolicy Resolve(DstGapPolicy gap) const;
  DstOverlapPolicy Resolve(DstOverlapPolicy overlap) const;

  // What a user should know before relying on this expression, in plain words: today, that
  // both day fields are restricted under DayMatch::kOr, e.g. "runs on the 1st to 7th of the
  // month and on every Monday (dayMatch OR); set dayMatch to AND for days that match both".
  // Empty when there is nothing to say.
  std::vector<std::string> Warnings() const;

  bool Matches(LocalSeconds t) const;
  const std::string& text() const { return text_; }
  bool has_seconds() const { return has_seconds_; }
  DayMatch day_match() const { return day_match_; }
  // The hour field is `*` or a step of at most 2 hours: what kAuto follows.
  bool hours_follow_clock() const { return hours_follow_clock_; }

 private:
  struct DayRules {
    uint64_t dom = 0;                          // bits 1..31
    bool last_day = false;                     // L
    std::vector<int> last_offsets;             // L-n
    std::vector<int> nearest_weekday;          // nW
    bool last_weekday = false;                 // LW
    uint64_t dow = 0;                          // bits 0..6
    std::vector<int> last_dow;                 // nL
    std::vector<std::pair<int, int>> nth_dow;  // n#k
    bool dom_star = true;  // the field starts with `*` or is `?` (DayMatch::kVixie)
    bool dow_star = true;
    bool dom_any = true;  // the field is exactly `*` or `?` (DayMatch::kOr)
    bool dow_any = true;
  };

  CronExpression() = default;
  bool DayMatches(int year, unsigned month, unsigned day) const;

  std::string text_;
  DayMatch day_match_ = DayMatch::kOr;
  bool has_seconds_ = false;
  bool hours_follow_clock_ = false;
  uint64_t seconds_ = 0;  // bits 0..59
  uint64_t minutes_ = 0;  // bits 0..59
  uint64_t hours_ = 0;    // bits 0..23
  uint64_t months_ = 0;   // bits 1..12
  DayRules days_;
};

// The IANA zone with this name (e.g. "Europe/Berlin"); kInvalidArgument if unknown.
Result<const date::time_zone*> LocateZone(std::string_view name);
// The server's own zone (from /etc/localtime or TZ), UTC if it cannot be determined.
const date::time_zone& ServerZone();
// `instant` as RFC 3339 wall-clock time in `zone` with its offset ("2026-03-29T03:00:00+02:00").
std::string FormatLocal(TimePoint instant, const date::time_zone& zone);

}  // namespace cronium::scheduler
