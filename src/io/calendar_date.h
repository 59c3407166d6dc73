#pragma once
// Calendar dates as a table writes them (ISO 8601: 2024-03-05, or 2024/03/05) and as a model
// reads them: whole days since 1970-01-01, exact in a float for any four-digit year.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace latent {

/// A date a cell writes as year, month and day in that order, four digits of year and one or two of
/// month and day, each part between one mark ('-' or '/'): its days since 1970-01-01 and the
/// mark. Nothing when the cell is not such a date, or names a day no calendar has (2023-02-29).
struct CalendarDate {
  int64_t days;
  char mark;
};
std::optional<CalendarDate> read_calendar_date(std::string_view field);

/// The day `days` after 1970-01-01 written as YYYY-MM-DD with `mark` between the parts.
std::string calendar_date_text(int64_t days, char mark);

}  // namespace latent
