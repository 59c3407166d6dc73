#pragma once
// Calendar dates as tables write them and as a model reads them: whole days since 1970-01-01,
// exact in a float for any four-digit year. A date writes its year as four digits, first
// (2024-03-05, 2024/3/5) or last (05.03.2024 day first; 3/5/2024 month first, as spreadsheets in
// the US write it, unless a day past 12 comes first in some cell of its column: 13/05/2024).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "latent/io/raw_data.h"

namespace latent {

/// The form a cell writes a date in, as its shape tells (a year last, between slashes or dashes,
/// reads month first), or nothing when it is not a date of these forms.
std::optional<DateForm> date_form_of(std::string_view field);

/// The days since 1970-01-01 of the date a cell writes in `form` (its order and mark; padded or
/// not), or nothing when it does not, or names a day no calendar has (2023-02-29).
std::optional<int64_t> read_date(std::string_view field, const DateForm& form);

/// The day `days` after 1970-01-01 written in `form`.
std::string date_text(int64_t days, const DateForm& form);

/// "YYYY-MM-DD", "M/D/YYYY", "DD.MM.YYYY": how a model file names a form; nothing for a name
/// that is not one.
std::string date_pattern(const DateForm& form);
std::optional<DateForm> date_form_named(std::string_view pattern);

}  // namespace latent
