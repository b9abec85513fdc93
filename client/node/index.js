'use strict';
// Node client for geosrpc.v1.GeometryService: a thin wrapper over
// @grpc/grpc-js that packs batches and reassembles streamed chunks; joins
// (join, nearest) send a large set by digest first (setDigest) and whole
// only to a server that answers NOT_FOUND for it. Behind round_robin that
// resend may reach a replica that already holds the set; then the set goes
// whole on the next calls until one is indexed somewhere (the replica that
// missed), at most MAX_WHOLE_CALLS of them, as the C++ client does
// (client/cpp/client.h). Types: index.d.ts.

const crypto = require('crypto');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const PROTO_ROOT = process.env.GEOSRPC_PROTO_ROOT ||
    path.join(__dirname, '..', '..', 'proto');

const definition = protoLoader.loadSync('geosrpc/v1/geometry_service.proto', {
  includeDirs: [PROTO_ROOT],
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
});
const v1 = grpc.loadPackageDefinition(definition).geosrpc.v1;

/** Packs WKT strings or WKB Buffers into one GeometryBatch. */
function makeBatch(geometries) {
  const text = geometries.length > 0 && typeof geometries[0] === 'string';
  const parts = geometries.map((g) => {
    if ((typeof g === 'string') !== text) {
      throw new TypeError('mix of WKT (string) and WKB (Buffer) in one batch');
    }
    return text ? Buffer.from(g, 'utf8') : Buffer.from(g);
  });
  const offsets = [0];
  for (const p of parts) offsets.push(offsets[offsets.length - 1] + p.length);
  return {encoding: text ? 'ENCODING_WKT' : 'ENCODING_WKB', data: Buffer.concat(parts), offsets};
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
  const batch = Array.isArray(set) ? makeBatch(set) : set;
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

class Client {
  /**
   * @param {string} target host:port
   * @param {{credentials?: grpc.ChannelCredentials, maxMessageBytes?: number,
   *          timeoutMs?: number}} [options]
   */
  constructor(target = '127.0.0.1:50051', options = {}) {
    const max = options.maxMessageBytes ?? 256 * 1024 * 1024;
    const channelOptions = {
      'grpc.max_receive_message_length': max,
      'grpc.max_send_message_length': max,
    };
    if (options.loadBalancingPolicy) {
      channelOptions['grpc.service_config'] = JSON.stringify(
          {loadBalancingConfig: [{[options.loadBalancingPolicy]: {}}]});
    }
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

  callOptions() {
    return this.timeoutMs ? {deadline: Date.now() + this.timeoutMs} : {};
  }

  /** @returns {Promise<Map<string, object>>} operations by name. */
  async listOperations() {
    if (this.operations) return this.operations;
    const response = await new Promise((resolve, reject) => {
      this.stub.ListOperations({}, this.callOptions(), (err, res) =>
          err ? reject(new ComputeError(err.code, err.details)) : resolve(res));
    });
    this.operations = new Map(response.operations.map((o) => [o.name, o]));
    return this.operations;
  }

  /** @returns {Promise<Map<string, object>>} the server's layers by name. */
  async listLayers() {
    const response = await new Promise((resolve, reject) => {
      this.stub.ListLayers({}, this.callOptions(), (err, res) =>
          err ? reject(new ComputeError(err.code, err.details)) : resolve(res));
    });
    return new Map(response.layers.map((l) => [l.layer, l]));
  }

  /**
   * Every (row of `a`, set row) satisfying predicate(a row, set geometry),
   * as Shapely's STRtree(set).query(a, predicate): see JoinResult.
   * @param {Array<string|Buffer>} a WKT strings or WKB buffers
   * @param {{set?: Array<string|Buffer>, layer?: string, predicate?: string,
   *          distance?: number, returnDistance?: boolean,
   *          maxPairs?: number}} options predicate: Shapely's name
   *     (default intersects; dwithin takes `distance`; envelope: envelopes
   *     intersect)
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
    return this.pairs('Join', request, false);
  }

  /**
   * For each row of `a`, its k nearest set geometries (Shapely's
   * STRtree.query_nearest, with k): see JoinResult.
   * @param {Array<string|Buffer>} a WKT strings or WKB buffers
   * @param {{set?: Array<string|Buffer>, layer?: string, k?: number,
   *          maxDistance?: number, exclusive?: boolean,
   *          allMatches?: boolean, returnDistance?: boolean,
   *          maxPairs?: number}} options
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
    return this.pairs('Nearest', request, true);
  }

  // The call, by digest first when the set is large enough.
  async pairs(method, request, nearest) {
    const g = request.set.geometries;
    if (this.digestFirstBytes === null || !g ||
        g.data.length + 8 * g.offsets.length < this.digestFirstBytes) {
      return this.pairsOnce(method, request, nearest);
    }
    const digest = setDigest(g);
    const whole = this.wholeCalls.get(digest) ?? 0;
    if (whole > 0) {
      if (whole > 1) this.wholeCalls.set(digest, whole - 1);
      else this.wholeCalls.delete(digest);
      const result = await this.pairsOnce(method, request, nearest);
      result.sentWhole = true;
      this.learn(digest, result, false);
      return result;
    }
    try {
      return await this.pairsOnce(method, {...request, set: {digest}}, nearest);
    } catch (err) {
      if (!(err instanceof ComputeError) || err.code !== grpc.status.NOT_FOUND ||
          !err.details.includes(digest)) {
        throw err;
      }
    }
    const result = await this.pairsOnce(method, request, nearest);
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

  pairsOnce(method, request, nearest) {
    return new Promise((resolve, reject) => {
      const chunks = [];
      const errors = new Map();
      let summary = null;
      const call = this.stub[method](request, this.callOptions());
      call.on('data', (response) => {
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
    });
  }

  /**
   * Runs `op` on every row of `a`.
   * @param {string} op operation name, e.g. 'distance'
   * @param {Array<string|Buffer>} a WKT strings or WKB buffers
   * @param {{b?: string|Buffer|Array<string|Buffer>, params?: object,
   *          resultEncoding?: string}} [options] resultEncoding: wkb
   *     (default), wkt, hex_wkb or geojson, in any case
   */
  async compute(op, a, options = {}) {
    const info = (await this.listOperations()).get(op);
    if (!info) throw new Error(`the server offers no operation '${op}'`);
    const operation = {op: info.op};
    if (options.params && Object.keys(options.params).length > 0) {
      if (!info.params_message) {
        throw new Error(`operation '${op}' takes no parameters`);
      }
      operation[info.params_message] = options.params;
    }
    const request = {
      operation,
      a: makeBatch(a),
      result_encoding: encodingName(options.resultEncoding ?? 'wkb'),
    };
    const b = options.b;
    if (typeof b === 'string' || Buffer.isBuffer(b)) {
      request.b_broadcast = typeof b === 'string' ?
          {encoding: 'ENCODING_WKT', data: Buffer.from(b)} : {encoding: 'ENCODING_WKB', data: b};
    } else if (b !== undefined) {
      request.b_rows = makeBatch(b);
    }
    return new Promise((resolve, reject) => {
      const rows = a.length;
      const result = {values: null, errors: new Map(), summary: null,
        width: 1, sourceRows: null, parts: []};
      const call = this.stub.Compute(request, this.callOptions());
      call.on('data', (response) => {
        if (response.kind === 'summary') {
          result.summary = response.summary;
          return;
        }
        place(result, rows, response.chunk);
      });
      call.on('error', (err) => reject(new ComputeError(err.code, err.details)));
      call.on('end', () => {
        if (result.sourceRows !== null) {
          // get_parts: chunks in row order, parts in order within each.
          result.parts.sort((x, y) => x.at - y.at);
          result.values = result.parts.flatMap((p) => p.values);
          if (result.width > 1) result.values = Float64Array.from(result.values);
          result.sourceRows = result.parts.flatMap((p) => p.rows);
        }
        delete result.parts;
        if (result.values === null) result.values = new Float64Array(0);
        resolve(result);
      });
    });
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

module.exports = {Client, ComputeError, makeBatch, setDigest, grpc};
