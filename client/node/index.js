'use strict';
// Node client for geosrpc.v1.GeometryService: a thin wrapper over
// @grpc/grpc-js that packs batches and reassembles streamed chunks; joins
// (join, nearest) send a large set by digest first (setDigest) and whole
// only to a server that answers NOT_FOUND for it. Behind round_robin that
// resend may reach a replica that already holds the set; then the set goes
// whole on the next calls until one is indexed somewhere (the replica that
// missed), at most MAX_WHOLE_CALLS of them, as the C++ client does
// (client/cpp/client.h). Types: index.d.ts.
//
// Geometries go in as users hold them: GeoJSON (geometries, Features, a
// FeatureCollection; Turf's objects), WKT strings, WKB Buffers, or points as
// a typed array; one geometry is one row. Parameters are checked against the
// operation's (names, camelCase spellings, types; enums by short name such
// as 'flat'). Calls that fail UNAVAILABLE or CANCELLED before any response
// arrived ran nothing, so they are retried: up to 5 attempts, backing off
// from 50 ms to 1 s, as the C++ client does.

const crypto = require('crypto');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const fs = require('fs');

// The proto: the package's own copy (npm pack carries it: see package.json's
// prepack), else the repository's.
const PROTO = 'geosrpc/v1/geometry_service.proto';
const PROTO_ROOT = process.env.GEOSRPC_PROTO_ROOT ||
    [path.join(__dirname, 'proto'), path.join(__dirname, '..', '..', 'proto')]
        .find((root) => fs.existsSync(path.join(root, PROTO)));
if (!PROTO_ROOT) {
  throw new Error(`geosrpc: cannot find ${PROTO}; set GEOSRPC_PROTO_ROOT`);
}

const definition = protoLoader.loadSync(PROTO, {
  includeDirs: [PROTO_ROOT],
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
});
const v1 = grpc.loadPackageDefinition(definition).geosrpc.v1;

// A row's kind: how it is sent ('null': no geometry, an empty row the
// server reports as that row's error).
function rowKind(g) {
  if (g === null || g === undefined) return 'null';
  if (typeof g === 'string') return 'wkt';
  if (Buffer.isBuffer(g) || g instanceof Uint8Array) return 'wkb';
  if (typeof g === 'object' && typeof g.type === 'string') {
    if (g.type === 'Feature' && g.geometry === null) return 'null';
    return 'geojson';
  }
  throw new TypeError(`not a geometry: ${String(JSON.stringify(g)).slice(0, 60)}`);
}

function isBatch(value) {
  return value !== null && typeof value === 'object' &&
      Buffer.isBuffer(value.data) && Array.isArray(value.offsets) &&
      typeof value.encoding === 'string';
}

// One geometry (one row), as opposed to a sequence of them.
function isSingle(value) {
  if (typeof value === 'string' || Buffer.isBuffer(value) ||
      value instanceof Uint8Array) {
    return true;
  }
  return value !== null && typeof value === 'object' && !Array.isArray(value) &&
      typeof value.type === 'string' && value.type !== 'FeatureCollection';
}

/**
 * Packs geometries into one GeometryBatch: an array of WKT strings, WKB
 * Buffers or GeoJSON objects (geometries or Features; null for a missing
 * one), a FeatureCollection, or one geometry (one row). A Feature with a
 * null geometry is a row the server reports as failed, not a failed batch.
 */
function makeBatch(geometries) {
  if (isBatch(geometries)) return geometries;
  let rows = geometries;
  if (isSingle(rows)) {
    rows = [rows];
  } else if (rows && rows.type === 'FeatureCollection') {
    rows = rows.features ?? [];
  }
  if (!Array.isArray(rows)) {
    throw new TypeError('geometries: an array, a FeatureCollection or one geometry');
  }
  const kinds = rows.map(rowKind);
  const present = new Set(kinds.filter((k) => k !== 'null'));
  if (present.size > 1) {
    throw new TypeError(`mix of ${[...present].join(' and ')} in one batch ` +
                        '(WKT strings, WKB Buffers, GeoJSON objects)');
  }
  const kind = present.size ? [...present][0] : 'wkb';
  const parts = rows.map((g, i) => {
    if (kinds[i] === 'null') {
      // A null Feature goes as it is, for the server to name the fault.
      return kind === 'geojson' && g ? Buffer.from(JSON.stringify(g)) :
                                       Buffer.alloc(0);
    }
    if (kind === 'wkt') return Buffer.from(g, 'utf8');
    if (kind === 'geojson') return Buffer.from(JSON.stringify(g));
    return Buffer.isBuffer(g) ? g : Buffer.from(g.buffer, g.byteOffset, g.byteLength);
  });
  const offsets = [0];
  for (const p of parts) offsets.push(offsets[offsets.length - 1] + p.length);
  const encoding = {wkt: 'ENCODING_WKT', wkb: 'ENCODING_WKB',
    geojson: 'ENCODING_GEOJSON'}[kind];
  const batch = {encoding, data: Buffer.concat(parts), offsets};
  // Rows given as null (sent empty; the server fails them): their errors
  // say so rather than "empty geometry". Not sent: not enumerable.
  const missing = [];
  rows.forEach((g, i) => { if (g === null || g === undefined) missing.push(i); });
  Object.defineProperty(batch, 'missing', {value: missing});
  return batch;
}

