#!/usr/bin/env node
// Writes the Natural Earth 1:10m country outlines (world-atlas's
// countries-10m.json, TopoJSON, converted by topojson-client) for tests and
// benchmarks, in the three forms geosrpc reads:
//
//   OUTDIR/countries.geojson  a FeatureCollection (id, properties.name)
//   OUTDIR/countries.wkt      one WKT geometry per line
//   OUTDIR/countries.hexwkb   one hex WKB (little-endian, ISO) per line
//
// Row i of each file is the same country (the TopoJSON's order): 255 rows,
// Polygon or MultiPolygon, 544,898 vertices. Coordinates are the dequantized
// doubles, written exactly (shortest round-trip decimal; WKB bit for bit).
// Prints one line of JSON: rows, vertices, WKB bytes, bounds.
//
//   cd tests/data && npm ci && node countries.js /tmp/geosrpc-data
"use strict";

const fs = require("fs");
const path = require("path");
const topojson = require("topojson-client");
const topology = require("world-atlas/countries-10m.json");

function polygonsOf(geometry) {
  switch (geometry.type) {
    case "Polygon":
      return [geometry.coordinates];
    case "MultiPolygon":
      return geometry.coordinates;
    default:
      throw new Error(`unexpected geometry type ${geometry.type}`);
  }
}

function ringWkt(ring) {
  return "(" + ring.map(([x, y]) => `${x} ${y}`).join(", ") + ")";
}

function polygonWkt(rings) {
  return "(" + rings.map(ringWkt).join(", ") + ")";
}

function toWkt(geometry) {
  if (geometry.type === "Polygon") {
    return "POLYGON " + polygonWkt(geometry.coordinates);
  }
  return "MULTIPOLYGON (" + geometry.coordinates.map(polygonWkt).join(", ") + ")";
}

// ISO WKB, little-endian: POLYGON (3) or MULTIPOLYGON (6, of POLYGONs).
function toWkb(geometry) {
  const polygons = polygonsOf(geometry);
  const multi = geometry.type === "MultiPolygon";
  let size = multi ? 9 : 0;
  for (const rings of polygons) {
    size += 9;
    for (const ring of rings) size += 4 + 16 * ring.length;
  }
  const view = new DataView(new ArrayBuffer(size));
  let at = 0;
  const header = (type, count) => {
    view.setUint8(at, 1);
    view.setUint32(at + 1, type, true);
    view.setUint32(at + 5, count, true);
    at += 9;
  };
  if (multi) header(6, polygons.length);
  for (const rings of polygons) {
    header(3, rings.length);
    for (const ring of rings) {
      view.setUint32(at, ring.length, true);
      at += 4;
      for (const [x, y] of ring) {
        view.setFloat64(at, x, true);
        view.setFloat64(at + 8, y, true);
        at += 16;
      }
    }
  }
  return Buffer.from(view.buffer);
}

function main() {
  const out = process.argv[2];
  if (!out) {
    console.error("usage: node countries.js OUTDIR");
    process.exit(2);
  }
  fs.mkdirSync(out, { recursive: true });
  const collection = topojson.feature(topology, topology.objects.countries);
  const wkt = [];
  const hex = [];
  let vertices = 0;
  let wkbBytes = 0;
  const bounds = [Infinity, Infinity, -Infinity, -Infinity];
  for (const feature of collection.features) {
    for (const rings of polygonsOf(feature.geometry)) {
      for (const ring of rings) {
        vertices += ring.length;
        for (const [x, y] of ring) {
          bounds[0] = Math.min(bounds[0], x);
          bounds[1] = Math.min(bounds[1], y);
          bounds[2] = Math.max(bounds[2], x);
          bounds[3] = Math.max(bounds[3], y);
        }
      }
    }
    wkt.push(toWkt(feature.geometry));
    const wkb = toWkb(feature.geometry);
    wkbBytes += wkb.length;
    hex.push(wkb.toString("hex"));
  }
  fs.writeFileSync(path.join(out, "countries.geojson"),
                   JSON.stringify(collection));
  fs.writeFileSync(path.join(out, "countries.wkt"), wkt.join("\n") + "\n");
  fs.writeFileSync(path.join(out, "countries.hexwkb"), hex.join("\n") + "\n");
  console.log(JSON.stringify({
    rows: collection.features.length,
    vertices,
    wkb_bytes: wkbBytes,
    bounds,
  }));
}

main();
