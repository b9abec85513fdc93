'use strict';
// Offline checks of deploy/k8s and the Dockerfile (no cluster, no docker
// engine here): every manifest validates against the Kubernetes schemas
// (kubernetes-models), the kustomization names exactly the files present,
// and both agree with the server binary ($GEOSRPC_SERVER): its flags, ports,
// health service, user, and the shared libraries it loads.
const {test} = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const {execFileSync, spawnSync} = require('node:child_process');
const yaml = require('js-yaml');

const ROOT = path.join(__dirname, '..', '..');
const K8S = path.join(ROOT, 'deploy', 'k8s');
const SERVER = process.env.GEOSRPC_SERVER;

function docs(file) {
  return yaml.loadAll(fs.readFileSync(path.join(K8S, file), 'utf8'));
}
const kustomization = docs('kustomization.yaml')[0];
const all = kustomization.resources.flatMap(docs);
const byKind = (kind) => all.filter((d) => d.kind === kind);
const deployment = byKind('Deployment')[0];
const pod = deployment.spec.template.spec;
const container = pod.containers[0];

// kubernetes-models class for a manifest's apiVersion/kind.
function model(doc) {
  const group = doc.apiVersion.includes('/') ? doc.apiVersion : `core/${doc.apiVersion}`;
  const mod = require(`kubernetes-models/${group.replace(/^core\//, '')}/${doc.kind}`);
  return mod[doc.kind];
}

test('every manifest validates against the Kubernetes schemas', () => {
  assert.ok(all.length >= 6);
  for (const doc of all) {
    const Model = model(doc);
    assert.doesNotThrow(() => new Model(doc).validate(),
                        `${doc.kind}/${doc.metadata.name}`);
  }
});

test('the validator rejects a broken manifest (the check has teeth)', () => {
  const broken = structuredClone(deployment);
  broken.spec.replicas = 'three';
  delete broken.spec.selector;
  assert.throws(() => new (model(broken))(broken).validate());
});

test('the kustomization lists exactly the manifests in the folder', () => {
  const files = fs.readdirSync(K8S).filter(
      (f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
  assert.deepEqual([...kustomization.resources].sort(), files.sort());
});

test('the deployment passes only flags the server knows', () => {
  // --help lists the server's own flags, exactly those it also reads from
  // GEOSRPC_* variables (absl prints it and exits 1).
  const help = spawnSync(SERVER, ['--help'], {encoding: 'utf8'}).stdout;
  assert.match(help, /--listen /);
  for (const arg of container.args) {
    const name = arg.replace(/^--/, '').split('=')[0];
    assert.match(help, new RegExp(`--${name} `), `unknown flag ${arg}`);
  }
  for (const env of container.env) {
    const name = env.name.replace(/^GEOSRPC_/, '').toLowerCase();
    assert.match(help, new RegExp(`--${name} `), `unknown env ${env.name}`);
  }
});

test('every --layer is a file of a mounted ConfigMap, and it loads', async () => {
  const layers = container.args.filter((a) => a.startsWith('--layer='));
  assert.ok(layers.length >= 1);
  const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'layers-'));
  const local = [];
  for (const arg of layers) {
    for (const spec of arg.slice('--layer='.length).split(',')) {
      const [name, file] = spec.split('=');
      const mount = container.volumeMounts.find(
          (m) => file.startsWith(`${m.mountPath}/`));
      assert.ok(mount, `${file} is on no mounted volume`);
      assert.equal(mount.readOnly, true);
      const volume = pod.volumes.find((v) => v.name === mount.name);
      const map = byKind('ConfigMap').find(
          (c) => c.metadata.name === volume.configMap.name);
      const key = file.slice(mount.mountPath.length + 1);
      assert.ok(map && key in map.data, `ConfigMap lacks ${key}`);
      fs.writeFileSync(path.join(dir, key), map.data[key]);
      local.push(`${name}=${path.join(dir, key)}`);
    }
  }
  // The server loads them (it refuses to start on a bad row), then stops.
  const server = require('node:child_process').spawn(SERVER, [
    `--layer=${local.join(',')}`, '--listen=127.0.0.1:0', '--metrics_listen=',
    '--workers=1']);
  let stderr = '';
  await new Promise((resolve, reject) => {
    server.stderr.on('data', (d) => {
      stderr += d;
      if (stderr.includes('listening on port')) resolve();
    });
    server.on('exit', () => reject(new Error(`server exited: ${stderr}`)));
  });
  server.removeAllListeners('exit');
  server.kill('SIGTERM');
  await new Promise((resolve) => server.on('exit', resolve));
  fs.rmSync(dir, {recursive: true});
  assert.match(stderr, /layer 'zones': 2 rows/);
});

