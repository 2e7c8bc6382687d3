// Types of the nook client (src/index.js).

export interface NookOptions {
  /** URL of the prepared all-MiniLM-L6-v2 int8 ONNX file (served by your app). */
  modelUrl: string | URL;
  /** URL of its tokenizer.json. */
  tokenizerUrl: string | URL;
  /** URL of nook_bg.wasm (default: next to this package's dist/). */
  wasmUrl?: string | URL;
  /** URL of worker.js (default: next to this file). */
  workerUrl?: string | URL;
  /** Ask navigator.storage.persist() so the browser does not evict the index (default true). */
  persist?: boolean;
  /** Live documents at which the index switches from stored vectors to pruned graph + PQ (default 1000). */
  pruneAt?: number;
  /** Recomputed embeddings kept in memory (default 4096). */
  cacheSize?: number;
  /** Largest document (title + url + text), bytes (default 1 MiB). */
  maxTextBytes?: number;
  /** Hybrid: weight of the normalised BM25 score added to cosine similarity (default 0.1). */
  keywordWeight?: number;
  /** Exact embeddings recomputed per query in pruned mode (default 16, at least k). */
  rerank?: number;
  /** Beam width (default 64). */
  ef?: number;
  /** PQ bytes per document (default 16). */
  pqSubspaces?: number;
}

export interface NookDoc {
  id: string | number;
  text: string;
  title?: string;
  url?: string;
  /** Any JSON-serialisable value; top-level fields can be filtered on. */
  meta?: unknown;
}

export interface Progress { done: number; total: number; phase: 'indexing' }

export interface AddResult { added: number; updated: number; unchanged: number }

export interface Hit {
  id: string;
  /** Ranking score: cosine similarity (+ keyword weight x normalised BM25 when hybrid). */
  score: number;
  similarity: number;
  keyword: number;
  title: string;
  url: string;
  meta: unknown;
  snippet: string;
}

export interface SearchStats { searchMs: number; recomputed: number; cacheHits: number; mode: 'stored' | 'pruned' }

export type Hits = Hit[] & { stats: SearchStats };

export interface Stats {
  documents: number;
  dims: number;
  nodes: number;
  deleted: number;
  mode: 'stored' | 'pruned';
  generation: number;
  bytes: { documents: number; tokens: number; index: number; codebook: number; manifest: number };
  /** Everything nook keeps in IndexedDB. */
  storedBytes: number;
  /** The index alone (graph + codes + codebook + manifest). */
  indexBytes: number;
  /** What f32 embeddings + an M=16 HNSW graph would take for the same documents. */
  hnswBytes: number;
  f32VectorBytes: number;
  cachedVectors: number;
}

/** Errors reject with one of these `name`s (and AbortError). */
export type NookErrorName = 'NookInputError' | 'NookNotFoundError' | 'NookCorruptError' | 'NookVersionError'
  | 'NookQuotaError' | 'NookStorageError' | 'NookEmbedError' | 'NookStateError' | 'NookNetworkError';
export const ERROR_NAMES: NookErrorName[];

export class Nook {
  static open(name: string, options: NookOptions): Promise<Nook>;
  static connect(name: string, options: NookOptions): Nook;
  static import(name: string, bytes: Uint8Array, options: NookOptions): Promise<Nook>;
  static deleteDatabase(name: string): Promise<void>;
  readonly name: string;
  readonly ready: Promise<{ generation: number }>;
  add(docs: NookDoc[], options?: { onProgress?: (p: Progress) => void; signal?: AbortSignal; chunk?: number }): Promise<AddResult>;
  search(query: string, options?: { k?: number; filter?: Record<string, unknown>; hybrid?: boolean; signal?: AbortSignal }): Promise<Hits>;
  embed(texts: string[]): Promise<Float32Array>;
  delete(ids: Array<string | number> | string | number): Promise<number>;
  stats(): Promise<Stats>;
  export(): Promise<Uint8Array>;
  close(): Promise<void>;
}
export default Nook;
