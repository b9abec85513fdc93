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

/** Shapely's predicate names; predicate(a row, set geometry). */
export type JoinPredicate =
    'intersects' | 'within' | 'contains' | 'overlaps' | 'crosses' |
    'touches' | 'covers' | 'covered_by' | 'contains_properly' | 'dwithin' |
    'envelope';

/** The indexed side: geometries sent with the call, or a loaded layer. */
export type SetOption =
    { set: Geometry[]; layer?: undefined } |
    { layer: string; set?: undefined };

export type JoinOptions = SetOption & {
  /** Default 'intersects'. */
  predicate?: JoinPredicate;
  /** dwithin only. */
  distance?: number;
  returnDistance?: boolean;
  /** Fail RESOURCE_EXHAUSTED past this many pairs (0: the server's limit). */
  maxPairs?: number;
};

export type NearestOptions = SetOption & {
  /** Default 1. */
  k?: number;
  maxDistance?: number;
  /** Leave out set geometries equal to the row. */
  exclusive?: boolean;
  /** Also every geometry as near as the k-th (ties); default true. */
  allMatches?: boolean;
  returnDistance?: boolean;
  maxPairs?: number;
};

export interface IndexedSetInfo {
  digest: string; layer: string; rows: number; indexed: number;
  vertices: number; bytes: number; bounds: number[];
}

export interface JoinSummary {
  status: { code: number; message: string };
  rows: number; pairs: number; error_rows: number; chunks: number;
  server_seconds: number; set: IndexedSetInfo;
  set_errors: Array<{ row: number; code: number; message: string }>;
  index_seconds: number;
}

/** Pairs aRows[i] (a row of `a`) with setRows[i] (a set row), sorted by a
 *  row, then (join) by set row or (nearest) nearest first, ties by set
 *  row. Rows of `a` that failed have no pairs and are in `errors`. */
export interface JoinResult {
  aRows: number[];
  setRows: number[];
  /** With returnDistance; else null. */
  distances: Float64Array | null;
  errors: Map<number, RowError>;
  summary: JoinSummary;
  /** The set went by digest first, the server lacked it, and it was sent
   *  again whole. */
  digestMissed: boolean;
  /** The set went whole at once: a replica was still missing it. */
  sentWhole: boolean;
}

export class ComputeError extends Error {
  code: grpc.status;
  details: string;
}

export class Client {
  constructor(target?: string, options?: {
    credentials?: grpc.ChannelCredentials; maxMessageBytes?: number;
    timeoutMs?: number;
    /** e.g. 'round_robin' for a target naming several servers. */
    loadBalancingPolicy?: string;
    /** Sets at least this large (bytes) go by digest first; null: never.
     *  Default 64 KiB. */
    digestFirstBytes?: number | null;
  });
  listOperations(): Promise<Map<string, OperationInfo>>;
  listLayers(): Promise<Map<string, IndexedSetInfo>>;
  compute(op: string, a: Geometry[], options?: ComputeOptions): Promise<Result>;
  join(a: Geometry[], options: JoinOptions): Promise<JoinResult>;
  nearest(a: Geometry[], options: NearestOptions): Promise<JoinResult>;
  close(): void;
}

/** The digest a server knows a set by ("sha256:" and 64 hex digits). */
export function setDigest(set: Geometry[] | ReturnType<typeof makeBatch>):
    string;

export function makeBatch(geometries: Geometry[]):
    { encoding: 'ENCODING_WKT' | 'ENCODING_WKB'; data: Buffer; offsets: number[] };
