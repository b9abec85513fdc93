'use strict';
// Tests of the Node client against a real geosrpc server ($GEOSRPC_SERVER).
const {test, before, after} = require('node:test');
const assert = require('node:assert/strict');
const {spawn} = require('node:child_process');
const {Client, ComputeError, makeBatch, grpc} = require('..');

let server;
let client;

before(async () => {
  const binary = process.env.GEOSRPC_SERVER;
  assert.ok(binary, 'GEOSRPC_SERVER must name the server binary');
  server = spawn(binary, ['--listen=127.0.0.1:0', '--metrics_listen=127.0.0.1:0',
                          '--workers=2']);
  const port = await new Promise((resolve, reject) => {
    let seen = '';
    server.stderr.on('data', (d) => {
      seen += d;
      const m = /listening on port (\d+)/.exec(seen);
      if (m) resolve(m[1]);
    });
    server.on('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  client = new Client(`127.0.0.1:${port}`, {timeoutMs: 60000});
});

after(async () => {
  client.close();
  const exited = new Promise((resolve) => server.on('exit', resolve));
  server.kill('SIGTERM');
  assert.equal(await exited, 0);
});

test('distance to a broadcast point matches Math.hypot', async () => {
  const pts = [];
  for (let i = 0; i < 2000; ++i) pts.push([(i * 7919) % 101, (i * 104729) % 97]);
  const res = await client.compute(
      'distance', pts.map(([x, y]) => `POINT (${x} ${y})`), {b: 'POINT (3 4)'});
  assert.ok(res.values instanceof Float64Array);
  pts.forEach(([x, y], i) => {
    const expected = Math.hypot(x - 3, y - 4);
    assert.ok(Math.abs(res.values[i] - expected) <= 1e-12 * (1 + expected));
  });
  assert.equal(res.summary.rows, 2000);
  assert.equal(res.errors.size, 0);
});

test('row-wise operands, predicates and per-row errors', async () => {
  const res = await client.compute(
      'intersects', ['POINT (0 0)', 'POINT (5 5)', 'POINT (1'],
      {b: ['POLYGON ((-1 -1, 1 -1, 1 1, -1 1, -1 -1))',
           'POLYGON ((-1 -1, 1 -1, 1 1, -1 1, -1 -1))', 'POINT (0 0)']});
  assert.deepEqual(res.values, [true, false, false]);
  assert.equal(res.errors.get(2).code, grpc.status.INVALID_ARGUMENT);
  assert.match(res.errors.get(2).message, /unclosed/);
});

test('geometry results round-trip as WKB and WKT', async () => {
  const env = await client.compute('envelope', ['LINESTRING (0 0, 2 1)'],
                                   {resultEncoding: 'wkt'});
  assert.equal(env.values[0], 'POLYGON ((0 0, 2 0, 2 1, 0 1, 0 0))');
  const wkb = await client.compute('buffer', ['POINT (0 0)'],
                                   {params: {radius: 1, quadsegs: 1}});
  assert.ok(Buffer.isBuffer(wkb.values[0]));
  const area = await client.compute('area', [wkb.values[0]]);
  assert.ok(Math.abs(area.values[0] - 2) < 1e-12);
});

test('bounds, text, parts, coordinates and reductions', async () => {
  const bounds = await client.compute('bounds', ['LINESTRING (1 2, 3 5)']);
  assert.equal(bounds.width, 4);
  assert.deepEqual(Array.from(bounds.values), [1, 2, 3, 5]);

  const relate = await client.compute('relate', ['POINT (0 0)'],
      {b: 'POLYGON ((0 0, 1 0, 1 1, 0 1, 0 0))'});
  assert.deepEqual(relate.values, ['F0FFFF212']);

  const parts = await client.compute('get_parts',
      ['MULTIPOINT ((0 0), (1 1))', 'POINT (', 'POINT (2 2)'],
      {resultEncoding: 'wkt'});
  assert.deepEqual(parts.values, ['POINT (0 0)', 'POINT (1 1)', 'POINT (2 2)']);
  assert.deepEqual(parts.sourceRows, [0, 0, 2]);
  assert.ok(parts.errors.has(1));

  const coords = await client.compute('get_coordinates',
      ['POINT (1 2)', 'LINESTRING Z (0 0 1, 3 4 5)'],
      {params: {include_z: true}});
  assert.equal(coords.width, 3);
  assert.deepEqual(Array.from(coords.values), [1, 2, NaN, 0, 0, 1, 3, 4, 5]);
  assert.deepEqual(coords.sourceRows, [0, 1, 1]);

  const squares = Array.from({length: 50}, (_, x) =>
      `POLYGON ((${x} 0, ${x + 1} 0, ${x + 1} 1, ${x} 1, ${x} 0))`);
  const union = await client.compute('union_all', squares);
  assert.equal(union.values.length, 1);
  const area = await client.compute('area', union.values);
  assert.ok(Math.abs(area.values[0] - 50) < 1e-9);
});

test('invalid parameters reject the whole batch', async () => {
  await assert.rejects(
      client.compute('buffer', ['POINT (0 0)'], {params: {quadsegs: 0}}),
      (err) => err instanceof ComputeError &&
          err.code === grpc.status.INVALID_ARGUMENT &&
          /quadsegs/.test(err.details));
});

test('listOperations describes parameters', async () => {
  const ops = await client.listOperations();
  assert.equal(ops.get('distance').prepared_broadcast, true);
  assert.deepEqual(ops.get('buffer').parameters.map((p) => p.name),
                   ['radius', 'quadsegs', 'cap_style', 'join_style',
                    'mitre_limit', 'single_sided']);
});

test('makeBatch packs rows with offsets', () => {
  const b = makeBatch(['POINT (1 2)', 'POINT (3 4)']);
  assert.equal(b.encoding, 'ENCODING_WKT');
  assert.deepEqual(b.offsets, [0, 11, 22]);
  assert.throws(() => makeBatch(['POINT (1 2)', Buffer.from([1])]), TypeError);
});
