#include "base/input/geometry_file.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace geosrpc::input {
namespace {

TEST(ParseGeometriesTest, DetectsWktLines) {
  auto batch = ParseGeometries("POINT (1 2)\n\n  LINESTRING (0 0, 1 1)\r\n",
                               InputFormat::kAuto);
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->encoding(), v1::ENCODING_WKT);
  EXPECT_EQ(batch->offsets_size(), 3);
  EXPECT_EQ(batch->data(), "POINT (1 2)LINESTRING (0 0, 1 1)");
}

TEST(ParseGeometriesTest, DetectsHexWkbLines) {
  auto batch = ParseGeometries("0101000000000000000000F03F0000000000000040\n",
                               InputFormat::kAuto);
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->encoding(), v1::ENCODING_HEX_WKB);
  EXPECT_EQ(batch->offsets_size(), 2);
}

// GeoJSON goes to the server as written, one feature per row.
TEST(ParseGeometriesTest, SendsEachGeoJsonFeatureAsItsOwnRow) {
  const std::string point =
      R"({"type": "Feature", "properties": {"name": "p"},
       "geometry": {"type": "Point", "coordinates": [1, 2]}})";
  const std::string line =
      R"({"type": "Feature", "properties": {},
       "geometry": {"type": "LineString", "coordinates": [[0, 0], [3, 4]]}})";
  auto batch =
      ParseGeometries("\n  {\"type\": \"FeatureCollection\", \"features\": [" +
                          point + ",\n" + line + "]}\n",
                      InputFormat::kAuto);
  ASSERT_TRUE(batch.ok()) << batch.status();
  EXPECT_EQ(batch->encoding(), v1::ENCODING_GEOJSON);
  ASSERT_EQ(batch->offsets_size(), 3);
  EXPECT_EQ(batch->data(), point + line);
  EXPECT_EQ(batch->offsets(1), point.size());

  auto single = ParseGeometries(R"({"type": "Point", "coordinates": [1, 2]})",
                                InputFormat::kGeoJson);
  ASSERT_TRUE(single.ok());
  EXPECT_EQ(single->offsets_size(), 2);
  EXPECT_EQ(
      ParseGeometries("{\"type\": ", InputFormat::kGeoJson).status().message(),
      "GeoJSON: unexpected end of input at byte 9");
}

TEST(ParseGeometriesTest, ReadsNewlineDelimitedGeoJson) {
  auto batch = ParseGeometries(
      "{\"type\": \"Point\", \"coordinates\": [1, 2]}\n"
      "\n"
      "{\"type\": \"Feature\", \"geometry\": null, \"properties\": {}}\n",
      InputFormat::kAuto);
  ASSERT_TRUE(batch.ok()) << batch.status();
  EXPECT_EQ(batch->encoding(), v1::ENCODING_GEOJSON);
  EXPECT_EQ(batch->offsets_size(), 3);
}

TEST(ParseGeometriesTest, DetectsGeoJsonTextSequences) {
  // RFC 8142: each record opens with the record separator (0x1e).
  auto batch = ParseGeometries(
      "\x1e{\"type\": \"Point\", \"coordinates\": [1, 2]}\n"
      "\x1e{\"type\": \"Feature\", \"geometry\": null, "
      "\"properties\": {}}\n",
      InputFormat::kAuto);
  ASSERT_TRUE(batch.ok()) << batch.status();
  EXPECT_EQ(batch->encoding(), v1::ENCODING_GEOJSON);
  EXPECT_EQ(batch->offsets_size(), 3);
  EXPECT_EQ(batch->data().substr(0, batch->offsets(1)),
            "{\"type\": \"Point\", \"coordinates\": [1, 2]}");
}

TEST(ParseInputFormatTest, NamesTheFormats) {
  EXPECT_EQ(*ParseInputFormat("hex"), InputFormat::kHexWkb);
  EXPECT_EQ(*ParseInputFormat("geojson"), InputFormat::kGeoJson);
  EXPECT_EQ(ParseInputFormat("shp").status().message(),
            "unknown input format 'shp' (auto, wkt, hex, geojson)");
}

TEST(ReadGeometryFileTest, ReadsAFileAndNamesAMissingOne) {
  const std::string path = ::testing::TempDir() + "/geometry_file_test.wkt";
  std::ofstream(path) << "POINT (1 2)\nPOINT (3 4)\n";
  auto batch = ReadGeometryFile(path, InputFormat::kAuto);
  std::remove(path.c_str());
  ASSERT_TRUE(batch.ok()) << batch.status();
  EXPECT_EQ(batch->offsets_size(), 3);
  auto missing = ReadGeometryFile(path, InputFormat::kAuto);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(), "cannot read " + path);
}

}  // namespace
}  // namespace geosrpc::input