// Rows of `batch` given as null: their errors say so.
function nameMissing(result, batch) {
  for (const row of batch.missing ?? []) {
    const error = result.errors.get(row);
    if (error) error.message = 'a: no geometry (null)';
  }
  return result;
}

/**
 * A batch of 2D points, WKB-encoded: `coords` interleaved x, y in any
 * typed array (Float64Array, Int32Array, ...) or plain array of numbers,
 * or an array of [x, y] pairs.
 */
function points(coords) {
  let flat = coords;
  if (Array.isArray(coords) && coords.length > 0 && Array.isArray(coords[0])) {
    flat = coords.flatMap((p) => {
      if (p.length !== 2) throw new TypeError('points: [x, y] pairs');
      return p;
    });
  }
  if (flat.length % 2 !== 0) {
    throw new TypeError('points: an even count of numbers (x, y, x, y, ...)');
  }
  const n = flat.length / 2;
  const data = Buffer.alloc(21 * n);
  for (let i = 0; i < n; ++i) {
    const x = Number(flat[2 * i]);
    const y = Number(flat[2 * i + 1]);
    data[21 * i] = 1;  // little-endian
    data.writeUInt32LE(1, 21 * i + 1);  // Point
    data.writeDoubleLE(x, 21 * i + 5);
    data.writeDoubleLE(y, 21 * i + 13);
  }
  return {encoding: 'ENCODING_WKB', data,
    offsets: Array.from({length: n + 1}, (_, i) => 21 * i)};
}

