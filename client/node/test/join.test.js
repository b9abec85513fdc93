'use strict';
// join, nearest and listLayers of the Node client against a real geosrpc
// server ($GEOSRPC_SERVER), with a layer loaded at start-up.
const {test, before, after} = require('node:test');
const assert = require('node:assert/strict');
const {spawn} = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const {Client, ComputeError, setDigest, grpc} = require('..');

// Unit squares [i, i+1] x [0, 1].
const squares = (n) => Array.from({length: n}, (_, i) =>
  `POLYGON ((${i} 0, ${i + 1} 0, ${i + 1} 1, ${i} 1, ${i} 0))`);

let server;
let client;
let target;
let dir;

// A server on a free port: its process and its host:port.
async function startServer(...flags) {
  const binary = process.env.GEOSRPC_SERVER;
  assert.ok(binary, 'GEOSRPC_SERVER must name the server binary');
  const proc = spawn(binary, ['--listen=127.0.0.1:0', '--metrics_listen=',
                              '--workers=2', '--log_requests=false', ...flags]);
  const port = await new Promise((resolve, reject) => {
    let seen = '';
    proc.stderr.on('data', (d) => {
      seen += d;
      const m = /listening on port (\d+)/.exec(seen);
      if (m) resolve(m[1]);
    });
    proc.on('exit', (code) => reject(new Error(`server exited ${code}: ${seen}`)));
  });
  return {proc, target: `127.0.0.1:${port}`};
}

async function stopServer(proc) {
  const exited = new Promise((resolve) => proc.on('exit', resolve));
  proc.kill('SIGTERM');
  assert.equal(await exited, 0);
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'geosrpc-join-'));
  fs.writeFileSync(path.join(dir, 'squares.wkt'), squares(10).join('\n') + '\n');
  ({proc: server, target} = await startServer(
      `--layer=squares=${path.join(dir, 'squares.wkt')}`));
  client = new Client(target, {timeoutMs: 60000});
});

after(async () => {
  client.close();
  await stopServer(server);
  fs.rmSync(dir, {recursive: true, force: true});
});

// Inside square 3, on the edge of 6 and 7, a bad row, outside, inside 0.
const probe = ['POINT (3.5 0.5)', 'POINT (7 0.5)', 'POINT (1', 'POINT (-5 -5)',
  'POINT (0.5 0.5)'];

test('join pairs in order, with row errors', async () => {
  const r = await client.join(probe, {set: squares(10)});
  assert.deepEqual(r.aRows, [0, 1, 1, 4]);
  assert.deepEqual(r.setRows, [3, 6, 7, 0]);
  assert.equal(r.distances, null);
  assert.deepEqual([...r.errors.keys()], [2]);
  assert.equal(r.errors.get(2).code, grpc.status.INVALID_ARGUMENT);
  assert.match(r.errors.get(2).message, /unclosed/);
  assert.equal(r.summary.pairs, 4);
  assert.equal(r.digestMissed, false);  // Small: sent whole at once.

  const within = await client.join(probe, {set: squares(10),
                                           predicate: 'covered_by'});
  assert.deepEqual(within.setRows, [3, 6, 7, 0]);
  const contains = await client.join(probe, {set: squares(10),
                                             predicate: 'contains'});
  assert.deepEqual(contains.aRows, []);
});

test('dwithin with distances', async () => {
  const r = await client.join(['POINT (0.5 2)', 'POINT (2.5 0.5)'],
      {set: squares(4), predicate: 'dwithin', distance: 1, returnDistance: true});
  assert.deepEqual(r.aRows, [0, 1, 1, 1]);
  assert.deepEqual(r.setRows, [0, 1, 2, 3]);
  assert.deepEqual(Array.from(r.distances), [1, 0.5, 0, 0.5]);
});

