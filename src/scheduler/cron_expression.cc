#include "scheduler/cron_expression.h"

#include <date/date.h>
#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace cronium::scheduler {
namespace {

using std::chrono::seconds;

constexpr int64_t kDay = 86'400;
constexpr int kSearchYears = 400;  // the Gregorian calendar repeats every 400 years

struct FieldSpec {
  const char* name;
  int min;
  int max;
};

constexpr FieldSpec kSecond{"second", 0, 59};
constexpr FieldSpec kMinute{"minute", 0, 59};
constexpr FieldSpec kHour{"hour", 0, 23};
constexpr FieldSpec kDayOfMonth{"day-of-month", 1, 31};
constexpr FieldSpec kMonth{"month", 1, 12};
constexpr FieldSpec kDayOfWeek{"day-of-week", 0, 7};

constexpr std::array<std::string_view, 12> kMonthNames{"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                       "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<std::string_view, 7> kDayNames{"SUN", "MON", "TUE", "WED",
                                                    "THU", "FRI", "SAT"};

std::string Upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// One field of the input with where it starts (1-based), for error messages.
struct Token {
  std::string text;
  size_t position;
};

class FieldParser {
 public:
  FieldParser(const FieldSpec& spec, const Token& token) : spec_(spec), token_(token) {}

  tl::unexpected<Error> Fail(size_t offset, const std::string& what) const {
    return InvalidArgument(
        fmt::format("{} field at position {}: {}", spec_.name, token_.position + offset, what));
  }

  // A number or (for months and weekdays) a name.
  Result<int> Value(std::string_view text, size_t offset) const {
    if (text.empty()) return Fail(offset, "expected a number");
    const std::string upper = Upper(text);
    if (&spec_ == &kMonth) {
      for (size_t idx = 0; idx < kMonthNames.size(); ++idx) {
        if (upper == kMonthNames[idx]) return static_cast<int>(idx) + 1;
      }
    }
    if (&spec_ == &kDayOfWeek) {
      for (size_t idx = 0; idx < kDayNames.size(); ++idx) {
        if (upper == kDayNames[idx]) return static_cast<int>(idx);
      }
    }
    int value = 0;
    for (char c : text) {
      if (c < '0' || c > '9') {
        return Fail(offset, fmt::format("'{}' is not a number{}", text,
                                        &spec_ == &kMonth       ? " or month name (JAN-DEC)"
                                        : &spec_ == &kDayOfWeek ? " or day name (SUN-SAT)"
                                                                : ""));
      }
      value = value * 10 + (c - '0');
      if (value > 1000) break;
    }
    if (value < spec_.min || value > spec_.max) {
      return Fail(offset, fmt::format("{} is out of range {}-{}", text, spec_.min, spec_.max));
    }
    return value;
  }

  // `*`, `a`, `a-b`, each optionally followed by `/step`; sets bits in `mask`.
  Status Range(std::string_view item, size_t offset, uint64_t& mask) const {
    std::string_view range = item;
    int step = 1;
    const size_t slash = item.find('/');
    if (slash != std::string_view::npos) {
      range = item.substr(0, slash);
      const std::string_view step_text = item.substr(slash + 1);
      int value = 0;
      if (step_text.empty() || step_text.size() > 4 ||
          !std::all_of(step_text.begin(), step_text.end(),
                       [](unsigned char c) { return std::isdigit(c) != 0; })) {
        return Fail(offset + slash + 1, "expected a step number after '/'");
      }
      value = std::stoi(std::string(step_text));
      if (value < 1 || value > spec_.max - spec_.min + 1) {
        return Fail(offset + slash + 1,
                    fmt::format("step {} is out of range 1-{}", value, spec_.max - spec_.min + 1));
      }
      step = value;
    }
    int low = spec_.min, high = spec_.max;
    if (range == "*") {
      // the whole range
    } else {
      const size_t dash = range.find('-');
      CRONIUM_ASSIGN_OR_RETURN(low, Value(range.substr(0, dash), offset));
      if (dash != std::string_view::npos) {
        CRONIUM_ASSIGN_OR_RETURN(high, Value(range.substr(dash + 1), offset + dash + 1));
        if (high < low) {
          return Fail(offset, fmt::format("range {} runs backwards (start after end)", range));
        }
      } else if (slash == std::string_view::npos) {
        high = low;  // a single value
      }
      // `a/s` means from a to the end of the range.
    }
    for (int value = low; value <= high; value += step) mask |= uint64_t{1} << value;
    return OkStatus();
  }

  Result<uint64_t> Plain() const {
    uint64_t mask = 0;
    size_t offset = 0;
    for (const auto& item : Items()) {
      if (item.empty()) return Fail(offset, "empty list item");
      CRONIUM_RETURN_IF_ERROR(Range(item, offset, mask));
      offset += item.size() + 1;
    }
    return mask;
  }

  std::vector<std::string_view> Items() const {
    std::vector<std::string_view> items;
    std::string_view rest = token_.text;
    for (;;) {
      const size_t comma = rest.find(',');
      items.push_back(rest.substr(0, comma));
      if (comma == std::string_view::npos) break;
      rest = rest.substr(comma + 1);
    }
    return items;
  }

 private:
  const FieldSpec& spec_;
  const Token& token_;
};

Result<std::vector<Token>> Tokenize(std::string_view text) {
  std::vector<Token> tokens;
  size_t pos = 0;
  while (pos < text.size()) {
    if (std::isspace(static_cast<unsigned char>(text[pos]))) {
      ++pos;
      continue;
    }
    const size_t start = pos;
    while (pos < text.size() && !std::isspace(static_cast<unsigned char>(text[pos]))) ++pos;
    tokens.push_back({std::string(text.substr(start, pos - start)), start + 1});
  }
  return tokens;
}

unsigned DaysIn(int year, unsigned month) {
  return static_cast<unsigned>(
      (date::year_month_day_last{date::year{year}, date::month_day_last{date::month{month}}})
          .day());
}

int Weekday(int year, unsigned month, unsigned day) {
  return static_cast<int>(
      date::weekday{date::sys_days{date::year{year} / date::month{month} / date::day{day}}}
          .c_encoding());
}

std::optional<unsigned> NearestWeekday(int year, unsigned month, int target) {
  const unsigned last = DaysIn(year, month);
  if (target < 1 || static_cast<unsigned>(target) > last) return std::nullopt;
  unsigned day = static_cast<unsigned>(target);
  const int wd = Weekday(year, month, day);
  if (wd == 6)
    day = day > 1 ? day - 1 : day + 2;  // Saturday
  else if (wd == 0)
    day = day < last ? day + 1 : day - 2;  // Sunday
  return day;
}

// Smallest set bit greater than `after` (-1 for "from the start"), or -1 if none.
int NextBit(uint64_t mask, int after, int max) {
  for (int bit = after + 1; bit <= max; ++bit) {
    if (mask & (uint64_t{1} << bit)) return bit;
  }
  return -1;
}

int PrevBit(uint64_t mask, int before, int min) {
  for (int bit = before - 1; bit >= min; --bit) {
    if (mask & (uint64_t{1} << bit)) return bit;
  }
  return -1;
}

struct Civil {
  int64_t day_index;  // days since 1970-01-01
  int64_t day_start;  // seconds
  int year;
  unsigned month;
  unsigned day;
  int hour, minute, second;
};

Civil Split(int64_t t) {
  Civil c;
  c.day_index = t >= 0 ? t / kDay : -((-t + kDay - 1) / kDay);
  c.day_start = c.day_index * kDay;
  const int64_t secs = t - c.day_start;
  const date::year_month_day ymd{date::sys_days{date::days{c.day_index}}};
  c.year = static_cast<int>(ymd.year());
  c.month = static_cast<unsigned>(ymd.month());
  c.day = static_cast<unsigned>(ymd.day());
  c.hour = static_cast<int>(secs / 3600);
  c.minute = static_cast<int>(secs / 60 % 60);
  c.second = static_cast<int>(secs % 60);
  return c;
}

// An hour field that follows the clock: every comma item is `*` or a step of at most 2 hours
// (`*/2`, `8-18/2`). What DstGapPolicy::kAuto and DstOverlapPolicy::kAuto look at.
bool FollowsClock(std::string_view field) {
  for (;;) {
    const size_t comma = field.find(',');
    const std::string_view item = field.substr(0, comma);
    const size_t slash = item.find('/');
    int step = 0;  // parsed again, and checked, by FieldParser
    if (slash != std::string_view::npos) {
      for (char c : item.substr(slash + 1)) {
        if (c < '0' || c > '9' || step > 2) return false;
        step = step * 10 + (c - '0');
      }
    }
    if (item != "*" && (step < 1 || step > 2)) return false;
    if (comma == std::string_view::npos) return true;
    field = field.substr(comma + 1);
  }
}

int64_t DayStart(int year, unsigned month, unsigned day) {
  return date::sys_days{date::year{year} / date::month{month} / date::day{day}}
             .time_since_epoch()
             .count() *
         kDay;
}

// "1st", "2nd", "3rd", "4th", "11th", "21st".
std::string Ordinal(int n) {
  const int tens = n % 100;
  const char* suffix = tens >= 11 && tens <= 13 ? "th"
                       : n % 10 == 1            ? "st"
                       : n % 10 == 2            ? "nd"
                       : n % 10 == 3            ? "rd"
                                                : "th";
  return fmt::format("{}{}", n, suffix);
}

// "a", "a and b", "a, b and c".
std::string JoinAnd(const std::vector<std::string>& parts) {
  std::string out;
  for (size_t idx = 0; idx < parts.size(); ++idx) {
    if (idx > 0) out += idx + 1 == parts.size() ? " and " : ", ";
    out += parts[idx];
  }
  return out;
}

constexpr std::array<std::string_view, 7> kFullDayNames{
    "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};

// A set of weekdays (bits 0..6, Sunday 0) in words, Monday first: "every Monday to Friday",
// "every Monday, Wednesday and Friday"; runs of three or more days become ranges.
std::string DescribeWeekdays(uint64_t mask) {
  if ((mask & 0x7f) == 0x7f) return "every day of the week";
  constexpr std::array<int, 7> kOrder{1, 2, 3, 4, 5, 6, 0};
  auto has = [&](size_t idx) { return (mask & (uint64_t{1} << kOrder[idx])) != 0; };
  std::vector<std::string> parts;
  for (size_t idx = 0; idx < kOrder.size();) {
    if (!has(idx)) {
      ++idx;
      continue;
    }
    size_t end = idx;
    while (end + 1 < kOrder.size() && has(end + 1)) ++end;
    if (end - idx >= 2) {
      parts.push_back(
          fmt::format("{} to {}", kFullDayNames[kOrder[idx]], kFullDayNames[kOrder[end]]));
    } else {
      for (size_t day = idx; day <= end; ++day) parts.emplace_back(kFullDayNames[kOrder[day]]);
    }
    idx = end + 1;
  }
  return "every " + JoinAnd(parts);
}

// A day-of-month field (already parsed, so valid) in words: "the 1st to 7th of the month",
// "every 2nd day of the month from the 1st", "the last weekday of the month".
std::string DescribeDaysOfMonth(const Token& token) {
  const FieldParser field(kDayOfMonth, token);
  auto number = [&](std::string_view text) { return field.Value(text, 0).value_or(0); };
  std::vector<std::string> phrases;
  std::vector<std::string> dates;  // plain days and ranges, said together: "the 1st and 15th"
  size_t dates_at = 0;             // where that phrase goes among the others
  for (std::string_view item : field.Items()) {
    const std::string upper = Upper(item);
    if (upper == "*" || upper == "?") {
      phrases.emplace_back("every day of the month");
    } else if (upper == "L") {
      phrases.emplace_back("the last day of the month");
    } else if (upper == "LW") {
      phrases.emplace_back("the last weekday of the month");
    } else if (upper.rfind("L-", 0) == 0) {
      const int back = number(item.substr(2));
      phrases.push_back(
          back == 1 ? std::string("the day before the last day of the month")
                    : fmt::format("the {} day before the last day of the month", Ordinal(back)));
    } else if (upper.back() == 'W') {
      phrases.push_back(fmt::format("the weekday nearest the {} of the month",
                                    Ordinal(number(item.substr(0, item.size() - 1)))));
    } else {
      const size_t slash = item.find('/');
      const std::string_view range = item.substr(0, slash);
      const size_t dash = range.find('-');
      const int step = slash == std::string_view::npos ? 1 : number(item.substr(slash + 1));
      const int low = range == "*" ? 1 : number(range.substr(0, dash));
      int high = dash != std::string_view::npos ? number(range.substr(dash + 1)) : low;
      if (range == "*" || (dash == std::string_view::npos && slash != std::string_view::npos)) {
        high = 31;  // `*/s` and `a/s` run to the end of the month
      }
      if (step == 1 && range != "*") {
        if (dates.empty()) dates_at = phrases.size();
        dates.push_back(low == high ? Ordinal(low) : Ordinal(low) + " to " + Ordinal(high));
      } else if (step == 1) {
        phrases.emplace_back("every day of the month");
      } else {
        phrases.push_back(fmt::format("every {} day of the month from the {}{}", Ordinal(step),
                                      Ordinal(low), high == 31 ? "" : " to the " + Ordinal(high)));
      }
    }
  }
  if (!dates.empty()) {
    phrases.insert(phrases.begin() + static_cast<std::ptrdiff_t>(dates_at),
                   "the " + JoinAnd(dates) + " of the month");
  }
  return JoinAnd(phrases);
}

// A day-of-week field (already parsed, so valid) in words: "every Monday to Friday", "the
// last Friday of the month", "the 2nd Tuesday of the month".
std::string DescribeDaysOfWeek(const Token& token) {
  const FieldParser field(kDayOfWeek, token);
  auto number = [&](std::string_view text) { return field.Value(text, 0).value_or(0) % 7; };
  std::vector<std::string> phrases;
  uint64_t days = 0;   // plain days, ranges and steps, said together
  size_t days_at = 0;  // where that phrase goes among the others
  for (std::string_view item : field.Items()) {
    const std::string upper = Upper(item);
    if (upper.size() > 1 && upper.back() == 'L') {
      phrases.push_back(fmt::format("the last {} of the month",
                                    kFullDayNames[number(item.substr(0, item.size() - 1))]));
    } else if (const size_t hash = upper.find('#'); hash != std::string::npos) {
      phrases.push_back(fmt::format("the {} {} of the month", Ordinal(item[hash + 1] - '0'),
                                    kFullDayNames[number(item.substr(0, hash))]));
    } else {
      uint64_t mask = 0;
      if (upper == "?") {
        mask = 0x7f;
      } else if (!field.Range(item, 0, mask)) {
        continue;
      }
      if (mask & (uint64_t{1} << 7)) mask |= 1;  // 7 is Sunday too
      if (days == 0) days_at = phrases.size();
      days |= mask & 0x7f;
    }
  }
  if (days != 0) {
    phrases.insert(phrases.begin() + static_cast<std::ptrdiff_t>(days_at), DescribeWeekdays(days));
  }
  return JoinAnd(phrases);
}

}  // namespace

Result<CronExpression> CronExpression::Parse(std::string_view input, DayMatch day_match) {
  CronExpression expr;
  expr.text_ = std::string(input);
  expr.day_match_ = day_match;
  CRONIUM_ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(input));
  if (tokens.size() == 1 && !tokens[0].text.empty() && tokens[0].text[0] == '@') {
    const std::string macro = Upper(tokens[0].text);
    std::string_view expansion;
    if (macro == "@YEARLY" || macro == "@ANNUALLY")
      expansion = "0 0 1 1 *";
    else if (macro == "@MONTHLY")
      expansion = "0 0 1 * *";
    else if (macro == "@WEEKLY")
      expansion = "0 0 * * 0";
    else if (macro == "@DAILY" || macro == "@MIDNIGHT")
      expansion = "0 0 * * *";
    else if (macro == "@HOURLY")
      expansion = "0 * * * *";
    else {
      return InvalidArgument(fmt::format(
          "'{}' is not a known macro (use @yearly, @annually, @monthly, @weekly, @daily, "
          "@midnight or @hourly)",
          tokens[0].text));
    }
    auto parsed = Parse(expansion, day_match);
    if (parsed) parsed->text_ = std::string(input);
    return parsed;
  }
  if (tokens.size() != 5 && tokens.size() != 6) {
    return InvalidArgument(fmt::format(
        "a cron expression has 5 fields (minute hour day-of-month month day-of-week) or 6 "
        "(with seconds first); got {}",
        tokens.size()));
  }
  expr.has_seconds_ = tokens.size() == 6;
  size_t idx = 0;
  if (expr.has_seconds_) {
    CRONIUM_ASSIGN_OR_RETURN(expr.seconds_, FieldParser(kSecond, tokens[idx++]).Plain());
  } else {
    expr.seconds_ = 1;  // second 0
  }
  CRONIUM_ASSIGN_OR_RETURN(expr.minutes_, FieldParser(kMinute, tokens[idx++]).Plain());
  expr.hours_follow_clock_ = FollowsClock(tokens[idx].text);
  CRONIUM_ASSIGN_OR_RETURN(expr.hours_, FieldParser(kHour, tokens[idx++]).Plain());

  // Day of month.
  {
    const Token& token = tokens[idx++];
    FieldParser field(kDayOfMonth, token);
    DayRules& d = expr.days_;
    d.dom_star = token.text == "?" || token.text[0] == '*';
    d.dom_any = token.text == "?" || token.text == "*";
    size_t offset = 0;
    for (std::string_view item : field.Items()) {
      const std::string upper = Upper(item);
      if (item.empty()) return field.Fail(offset, "empty list item");
      if (upper == "?") {
        d.dom = ~uint64_t{0};
      } else if (upper == "L") {
        d.last_day = true;
      } else if (upper == "LW") {
        d.last_weekday = true;
      } else if (upper.rfind("L-", 0) == 0) {
        CRONIUM_ASSIGN_OR_RETURN(int back, field.Value(item.substr(2), offset + 2));
        if (back > 30) return field.Fail(offset, "L-n takes n from 1 to 30");
        d.last_offsets.push_back(back);
      } else if (upper.size() > 1 && upper.back() == 'W') {
        CRONIUM_ASSIGN_OR_RETURN(int target, field.Value(item.substr(0, item.size() - 1), offset));
        d.nearest_weekday.push_back(target);
      } else {
        CRONIUM_RETURN_IF_ERROR(field.Range(item, offset, d.dom));
      }
      offset += item.size() + 1;
    }
  }
  CRONIUM_ASSIGN_OR_RETURN(expr.months_, FieldParser(kMonth, tokens[idx++]).Plain());

  // Day of week.
  {
    const Token& token = tokens[idx++];
    FieldParser field(kDayOfWeek, token);
    DayRules& d = expr.days_;
    d.dow_star = token.text == "?" || token.text[0] == '*';
    d.dow_any = token.text == "?" || token.text == "*";
    size_t offset = 0;
    for (std::string_view item : field.Items()) {
      const std::string upper = Upper(item);
      if (item.empty()) return field.Fail(offset, "empty list item");
      if (upper == "?") {
        d.dow = 0x7f;
      } else if (upper.size() > 1 && upper.back() == 'L') {
        CRONIUM_ASSIGN_OR_RETURN(int wd, field.Value(item.substr(0, item.size() - 1), offset));
        d.last_dow.push_back(wd % 7);
      } else if (const size_t hash = upper.find('#'); hash != std::string::npos) {
        CRONIUM_ASSIGN_OR_RETURN(int wd, field.Value(item.substr(0, hash), offset));
        const std::string_view nth = item.substr(hash + 1);
        if (nth.size() != 1 || nth[0] < '1' || nth[0] > '5') {
          return field.Fail(offset + hash + 1, "expected 1 to 5 after '#'");
        }
        d.nth_dow.emplace_back(wd % 7, nth[0] - '0');
      } else {
        uint64_t mask = 0;
        CRONIUM_RETURN_IF_ERROR(field.Range(item, offset, mask));
        if (mask & (uint64_t{1} << 7)) mask |= 1;  // 7 is Sunday too
        d.dow |= mask & 0x7f;
      }
      offset += item.size() + 1;
    }
  }
  return expr;
}

bool CronExpression::DayMatches(int year, unsigned month, unsigned day) const {
  const DayRules& d = days_;
  const unsigned last = DaysIn(year, month);
  bool dom = (d.dom & (uint64_t{1} << day)) != 0 || (d.last_day && day == last);
  for (int back : d.last_offsets)
    dom = dom || static_cast<int>(day) == static_cast<int>(last) - back;
  for (int target : d.nearest_weekday) dom = dom || NearestWeekday(year, month, target) == day;
  if (d.last_weekday && !dom) {
    unsigned lw = last;
    const int wd = Weekday(year, month, last);
    if (wd == 6) lw = last - 1;
    if (wd == 0) lw = last - 2;
    dom = day == lw;
  }
  const int wd = Weekday(year, month, day);
  bool dow = (d.dow & (uint64_t{1} << wd)) != 0;
  for (int want : d.last_dow) dow = dow || (want == wd && day + 7 > last);
  for (const auto& [want, nth] : d.nth_dow) {
    dow = dow || (want == wd && static_cast<int>((day - 1) / 7 + 1) == nth);
  }
  switch (day_match_) {
    case DayMatch::kAnd:
      return dom && dow;
    case DayMatch::kVixie:
      return d.dom_star || d.dow_star ? dom && dow : dom || dow;
    case DayMatch::kOr:
      break;
  }
  return d.dom_any || d.dow_any ? dom && dow : dom || dow;
}

DstGapPolicy CronExpression::Resolve(DstGapPolicy gap) const {
  if (gap != DstGapPolicy::kAuto) return gap;
  return hours_follow_clock_ ? DstGapPolicy::kSkip : DstGapPolicy::kShift;
}

DstOverlapPolicy CronExpression::Resolve(DstOverlapPolicy overlap) const {
  if (overlap != DstOverlapPolicy::kAuto) return overlap;
  return hours_follow_clock_ ? DstOverlapPolicy::kTwice : DstOverlapPolicy::kOnce;
}

std::vector<std::string> CronExpression::Warnings() const {
  if (day_match_ != DayMatch::kOr || days_.dom_any || days_.dow_any) return {};
  // Both day fields are restricted, so this is no macro: five or six fields, the day fields
  // third and first from the end.
  auto tokens = Tokenize(text_);
  if (!tokens || tokens->size() < 5) return {};
  return {fmt::format(
      "runs on {} and on {} (dayMatch OR); set dayMatch to AND for days that match both",
      DescribeDaysOfMonth((*tokens)[tokens->size() - 3]), DescribeDaysOfWeek(tokens->back()))};
}

bool CronExpression::Matches(LocalSeconds t) const {
  const Civil c = Split(t.count());
  return (months_ & (uint64_t{1} << c.month)) && DayMatches(c.year, c.month, c.day) &&
         (hours_ & (uint64_t{1} << c.hour)) && (minutes_ & (uint64_t{1} << c.minute)) &&
         (seconds_ & (uint64_t{1} << c.second));
}

std::optional<LocalSeconds> CronExpression::NextLocal(LocalSeconds after) const {
  int64_t t = after.count() + 1;
  const int limit = Split(t).year + kSearchYears;
  for (;;) {
    const Civil c = Split(t);
    if (c.year > limit) return std::nullopt;
    if (!(months_ & (uint64_t{1} << c.month))) {
      t = c.month == 12 ? DayStart(c.year + 1, 1, 1) : DayStart(c.year, c.month + 1, 1);
      continue;
    }
    if (!DayMatches(c.year, c.month, c.day)) {
      t = c.day_start + kDay;
      continue;
    }
    if (!(hours_ & (uint64_t{1} << c.hour))) {
      const int hour = NextBit(hours_, c.hour, 23);
      t = hour < 0 ? c.day_start + kDay : c.day_start + hour * 3600;
      continue;
    }
    if (!(minutes_ & (uint64_t{1} << c.minute))) {
      const int minute = NextBit(minutes_, c.minute, 59);
      t = c.day_start + c.hour * 3600 + (minute < 0 ? 3600 : minute * 60);
      continue;
    }
    if (!(seconds_ & (uint64_t{1} << c.second))) {
      const int second = NextBit(seconds_, c.second, 59);
      t = c.day_start + c.hour * 3600 + c.minute * 60 + (second < 0 ? 60 : second);
      continue;
    }
    return LocalSeconds(t);
  }
}

std::optional<LocalSeconds> CronExpression::PrevLocal(LocalSeconds before) const {
  int64_t t = before.count() - 1;
  const int limit = Split(t).year - kSearchYears;
  for (;;) {
    const Civil c = Split(t);
    if (c.year < limit) return std::nullopt;
    if (!(months_ & (uint64_t{1} << c.month))) {
      t = DayStart(c.year, c.month, 1) - 1;
      continue;
    }
    if (!DayMatches(c.year, c.month, c.day)) {
      t = c.day_start - 1;
      continue;
    }
    if (!(hours_ & (uint64_t{1} << c.hour))) {
      const int hour = PrevBit(hours_, c.hour, 0);
      t = hour < 0 ? c.day_start - 1 : c.day_start + hour * 3600 + 3599;
      continue;
    }
    if (!(minutes_ & (uint64_t{1} << c.minute))) {
      const int minute = PrevBit(minutes_, c.minute, 0);
      t = c.day_start + c.hour * 3600 + (minute < 0 ? -1 : minute * 60 + 59);
      continue;
    }
    if (!(seconds_ & (uint64_t{1} << c.second))) {
      const int second = PrevBit(seconds_, c.second, 0);
      t = c.day_start + c.hour * 3600 + c.minute * 60 + (second < 0 ? -1 : second);
      continue;
    }
    return LocalSeconds(t);
  }
}

std::optional<Occurrence> CronExpression::NextAfter(TimePoint after, const date::time_zone& zone,
                                                    DstGapPolicy gap,
                                                    DstOverlapPolicy overlap) const {
  using date::sys_seconds;
  gap = Resolve(gap);
  overlap = Resolve(overlap);
  // Walk the zone's segments of constant UTC offset; within one, wall time is monotonic.
  sys_seconds from = std::chrono::floor<seconds>(after) + seconds(1);
  Occurrence skipped;  // what SKIP left out on the way, reported with the result
  auto with_skipped = [&](Occurrence found) {
    found.skipped = skipped.skipped;
    found.skipped_first = skipped.skipped_first;
    found.skipped_at = skipped.skipped_at;
    return found;
  };
  for (int guard = 0; guard < 100'000; ++guard) {
    const date::sys_info info = zone.get_info(from);
    const int64_t offset = info.offset.count();
    const auto local = NextLocal(LocalSeconds(from.time_since_epoch().count() + offset - 1));
    if (!local) return std::nullopt;
    const sys_seconds instant{seconds(local->count() - offset)};
    if (instant < info.end) {
      // A wall time that the previous segment also showed is the second of two (fall back).
      const date::sys_info prev = zone.get_info(info.begin - seconds(1));
      const bool repeated =
          prev.offset.count() > offset && info.begin > prev.begin &&
          local->count() < info.begin.time_since_epoch().count() + prev.offset.count();
      if (repeated) {
        if (overlap == DstOverlapPolicy::kOnce) {
          from = instant + seconds(1);
          continue;
        }
        return with_skipped(Occurrence{instant, DstMark::kRepeated});
      }
      return with_skipped(Occurrence{instant, DstMark::kNone});
    }
    const date::sys_info next = zone.get_info(info.end);
    const int64_t gap_end_local = info.end.time_since_epoch().count() + next.offset.count();
    if (next.offset.count() > offset && local->count() < gap_end_local) {
      // The wall time falls in a spring-forward gap: it never happens.
      if (gap == DstGapPolicy::kShift) {
        const bool natural = Matches(LocalSeconds(gap_end_local));
        return with_skipped(Occurrence{info.end, natural ? DstMark::kNone : DstMark::kShifted});
      }
      // SKIP: count the wall-clock matches the gap swallows.
      if (skipped.skipped == 0) {
        skipped.skipped_first = *local;
        skipped.skipped_at = info.end;
      }
      for (std::optional<LocalSeconds> c = local;
           c && c->count() < gap_end_local && skipped.skipped < 100'000; c = NextLocal(*c)) {
        ++skipped.skipped;
      }
    }
    from = info.end;
  }
  return std::nullopt;
}

std::optional<Occurrence> CronExpression::PrevBefore(TimePoint before, const date::time_zone& zone,
                                                     DstGapPolicy gap,
                                                     DstOverlapPolicy overlap) const {
  using date::sys_seconds;
  gap = Resolve(gap);
  overlap = Resolve(overlap);
  // The latest whole second strictly before `before`.
  sys_seconds to = std::chrono::ceil<seconds>(before) - seconds(1);
  for (int guard = 0; guard < 100'000; ++guard) {
    const date::sys_info info = zone.get_info(to);
    const int64_t offset = info.offset.count();
    // A spring-forward gap just before this segment: its wall times happen (shifted) at the
    // segment's first instant, if the policy says so.
    const date::sys_info prev = zone.get_info(info.begin - seconds(1));
    const bool gap_before = info.begin > prev.begin && prev.offset.count() < offset;
    const int64_t begin_local = info.begin.time_since_epoch().count() + offset;
    const auto local = PrevLocal(LocalSeconds(to.time_since_epoch().count() + offset + 1));
    if (!local) return std::nullopt;
    const sys_seconds instant{seconds(local->count() - offset)};
    if (instant >= info.begin) {
      const bool repeated = prev.offset.count() > offset && info.begin > prev.begin &&
                            local->count() < begin_local - offset + prev.offset.count();
      if (repeated && overlap == DstOverlapPolicy::kOnce) {
        to = instant - seconds(1);
        continue;
      }
      return Occurrence{instant, repeated ? DstMark::kRepeated : DstMark::kNone};
    }
    if (gap_before && gap == DstGapPolicy::kShift) {
      // Does a wall time inside the gap [begin_local - (offset - prev offset), begin_local)
      // match? Then it ran at the gap's end.
      const int64_t gap_start_local = begin_local - (offset - prev.offset.count());
      auto in_gap = PrevLocal(LocalSeconds(begin_local));
      if (in_gap && in_gap->count() >= gap_start_local && info.begin <= to) {
        return Occurrence{info.begin, DstMark::kShifted};
      }
    }
    to = info.begin - seconds(1);
  }
  return std::nullopt;
}

Result<const date::time_zone*> LocateZone(std::string_view name) {
  if (name.empty() || name.size() > 64) return InvalidArgument("timezone: an IANA name");
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    return InvalidArgument(fmt::format(
        "timezone: '{}' is not a known IANA time zone (e.g. Europe/Berlin, UTC)", name));
  }
}

const date::time_zone& ServerZone() {
  try {
    return *date::current_zone();
  } catch (const std::exception&) {
    return *date::locate_zone("UTC");
  }
}

std::string FormatLocal(TimePoint instant, const date::time_zone& zone) {
  const auto secs = std::chrono::floor<seconds>(instant);
  const date::sys_info info = zone.get_info(secs);
  const int64_t local = secs.time_since_epoch().count() + info.offset.count();
  const int64_t offset_minutes = info.offset.count() / 60;
  return date::format("%FT%T", date::sys_seconds{seconds(local)}) +
         fmt::format("{}{:02}:{:02}", offset_minutes < 0 ? '-' : '+', std::abs(offset_minutes) / 60,
                     std::abs(offset_minutes) % 60);
}

}  // namespace cronium::scheduler
