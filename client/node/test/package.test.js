'use strict';
// `npm pack` ships the proto, and the packed client loads outside the
// repository (no GEOSRPC_PROTO_ROOT, no ../../proto).
const {test} = require('node:test');
const assert = require('node:assert/strict');
const {execFileSync} = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

test('the packed package carries its proto and loads', () => {
  const here = path.join(__dirname, '..');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'geosrpc-pack-'));
  try {
    const [packed] = JSON.parse(execFileSync(
        'npm', ['pack', '--json', '--pack-destination', tmp],
        {cwd: here, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']}));
    const files = packed.files.map((f) => f.path);
    assert.ok(files.includes('proto/geosrpc/v1/geometry_service.proto'), files);
    execFileSync('tar', ['xzf', path.join(tmp, packed.filename), '-C', tmp]);
    const env = {...process.env, NODE_PATH: path.join(here, 'node_modules')};
    delete env.GEOSRPC_PROTO_ROOT;
    const out = execFileSync(process.execPath, ['-e',
      'const g = require(process.argv[1]);' +
      'console.log(typeof g.Client, g.makeBatch("POINT (1 2)").encoding)',
      path.join(tmp, 'package')], {cwd: tmp, env, encoding: 'utf8'});
    assert.equal(out.trim(), 'function ENCODING_WKT');
  } finally {
    fs.rmSync(tmp, {recursive: true, force: true});
  }
});
