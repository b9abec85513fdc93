'use strict';
// The Node client against a real server ($GEOSRPC_SERVER), checked against
// Turf (@turf/turf, planar functions only) on the same GeoJSON: GeoJSON in
// and out with properties kept, Turf-shaped buffer, parameters checked
// (names, camelCase, types, style names), computeStream, typed-array
// points, and retries.
const {test, before, after} = require('node:test');
const assert = require('node:assert/strict');
const {spawn} = require('node:child_process');
const turf = require('@turf/turf');
const {Client, ComputeError, points, grpc} = require('..');

let server;
let client;

function startServer() {
  const proc = spawn(process.env.GEOSRPC_SERVER,
      ['--listen=127.0.0.1:0', '--metrics_listen=127.0.0.1:0', '--workers=2']);
  const port = new Promise((resolve, reject) => {
    let seen = '';
    proc.stderr.on('data', (d) => {
      seen += d;
      const m = /listening on port (\d+)/.exec(seen);
      if (m) resolve(Number(m[1]));
    });
    proc.on('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  return {proc, port};
}

async function stopServer(proc) {
  const exited = new Promise((resolve) => proc.on('exit', resolve));
  proc.kill('SIGTERM');
  assert.equal(await exited, 0);
}

before(async () => {
  assert.ok(process.env.GEOSRPC_SERVER, 'GEOSRPC_SERVER must name the server binary');
  const s = startServer();
  server = s.proc;
  client = new Client(`127.0.0.1:${await s.port}`, {timeoutMs: 60000});
});

after(async () => {
  client.close();
  await stopServer(server);
});

// GEOS's buffer vertices come from sines and cosines: within 1e-12.
function assertBbox(geojson, expected) {
  const got = turf.bbox(geojson);
  got.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-12,
                                  `bbox ${got} vs ${expected}`));
}

// A deterministic mix of boxes and triangles with small integer corners.
function polygons(n) {
  const out = [];
  for (let i = 0; i < n; ++i) {
    const x = (i * 7) % 11;
    const y = (i * 5) % 13;
    const w = 1 + (i % 4);
    const h = 1 + ((i * 3) % 5);
    out.push(i % 2 === 0 ?
        turf.polygon([[[x, y], [x + w, y], [x + w, y + h], [x, y + h], [x, y]]],
                     {id: i, kind: 'box'}) :
        turf.polygon([[[x, y], [x + w, y], [x, y + h], [x, y]]],
                     {id: i, kind: 'triangle'}));
  }
  return turf.featureCollection(out);
}

test('bounds match turf.bbox; properties are kept', async () => {
  const fc = polygons(40);
  const out = await client.computeGeoJSON('bounds', fc);
  assert.equal(out.type, 'FeatureCollection');
  out.features.forEach((f, i) => {
    assert.deepEqual(f.properties.bounds, turf.bbox(fc.features[i]));
    assert.equal(f.properties.id, i);
    assert.deepEqual(f.geometry, fc.features[i].geometry);
  });
  assert.equal(out.errors.size, 0);
  assert.ok(!('errors' in JSON.parse(JSON.stringify(out))));
});

test('point in polygon matches turf.booleanPointInPolygon', async () => {
  const square = turf.polygon([[[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]]);
  const pts = [];
  for (let i = 0; i < 500; ++i) pts.push([(i * 37) % 23 - 6, (i * 53) % 19 - 4]);
  const res = await client.compute(
      'intersects', pts.map((p) => turf.point(p)), {b: square});
  pts.forEach((p, i) => assert.equal(
      res.values[i], turf.booleanPointInPolygon(p, square), `point ${p}`));
});

test('polygon predicates match Turf', async () => {
  const fc = polygons(30);
  const probe = turf.polygon([[[2, 2], [7, 2], [7, 8], [2, 8], [2, 2]]]);
  const intersects = await client.compute('intersects', fc, {b: probe});
  const within = await client.compute('within', fc, {b: probe});
  fc.features.forEach((f, i) => {
    assert.equal(intersects.values[i], turf.booleanIntersects(f, probe), `row ${i}`);
    assert.equal(within.values[i], turf.booleanWithin(f, probe), `row ${i}`);
  });
});

test('centroids match turf.centerOfMass', async () => {
  const fc = polygons(30);
  const out = await client.computeGeoJSON('centroid', fc);
  out.features.forEach((f, i) => {
    const expected = turf.centerOfMass(fc.features[i]).geometry.coordinates;
    assert.equal(f.geometry.type, 'Point');
    f.geometry.coordinates.forEach((v, k) =>
      assert.ok(Math.abs(v - expected[k]) < 1e-12, `row ${i}: ${v} vs ${expected[k]}`));
    assert.equal(f.properties.kind, fc.features[i].properties.kind);
  });
});

test('intersection areas match turf.intersect', async () => {
  const fc = polygons(30);
  const probe = turf.polygon([[[1, 1], [9, 1], [9, 9], [1, 9], [1, 1]]]);
  const out = await client.computeGeoJSON('intersection', fc, {b: probe});
  const ours = await client.compute('area', out.features);
  const theirs = fc.features.map((f) =>
    turf.intersect(turf.featureCollection([f, probe])));
  const theirArea = await client.compute('area', theirs.map((t) =>
    t ?? turf.polygon([[[0, 0], [0, 0], [0, 0], [0, 0]]])));
  fc.features.forEach((f, i) => {
    const expected = theirs[i] ? theirArea.values[i] : 0;
    assert.ok(Math.abs(ours.values[i] - expected) < 1e-9,
              `row ${i}: ${ours.values[i]} vs ${expected}`);
  });
});

test('convex hulls match turf.convex', async () => {
  const cloud = [];
  for (let i = 0; i < 60; ++i) cloud.push([(i * 31) % 17, (i * 43) % 29]);
  const multipoint = turf.multiPoint(cloud);
  const ours = await client.computeGeoJSON('convex_hull', multipoint);
  const theirs = turf.convex(turf.featureCollection(cloud.map((p) => turf.point(p))));
  const key = (ring) => ring.slice(0, -1).map((p) => p.join(',')).sort();
  assert.deepEqual(key(ours.geometry.coordinates[0]),
                   key(theirs.geometry.coordinates[0]));
});

test('buffer: Turf\'s shape, GEOS\'s planar units, Shapely\'s style names', async () => {
  const line = turf.lineString([[0, 0], [10, 0]], {name: 'road'});
  const flat = await client.buffer(line, 1, {capStyle: 'flat'});
  assert.equal(flat.type, 'Feature');
  assert.equal(flat.properties.name, 'road');
  assertBbox(flat, [0, -1, 10, 1]);  // No caps.
  const square = await client.buffer(line, 1, {capStyle: 'square'});
  assertBbox(square, [-1, -1, 11, 1]);
  const round = await client.buffer(turf.point([0, 0]), 1, {steps: 1});
  const area = await client.compute('area', round);
  assert.ok(Math.abs(area.values[0] - 2) < 1e-12);  // A diamond.
  const mitre = await client.buffer(
      turf.polygon([[[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]]]), 1,
      {joinStyle: 'mitre'});
  assertBbox(mitre, [-1, -1, 5, 5]);
  const byNumber = await client.compute('buffer', line,
      {params: {radius: 1, cap_style: 2}, resultEncoding: 'geojson'});
  assertBbox(JSON.parse(byNumber.values[0]), [0, -1, 10, 1]);
});

test('unknown parameters, wrong types and unknown styles are errors', async () => {
  const call = (params) => client.compute('buffer', 'POINT (0 0)', {params});
  await assert.rejects(call({radius: 1, quad_segs: 2}), {
    name: 'TypeError',
    message: 'operation \'buffer\' has no parameter \'quad_segs\' (its ' +
        'parameters: radius, quadsegs, cap_style, join_style, mitre_limit, ' +
        'single_sided)',
  });
  await assert.rejects(call({radius: '1'}), {
    name: 'TypeError',
    message: 'parameter \'radius\' of \'buffer\' takes a number, not string "1"',
  });
  await assert.rejects(call({radius: 1, capStyle: 'butt'}), {
    name: 'RangeError',
    message: 'parameter \'cap_style\' of \'buffer\' takes one of round, flat, ' +
        'square, not \'butt\'',
  });
  await assert.rejects(call({radius: 1, quadsegs: 2.5}), TypeError);
  await assert.rejects(call({radius: 1, singleSided: 1}), TypeError);
  await assert.rejects(
      client.compute('area', 'POINT (0 0)', {params: {radius: 1}}),
      /takes no parameters/);
  // camelCase spellings reach the server.
  const res = await client.compute('buffer', 'LINESTRING (0 0, 10 0)', {
    params: {radius: 1, capStyle: 'FLAT', mitreLimit: 2, singleSided: true},
    resultEncoding: 'geojson'});
  assertBbox(JSON.parse(res.values[0]), [0, 0, 10, 1]);
});

test('a FeatureCollection with null geometries: row errors, the rest computed', async () => {
  const fc = turf.featureCollection([
    turf.point([3, 4], {n: 0}),
    {type: 'Feature', properties: {n: 1}, geometry: null},
    turf.point([6, 8], {n: 2}),
  ]);
  const out = await client.computeGeoJSON('distance', fc, {b: turf.point([0, 0])});
  assert.deepEqual(out.features.map((f) => f.properties.distance), [5, null, 10]);
  assert.deepEqual(out.features.map((f) => f.properties.n), [0, 1, 2]);
  assert.deepEqual([...out.errors.keys()], [1]);
  assert.equal(out.errors.get(1).code, grpc.status.INVALID_ARGUMENT);
  assert.match(out.errors.get(1).message, /null geometry/);
  const withNull = await client.compute('length', [turf.lineString([[0, 0], [3, 4]]), null]);
  assert.equal(withNull.values[0], 5);
  assert.deepEqual(withNull.errors.get(1),
                   {code: grpc.status.INVALID_ARGUMENT, message: 'a: no geometry (null)'});
});

test('points from typed arrays; computeStream matches compute', async () => {
  const n = 5000;
  const xy = new Float32Array(2 * n);
  for (let i = 0; i < 2 * n; ++i) xy[i] = ((i * 7919) % 1000) / 10;
  const origin = turf.point([50, 50]);
  const whole = await client.compute('distance', points(xy), {b: origin});
  const streamed = await client.computeStream('distance', points(xy),
                                              {b: origin, batchRows: 700});
  assert.deepEqual(streamed.values, whole.values);
  assert.equal(streamed.summary.rows, n);
  assert.equal(streamed.summary.error_rows, 0);
  assert.ok(streamed.summary.chunks >= 8);
  for (let i = 0; i < n; ++i) {
    const expected = Math.hypot(xy[2 * i] - 50, xy[2 * i + 1] - 50);
    assert.ok(Math.abs(whole.values[i] - expected) < 1e-9);
  }
  const ints = await client.compute('distance', points(new Int16Array([3, 4])),
                                    {b: 'POINT (0 0)'});
  assert.equal(ints.values[0], 5);
  // Row-wise b, sliced along with a; per-row errors keep their rows.
  const a = [];
  const b = [];
  for (let i = 0; i < 900; ++i) {
    a.push(i === 777 ? 'POINT (' : `POINT (${i} 0)`);
    b.push(`POINT (0 ${i})`);
  }
  const rowWise = await client.computeStream('distance', a, {b, batchRows: 100});
  assert.deepEqual([...rowWise.errors.keys()], [777]);
  assert.ok(Number.isNaN(rowWise.values[777]));
  assert.ok(Math.abs(rowWise.values[900 - 1] - Math.hypot(899, 899)) < 1e-9);
});

test('UNAVAILABLE before any response is retried', async () => {
  // A client pointed at a port with no server yet; the server starts
  // while the client backs off.
  const net = require('node:net');
  const port = await new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
  const late = new Client(`127.0.0.1:${port}`, {timeoutMs: 20000});
  const noRetry = new Client(`127.0.0.1:${port}`,
                             {timeoutMs: 20000, retryUnavailable: false});
  await assert.rejects(noRetry.listOperations(), (err) =>
    err instanceof ComputeError && err.code === grpc.status.UNAVAILABLE);
  noRetry.close();
  const pending = late.compute('area', 'POLYGON ((0 0, 1 0, 1 1, 0 0))');
  const proc = spawn(process.env.GEOSRPC_SERVER,
      [`--listen=127.0.0.1:${port}`, '--metrics_listen=127.0.0.1:0', '--workers=1']);
  try {
    const res = await pending;
    assert.equal(res.values[0], 0.5);
  } finally {
    late.close();
    await stopServer(proc);
  }
});