test('nearest: nearest first, ties kept or cut', async () => {
  const a = ['POINT (5 3)', 'POINT (0.5 0.5)'];
  const r = await client.nearest(a, {set: squares(10), k: 3,
                                     returnDistance: true});
  assert.deepEqual(r.aRows, [0, 0, 0, 0, 1, 1, 1]);
  assert.deepEqual(r.setRows, [4, 5, 3, 6, 0, 1, 2]);
  assert.deepEqual(Array.from(r.distances),
                   [2, 2, Math.sqrt(5), Math.sqrt(5), 0, 0.5, 1.5]);
  const one = await client.nearest(a, {set: squares(10), allMatches: false});
  assert.deepEqual(one.setRows, [4, 0]);
  const near = await client.nearest(a, {set: squares(10), maxDistance: 1});
  assert.deepEqual(near.aRows, [1]);
});

test('a large set goes by digest first, whole only when missing', async () => {
  const set = squares(4000);
  const first = await client.join(probe, {set});
  assert.equal(first.digestMissed, true);
  assert.ok(first.summary.index_seconds > 0);
  assert.equal(first.summary.set.digest, setDigest(set));
  const second = await client.join(probe, {set});
  assert.equal(second.digestMissed, false);
  assert.equal(second.summary.index_seconds, 0);
  assert.deepEqual(second.setRows, first.setRows);
  const nearest = await client.nearest(probe, {set});
  assert.equal(nearest.digestMissed, false);
  // Off: the set goes whole, and the server finds it held.
  const whole = new Client(target, {digestFirstBytes: null});
  try {
    const again = await whole.join(probe, {set});
    assert.equal(again.digestMissed, false);
    assert.equal(again.summary.index_seconds, 0);
  } finally {
    whole.close();
  }
});

test('behind round_robin every replica gets the set, once', async () => {
  const set = squares(3000);  // Not yet on the shared server.
  const other = await startServer();
  const rr = new Client(`ipv4:${target},${other.target}`,
                        {loadBalancingPolicy: 'round_robin'});
  try {
    const direct = new Client(other.target);
    await direct.join(probe, {set});  // Held by one replica.
    direct.close();
    // round_robin reaches a replica once it is connected and its health
    // check has answered, so the first calls may all go to one: call until
    // four in a row go by digest alone.
    const calls = [];
    const settled = () => calls.length >= 4 &&
        calls.slice(-4).every((c) => c === 'digest');
    while (calls.length < 50 && !settled()) {
      const r = await rr.join(probe, {set});
      assert.deepEqual(r.setRows, [3, 6, 7, 0]);
      calls.push(r.digestMissed ? 'missed' : r.sentWhole ? 'whole' : 'digest');
    }
    assert.ok(calls.filter((c) => c === 'missed').length <= 2, calls.join());
    assert.ok(settled(), calls.join());
    // The replica that lacked the set holds it now.
    const shared = new Client(target);
    const again = await shared.join(probe, {set});
    shared.close();
    assert.equal(again.digestMissed, false);
  } finally {
    rr.close();
    await stopServer(other.proc);
  }
});

test('layers are listed and joined by name', async () => {
  const layers = await client.listLayers();
  assert.deepEqual([...layers.keys()], ['squares']);
  const info = layers.get('squares');
  assert.equal(info.rows, 10);
  assert.deepEqual(info.bounds, [0, 0, 10, 1]);
  assert.equal(info.digest, setDigest(squares(10)));
  const r = await client.join(probe, {layer: 'squares'});
  assert.deepEqual(r.setRows, [3, 6, 7, 0]);
  assert.equal(r.summary.set.layer, 'squares');
});

test('whole-call failures reject; bad options throw', async () => {
  await assert.rejects(client.join(probe, {layer: 'nowhere'}), (err) => {
    assert.ok(err instanceof ComputeError);
    assert.equal(err.code, grpc.status.NOT_FOUND);
    return true;
  });
  await assert.rejects(client.join(probe, {set: squares(10), maxPairs: 2}),
      (err) => err.code === grpc.status.RESOURCE_EXHAUSTED);
  await assert.rejects(client.join(probe, {set: squares(1), predicate: 'near'}),
      TypeError);
  await assert.rejects(client.nearest(probe, {}), TypeError);
});

test('setDigest matches the known answer', () => {
  assert.equal(setDigest(['POINT (1 2)', 'LINESTRING (0 0, 1 1)']),
      'sha256:f72aedcd576dbbbd0c24e4cd9598a43414ab0a2f5f64d048cad2356cf7b1d3c9');
});
