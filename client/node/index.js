'use strict';
// Node client for geosrpc.v1.GeometryService: a thin wrapper over
// @grpc/grpc-js that packs batches and reassembles streamed chunks.
// Types: index.d.ts.

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
    this.stub = new v1.GeometryService(
        target, options.credentials ?? grpc.credentials.createInsecure(), {
          'grpc.max_receive_message_length': max,
          'grpc.max_send_message_length': max,
        });
    this.timeoutMs = options.timeoutMs;
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

module.exports = {Client, ComputeError, makeBatch, grpc};
