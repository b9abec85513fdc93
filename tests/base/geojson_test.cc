#include "base/input/geojson.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace geosrpc::input {
namespace {

std::vector<std::string> Rows(absl::string_view text) {
  auto rows = SplitGeoJson(text);
  EXPECT_TRUE(rows.ok()) << rows.status();
  if (!rows.ok()) return {};
  return std::vector<std::string>(rows->begin(), rows->end());
}

std::string Error(absl::string_view text) {
  auto rows = SplitGeoJson(text);
  EXPECT_FALSE(rows.ok());
  EXPECT_EQ(rows.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(rows.status().message());
}

TEST(SplitGeoJsonTest, GivesEachFeatureOfACollectionAsWritten) {
  EXPECT_EQ(
      Rows(R"({"type": "FeatureCollection", "features": [
    {"type": "Feature", "geometry": {"type": "Point", "coordinates": [1, 2]}},
    {"type":"Feature","geometry":null,"properties":{"a":[1,{"b":2}]}} ]})"),
      (std::vector<std::string>{
          R"({"type": "Feature", "geometry": {"type": "Point", "coordinates": [1, 2]}})",
          R"({"type":"Feature","geometry":null,"properties":{"a":[1,{"b":2}]}})"}));
  // Members in any order; other members ignored.
  EXPECT_EQ(Rows(R"({"bbox": [0, 0, 1, 1], "features": [{"type": "Feature"}],
                     "crs": null, "type": "FeatureCollection"})"),
            std::vector<std::string>{R"({"type": "Feature"})"});
  EXPECT_TRUE(Rows(R"({"type": "FeatureCollection", "features": []})").empty());
}

TEST(SplitGeoJsonTest, KeepsAFeatureOrAGeometryWhole) {
  const std::string feature =
      R"({"type": "Feature", "properties": {"type": "FeatureCollection",
          "features": [1, 2]}, "geometry": {"type": "Point", "coordinates": [1, 2]}})";
  EXPECT_EQ(Rows("  " + feature + "\n"), std::vector<std::string>{feature});
  const std::string geometry =
      R"({"type": "GeometryCollection", "geometries": [
          {"type": "Point", "coordinates": [-1.5e3, 2E-2]}]})";
  EXPECT_EQ(Rows(geometry), std::vector<std::string>{geometry});
}

TEST(SplitGeoJsonTest, ReadsNewlineDelimitedAndRecordSeparatedGeoJson) {
  EXPECT_EQ(Rows("{\"type\": \"Point\", \"coordinates\": [1, 2]}\r\n"
                 "\n"
                 "{\"type\": \"FeatureCollection\", \"features\": [{}, {}]}\n"
                 "{\"type\": \"Feature\", \"geometry\": null}"),
            (std::vector<std::string>{
                "{\"type\": \"Point\", \"coordinates\": [1, 2]}", "{}", "{}",
                "{\"type\": \"Feature\", \"geometry\": null}"}));
  EXPECT_EQ(Rows("\x1e{\"a\": 1}\n\x1e{\"b\": 2}\n"),
            (std::vector<std::string>{"{\"a\": 1}", "{\"b\": 2}"}));
  EXPECT_EQ(Rows("\xEF\xBB\xBF{\"a\": 1}"),
            std::vector<std::string>{"{\"a\": 1}"});
  EXPECT_TRUE(Rows(" \n\t").empty());
}

TEST(SplitGeoJsonTest, SkipsBracketsAndQuotesInsideStrings) {
  const std::string feature =
      R"({"type": "Feature", "properties": {"s": "]} \" {[ \\", )"
      R"("u": "\u00e9\/\b\f\n\r\t", "k\"ey": "x"}, "geometry": null})";
  EXPECT_EQ(Rows(R"({"features": [)" + feature +
                 R"(], "type": "FeatureCollection"})"),
            std::vector<std::string>{feature});
}

TEST(SplitGeoJsonTest, NamesTheByteOfMalformedInput) {
  EXPECT_EQ(Error(R"({"type": "Point",})"),
            "GeoJSON: expected a string key at byte 17");
  EXPECT_EQ(Error(R"({"type" "Point"})"), "GeoJSON: expected ':' at byte 8");
  EXPECT_EQ(Error(R"({"a": [1, 2,]})"),
            "GeoJSON: unexpected character ']' at byte 12");
  EXPECT_EQ(Error(R"({"a": [1 2]})"), "GeoJSON: expected ',' or ']' at byte 9");
  EXPECT_EQ(Error(R"({"a": 1 "b": 2})"),
            "GeoJSON: expected ',' or '}' at byte 8");
  EXPECT_EQ(Error(R"({"a": "open})"), "GeoJSON: unterminated string at byte 6");
  EXPECT_EQ(Error(R"({"a": "\x"})"), "GeoJSON: invalid escape '\\x' at byte 7");
  EXPECT_EQ(Error(R"({"a": "\u12g4"})"),
            "GeoJSON: \\u needs four hex digits at byte 7");
  EXPECT_EQ(Error("{\"a\": \"tab\there\"}"),
            "GeoJSON: unescaped control character in a string at byte 10");
  EXPECT_EQ(Error(R"({"a": -.5})"), "GeoJSON: invalid number at byte 6");
  EXPECT_EQ(Error(R"({"a": 1.e5})"), "GeoJSON: invalid number at byte 6");
  EXPECT_EQ(Error(R"({"a": nul})"),
            "GeoJSON: invalid literal (true, false or null) at byte 6");
  EXPECT_EQ(Error(R"({"a": NaN})"),
            "GeoJSON: unexpected character 'N' at byte 6");
  EXPECT_EQ(Error(R"({"a": [1, 2])"),
            "GeoJSON: unclosed object: expected ',' or '}' at byte 12");
  EXPECT_EQ(Error(std::string("{\"a\": \0}", 8)),
            "GeoJSON: unexpected character '\\x00' at byte 6");
  EXPECT_EQ(Error(R"([{"type": "Point"}])"),
            "GeoJSON: expected a GeoJSON object at byte 0");
  EXPECT_EQ(Error("{\"a\": 1}\n42"),
            "GeoJSON: expected a GeoJSON object at byte 9");
  EXPECT_EQ(Error("{\"type\": \"FeatureCollection\", \"features\": {}}"),
            "GeoJSON: FeatureCollection without a \"features\" array at "
            "byte 0");
}

TEST(SplitGeoJsonTest, BoundsNesting) {
  std::string deep = "{\"a\": ";
  for (int i = 0; i < 600; ++i) deep += "[";
  EXPECT_EQ(Error(deep), "GeoJSON: nested deeper than 512 levels at byte 517");
}

}  // namespace
}  // namespace geosrpc::input
