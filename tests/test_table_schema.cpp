// A table's schema: scaling, levels and "other", missing cells, the CSV of reconstructions.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "expect_error.h"
#include "latent/io/raw_data.h"
#include "latent/io/table_schema.h"

namespace latent {
namespace {

using testing::expect_error;

RawData table(const std::string& csv) { return parse_csv(csv, "t.csv", CsvOptions{}); }

const char* const kTable = "x,city\n1,paris\n2,paris\n3,lyon\n4,paris\n100,nice\n,lyon\n";  // x: median 3, IQR 2 .. 4

TEST(TableSchema, ScalesNumbersByTheRuleAsked) {
  const RawData raw = table(kTable);
  TableOptions options;
  TableSchema standard = TableSchema::fit(raw, options);
  const TableColumn& x = standard.columns[0];
  EXPECT_FLOAT_EQ(x.center, 22.0f);  // the mean of the five observed values
  EXPECT_NEAR(x.scale, std::sqrt((21 * 21 + 20 * 20 + 19 * 19 + 18 * 18 + 78 * 78) / 5.0), 1e-3);
  options.scaling = Scaling::robust;
  EXPECT_FLOAT_EQ(TableSchema::fit(raw, options).columns[0].center, 3.0f);
  EXPECT_FLOAT_EQ(TableSchema::fit(raw, options).columns[0].scale, 2.0f);
  options.scaling = Scaling::minmax;
  EXPECT_FLOAT_EQ(TableSchema::fit(raw, options).columns[0].center, 1.0f);
  EXPECT_FLOAT_EQ(TableSchema::fit(raw, options).columns[0].scale, 99.0f);
}

TEST(TableSchema, KeepsTheMostFrequentLevelsThenOther) {
  TableOptions options;
  options.max_levels = 2;
  TableSchema schema = TableSchema::fit(table(kTable), options);
  ASSERT_EQ(schema.columns.size(), 2u);
  EXPECT_EQ(schema.columns[1].levels, (std::vector<std::string>{"paris", "lyon"}));
  EXPECT_EQ(schema.width(), 1 + 3);
  EXPECT_EQ(schema.number_columns(), 1);
  EXPECT_EQ(schema.block_widths(), (std::vector<int64_t>{3}));
  // Scoring data with its own words: nice (dropped) and rome (never seen) are "other"; a missing
  // word is a block of NaN, a missing number a NaN.
  RawData scored = table("city,x\nrome,7\nlyon,\nnice,1\n,2\n");
  const std::vector<float> encoded = schema.encode(scored);
  auto x = [&](float v) { return (v - schema.columns[0].center) / schema.columns[0].scale; };
  const std::vector<float> want{x(7), 0, 0, 1, NAN, 0, 1, 0, x(1), 0, 0, 1, x(2), NAN, NAN, NAN};
  ASSERT_EQ(encoded.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i)
    if (std::isnan(want[i])) EXPECT_TRUE(std::isnan(encoded[i])) << i;
    else EXPECT_NEAR(encoded[i], want[i], 1e-6) << i;
  expect_error(
      [&] {
        RawData other = table("y,city\n1,paris\n");
        schema.encode(other);
      },
      "the data has no column 'x'");
  expect_error(
      [&] {
        RawData words = table("x,city\nbig,paris\n");
        schema.encode(words);
      },
      "column 'x' holds words");
}

// Columns that only tell rows apart leave the model when asked (latent train asks), unless kept:
// a rising whole number (an id, a row number) and a word that differs in every row (a name).
TEST(TableSchema, LeavesOutColumnsThatOnlyTellRowsApart) {
  std::string text = "id,name,x,year,city\n";
  for (int i = 0; i < 30; ++i)
    text += std::to_string(1000 + 3 * i) + ",person " + std::to_string(i) + "," + std::to_string(i % 7) + "," +
            std::to_string(2000 + i / 2) + "," + (i % 2 ? "paris" : "lyon") + "\n";
  const RawData raw = table(text);
  TableOptions options;
  EXPECT_EQ(TableSchema::fit(raw, options).names(false), (std::vector<std::string>{"id", "x", "year"}));
  options.leave_out_identifiers = true;
  TableSchema schema = TableSchema::fit(raw, options);
  EXPECT_EQ(schema.identifiers, (std::vector<std::string>{"id", "name"}));
  EXPECT_EQ(schema.names(false), (std::vector<std::string>{"x", "year"}));  // year repeats: not rising
  EXPECT_EQ(schema.names(true), (std::vector<std::string>{"city"}));
  EXPECT_EQ(TableSchema::from_json(schema.to_json()).identifiers, schema.identifiers);
  // Scoring reads the model's columns only: a file's own ids do not matter.
  RawData scored = table("id,name,x,year,city\n1,bob,3,2001,lyon\n");
  EXPECT_EQ(schema.encode(scored).size(), 2u + 3u);
  options.keep = {"id"};
  EXPECT_EQ(TableSchema::fit(raw, options).names(false), (std::vector<std::string>{"id", "x", "year"}));
  // A missing cell, a repeat (year above), or fewer than 20 rows: not an identifier.
  options.keep = {};
  std::string gaps = "id,x\n,0\n";
  for (int i = 1; i < 30; ++i) gaps += std::to_string(i) + "," + std::to_string(i % 3) + "\n";
  EXPECT_EQ(TableSchema::fit(table(gaps), options).columns.size(), 2u);
  std::string few = "id,x\n";
  for (int i = 0; i < 19; ++i) few += std::to_string(i) + "," + std::to_string(i % 3) + "\n";
  EXPECT_FALSE(is_identifier(table(few), 0));
  std::string ids = "id\n";
  for (int i = 0; i < 25; ++i) ids += std::to_string(i) + "\n";
  expect_error([&] { TableSchema::fit(table(ids), options); }, "every column only tells the rows apart (id)");
}

// The encoder hands back the pages of the raw rows it has encoded as it goes: every row of a
// table long enough for that still encodes from its own cells.
TEST(TableSchema, EncodesEveryRowOfALongTable) {
  std::string text = "x,city\n";
  const int rows = 50000;
  for (int i = 0; i < rows; ++i) text += std::to_string(i % 1000) + "," + (i % 2 ? "paris" : "lyon") + "\n";
  RawData raw = table(text);
  const TableSchema schema = TableSchema::fit(raw, TableOptions{});
  ASSERT_EQ(schema.width(), 1 + 3);
  const std::vector<float> encoded = schema.encode(raw);
  EXPECT_TRUE(raw.values.empty());
  ASSERT_EQ(encoded.size(), static_cast<size_t>(rows) * 4);
  const TableColumn& x = schema.columns[0];
  int wrong = 0;
  for (int i = 0; i < rows; ++i) {
    const float* row = encoded.data() + i * 4;
    const std::vector<float> want{(static_cast<float>(i % 1000) - x.center) / x.scale, i % 2 ? 0.f : 1.f,
                                  i % 2 ? 1.f : 0.f, 0};
    for (int c = 0; c < 4; ++c) wrong += std::abs(row[c] - want[c]) > 1e-6f;
  }
  EXPECT_EQ(wrong, 0);
}

TEST(TableSchema, WritesReconstructionsAsTheTableAndRoundTrips) {
  TableSchema schema = TableSchema::fit(table(kTable), TableOptions{});
  EXPECT_EQ(schema.columns[0].style.decimals, 0);
  schema.columns[0].style.decimals = -1;  // as a column that wrote an exponent: 7 significant digits
  const float center = schema.columns[0].center, scale = schema.columns[0].scale;
  // Row 1: x = center + scale, city mostly lyon; row 2: x = center, the "other" slot wins.
  const std::vector<float> rows{1, 0.1f, 0.7f, 0.1f, 0.1f, 0, 0.1f, 0.1f, 0.1f, 0.7f};
  EXPECT_EQ(schema.csv_header(), "x,city");
  std::ostringstream want;
  want.precision(7);
  want << center + scale << ",lyon\n" << center << ",other\n";
  EXPECT_EQ(schema.to_csv(rows, 2), want.str());
  const TableSchema back = TableSchema::from_json(schema.to_json());
  EXPECT_EQ(back.to_json(), schema.to_json());
  nlohmann::json bad = schema.to_json();
  bad["columns"][0]["scale"] = 0;
  expect_error([&] { TableSchema::from_json(bad); }, "scale that is not positive");
  EXPECT_EQ(csv_field("a,\"b\""), "\"a,\"\"b\"\"\"");
  bad = schema.to_json();
  bad["table_order"] = {0, 0};
  expect_error([&] { TableSchema::from_json(bad); }, "not an order of its columns");
}

// Words come after numbers in the encoded row; reconstructions go back in the table's order.
TEST(TableSchema, WritesTheColumnsInTheTablesOrder) {
  const TableSchema schema =
      TableSchema::fit(table("city,x,size,y\nparis,1,small,5\nlyon,2,big,6\nparis,3,big,7\n"), TableOptions{});
  ASSERT_EQ(schema.columns.size(), 4u);
  EXPECT_EQ(schema.columns[0].name, "x");
  EXPECT_EQ(schema.columns[2].name, "city");
  EXPECT_EQ(schema.csv_header(), "city,x,size,y");
  // Encoded: x, y, city (paris, lyon, other), size (big, small, other): levels by count.
  std::vector<float> row(static_cast<size_t>(schema.width()), 0);
  row[2 + 1] = 1;  // lyon
  row[5 + 1] = 1;  // small
  const std::string written = schema.to_csv(row, 1);
  std::ostringstream want;
  want.precision(7);
  want << "lyon," << schema.columns[0].center << ",small," << schema.columns[1].center << "\n";
  EXPECT_EQ(written, want.str());
  EXPECT_EQ(TableSchema::from_json(schema.to_json()).csv_header(), "city,x,size,y");
  nlohmann::json before = schema.to_json();  // a model saved before the order was kept
  before.erase("table_order");
  EXPECT_EQ(TableSchema::from_json(before).csv_header(), "x,y,city,size");
}

// Numbers come back at the decimals their column was written with; with the table given, its
// own cells are kept as read (a word outside the levels too) and only the missing ones filled.
TEST(TableSchema, WritesNumbersAsTheTableWroteThemAndFillsOnlyBlanks) {
  const RawData training = table("n,price,size\n1,2.50,small\n2,3.25,big\n3,1.00,small\n");
  const TableSchema schema = TableSchema::fit(training, TableOptions{});
  ASSERT_EQ(schema.columns.size(), 3u);
  EXPECT_EQ(schema.columns[0].style.decimals, 0);
  EXPECT_EQ(schema.columns[1].style.decimals, 2);
  EXPECT_EQ(schema.columns[2].style.decimals, -1);
  EXPECT_EQ(TableSchema::from_json(schema.to_json()).to_json(), schema.to_json());
  // Encoded row: n, price, size (small, big, other). n = center − 0.6 scale rounds to 1 (and a
  // value near 0 is written 0, not -0).
  const auto encoded_of = [&](int c, float value) {
    return (value - schema.columns[c].center) / schema.columns[c].scale;
  };
  const std::vector<float> recon{encoded_of(0, 1.4f), encoded_of(1, -0.001f),  0.1f, 0.8f, 0.1f,
                                 encoded_of(0, 2.6f), encoded_of(1, 3.14159f), 0.7f, 0.2f, 0.1f};
  EXPECT_EQ(schema.to_csv(recon, 2), "1,0.00,big\n3,3.14,small\n");
  // Filled: the given file's columns in its order (one the model does not read, id, included), its
  // own cells at its own decimals, the model's only in the blanks of the columns it reads.
  const RawData given = table("size,id,price,n\nmedium,a1,,7\n,,9.5,\n");
  EXPECT_EQ(schema.fill_csv(recon, given), "size,id,price,n\nmedium,a1,0.00,7\nsmall,,9.5,3\n");
  const RawData other = table("m,price,size\n7,1,a\n8,2,b\n");
  expect_error([&] { schema.fill_csv(recon, other); }, "the table given has no column 'n'");
  nlohmann::json bad = schema.to_json();
  for (const nlohmann::json& decimals :
       {nlohmann::json(7), nlohmann::json(-1), nlohmann::json(1e300), nlohmann::json("2")}) {
    bad["columns"][0]["decimals"] = decimals;
    expect_error([&] { TableSchema::from_json(bad); }, "has decimals that are not a whole number in 0..6");
  }
}

// Money, shares and grouped thousands come back as the table wrote them.
TEST(TableSchema, WritesNumbersWithTheTablesSignsAndMarks) {
  const TableSchema schema =
      TableSchema::fit(table("amount,share\n\"$1,200.50\",45%\n$3.00,5%\n\"$2,000.00\",7%\n"), TableOptions{});
  const TableSchema back = TableSchema::from_json(schema.to_json());
  EXPECT_EQ(back.to_json(), schema.to_json());
  const auto encoded_of = [&](int c, float value) {
    return (value - schema.columns[c].center) / schema.columns[c].scale;
  };
  const std::vector<float> rows{encoded_of(0, 1234567.5f), encoded_of(1, 12.4f), encoded_of(0, -3), encoded_of(1, 0)};
  EXPECT_EQ(back.to_csv(rows, 2), "\"$1,234,567.50\",12%\n-$3.00,0%\n");
  // A file of decimal commas groups with points; written with decimal points, they are left out.
  const TableSchema euros =
      TableSchema::fit(table("a;b\n1.234,5 \xE2\x82\xAC;1\n2.000,0 \xE2\x82\xAC;2\n"), TableOptions{});
  const std::vector<float> euro_row{(1234.5f - euros.columns[0].center) / euros.columns[0].scale, 0};
  EXPECT_EQ(euros.to_csv(euro_row, 1).substr(0, 10), "1234.5\xE2\x82\xAC,");
  for (const nlohmann::json& prefix :
       {nlohmann::json("12"), nlohmann::json(5), nlohmann::json("\n"), nlohmann::json("")}) {
    nlohmann::json bad = schema.to_json();
    bad["columns"][0]["prefix"] = prefix;
    expect_error([&] { TableSchema::from_json(bad); }, "has a prefix that is not a sign or a mark");
  }
}

// A column of dates comes back as dates, the nearest day, in the file's marks; its form is kept
// in the model and checked when read.
TEST(TableSchema, WritesDatesAsTheTableWroteThem) {
  const TableSchema schema =
      TableSchema::fit(table("day,n\n2024/01/30,1\n2024/02/28,2\n2024/03/01,4\n"), TableOptions{});
  const TableSchema back = TableSchema::from_json(schema.to_json());
  EXPECT_EQ(back.to_json(), schema.to_json());
  EXPECT_EQ(schema.to_json()["columns"][0]["date"], "YYYY/MM/DD");
  const float feb_29 = 19782;  // 2024-02-29
  const std::vector<float> rows{(feb_29 + 0.4f - schema.columns[0].center) / schema.columns[0].scale, 0,
                                (-1e9f - schema.columns[0].center) / schema.columns[0].scale, 0};
  EXPECT_EQ(back.to_csv(rows, 2).substr(0, 11), "2024/02/29,");
  EXPECT_EQ(back.to_csv(rows, 2).substr(back.to_csv(rows, 2).find('\n') + 1, 11), "0000/01/01,");
  // Year last, unpadded: as the file wrote them.
  const TableSchema us = TableSchema::fit(table("day,n\n1/30/2024,1\n12/5/2024,2\n"), TableOptions{});
  EXPECT_EQ(us.to_json()["columns"][0]["date"], "M/D/YYYY");
  const std::vector<float> us_row{(feb_29 - us.columns[0].center) / us.columns[0].scale, 0};
  EXPECT_EQ(TableSchema::from_json(us.to_json()).to_csv(us_row, 1).substr(0, 10), "2/29/2024,");
  for (const nlohmann::json& form : {nlohmann::json("YYYY.DD.MM"), nlohmann::json(3), nlohmann::json("")}) {
    nlohmann::json bad = schema.to_json();
    bad["columns"][0]["date"] = form;
    expect_error([&] { TableSchema::from_json(bad); }, "has a date form that is not YYYY-MM-DD, MM/DD/YYYY");
  }
}

}  // namespace
}  // namespace latent