test('ports, probes and services agree with the server', () => {
  const arg = (flag) => container.args.find((a) => a.startsWith(`--${flag}=`));
  const grpcPort = Number(arg('listen').split(':').pop());
  const metricsPort = Number(arg('metrics_listen').split(':').pop());
  const ports = Object.fromEntries(container.ports.map((p) => [p.name, p.containerPort]));
  assert.deepEqual(ports, {grpc: grpcPort, metrics: metricsPort});
  // Native gRPC probes against grpc.health.v1, which the server serves
  // overall ("") and for its service.
  assert.equal(container.readinessProbe.grpc.port, grpcPort);
  assert.equal(container.readinessProbe.grpc.service, 'geosrpc.v1.GeometryService');
  assert.equal(container.livenessProbe.grpc.port, grpcPort);
  const annotations = deployment.spec.template.metadata.annotations;
  assert.equal(Number(annotations['prometheus.io/port']), metricsPort);
  const headless = all.find((d) => d.kind === 'Service' && d.spec.clusterIP === 'None');
  assert.ok(headless, 'a headless Service for client-side round_robin');
  for (const svc of byKind('Service')) {
    assert.deepEqual(svc.spec.selector, deployment.spec.selector.matchLabels);
    for (const p of svc.spec.ports) assert.ok(p.targetPort in ports, p.targetPort);
  }
  for (const kind of ['HorizontalPodAutoscaler', 'PodDisruptionBudget']) {
    assert.equal(byKind(kind).length, 1, kind);
  }
  assert.equal(byKind('HorizontalPodAutoscaler')[0].apiVersion, 'autoscaling/v2');
  assert.equal(byKind('HorizontalPodAutoscaler')[0].spec.scaleTargetRef.name,
               deployment.metadata.name);
  assert.deepEqual(byKind('PodDisruptionBudget')[0].spec.selector.matchLabels,
                   deployment.spec.selector.matchLabels);
});

test('admission by memory stays below the pod\'s memory limit', () => {
  const units = {Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, K: 1e3, M: 1e6, G: 1e9};
  const [, n, unit] = container.resources.limits.memory.match(/^(\d+)(\w*)$/);
  const limit = Number(n) * (units[unit] ?? 1);
  const arg = container.args.find((a) => a.startsWith('--max_inflight_bytes='));
  assert.ok(arg, 'the Deployment sets --max_inflight_bytes');
  const inflight = Number(arg.split('=')[1]);
  assert.ok(inflight > 0 && inflight <= limit / 2,
            `${inflight} bytes in flight against a ${limit}-byte limit`);
});

test('the pod is locked down and outlives the server drain', () => {
  assert.equal(pod.securityContext.runAsNonRoot, true);
  const sc = container.securityContext;
  assert.equal(sc.allowPrivilegeEscalation, false);
  assert.equal(sc.readOnlyRootFilesystem, true);
  assert.deepEqual(sc.capabilities.drop, ['ALL']);
  assert.ok(container.resources.requests.cpu && container.resources.limits.memory);
  const seconds = (flag) => Number(container.args.find(
      (a) => a.startsWith(`--${flag}=`)).split('=')[1].replace(/s$/, ''));
  assert.ok(pod.terminationGracePeriodSeconds >
            seconds('drain_delay') + seconds('shutdown_grace'));
});

