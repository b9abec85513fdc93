// Types for the geosrpc Node client.
import * as grpc from '@grpc/grpc-js';

export type Geometry = string | Buffer;  // WKT text or WKB bytes

export interface RowError { code: number; message: string; }

export interface ComputeSummary {
  status: { code: number; message: string };
  rows: number;
  error_rows: number;
  chunks: number;
  server_seconds: number;
}

export interface Result {
  /** Float64Array for numbers (NaN where the row failed; `width` per row,
   *  4 for bounds), boolean[] for predicates, number[] for integers,
   *  (string | null)[] for text (relate, is_valid_reason),
   *  (Buffer | string | null)[] for geometries and encoded output. For
   *  get_parts and get_rings one value per part, for get_coordinates
   *  `width` numbers per coordinate (see sourceRows); for a reduction
   *  (union_all, ...) the one result. */
  values: Float64Array | boolean[] | number[] | Array<Buffer | string | null>;
  width: number;
  /** Expanding operations only: the input row of each value. */
  sourceRows: number[] | null;
  errors: Map<number, RowError>;
  summary: ComputeSummary;
}

export interface ComputeOptions {
  /** One geometry (broadcast) or one per row of `a`. */
  b?: Geometry | Geometry[];
  params?: Record<string, number | boolean | string>;
  /** wkb (default), wkt, hex_wkb or geojson, in any case. */
  resultEncoding?: string;
}

export interface ParameterInfo {
  name: string; type: string; default_value: string; allowed: string;
  description: string;
}

export interface OperationInfo {
  name: string; op: string; arity: number; result_type: string;
  params_message: string; parameters: ParameterInfo[];
  prepared_broadcast: boolean; description: string;
}

export class ComputeError extends Error {
  code: grpc.status;
  details: string;
}

export class Client {
  constructor(target?: string, options?: {
    credentials?: grpc.ChannelCredentials; maxMessageBytes?: number;
    timeoutMs?: number;
  });
  listOperations(): Promise<Map<string, OperationInfo>>;
  compute(op: string, a: Geometry[], options?: ComputeOptions): Promise<Result>;
  close(): void;
}

export function makeBatch(geometries: Geometry[]):
    { encoding: 'ENCODING_WKT' | 'ENCODING_WKB'; data: Buffer; offsets: number[] };
