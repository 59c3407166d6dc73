// IDX, CSV and data-source readers on real MNIST files and on crafted bad ones.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>

#include "expect_error.h"
#include "latent/base/atomic_file.h"
#include "latent/base/error.h"
#include "latent/io/data_source.h"
#include "latent/io/image_grid.h"
#include "latent/io/raw_data.h"
#include "scratch_path.h"

namespace latent {
namespace {

using testing::expect_error;
using testing::scratch_path;

void write_text(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

std::string idx_bytes(std::vector<uint32_t> dims, size_t data_bytes) {
  std::string s = {0, 0, 8, static_cast<char>(dims.size())};
  for (uint32_t d : dims)
    for (int shift = 24; shift >= 0; shift -= 8) s.push_back(static_cast<char>((d >> shift) & 0xff));
  for (size_t i = 0; i < data_bytes; ++i) s.push_back(static_cast<char>(i % 251));
  return s;
}

TEST(Idx, ReadsMnistTestSplit) {
  RawData raw = load_raw("mnist", "test");
  ASSERT_EQ(raw.count(), 10000);
  EXPECT_EQ(raw.sample_shape, (std::vector<int64_t>{1, 28, 28}));
  ASSERT_EQ(raw.labels.size(), 10000u);
  EXPECT_EQ(raw.labels[0], 7);  // the first MNIST test digit is a 7
  EXPECT_EQ(*std::max_element(raw.values.begin(), raw.values.end()), 255.0f);
  RawData limited = load_raw("mnist", "train", 100);
  EXPECT_EQ(limited.count(), 100);
  EXPECT_EQ(limited.labels.size(), 100u);
}

TEST(Idx, ReadsGzipLikeRaw) {
  std::string raw_path = scratch_path("a.idx"), gz_path = scratch_path("a.idx.gz");
  std::string bytes = idx_bytes({3, 2, 2}, 12);
  write_text(raw_path, bytes);
  gzFile gz = gzopen(gz_path.c_str(), "wb");
  gzwrite(gz, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(gz);
  IdxArray a = read_idx(raw_path), b = read_idx(gz_path);
  EXPECT_EQ(a.dims, (std::vector<int64_t>{3, 2, 2}));
  EXPECT_EQ(a.data, b.data);
  // A .gz cut in half is refused, not read short.
  std::string gz_bytes;
  {
    std::ifstream in(gz_path, std::ios::binary);
    gz_bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  write_text(gz_path, gz_bytes.substr(0, gz_bytes.size() / 2));
  expect_error([&] { read_idx(gz_path); }, "gzip");
  std::remove(raw_path.c_str());
  std::remove(gz_path.c_str());
}

TEST(Idx, RejectsTruncatedWrongMagicAndHugeClaims) {
  auto parse = [](const std::string& s) { return parse_idx(std::vector<unsigned char>(s.begin(), s.end()), "x.idx"); };
  expect_error([&] { parse(idx_bytes({3, 2, 2}, 11)); }, "truncated");
  expect_error([&] { parse(idx_bytes({3, 2, 2}, 13)); }, "promises 12 bytes");
  std::string bad_magic = idx_bytes({3}, 3);
  bad_magic[0] = 1;
  expect_error([&] { parse(bad_magic); }, "bad magic");
  std::string floats = idx_bytes({3}, 3);
  floats[2] = 0x0D;
  expect_error([&] { parse(floats); }, "not supported");
  expect_error([&] { parse(idx_bytes({1000000, 1000000, 1000}, 0)); }, "more elements");
  expect_error([&] { parse(std::string{0, 0, 8, 3, 0, 0}); }, "truncated IDX header");
}

TEST(Idx, LabelCountMustMatchImages) {
  std::string images = scratch_path("img.idx"), labels = scratch_path("lab.idx");
  write_text(images, idx_bytes({3, 2, 2}, 12));
  write_text(labels, idx_bytes({4}, 4));
  expect_error([&] { read_idx_pair(images, labels); }, "4 labels for 3 images");
  std::remove(images.c_str());
  std::remove(labels.c_str());
}

TEST(Csv, ParsesHeaderAndLabels) {
  CsvOptions options;
  options.label = "last";
  RawData raw = parse_csv("a,b,class\n1.5,2,0\n-3,4e2,1\n", "t.csv", options);
  EXPECT_EQ(raw.count(), 2);
  EXPECT_EQ(raw.sample_shape, (std::vector<int64_t>{2}));
  EXPECT_EQ(raw.values, (std::vector<float>{1.5f, 2.0f, -3.0f, 400.0f}));
  EXPECT_EQ(raw.labels, (std::vector<int64_t>{0, 1}));
  options.label = "none";
  RawData no_header = parse_csv("1,2\r\n3,4\r\n", "t.csv", options);
  EXPECT_EQ(no_header.count(), 2);
}

TEST(Csv, TakesTheLabelByHeaderName) {
  // The tool's own embed/encode output starts with a label column: by default it is the label.
  RawData codes = parse_csv("label,c0,c1\n3,0.5,1\n7,2,3\n", "codes.csv", CsvOptions{});
  EXPECT_EQ(codes.sample_shape, (std::vector<int64_t>{2}));
  EXPECT_EQ(codes.labels, (std::vector<int64_t>{3, 7}));
  EXPECT_EQ(codes.values, (std::vector<float>{0.5f, 1, 2, 3}));
  EXPECT_EQ(codes.label_column, "'label'");
  EXPECT_EQ(parse_csv("x,Target,y\n1,1,2\n", "t.csv", CsvOptions{}).labels, (std::vector<int64_t>{1}));
  RawData plain = parse_csv("x,y\n1,2\n", "t.csv", CsvOptions{});
  EXPECT_TRUE(plain.labels.empty());
  EXPECT_EQ(plain.features(), 2);
  EXPECT_EQ(plain.label_column, "");
  CsvOptions by_name;
  by_name.label = "y";
  RawData named = parse_csv("x,y,z\n1,2,3\n", "t.csv", by_name);
  EXPECT_EQ(named.labels, (std::vector<int64_t>{2}));
  EXPECT_EQ(named.values, (std::vector<float>{1, 3}));
  by_name.label = "none";
  EXPECT_EQ(parse_csv("label,c0\n3,0.5\n", "t.csv", by_name).features(), 2);
  by_name.label = "w";
  expect_error([&] { parse_csv("x,y\n1,2\n", "t.csv", by_name); }, "t.csv: label=w: no column has that name");
  expect_error([&] { parse_csv("1,2\n", "t.csv", by_name); }, "the file has no header row");
  expect_error([&] { parse_csv("class,label\n1,2\n", "t.csv", CsvOptions{}); }, "could both be the label");
}

TEST(Csv, ReportsFileAndLine) {
  CsvOptions options;
  expect_error([&] { parse_csv("x,y\n1,2\n3\n", "t.csv", options); }, "t.csv:3: 1 fields");
  options.columns.numbers = {"y"};
  expect_error([&] { parse_csv("x,y\n1,2\n3,abc\n", "t.csv", options); }, "t.csv:3: column 'y' is not a number: 'abc'");
  options.columns.numbers = {"z"};
  expect_error([&] { parse_csv("x,y\n1,2\n", "t.csv", options); }, "t.csv: no column named 'z' (the columns are x, y)");
  expect_error([&] { parse_csv("x,y\n1,2\n,NA\n", "t.csv", CsvOptions{}); },
               "t.csv:3: every value of the row is missing");
  options = CsvOptions{};
  options.label = "first";
  expect_error([&] { parse_csv("1.5,2\n", "t.csv", options); }, "not a non-negative integer");
  expect_error([&] { parse_csv("a,b\n", "t.csv", CsvOptions{}); }, "no data rows");
  options.columns.ignore = {"column 2"};
  expect_error([&] { parse_csv("1,2\n", "t.csv", options); }, "no feature columns");
}

TEST(Csv, ReadsWordsAndMissingCells) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  RawData raw =
      parse_csv("age,city,score\n30,paris,1.5\n,lyon,NA\n41,\"paris\",?\n27,nice,nan\n", "t.csv", CsvOptions{});
  EXPECT_EQ(raw.table.names, (std::vector<std::string>{"age", "city", "score"}));
  EXPECT_EQ(raw.table.is_words, (std::vector<bool>{false, true, false}));
  EXPECT_EQ(raw.table.words[1], (std::vector<std::string>{"paris", "lyon", "nice"}));
  const std::vector<float> want{30, 0, 1.5f, nan, 1, nan, 41, 0, nan, 27, 2, nan};
  ASSERT_EQ(raw.values.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_TRUE(std::isnan(want[i]) ? std::isnan(raw.values[i]) : raw.values[i] == want[i]) << i;
  // A column of numbers that turns to words later is words throughout, numbered in order of appearance.
  RawData zip = parse_csv("zip,n\n75001,1\n69002,2\nparis,3\n75001,4\n", "t.csv", CsvOptions{});
  EXPECT_TRUE(zip.table.is_words[0]);
  EXPECT_EQ(zip.table.words[0], (std::vector<std::string>{"75001", "69002", "paris"}));
  EXPECT_EQ(zip.values, (std::vector<float>{0, 1, 1, 2, 2, 3, 0, 4}));
  // The same words when the column is named as words from the start; ignored columns leave.
  CsvOptions options;
  options.columns.words = {"zip"};
  EXPECT_EQ(parse_csv("zip,n\n75001,1\n69002,2\nparis,3\n75001,4\n", "t.csv", options).values, zip.values);
  options.columns.ignore = {"n"};
  RawData left = parse_csv("zip,n\n75001,1\n", "t.csv", options);
  EXPECT_EQ(left.table.names, (std::vector<std::string>{"zip"}));
  // A header: a first row of words only, or one with a word above a number.
  EXPECT_EQ(parse_csv("x1,2\n5,6\n", "t.csv", CsvOptions{}).table.names, (std::vector<std::string>{"x1", "2"}));
  RawData rows = parse_csv("paris,3\nlyon,4\n", "t.csv", CsvOptions{});
  EXPECT_EQ(rows.count(), 2);
  EXPECT_EQ(rows.table.names, (std::vector<std::string>{"column 1", "column 2"}));
  CsvOptions no_header;
  no_header.header = "no";
  EXPECT_EQ(parse_csv("city,n\nparis,3\n", "t.csv", no_header).count(), 2);
  EXPECT_EQ(parse_csv("city,n\nparis,3\n", "t.csv", CsvOptions{}).count(), 1);
  // Quoted fields may hold commas.
  EXPECT_EQ(parse_csv("a,b\n\"x, y\",1\n", "t.csv", CsvOptions{}).table.words[0], (std::vector<std::string>{"x, y"}));
}

// What spreadsheets and other tools write: semicolons with decimal commas, tabs, bars, a byte
// order mark, CRLF, quoted fields across lines, quotes inside unquoted text.
TEST(Csv, ReadsTheDialectsSpreadsheetsWrite) {
  RawData semi = parse_csv("\xEF\xBB\xBFlabel;income;city\r\n1;1.234,5;\"Lyon; Rhone\"\r\n0;-2,25;Paris\r\n", "t.csv",
                           CsvOptions{});
  EXPECT_EQ(semi.label_column, "'label'");  // the mark does not hide the first column's name
  EXPECT_EQ(semi.labels, (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(semi.table.names, (std::vector<std::string>{"income", "city"}));
  EXPECT_EQ(semi.table.is_words, (std::vector<bool>{false, true}));
  EXPECT_EQ(semi.values, (std::vector<float>{1234.5f, 0, -2.25f, 1}));
  EXPECT_EQ(semi.table.words[1], (std::vector<std::string>{"Lyon; Rhone", "Paris"}));
  for (const char* text : {"a\tb\n1.5\t2\n3\t4\n", "a|b\n1.5|2\n3|4\n", "a,b\n1.5,2\n3,4\n"})
    EXPECT_EQ(parse_csv(text, "t.csv", CsvOptions{}).values, (std::vector<float>{1.5f, 2, 3, 4})) << text;
  // With commas between cells a decimal comma is not read: "1,5" quoted is a word.
  EXPECT_TRUE(parse_csv("a,b\n\"1,5\",2\n", "t.csv", CsvOptions{}).table.is_words[0]);
  CsvOptions comma;
  comma.separator = "comma";
  EXPECT_EQ(parse_csv("a;b\n1;2\n", "t.csv", comma).features(), 1);
  // A quoted field may hold line breaks: the record goes on, and later lines keep their numbers.
  RawData notes = parse_csv("id,note,x\n1,\"one\ntwo\",3\n2,5'11\",4\n", "t.csv", CsvOptions{});
  EXPECT_EQ(notes.count(), 2);
  EXPECT_EQ(notes.table.words[1], (std::vector<std::string>{"one\ntwo", "5'11\""}));
  expect_error([&] { parse_csv("id,x\n1,2\n2,\"3\n4\n", "t.csv", CsvOptions{}); },
               "t.csv:3: a quoted field opens on this line and is never closed");
  expect_error([&] { parse_csv("id,note,x\n1,\"a\nb\",3\n2,4\n", "t.csv", CsvOptions{}); }, "t.csv:4: 2 fields");
  comma.separator = "colon";
  expect_error([&] { parse_csv("a\n1\n", "t.csv", comma); },
               "csv sep=colon: expected auto, comma, semicolon, tab, bar or space");
  // Blanks separate cells only when nothing else does (a run of them is one break).
  RawData blanks = parse_csv("Chins  Situps Jumps\n 5 162\t60\n2 110 60\n", "t.txt", CsvOptions{});
  EXPECT_EQ(blanks.table.names, (std::vector<std::string>{"Chins", "Situps", "Jumps"}));
  EXPECT_EQ(blanks.values, (std::vector<float>{5, 162, 60, 2, 110, 60}));
  EXPECT_EQ(parse_csv("city,n\nNew York City,1\nLos Angeles,2\n", "t.csv", CsvOptions{}).table.names,
            (std::vector<std::string>{"city", "n"}));
}

// Numbers as spreadsheets show them: money, shares and grouped thousands are numbers (and the
// reading says how many cells were so written); infinities and spreadsheet errors are missing.
TEST(Csv, ReadsNumbersAsSpreadsheetsFormatThem) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  RawData raw = parse_csv(
      "price,share,count,debt\n\"$1,200.50\",45%,\"1,234,567\",(1200)\n-$3,0.5%,12,\"($1,000)\"\n"
      "\"\xE2\x82\xAC 7\",inf,#N/A,+5\n",
      "t.csv", CsvOptions{});
  EXPECT_EQ(raw.table.is_words, (std::vector<bool>{false, false, false, false}));
  const std::vector<float> want{1200.5f, 45, 1234567, -1200, -3, 0.5f, 12, -1000, 7, nan, nan, 5};
  ASSERT_EQ(raw.values.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_TRUE(std::isnan(want[i]) ? std::isnan(raw.values[i]) : raw.values[i] == want[i]) << i;
  ASSERT_EQ(raw.table.reading.size(), 4u);
  EXPECT_EQ(raw.table.reading[0].formatted, 3);
  EXPECT_EQ(raw.table.reading[0].example, "$1,200.50");
  EXPECT_EQ(raw.table.reading[1].formatted, 2);
  EXPECT_EQ(raw.table.reading[1].infinite, 1);
  EXPECT_EQ(raw.table.reading[2].formatted, 1);  // 12 is plain
  EXPECT_EQ(raw.table.reading[3].formatted, 2);  // +5 is plain
  // With a decimal comma, the dot and blanks group thousands: 1.234,5 €; 1 234 567; 12\u00A0%.
  RawData semi = parse_csv("a;b;c\n1.234,5 \xE2\x82\xAC;1 234 567;12\xC2\xA0%\n", "t.csv", CsvOptions{});
  EXPECT_EQ(semi.values, (std::vector<float>{1234.5f, 1234567, 12}));
  // Not numbers: groups not of three, two marks, a mark after the decimals, a date not ISO's, a lone sign.
  for (const char* cell :
       {"\"1,23\"", "\"12,345.6,7\"", "\"1,234 567\"", "5/1/24", "$", "%", "(x)", "1.2.3", "\"1,2345\"", "5$$"}) {
    const std::string text = std::string("a,b\n") + cell + ",1\n";
    EXPECT_TRUE(parse_csv(text, "t.csv", CsvOptions{}).table.is_words[0]) << cell;
  }
  // A column that turns to words keeps no count of the formatted numbers before.
  RawData mixed = parse_csv("a,b\n$5,1\nfive,2\n", "t.csv", CsvOptions{});
  EXPECT_TRUE(mixed.table.is_words[0]);
  EXPECT_EQ(mixed.table.reading[0].formatted, 0);
}

// Each column of numbers keeps the most decimals a cell wrote, which reconstructions are written
// at; an exponent or more than six decimals leaves the column to significant digits (-1).
TEST(Csv, KeepsTheDecimalsEachColumnWrites) {
  RawData raw = parse_csv("whole,money,exp,long,share\n3,\"$1,200.50\",1.5e3,0.1234567,45%\n-4,2.5,2,1,0.25%\n",
                          "t.csv", CsvOptions{});
  std::vector<int> decimals;
  for (const NumberReading& reading : raw.table.reading) decimals.push_back(reading.style.decimals);
  EXPECT_EQ(decimals, (std::vector<int>{0, 2, -1, -1, 2}));
  // A decimal comma; a lone point read as one; points that group thousands.
  RawData semi = parse_csv("a;b;c\n1,25;1.5;1.234.567\n2;3;4\n", "t.csv", CsvOptions{});
  decimals.clear();
  for (const NumberReading& reading : semi.table.reading) decimals.push_back(reading.style.decimals);
  EXPECT_EQ(decimals, (std::vector<int>{2, 1, 0}));
}

// A column keeps the currency and percent signs and the thousands mark its cells agree on.
TEST(Csv, KeepsTheSignsAndMarksEveryCellAgreesOn) {
  RawData raw =
      parse_csv("amount,units,mixed,share,cost\n\"$1,200.50\",\"1,702\",1702,45%,$3\n$3.00,622,\"1,000\",5%,4\n",
                "t.csv", CsvOptions{});
  ASSERT_EQ(raw.table.reading.size(), 5u);
  const auto style = [&](size_t f) { return raw.table.reading[f].style; };
  EXPECT_EQ(style(0).prefix, "$");
  EXPECT_EQ(style(0).group, ",");
  EXPECT_EQ(style(0).decimals, 2);
  EXPECT_EQ(style(1).group, ",");  // 622 has no thousands to group
  EXPECT_EQ(style(2).group, "");   // 1702 and 1,000 differ
  EXPECT_EQ(style(3).suffix, "%");
  EXPECT_EQ(style(4).prefix, "");  // $3 and 4 differ
  RawData semi = parse_csv("a;b\n1.234,5 \xE2\x82\xAC;1\n2 \xE2\x82\xAC;2\n", "t.csv", CsvOptions{});
  EXPECT_EQ(semi.table.reading[0].style.suffix, "\xE2\x82\xAC");
  EXPECT_EQ(semi.table.reading[0].style.group, ".");
  EXPECT_EQ(semi.table.reading[0].style.decimals, 1);
}

// A dash is a blank cell, as printed tables write one; so the column stays one of numbers.
TEST(Csv, ReadsADashAsABlankCell) {
  RawData raw =
      parse_csv("a,b,c\n1.5,x,1\n-,-,2\n--,y,3\n\xE2\x80\x93,\xE2\x80\x94,4\n-2,z,5\n", "t.csv", CsvOptions{});
  EXPECT_EQ(raw.table.is_words, (std::vector<bool>{false, true, false}));
  EXPECT_EQ(raw.table.words[1], (std::vector<std::string>{"x", "y", "z"}));
  for (size_t r : {1, 2, 3}) EXPECT_TRUE(std::isnan(raw.values[r * 3])) << r;
  EXPECT_TRUE(std::isnan(raw.values[1 * 3 + 1]) && std::isnan(raw.values[3 * 3 + 1]));
  EXPECT_EQ(raw.values[12], -2);
}

// ISO dates are numbers, days since 1970-01-01 (leap days, centuries and years before 1970
// included); a column mixing them with other numbers, or with days no calendar has, is words.
TEST(Csv, ReadsCalendarDatesAsDays) {
  RawData raw = parse_csv(
      "day,slashed,mixed,bad,n\n1970-01-01,2024/2/29,1970-01-02,2023-02-29,1\n2000-03-01,1999/12/31,5,2024-13-01,2\n"
      "1969-12-31,1900/3/1,NA,2024-01-01,3\n",
      "t.csv", CsvOptions{});
  EXPECT_EQ(raw.table.is_words, (std::vector<bool>{false, false, true, true, false}));
  const auto column = [&](size_t f) {
    std::vector<float> values;
    for (int64_t r = 0; r < raw.count(); ++r) values.push_back(raw.values[r * raw.features() + f]);
    return values;
  };
  EXPECT_EQ(column(0), (std::vector<float>{0, 11017, -1}));
  EXPECT_EQ(column(1), (std::vector<float>{19782, 10956, -25508}));
  using Order = DateForm::Order;
  EXPECT_EQ(raw.table.reading[0].style.date, (DateForm{Order::year_month_day, '-', true}));
  EXPECT_EQ(raw.table.reading[1].style.date, (DateForm{Order::year_month_day, '/', false}));
  EXPECT_FALSE(raw.table.reading[4].style.date);
  EXPECT_EQ(raw.table.reading[0].formatted, 0);
  // A label of dates names classes, as words.
  CsvOptions by_day;
  by_day.label = "day";
  EXPECT_EQ(parse_csv("day,n\n2024-01-02,1\n2024-01-01,2\n", "t.csv", by_day).label_names,
            (std::vector<std::string>{"2024-01-01", "2024-01-02"}));
}

// A year last: with dots day first; between slashes or dashes month first, unless some cell is a
// date only day first (13/01/2024), then every cell is read day first; neither order: words.
TEST(Csv, ReadsDatesWithTheYearLastInTheOrderEveryCellAllows) {
  RawData raw = parse_csv(
      "us,eu,dots,neither\n1/5/2024,05/01/2024,05.03.2024,13/01/2024\n12/31/2023,13/01/2024,1.1.1970,01/13/2024\n"
      "2/29/2024,29/02/2024,31.12.1969,01/01/2024\n",
      "t.csv", CsvOptions{});
  EXPECT_EQ(raw.table.is_words, (std::vector<bool>{false, false, false, true}));
  EXPECT_EQ(raw.values, (std::vector<float>{19727, 19727, 19787, 0, 19722, 19735, 0, 1, 19782, 19782, -1, 2}));
  using Order = DateForm::Order;
  EXPECT_EQ(raw.table.reading[0].style.date, (DateForm{Order::month_day_year, '/', false}));
  EXPECT_EQ(raw.table.reading[1].style.date, (DateForm{Order::day_month_year, '/', true}));
  EXPECT_EQ(raw.table.reading[2].style.date, (DateForm{Order::day_month_year, '.', false}));
  // Told the column holds numbers, dates in neither order are an error, not words.
  CsvOptions numbers;
  numbers.columns.numbers = {"neither"};
  expect_error([&] { parse_csv("neither\n13/01/2024\n01/13/2024\n", "t.csv", numbers); },
               "column 'neither' writes dates neither month nor day first");
}

// scikit-learn's tables open with "N,D,class names": a line to skip, whose names label the last
// column; with a header row after it, or for a measured target (no names), the file reads as usual.
TEST(Csv, ReadsScikitLearnsTables) {
  RawData iris = parse_csv("3,2,setosa,versicolor\n5.1,3.5,0\n4.9,3.0,1\n6.0,2.2,1\n", "iris.csv", CsvOptions{});
  EXPECT_EQ(iris.count(), 3);
  EXPECT_EQ(iris.table.names, (std::vector<std::string>{"column 1", "column 2"}));
  EXPECT_EQ(iris.label_column, "target");
  EXPECT_EQ(iris.labels, (std::vector<int64_t>{0, 1, 1}));
  EXPECT_EQ(iris.label_names, (std::vector<std::string>{"setosa", "versicolor"}));
  RawData boston = parse_csv("2,2,,\n\"CRIM\",\"ZN\",\"MEDV\"\n0.1,18,24\n0.2,0,21.6\n", "b.csv", CsvOptions{});
  EXPECT_EQ(boston.table.names, (std::vector<std::string>{"CRIM", "ZN", "MEDV"}));
  EXPECT_EQ(boston.count(), 2);
  EXPECT_TRUE(boston.labels.empty());
  // Not such a line: the first two cells do not count the rows and features that follow.
  EXPECT_EQ(parse_csv("4,2,a\n5.1,3.5,0\n4.9,3.0,1\n", "t.csv", CsvOptions{}).count(), 2);
  CsvOptions no_header;
  no_header.header = "no";
  EXPECT_EQ(parse_csv("2,2,a\n5.1,3.5,0\n4.9,3.0,1\n", "t.csv", no_header).count(), 3);
}

// A label column of words names classes, numbered in sorted order whatever order the rows have.
TEST(Csv, NumbersWordLabelsInSortedOrder) {
  RawData raw = parse_csv("x,species\n1,virginica\n2,setosa\n3,virginica\n4,2\n", "t.csv", [] {
    CsvOptions options;
    options.label = "species";
    return options;
  }());
  EXPECT_EQ(raw.label_names, (std::vector<std::string>{"2", "setosa", "virginica"}));
  EXPECT_EQ(raw.labels, (std::vector<int64_t>{2, 1, 2, 0}));
  RawData numbers = parse_csv("x,class\n1,3\n2,0\n", "t.csv", CsvOptions{});
  EXPECT_EQ(numbers.labels, (std::vector<int64_t>{3, 0}));
  EXPECT_TRUE(numbers.label_names.empty());
  expect_error([&] { parse_csv("x,target\n1,3\n2,0.5\n", "t.csv", CsvOptions{}); },
               "t.csv:3: label '0.5' is not a non-negative integer or a word");
  expect_error([&] { parse_csv("x,class\n1,a\n2,\n", "t.csv", CsvOptions{}); }, "t.csv:3: the row has no label");
}

// A second file of a data set that misses a class (or holds a new one) numbers its classes as the
// model's training file did, not anew.
TEST(Csv, NumbersAnotherFilesClassesAsTheModelsFile) {
  const RawData train = parse_csv("x,class\n1,cat\n2,dog\n3,fox\n", "train.csv", CsvOptions{});
  RawData test = parse_csv("x,class\n1,fox\n2,cat\n3,owl\n", "test.csv", CsvOptions{});
  EXPECT_EQ(test.labels, (std::vector<int64_t>{1, 0, 2}));  // numbered within the file
  test.number_classes_as(train.label_names);
  EXPECT_EQ(test.labels, (std::vector<int64_t>{2, 0, 3}));
  EXPECT_EQ(test.label_names, (std::vector<std::string>{"cat", "dog", "fox", "owl"}));
}

// A file is read through a mapping whose pages are handed back behind the parse (and read again
// by the second pass a column that turns to words late needs): the same cells as from memory,
// plain or gzip'd.
TEST(Csv, ReadsALongFileAsItsTextReadsInMemory) {
  std::string text = "id,zip,city,x\n";
  for (int i = 0; i < 30000; ++i)
    text += std::to_string(i) + "," + std::to_string(75000 + i % 97) + "," + (i % 3 ? "paris" : "lyon") + "," +
            (i % 11 ? std::to_string(i * 0.25) : "") + "\n";
  text += "30000,cedex,nice,1\n";  // zip turns to words on the last row
  const std::string path = scratch_path("long.csv"), gz_path = path + ".gz";
  write_text(path, text);
  gzFile gz = gzopen(gz_path.c_str(), "wb");
  gzwrite(gz, text.data(), static_cast<unsigned>(text.size()));
  gzclose(gz);
  const RawData want = parse_csv(text, path, CsvOptions{});
  EXPECT_EQ(want.table.is_words, (std::vector<bool>{false, true, true, false}));
  EXPECT_EQ(want.table.words[1].size(), 98u);
  for (const std::string& file : {path, gz_path}) {
    const RawData got = read_csv(file, CsvOptions{});
    EXPECT_EQ(got.table.words, want.table.words) << file;
    ASSERT_EQ(got.values.size(), want.values.size()) << file;
    size_t differing = 0;
    for (size_t i = 0; i < want.values.size(); ++i)
      differing += std::isnan(want.values[i]) ? !std::isnan(got.values[i]) : got.values[i] != want.values[i];
    EXPECT_EQ(differing, 0u) << file;
  }
  std::filesystem::remove(path);
  std::filesystem::remove(gz_path);
}

TEST(ImageDir, ReadsClassFoldersAndRefusesMixedSizes) {
  std::filesystem::path dir = scratch_path("images");
  for (const char* cls : {"cat", "dog"}) std::filesystem::create_directories(dir / cls);
  std::vector<unsigned char> pixels(6 * 4);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<unsigned char>(i * 10);
  write_file_atomic((dir / "cat" / "a.png").string(), encode_png(pixels, 6, 4));
  write_file_atomic((dir / "dog" / "b.png").string(), encode_png(pixels, 6, 4));
  RawData raw = load_raw("images:" + dir.string(), "train");
  EXPECT_EQ(raw.count(), 2);
  EXPECT_EQ(raw.sample_shape, (std::vector<int64_t>{1, 4, 6}));
  EXPECT_EQ(raw.labels, (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(raw.label_names, (std::vector<std::string>{"cat", "dog"}));
  EXPECT_EQ(raw.values[5], 50.0f);
  std::vector<unsigned char> other(5 * 5, 0);
  write_file_atomic((dir / "dog" / "c.png").string(), encode_png(other, 5, 5));
  expect_error([&] { load_raw("images:" + dir.string(), "train"); }, "5x5");
  write_text((dir / "dog" / "c.png").string(), "not a png");
  expect_error([&] { load_raw("images:" + dir.string(), "train"); }, "c.png");
  std::filesystem::remove_all(dir);
}

// A damaged file stops a folder's read with a line naming it and --skip-unreadable; skipping,
// the rest read with their labels and class names, even when a class loses every file.
TEST(ImageDir, SkipsUnreadableFilesWhenAsked) {
  std::filesystem::path dir = scratch_path("unreadable");
  for (const char* cls : {"ant", "bee", "cow"}) std::filesystem::create_directories(dir / cls);
  std::vector<unsigned char> pixels(6 * 4, 100);
  const std::string png = encode_png(pixels, 6, 4);
  write_file_atomic((dir / "ant" / "a.png").string(), png);
  write_file_atomic((dir / "ant" / "b.png").string(), png.substr(0, 40));
  write_file_atomic((dir / "bee" / "c.jpg").string(), png.substr(0, 20));
  write_file_atomic((dir / "cow" / "d.png").string(), png);
  expect_error([&] { load_raw("images:" + dir.string(), "train"); }, "b.png");
  expect_error([&] { load_raw("images:" + dir.string(), "train"); }, "--skip-unreadable");
  const RawData raw = load_raw("images:" + dir.string(), "train", 0, {}, {}, UnreadableFiles::skip);
  EXPECT_EQ(raw.count(), 2);
  EXPECT_EQ(raw.labels, (std::vector<int64_t>{0, 2}));
  EXPECT_EQ(raw.label_names, (std::vector<std::string>{"ant", "bee", "cow"}));
  EXPECT_EQ(raw.paths, (std::vector<std::string>{(dir / "ant" / "a.png").string(), (dir / "cow" / "d.png").string()}));
  std::filesystem::remove(dir / "ant" / "a.png");
  std::filesystem::remove(dir / "cow" / "d.png");
  expect_error([&] { load_raw("images:" + dir.string(), "train", 0, {}, {}, UnreadableFiles::skip); },
               "no file could be read as an image");
  std::filesystem::remove_all(dir);
}

TEST(DataSource, RejectsUnknownSources) {
  expect_error([] { load_raw("imagenet", "train"); }, "expected mnist");
  expect_error([] { load_raw("mnist", "validation"); }, "split validation: expected train or test");
  expect_error([] { load_raw("csv:/nonexistent.csv", "train"); }, "cannot open");
  expect_error([] { load_raw("csv:/nonexistent.csv,lable=last", "train"); }, "csv option 'lable=last'");
  expect_error([] { DataSource::parse("images:"); }, "expected mnist");
}

TEST(DataSource, ParsesKindPathAndOptions) {
  const DataSource csv = DataSource::parse("csv:dir/t.csv,label=class,header=yes");
  EXPECT_EQ(csv.kind, DataSource::Kind::csv);
  EXPECT_EQ(csv.input_path(), "dir/t.csv");
  EXPECT_EQ(csv.options, "label=class,header=yes");
  EXPECT_FALSE(csv.has_test_split());
  const DataSource images = DataSource::parse("images:pics");
  EXPECT_EQ(images.kind, DataSource::Kind::images);
  EXPECT_EQ(images.input_path(), "pics");
  EXPECT_FALSE(images.has_test_split());
  const DataSource named = DataSource::parse("fashion-mnist");
  EXPECT_EQ(named.kind, DataSource::Kind::named);
  EXPECT_EQ(named.input_path(), "");
  EXPECT_TRUE(named.has_test_split());
  EXPECT_TRUE(DataSource::parse("idx:d").has_test_split());
}

// A bare path is read by its kind: a table by its extension (with its options), a pack, a folder
// of images; anything else is refused as before.
TEST(DataSource, ReadsABarePathByItsKind) {
  const DataSource table = DataSource::parse("dir/T.CSV,label=class");
  EXPECT_EQ(table.kind, DataSource::Kind::csv);
  EXPECT_EQ(table.input_path(), "dir/T.CSV");
  EXPECT_EQ(table.options, "label=class");
  EXPECT_EQ(DataSource::parse("t.tsv.gz").kind, DataSource::Kind::csv);
  EXPECT_EQ(DataSource::parse("data.lpk").kind, DataSource::Kind::pack);
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "latent_bare_path_dir";
  std::filesystem::create_directories(dir);
  const DataSource images = DataSource::parse(dir.string());
  EXPECT_EQ(images.kind, DataSource::Kind::images);
  EXPECT_EQ(images.input_path(), dir.string());
  std::filesystem::remove_all(dir);
  expect_error([&] { DataSource::parse(dir.string()); }, "expected mnist");
  expect_error([] { DataSource::parse("t.json"); }, "expected mnist");
  expect_error([] { DataSource::parse("t.lpk,label=x"); }, "expected mnist");
}

}  // namespace
}  // namespace latent
