#include "io/calendar_date.h"

#include <cstdio>

namespace latent {
namespace {

using Order = DateForm::Order;

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

/// A date's three parts as written, in the cell's order: their values and digit counts.
struct Parts {
  int64_t value[3];
  size_t digits[3];
  char mark;
};

/// The three runs of digits a cell writes between two equal marks (- / .), or nothing.
std::optional<Parts> split_parts(std::string_view field) {
  if (field.size() < 8 || field.size() > 10) return std::nullopt;
  Parts parts{};
  size_t at = 0;
  for (int part = 0; part < 3; ++part) {
    if (part > 0) {
      const char mark = field[at++];
      if ((mark != '-' && mark != '/' && mark != '.') || (part == 2 && mark != parts.mark)) return std::nullopt;
      parts.mark = mark;
    }
    while (at < field.size() && field[at] >= '0' && field[at] <= '9' && parts.digits[part] < 4) {
      parts.value[part] = parts.value[part] * 10 + (field[at++] - '0');
      ++parts.digits[part];
    }
    if (parts.digits[part] == 0) return std::nullopt;
  }
  if (at != field.size()) return std::nullopt;
  return parts;
}

}  // namespace

std::optional<DateForm> date_form_of(std::string_view field) {
  const auto parts = split_parts(field);
  if (!parts) return std::nullopt;
  DateForm form;
  form.mark = parts->mark;
  const size_t year = parts->digits[0] == 4 ? 0 : 2;
  if (parts->digits[year] != 4) return std::nullopt;
  for (size_t i = 0; i < 3; ++i)
    if (i != year && (parts->digits[i] > 2)) return std::nullopt;
  form.order = year == 0 ? Order::year_month_day : form.mark == '.' ? Order::day_month_year : Order::month_day_year;
  form.padded = parts->digits[year == 0 ? 1 : 0] == 2 && parts->digits[year == 0 ? 2 : 1] == 2;
  return form;
}

std::optional<int64_t> read_date(std::string_view field, const DateForm& form) {
  const auto parts = split_parts(field);
  if (!parts || parts->mark != form.mark) return std::nullopt;
  const size_t year = form.order == Order::year_month_day ? 0 : 2;
  const size_t month = form.order == Order::year_month_day ? 1 : form.order == Order::month_day_year ? 0 : 1;
  const size_t day = form.order == Order::year_month_day ? 2 : form.order == Order::month_day_year ? 1 : 0;
  if (parts->digits[year] != 4 || parts->digits[month] > 2 || parts->digits[day] > 2) return std::nullopt;
  const int64_t y = parts->value[year], m = parts->value[month], d = parts->value[day];
  if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) return std::nullopt;
  return days_from_civil(y, m, d);
}

std::string date_text(int64_t days, const DateForm& form) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t day_of_era = days - era * 146097;
  const int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t shifted_month = (5 * day_of_year + 2) / 153;  // 0: March
  const long long day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
  const long long month = shifted_month < 10 ? shifted_month + 3 : shifted_month - 9;
  const long long year = year_of_era + era * 400 + (month <= 2);
  const int width = form.padded ? 2 : 1;
  const char mark = form.mark;
  char text[96];  // any three 64-bit numbers fit
  if (form.order == Order::year_month_day)
    std::snprintf(text, sizeof text, "%04lld%c%0*lld%c%0*lld", year, mark, width, month, mark, width, day);
  else if (form.order == Order::month_day_year)
    std::snprintf(text, sizeof text, "%0*lld%c%0*lld%c%04lld", width, month, mark, width, day, mark, year);
  else std::snprintf(text, sizeof text, "%0*lld%c%0*lld%c%04lld", width, day, mark, width, month, mark, year);
  return text;
}

std::string date_pattern(const DateForm& form) {
  const std::string month = form.padded ? "MM" : "M", day = form.padded ? "DD" : "D", mark(1, form.mark);
  switch (form.order) {
    case Order::year_month_day:
      return "YYYY" + mark + month + mark + day;
    case Order::month_day_year:
      return month + mark + day + mark + "YYYY";
    case Order::day_month_year:
      return day + mark + month + mark + "YYYY";
  }
  return "";
}

std::optional<DateForm> date_form_named(std::string_view pattern) {
  for (const Order order : {Order::year_month_day, Order::month_day_year, Order::day_month_year})
    for (const char mark : {'-', '/', '.'})
      for (const bool padded : {true, false})
        if (const DateForm form{order, mark, padded}; date_pattern(form) == pattern) return form;
  return std::nullopt;
}

}  // namespace latent
