#include <gtest/gtest.h>

#include "client/cli/output.h"

namespace geosrpc::cli {
namespace {

client::ComputeResult Result() {
  client::ComputeResult r;
  r.summary.set_rows(3);
  r.column = v1::ResultChunk::kGeometries;
  r.binary = {"POINT (1 2)", "", "LINESTRING (0 0, 1 1)"};
  r.binary_encoding = v1::ENCODING_WKT;
  v1::RowError e;
  e.set_row(1);
  e.set_code(3);
  e.set_message("a: bad \"row\"");
  r.errors.push_back(e);
  return r;
}

TEST(FormatResultTest, WritesCsvWithQuoting) {
  EXPECT_EQ(FormatResult(Result(), OutputFormat::kCsv),
            "row,value,error_code,error_message\n"
            "0,POINT (1 2),,\n"
            "1,,3,\"a: bad \"\"row\"\"\"\n"
            "2,\"LINESTRING (0 0, 1 1)\",,\n");
}

TEST(FormatResultTest, WritesJsonWithEscapes) {
  EXPECT_EQ(FormatResult(Result(), OutputFormat::kJson),
            "[\n{\"row\":0,\"value\":\"POINT (1 2)\"},\n"
            "{\"row\":1,\"error\":{\"code\":3,\"message\":\"a: bad "
            "\\\"row\\\"\"}},\n"
            "{\"row\":2,\"value\":\"LINESTRING (0 0, 1 1)\"}\n]\n");
  client::ComputeResult numbers;
  numbers.summary.set_rows(2);
  numbers.column = v1::ResultChunk::kDoubles;
  numbers.doubles = {0.5, std::nan("")};
  EXPECT_EQ(FormatResult(numbers, OutputFormat::kJson),
            "[\n{\"row\":0,\"value\":0.5},\n{\"row\":1,\"value\":null}\n]\n");
}

TEST(FormatResultTest, WritesBoundsAsArraysAndPartsWithTheirRows) {
  client::ComputeResult bounds;
  bounds.summary.set_rows(1);
  bounds.column = v1::ResultChunk::kDoubles;
  bounds.width = 4;
  bounds.doubles = {0, 1, 2.5, 3};
  EXPECT_EQ(FormatResult(bounds, OutputFormat::kJson),
            "[\n{\"row\":0,\"value\":[0,1,2.5,3]}\n]\n");

  client::ComputeResult parts;
  parts.summary.set_rows(3);
  parts.column = v1::ResultChunk::kGeometries;
  parts.mapping = v1::RESULT_MAPPING_PER_PART;
  parts.binary_encoding = v1::ENCODING_WKT;
  parts.binary = {"POINT (0 0)", "POINT (1 1)", "POINT (2 2)"};
  parts.source_rows = {0, 0, 2};
  parts.errors.emplace_back();
  parts.errors.back().set_row(1);
  parts.errors.back().set_code(3);
  parts.errors.back().set_message("bad");
  EXPECT_EQ(FormatResult(parts, OutputFormat::kCsv),
            "row,value,error_code,error_message\n"
            "0,POINT (0 0),,\n0,POINT (1 1),,\n2,POINT (2 2),,\n1,,3,bad\n");
}

client::JoinResult Pairs(bool with_distance) {
  client::JoinResult r;
  r.a_rows = {0, 0, 2};
  r.set_rows = {1, 4, 0};
  if (with_distance) r.distances = {0, 0.25, 1.5};
  v1::RowError e;
  e.set_row(1);
  e.set_code(3);
  e.set_message("a: invalid WKT: unclosed '('");
  r.errors.push_back(e);
  e.set_row(3);
  e.set_message("a, \"b\"");
  r.errors.push_back(e);
  return r;
}

TEST(FormatPairsTest, WritesCsvWithErrorsInRowOrder) {
  EXPECT_EQ(FormatPairs(Pairs(false), OutputFormat::kCsv),
            "a_row,set_row,error_code,error_message\n"
            "0,1,,\n0,4,,\n"
            "1,,3,a: invalid WKT: unclosed '('\n"
            "2,0,,\n"
            "3,,3,\"a, \"\"b\"\"\"\n");
  EXPECT_EQ(FormatPairs(Pairs(true), OutputFormat::kCsv),
            "a_row,set_row,distance,error_code,error_message\n"
            "0,1,0,,\n0,4,0.25,,\n"
            "1,,,3,a: invalid WKT: unclosed '('\n"
            "2,0,1.5,,\n"
            "3,,,3,\"a, \"\"b\"\"\"\n");
}

TEST(FormatPairsTest, WritesJson) {
  EXPECT_EQ(FormatPairs(Pairs(true), OutputFormat::kJson),
            "[\n{\"a_row\":0,\"set_row\":1,\"distance\":0},\n"
            "{\"a_row\":0,\"set_row\":4,\"distance\":0.25},\n"
            "{\"a_row\":1,\"error\":{\"code\":3,\"message\":\"a: invalid WKT: "
            "unclosed '('\"}},\n"
            "{\"a_row\":2,\"set_row\":0,\"distance\":1.5},\n"
            "{\"a_row\":3,\"error\":{\"code\":3,\"message\":\"a, "
            "\\\"b\\\"\"}}\n]\n");
  EXPECT_EQ(FormatPairs(client::JoinResult(), OutputFormat::kJson), "[\n]\n");
}

}  // namespace
}  // namespace geosrpc::cli