// A small Dockerfile reader: instructions with their arguments, by stage.
function dockerfile() {
  const text = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8')
                   .replace(/\\\n/g, ' ');
  const stages = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [instr, ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (instr.toUpperCase() === 'FROM') {
      stages.push({from: args, name: args.split(/\s+AS\s+/i)[1], lines: []});
    } else {
      assert.ok(stages.length, `${instr} before FROM`);
      stages.at(-1).lines.push({instr: instr.toUpperCase(), args});
    }
  }
  return stages;
}

test('the Dockerfile builds with the README script and runs as the pod user', () => {
  const [build, runtime] = dockerfile();
  assert.match(build.from, /^debian:12/);
  assert.match(runtime.from, /^debian:12/);
  const run = build.lines.filter((l) => l.instr === 'RUN').map((l) => l.args).join(' ');
  assert.match(run, /bash scripts\/install-deps\.sh/);
  assert.match(run, /--target geosrpc_server/);
  const user = runtime.lines.find((l) => l.instr === 'USER').args;
  assert.equal(Number(user), pod.securityContext.runAsUser);
  const exposed = runtime.lines.find((l) => l.instr === 'EXPOSE').args.split(/\s+/).map(Number);
  assert.deepEqual(exposed.sort(), container.ports.map((p) => p.containerPort).sort());
  const entry = JSON.parse(runtime.lines.find((l) => l.instr === 'ENTRYPOINT').args);
  assert.equal(path.basename(entry[0]), path.basename(SERVER));
  const copies = runtime.lines.filter((l) => l.instr === 'COPY').map((l) => l.args);
  assert.ok(copies.some((c) => c.includes('--from=build') && c.includes('geosrpc_server')));
});

test('the runtime image installs every library the server loads', () => {
  const [, runtime] = dockerfile();
  const installed = runtime.lines.filter((l) => l.instr === 'RUN').map((l) => l.args).join(' ');
  const libs = execFileSync('ldd', [SERVER], {encoding: 'utf8'})
                   .split('\n').map((l) => (l.match(/=> (\S+)/) || [])[1]).filter(Boolean);
  const packages = new Set();
  // dpkg knows a file by the path its package installed it at: with
  // Debian 12's merged /usr that may be the /lib or the /usr/lib one.
  const owner = (lib) => {
    const real = fs.realpathSync(lib);
    for (const p of [lib, real, real.replace(/^\/usr\/lib\//, '/lib/')]) {
      const r = spawnSync('dpkg', ['-S', p], {encoding: 'utf8'});
      if (r.status === 0) return r.stdout.split(':')[0];
    }
    throw new Error(`no package owns ${lib}`);
  };
  for (const lib of libs) packages.add(owner(lib));
  // Pulled in by the named packages or present in debian:12-slim.
  const implied = new Set(['libc6', 'libgcc-s1', 'libstdc++6', 'zlib1g', 'libssl3',
                           'libc-ares2', 'libre2-9', 'libgeos3.11.1', 'libgrpc29']);
  // And what a named package depends on, as dpkg records it here (libproj25
  // brings libsqlite3-0, libtiff6, libcurl3-gnutls and theirs).
  const named = installed.split(/\s+/).filter((w) => /^lib[a-z0-9.+-]+$/.test(w));
  const pending = [...named];
  while (pending.length > 0) {
    const pkg = pending.pop();
    const r = spawnSync('dpkg-query', ['-W', '-f=${Depends}, ${Pre-Depends}', pkg],
                        {encoding: 'utf8'});
    if (r.status !== 0) continue;
    for (const dep of r.stdout.split(/[,|]/)) {
      const name = dep.trim().split(/[\s:(]/)[0];
      if (name && !implied.has(name)) {
        implied.add(name);
        pending.push(name);
      }
    }
  }
  for (const pkg of packages) {
    // Sanitizer runtimes appear only in make test's sanitizer builds.
    if (implied.has(pkg) || /^lib(asan|ubsan|tsan|lsan)\d/.test(pkg)) continue;
    assert.match(installed, new RegExp(`\\b${pkg.replace(/[.+]/g, '\\$&')}\\b`),
                 `runtime stage lacks ${pkg}`);
  }
});
