#include "io/calendar_date.h"

#include <cstdio>

namespace latent {
namespace {

// Days from civil and back: Howard Hinnant's algorithms for the proleptic Gregorian calendar,
// counting in eras of 400 years from 0000-03-01, so that a leap day ends each year.
int64_t days_from_civil(int64_t year, int64_t month, int64_t day) {
  year -= month <= 2;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;
  const int64_t day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

bool leap(int64_t year) { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0); }

int64_t days_in_month(int64_t year, int64_t month) {
  constexpr int64_t kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && leap(year) ? 29 : kDays[month - 1];
}

/// The number the digits at `at` (at least `least`, at most `most` of them) write; advances `at`.
std::optional<int64_t> read_digits(std::string_view text, size_t& at, size_t least, size_t most) {
  int64_t value = 0;
  size_t count = 0;
  while (at < text.size() && count < most && text[at] >= '0' && text[at] <= '9') {
    value = value * 10 + (text[at++] - '0');
    ++count;
  }
  if (count < least) return std::nullopt;
  return value;
}

}  // namespace

std::optional<CalendarDate> read_calendar_date(std::string_view field) {
  if (field.size() < 8 || field.size() > 10 || (field[4] != '-' && field[4] != '/')) return std::nullopt;
  const char mark = field[4];
  size_t at = 0;
  const auto year = read_digits(field, at, 4, 4);
  if (!year || at != 4) return std::nullopt;
  ++at;
  const auto month = read_digits(field, at, 1, 2);
  if (!month || at >= field.size() || field[at] != mark) return std::nullopt;
  ++at;
  const auto day = read_digits(field, at, 1, 2);
  if (!day || at != field.size() || *month < 1 || *month > 12 || *day < 1 || *day > days_in_month(*year, *month))
    return std::nullopt;
  return CalendarDate{days_from_civil(*year, *month, *day), mark};
}

std::string calendar_date_text(int64_t days, char mark) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t day_of_era = days - era * 146097;
  const int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t shifted_month = (5 * day_of_year + 2) / 153;  // 0: March
  const int64_t day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
  const int64_t month = shifted_month < 10 ? shifted_month + 3 : shifted_month - 9;
  const int64_t year = year_of_era + era * 400 + (month <= 2);
  char text[72];  // any three 64-bit numbers fit
  std::snprintf(text, sizeof text, "%04lld%c%02lld%c%02lld", static_cast<long long>(year), mark,
                static_cast<long long>(month), mark, static_cast<long long>(day));
  return text;
}

}  // namespace latent