// camelCase spellings of proto names: mitreLimit -> mitre_limit.
function snake(name) {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

// An enum's value prefix: BufferCapStyle -> BUFFER_CAP_STYLE_.
function enumPrefix(typeName) {
  return `${typeName.replace(/(?!^)([A-Z])/g, '_$1').toUpperCase()}_`;
}

function enumValues(typeName) {
  return definition[`geosrpc.v1.${typeName}`].type.value;
}

// What a field takes, in words (the errors' text, as the Python client's).
function kindName(field) {
  if (field.type === 'TYPE_ENUM') {
    const prefix = enumPrefix(field.typeName);
    return 'one of ' + enumValues(field.typeName).filter((v) => v.number !== 0)
        .map((v) => v.name.slice(prefix.length).toLowerCase()).join(', ');
  }
  return {TYPE_DOUBLE: 'a number', TYPE_FLOAT: 'a number',
    TYPE_BOOL: 'true or false', TYPE_STRING: 'a string'}[field.type] ??
      'an integer';
}

function describe(value) {
  return `${typeof value} ${JSON.stringify(value)}`;
}

// `value` checked against `field`'s type; enums also by short name
// ('flat'), full name or number.
function paramValue(op, field, value) {
  const wrong = () => new TypeError(`parameter '${field.name}' of '${op}' ` +
      `takes ${kindName(field)}, not ${describe(value)}`);
  switch (field.type) {
    case 'TYPE_ENUM': {
      const values = enumValues(field.typeName);
      if (typeof value === 'string') {
        const prefix = enumPrefix(field.typeName);
        let name = value.toUpperCase();
        if (!name.startsWith(prefix)) name = prefix + name;
        const found = values.find((v) => v.name === name && v.number !== 0);
        if (!found) {
          throw new RangeError(`parameter '${field.name}' of '${op}' takes ` +
                               `${kindName(field)}, not '${value}'`);
        }
        return found.name;
      }
      const found = Number.isInteger(value) &&
          values.find((v) => v.number === value);
      if (!found) throw wrong();
      return found.name;
    }
    case 'TYPE_DOUBLE':
    case 'TYPE_FLOAT':
      if (typeof value !== 'number') throw wrong();
      return value;
    case 'TYPE_BOOL':
      if (typeof value !== 'boolean') throw wrong();
      return value;
    case 'TYPE_STRING':
      if (typeof value !== 'string') throw wrong();
      return value;
    default:
      if (!Number.isInteger(value)) throw wrong();
      return value;
  }
}

// The Operation message for `op` (OperationInfo `info`) with `params`
// checked: names as the proto's or their camelCase spellings.
function operationOf(op, info, params) {
  const operation = {op: info.op};
  const names = Object.keys(params ?? {});
  if (names.length === 0) return operation;
  if (!info.params_message) {
    throw new TypeError(`operation '${op}' takes no parameters ` +
                        `(given: ${names.join(', ')})`);
  }
  const holder = definition['geosrpc.v1.Operation'].type.field
      .find((f) => f.name === info.params_message);
  const fields = definition[`geosrpc.v1.${holder.typeName}`].type.field;
  const message = {};
  for (const name of names) {
    const field = fields.find((f) => f.name === name) ??
        fields.find((f) => f.name === snake(name));
    if (!field) {
      throw new TypeError(`operation '${op}' has no parameter '${name}' ` +
          `(its parameters: ${fields.map((f) => f.name).join(', ')})`);
    }
    if (params[name] === undefined) continue;
    message[field.name] = paramValue(op, field, params[name]);
  }
  operation[info.params_message] = message;
  return operation;
}

/** The proto's name for an encoding given as wkb, wkt, hex_wkb or geojson. */
function encodingName(name) {
  const upper = String(name).toUpperCase();
  const full = upper.startsWith('ENCODING_') ? upper : `ENCODING_${upper}`;
  if (!['ENCODING_WKB', 'ENCODING_WKT', 'ENCODING_HEX_WKB',
    'ENCODING_GEOJSON'].includes(full)) {
    throw new TypeError(`unknown encoding '${name}' (wkb, wkt, hex_wkb, geojson)`);
  }
  return full;
}

// Calls that send a set whole after a digest miss found it elsewhere.
const MAX_WHOLE_CALLS = 8;

const ENCODING_NUMBERS = {
  ENCODING_UNSPECIFIED: 1, ENCODING_WKB: 1, ENCODING_WKT: 2,
  ENCODING_HEX_WKB: 3, ENCODING_GEOJSON: 4,
};

/**
 * The digest a server knows a set by (IndexedSet.digest): "sha256:" and
 * the hex SHA-256 of the encoding as one byte (unspecified counts as WKB),
 * the row count as 8 little-endian bytes, then each row as its length in 8
 * little-endian bytes followed by its bytes.
 * @param {Array<string|Buffer>|{encoding: string, data: Buffer,
 *     offsets: number[]}} set geometries, or a batch from makeBatch
 */
function setDigest(set) {
  const batch = makeBatch(set);
  const rows = Math.max(batch.offsets.length - 1, 0);
  const hash = crypto.createHash('sha256');
  const head = Buffer.alloc(9);
  head[0] = ENCODING_NUMBERS[batch.encoding] ?? batch.encoding;
  head.writeBigUInt64LE(BigInt(rows), 1);
  hash.update(head);
  const length = Buffer.alloc(8);
  for (let i = 0; i < rows; ++i) {
    const begin = Number(batch.offsets[i]);
    const end = Number(batch.offsets[i + 1]);
    length.writeBigUInt64LE(BigInt(end - begin));
    hash.update(length);
    hash.update(batch.data.subarray(begin, end));
  }
  return `sha256:${hash.digest('hex')}`;
}

// Join predicates by Shapely's names ('intersects', 'covered_by',
// 'dwithin', 'envelope', ...).
const PREDICATES = definition['geosrpc.v1.JoinPredicate'].type.value
    .map((v) => v.name)
    .filter((name) => name !== 'JOIN_PREDICATE_UNSPECIFIED');

function predicateName(name) {
  const full = `JOIN_PREDICATE_${String(name).toUpperCase()}`;
  if (!PREDICATES.includes(full)) {
    const known = PREDICATES.map((p) => p.slice(15).toLowerCase()).join(', ');
    throw new TypeError(`unknown predicate '${name}' (${known})`);
  }
  return full;
}

/** A whole batch failed; `code` is a grpc.status number. */
class ComputeError extends Error {
  constructor(code, details) {
    super(`${grpc.status[code] ?? code}: ${details}`);
    this.code = code;
    this.details = details;
  }
}

// Attempts of a call that failed before any response (see the top).
const ATTEMPTS = 5;

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

class Client {
  /**
   * @param {string} target host:port, or e.g. 'dns:///geosrpc:50051'
   * @param {{credentials?: grpc.ChannelCredentials, maxMessageBytes?: number,
   *          timeoutMs?: number, loadBalancingPolicy?: string,
   *          channelOptions?: object, retryUnavailable?: boolean,
   *          digestFirstBytes?: number|null}} [options]
   *     channelOptions: more grpc-js channel options; they win over the
   *     ones set here. retryUnavailable (default true): retry calls that
   *     failed UNAVAILABLE or CANCELLED before any response arrived.
   */
  constructor(target = '127.0.0.1:50051', options = {}) {
    const max = options.maxMessageBytes ?? 256 * 1024 * 1024;
    const channelOptions = {
      'grpc.max_receive_message_length': max,
      'grpc.max_send_message_length': max,
    };
    const serviceConfig = {};
    if (options.loadBalancingPolicy) {
      serviceConfig.loadBalancingConfig = [{[options.loadBalancingPolicy]: {}}];
    }
    this.retryUnavailable = options.retryUnavailable ?? true;
    if (this.retryUnavailable) {
      // gRPC's own retries too (transparent ones included).
      serviceConfig.methodConfig = [{
        name: [{service: 'geosrpc.v1.GeometryService'}],
        retryPolicy: {
          maxAttempts: ATTEMPTS, initialBackoff: '0.05s', maxBackoff: '1s',
          backoffMultiplier: 2,
          retryableStatusCodes: ['UNAVAILABLE', 'CANCELLED'],
        },
      }];
    }
    if (Object.keys(serviceConfig).length > 0) {
      channelOptions['grpc.service_config'] = JSON.stringify(serviceConfig);
    }
    Object.assign(channelOptions, options.channelOptions ?? {});
    this.stub = new v1.GeometryService(
        target, options.credentials ?? grpc.credentials.createInsecure(),
        channelOptions);
    this.timeoutMs = options.timeoutMs;
    // A set at least this large (bytes of geometry) goes by digest first;
    // null turns that off.
    this.digestFirstBytes = options.digestFirstBytes === undefined ?
        64 * 1024 : options.digestFirstBytes;
    // Sets going whole, by digest: the calls left to send them so.
    this.wholeCalls = new Map();
    this.operations = null;
  }

  close() { this.stub.close(); }

  callOptions(timeoutMs) {
    const ms = timeoutMs ?? this.timeoutMs;
    return ms ? {deadline: Date.now() + ms} : {};
  }

  // once(received) until it succeeds, fails otherwise than UNAVAILABLE or
  // CANCELLED, or fails after a response arrived (once sets
  // received.any): a call that got an answer may have done work.
  async retrying(once) {
    let backoff = 50;
    for (let attempt = 1; ; ++attempt) {
      const received = {any: false};
      try {
        return await once(received);
      } catch (err) {
        if (!(err instanceof ComputeError) || !this.retryUnavailable ||
            received.any || attempt === ATTEMPTS ||
            (err.code !== grpc.status.UNAVAILABLE &&
             err.code !== grpc.status.CANCELLED)) {
          throw err;
        }
      }
      await sleep(backoff);
      backoff = Math.min(backoff * 2, 1000);
    }
  }

  unary(method, request, timeoutMs) {
    return this.retrying(() => new Promise((resolve, reject) => {
      this.stub[method](request, this.callOptions(timeoutMs), (err, res) =>
          err ? reject(new ComputeError(err.code, err.details)) : resolve(res));
    }));
  }

  /** @returns {Promise<Map<string, object>>} operations by name. */
  async listOperations(options = {}) {
    if (this.operations) return this.operations;
    const response = await this.unary('ListOperations', {}, options.timeoutMs);
    this.operations = new Map(response.operations.map((o) => [o.name, o]));
    return this.operations;
  }

  /** @returns {Promise<Map<string, object>>} the server's layers by name. */
  async listLayers(options = {}) {
    const response = await this.unary('ListLayers', {}, options.timeoutMs);
    return new Map(response.layers.map((l) => [l.layer, l]));
  }

  /**
   * Every (row of `a`, set row) satisfying predicate(a row, set geometry),
   * as Shapely's STRtree(set).query(a, predicate): see JoinResult.
   * @param a geometries (see makeBatch)
   * @param {{set?: any, layer?: string, predicate?: string,
   *          distance?: number, returnDistance?: boolean,
   *          maxPairs?: number, timeoutMs?: number}} options predicate:
   *     Shapely's name (default intersects; dwithin takes `distance`;
   *     envelope: envelopes intersect)
   */
  async join(a, options = {}) {
    const request = {
      a: makeBatch(a),
      set: setOf(options),
      predicate: predicateName(options.predicate ?? 'intersects'),
      distance: options.distance ?? 0,
      return_distance: Boolean(options.returnDistance),
      max_pairs: options.maxPairs ?? 0,
    };
    return this.pairs('Join', request, false, options.timeoutMs);
  }

  /**
   * For each row of `a`, its k nearest set geometries (Shapely's
   * STRtree.query_nearest, with k): see JoinResult.
   * @param a geometries (see makeBatch)
   * @param {{set?: any, layer?: string, k?: number,
   *          maxDistance?: number, exclusive?: boolean,
   *          allMatches?: boolean, returnDistance?: boolean,
   *          maxPairs?: number, timeoutMs?: number}} options
   */
  async nearest(a, options = {}) {
    const request = {
      a: makeBatch(a),
      set: setOf(options),
      k: options.k ?? 1,
      return_distance: Boolean(options.returnDistance),
      exclusive: Boolean(options.exclusive),
      all_matches: options.allMatches ?? true,
      max_pairs: options.maxPairs ?? 0,
    };
    if (options.maxDistance !== undefined) {
      request.max_distance = options.maxDistance;
    }
    return this.pairs('Nearest', request, true, options.timeoutMs);
  }

  // The call, by digest first when the set is large enough.
  async pairs(method, request, nearest, timeoutMs) {
    const g = request.set.geometries;
    if (this.digestFirstBytes === null || !g ||
        g.data.length + 8 * g.offsets.length < this.digestFirstBytes) {
      return this.pairsOnce(method, request, nearest, timeoutMs);
    }
    const digest = setDigest(g);
    const whole = this.wholeCalls.get(digest) ?? 0;
    if (whole > 0) {
      if (whole > 1) this.wholeCalls.set(digest, whole - 1);
      else this.wholeCalls.delete(digest);
      const result = await this.pairsOnce(method, request, nearest, timeoutMs);
      result.sentWhole = true;
      this.learn(digest, result, false);
      return result;
    }
    try {
      return await this.pairsOnce(method, {...request, set: {digest}}, nearest,
                                  timeoutMs);
    } catch (err) {
      if (!(err instanceof ComputeError) || err.code !== grpc.status.NOT_FOUND ||
          !err.details.includes(digest)) {
        throw err;
      }
    }
    const result = await this.pairsOnce(method, request, nearest, timeoutMs);
    result.digestMissed = true;
    this.learn(digest, result, true);
    return result;
  }

  // Where the set is, from a call that sent it whole.
  learn(digest, result, missed) {
    if (result.summary.index_seconds > 0) {
      this.wholeCalls.delete(digest);  // A replica that lacked it has it.
    } else if (missed) {
      // It reached a replica that held it: the one that missed lacks it.
      if (this.wholeCalls.size >= 1024) this.wholeCalls.clear();
      this.wholeCalls.set(digest, MAX_WHOLE_CALLS);
    }
  }

  pairsOnce(method, request, nearest, timeoutMs) {
    return this.retrying((received) => new Promise((resolve, reject) => {
      const chunks = [];
      const errors = new Map();
      let summary = null;
      const call = this.stub[method](request, this.callOptions(timeoutMs));
      call.on('data', (response) => {
        received.any = true;
        if (response.kind === 'summary') {
          summary = response.summary;
          return;
        }
        for (const e of response.chunk.errors) {
          errors.set(Number(e.row), {code: e.code, message: e.message});
        }
        if (response.chunk.a_rows.length > 0) chunks.push(response.chunk);
      });
      call.on('error', (err) => reject(new ComputeError(err.code, err.details)));
      call.on('end', () => {
        const result = gatherPairs(chunks, nearest, request.return_distance);
        result.errors = new Map([...errors].sort((x, y) => x[0] - y[0]));
        result.summary = summary;
        result.digestMissed = false;
        result.sentWhole = false;
        resolve(result);
      });
    }));
  }

  // The ComputeRequest for `op` on `a` (and options.b), parameters checked.
  async request(op, a, options = {}) {
    const info = (await this.listOperations()).get(op);
    if (!info) throw new TypeError(`the server offers no operation '${op}'`);
    const request = {
      operation: operationOf(op, info, options.params),
      a: makeBatch(a),
      result_encoding: encodingName(options.resultEncoding ?? 'wkb'),
    };
    const b = options.b;
    if (b !== undefined && b !== null && isSingle(b)) {
      request.b_broadcast = makeBatch(b);
      delete request.b_broadcast.offsets;
    } else if (b !== undefined && b !== null) {
      request.b_rows = makeBatch(b);
    }
    return {request, info};
  }

  /**
   * Runs `op` on every row of `a`.
   * @param {string} op operation name, e.g. 'distance'
   * @param a geometries: an array of WKT strings, WKB Buffers or GeoJSON
   *     objects, a FeatureCollection, one geometry, or a batch (points())
   * @param {{b?: any, params?: object, resultEncoding?: string,
   *          timeoutMs?: number}} [options] b: one geometry (broadcast) or
   *     one per row. params: the operation's (listOperations), by proto
   *     or camelCase name; enums by short name ('flat'). resultEncoding:
   *     wkb (default), wkt, hex_wkb or geojson, in any case
   */
  async compute(op, a, options = {}) {
    const {request} = await this.request(op, a, options);
    const rows = request.a.offsets.length - 1;
    return this.retrying((received) => new Promise((resolve, reject) => {
      const result = newResult();
      const call = this.stub.Compute(request, this.callOptions(options.timeoutMs));
      call.on('data', (response) => {
        received.any = true;
        if (response.kind === 'summary') {
          result.summary = response.summary;
          return;
        }
        place(result, rows, response.chunk);
      });
      call.on('error', (err) => reject(new ComputeError(err.code, err.details)));
      call.on('end', () => resolve(nameMissing(finish(result), request.a)));
    }));
  }

  /**
   * compute for inputs too large for one message: `a` (and row-wise `b`)
   * go in slices of options.batchRows (default 50000), pipelined on one
   * ComputeStream, and the answers are stitched back in order; the summary
   * adds up the slices'.
   */
  async computeStream(op, a, options = {}) {
    const {request: template, info} = await this.request(op, [], {
      ...options, b: options.b !== undefined && !isSingle(options.b) ?
          [] : options.b});
    if (info.reduces) {
      throw new TypeError(`'${op}' reduces the whole batch: use compute()`);
    }
    const batchA = makeBatch(a);
    const rows = batchA.offsets.length - 1;
    const batchB = template.b_rows ? makeBatch(options.b) : null;
    if (batchB && batchB.offsets.length - 1 !== rows) {
      throw new TypeError('b: one geometry, or as many as a');
    }
    const step = options.batchRows ?? 50000;
    const starts = [];
    for (let s = 0; s < rows; s += step) starts.push(s);
    if (starts.length === 0) starts.push(0);
    const slice = (b, start, stop) => {
      const lo = b.offsets[start];
      return {encoding: b.encoding, data: b.data.subarray(lo, b.offsets[stop]),
        offsets: b.offsets.slice(start, stop + 1).map((o) => o - lo)};
    };
    return this.retrying((received) => new Promise((resolve, reject) => {
      const result = newResult();
      const summary = {status: {code: 0, message: ''}, rows: 0, error_rows: 0,
        chunks: 0, server_seconds: 0, worker_seconds: 0, result_rows: 0,
        row_errors_by_code: {}};
      let failed = false;
      const call = this.stub.ComputeStream(this.callOptions(options.timeoutMs));
      call.on('data', (response) => {
        received.any = true;
        const start = starts[Number(response.id)];
        const inner = response.response;
        if (inner.kind === 'summary') {
          const s = inner.summary;
          if (s.status && s.status.code !== 0 && !failed) {
            failed = true;
            call.cancel();
            reject(new ComputeError(s.status.code, s.status.message));
          }
          addSummary(summary, s);
          return;
        }
        const chunk = inner.chunk;
        chunk.row_offset = Number(chunk.row_offset) + start;
        for (const e of chunk.errors) e.row = Number(e.row) + start;
        chunk.source_rows = chunk.source_rows.map((r) => Number(r) + start);
        place(result, rows, chunk);
      });
      call.on('error', (err) => {
        if (!failed) reject(new ComputeError(err.code, err.details));
      });
      call.on('end', () => {
        result.summary = summary;
        if (!failed) resolve(nameMissing(finish(result), batchA));
      });
      starts.forEach((start, id) => {
        const stop = Math.min(start + step, rows);
        const r = {...template, a: slice(batchA, start, stop)};
        if (batchB) r.b_rows = slice(batchB, start, stop);
        call.write({id, request: r});
      });
      call.end();
    }));
  }

  /**
   * `op` on GeoJSON, answered in GeoJSON as Turf does: the input's shape
   * (a FeatureCollection, a Feature, or a geometry: a Feature), each
   * Feature keeping its properties (and id). A geometry result replaces
   * the geometry; any other value goes to properties[options.property ??
   * op]. A failed row has a null geometry (or value); the row errors are
   * in the result's non-enumerable `errors` Map (row -> {code, message}).
   * @param {string} op operation name
   * @param {object} geojson a FeatureCollection, Feature or geometry
   * @param {{b?: any, params?: object, property?: string,
   *          timeoutMs?: number}} [options]
   */
  async computeGeoJSON(op, geojson, options = {}) {
    const info = (await this.listOperations()).get(op);
    if (!info) throw new TypeError(`the server offers no operation '${op}'`);
    if (info.expands || info.reduces) {
      throw new TypeError(`'${op}' does not give one value per row: use compute()`);
    }
    const collection = geojson && geojson.type === 'FeatureCollection';
    const features = collection ? geojson.features :
        [geojson.type === 'Feature' ? geojson :
            {type: 'Feature', properties: {}, geometry: geojson}];
    const geometric = info.result_type === 'RESULT_TYPE_GEOMETRY';
    const result = await this.compute(op, features, {...options,
      resultEncoding: geometric ? 'geojson' : 'wkb'});
    const out = features.map((f, i) => {
      const feature = {...f, properties: {...(f.properties ?? {})}};
      const failed = result.errors.has(i);
      if (geometric) {
        feature.geometry = failed ? null : JSON.parse(result.values[i]);
      } else {
        const width = result.width;
        feature.properties[options.property ?? op] = failed ? null :
            width > 1 ? Array.from(result.values.slice(i * width, (i + 1) * width)) :
            result.values[i];
      }
      return feature;
    });
    const answer = collection ? {...geojson, features: out} : out[0];
    Object.defineProperty(answer, 'errors', {value: result.errors});
    return answer;
  }

  /**
   * Turf's buffer(geojson, radius, options) shape, computed by GEOS in
   * the coordinates' own (planar) units: capStyle 'round', 'flat' or
   * 'square', joinStyle 'round', 'mitre' or 'bevel', quadSegs (Turf's
   * steps), mitreLimit, singleSided.
   */
  async buffer(geojson, radius, options = {}) {
    const {timeoutMs, property, b, steps, ...rest} = options;
    const params = {radius, ...rest};
    if (steps !== undefined) params.quadsegs = steps;
    if (params.quadSegs !== undefined) {
      params.quadsegs = params.quadSegs;
      delete params.quadSegs;
    }
    return this.computeGeoJSON('buffer', geojson, {params, timeoutMs});
  }
}

function newResult() {
  return {values: null, errors: new Map(), summary: null, width: 1,
    sourceRows: null, parts: []};
}

// The result once every chunk is in.
function finish(result) {
  if (result.sourceRows !== null) {
    // get_parts: chunks in row order, parts in order within each.
    result.parts.sort((x, y) => x.at - y.at);
    result.values = result.parts.flatMap((p) => p.values);
    if (result.width > 1) result.values = Float64Array.from(result.values);
    result.sourceRows = result.parts.flatMap((p) => p.rows);
  }
  delete result.parts;
  if (result.values === null) result.values = new Float64Array(0);
  return result;
}

// One ComputeStream request's summary added to the call's.
function addSummary(total, part) {
  for (const key of ['rows', 'error_rows', 'chunks', 'server_seconds',
    'worker_seconds', 'result_rows']) {
    total[key] += Number(part[key] ?? 0);
  }
  for (const [code, n] of Object.entries(part.row_errors_by_code ?? {})) {
    total.row_errors_by_code[code] = (total.row_errors_by_code[code] ?? 0) +
        Number(n);
  }
}

// The IndexedSet of join or nearest options: `set` geometries or a `layer`.
function setOf(options) {
  if ((options.set === undefined) === (options.layer === undefined)) {
    throw new TypeError('give one of set or layer');
  }
  return options.layer !== undefined ? {layer: options.layer} :
                                       {geometries: makeBatch(options.set)};
}

// Pairs from chunks that arrived in any order: sorted by a row, then (join)
// by set row or (nearest) nearest first, ties by set row. Without distances
// a nearest row keeps the server's order.
function gatherPairs(chunks, nearest, withDistance) {
  const a = [];
  const s = [];
  const d = [];
  for (const c of chunks) {
    for (let i = 0; i < c.a_rows.length; ++i) {
      a.push(Number(c.a_rows[i]));
      s.push(Number(c.set_rows[i]));
      if (withDistance) d.push(c.distances[i]);
    }
  }
  const order = a.map((_, i) => i);
  order.sort((x, y) => {  // Array.prototype.sort is stable.
    if (a[x] !== a[y]) return a[x] - a[y];
    if (nearest) {
      if (!withDistance) return 0;
      if (d[x] !== d[y]) return d[x] - d[y];
    }
    return s[x] - s[y];
  });
  return {
    aRows: order.map((i) => a[i]),
    setRows: order.map((i) => s[i]),
    distances: withDistance ? Float64Array.from(order, (i) => d[i]) : null,
  };
}

// One binary column's values: text for WKT, hex and GeoJSON, else Buffers.
function slices(col) {
  const text = ['ENCODING_WKT', 'ENCODING_HEX_WKB', 'ENCODING_GEOJSON'].includes(col.encoding);
  const out = [];
  for (let i = 0; i + 1 < col.offsets.length; ++i) {
    const bytes = col.data.subarray(col.offsets[i], col.offsets[i + 1]);
    out.push(text ? bytes.toString('utf8') : bytes);
  }
  return out;
}

// Copies one chunk's column and errors into `result` at its row offset.
function place(result, rows, chunk) {
  const at = chunk.row_offset;
  if (chunk.mapping !== 'RESULT_MAPPING_ONE_PER_ROW' && chunk.mapping !== 0) {
    for (const e of chunk.errors) {
      result.errors.set(e.row, {code: e.code, message: e.message});
    }
    if (chunk.column === 'doubles' && chunk.mapping === 'RESULT_MAPPING_PER_PART') {
      // get_coordinates: `width` doubles per coordinate.
      result.sourceRows = [];
      result.width = Math.max(1, chunk.doubles.width);
      result.parts.push({at, values: chunk.doubles.values,
                         rows: chunk.source_rows.map(Number)});
    } else if (chunk.column === 'geometries') {
      if (chunk.mapping === 'RESULT_MAPPING_PER_PART') {
        result.sourceRows = [];
        result.parts.push({at, values: slices(chunk.geometries),
                           rows: chunk.source_rows.map(Number)});
      } else {
        result.values = slices(chunk.geometries);  // A reduction's one value.
      }
    }
    return;
  }
  switch (chunk.column) {
    case 'doubles': {
      const width = Math.max(1, chunk.doubles.width);
      result.width = width;
      result.values ??= new Float64Array(rows * width).fill(NaN);
      result.values.set(chunk.doubles.values, at * width);
      break;
    }
    case 'strings':
      result.values ??= new Array(rows).fill(null);
      chunk.strings.values.forEach((v, i) => { result.values[at + i] = v; });
      break;
    case 'bools':
      result.values ??= new Array(rows).fill(false);
      chunk.bools.values.forEach((v, i) => { result.values[at + i] = v; });
      break;
    case 'ints':
      result.values ??= new Array(rows).fill(0);
      chunk.ints.values.forEach((v, i) => { result.values[at + i] = v; });
      break;
    case 'geometries':
    case 'encoded':
      result.values ??= new Array(rows).fill(null);
      slices(chunk[chunk.column]).forEach((v, i) => {
        result.values[at + i] = v;
      });
      break;
  }
  for (const e of chunk.errors) {
    result.errors.set(e.row, {code: e.code, message: e.message});
    if (Array.isArray(result.values) && chunk.column !== 'bools' &&
        chunk.column !== 'ints') {
      result.values[e.row] = null;
    }
  }
}


module.exports = {Client, ComputeError, makeBatch, points, setDigest, grpc};
