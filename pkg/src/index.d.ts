// Types of the nook client (src/index.js).

/** Where the encoder comes from: its URL (fetched once, then kept in the Cache API) or its bytes. */
export type NookModelSource =
  | {
      /**
       * URL of the ONNX encoder (served by your app): all-MiniLM-L6-v2 int8 from
       * nook-search-minilm, or any BERT-family sentence encoder exported from PyTorch
       * (fp32, fp16 or int8 weights; its dimensions are read from the file).
       */
      modelUrl: string | URL;
      model?: undefined;
    }
  | {
      /** The ONNX encoder's bytes (e.g. read from a file input or your own storage); copied, not kept. */
      model: Uint8Array | ArrayBuffer;
      modelUrl?: undefined;
    };

/** Where the tokenizer comes from: its URL or its bytes. */
export type NookTokenizerSource =
  | {
      /** URL of its tokenizer.json (BERT WordPiece). */
      tokenizerUrl: string | URL;
      tokenizer?: undefined;
    }
  | {
      /** The tokenizer.json's bytes. */
      tokenizer: Uint8Array | ArrayBuffer;
      tokenizerUrl?: undefined;
    };

/** Options of Nook.open: one source of each file, and the settings. */
export type NookOptions = NookModelSource & NookTokenizerSource & NookSettings;

/** Everything Nook.open takes besides the model files. */
export interface NookSettings {
  /** Tokens per text, [CLS]/[SEP] included (default 256; the model's own limit, e.g. 128 for paraphrase-MiniLM-L3-v2, at most 512). */
  maxTokens?: number;
  /** How token states become one vector: 'mean' (default; sentence-transformers models) or 'cls' (e.g. BGE). */
  pooling?: 'mean' | 'cls';
  /** Attention heads (default: read from the model's attention scale). */
  heads?: number;
  /** URL of nook_bg.wasm, the simd128 build (default: ../dist/ next to the worker). */
  wasmUrl?: string | URL;
  /**
   * URL of nook_bg.relaxed.wasm, the relaxed-SIMD build (10-15% faster embedding), loaded
   * where the browser validates relaxed SIMD; wasmUrl is the fallback. Default: next to
   * dist/ when wasmUrl is not given either; null: always wasmUrl.
   */
  wasmRelaxedUrl?: string | URL | null;
  /** URL of worker.js (default: next to this file). The package's wasm builds are looked up next to it (../dist/) unless wasmUrl is given. */
  workerUrl?: string | URL;
  /** Ask navigator.storage.persist() so the browser does not evict the index (default true). */
  persist?: boolean;
  /**
   * Threads that embed a large add (three chunks or more): default
   * min(navigator.hardwareConcurrency, 4). Each beyond the first is a helper worker with its
   * own wasm instance and model (~65 MB, measured), started by the add and stopped 15 s after
   * the last one; 1: the nook worker embeds alone. The index is the same either way.
   */
  indexWorkers?: number;
  /**
   * Threads that recompute a cold search's candidates (embeddings not in the cache): default
   * min(navigator.hardwareConcurrency, 2). Each beyond the first is a helper worker with its
   * own wasm instance and model (~65 MB), started by the first search that recomputes (or
   * by the warm-up, which they share) and stopped a minute after the last use; searches
   * made while none is loaded run alone. The results are the same either way (the helpers
   * make the same bits); 1: never.
   */
  searchWorkers?: number;
  /** Live documents at which the index switches from stored vectors to PQ codes + recomputation (default 1000). */
  pruneAt?: number;
  /**
   * Documents from which the pruned (LEANN) graph is built over the PQ codes, eight nodes with
   * each document added after (stats().graphLinked); until it is done, searches scan the
   * codes (default 1000000: up to there the scan finds more than the graph).
   */
  graphAt?: number;
  /** Recomputed embeddings kept in memory, as f16 (default 16384: ~13 MB when full). */
  cacheSize?: number;
  /**
   * Documents of at least this many tokens (about 4 characters each) keep their embedding
   * with their record (int8: 388 bytes at 384 dimensions) and are never recomputed: cold
   * searches over them cost no embedding (default 64; above maxTokens, 256 by default: none do).
   * Applies to documents added (or, for long ones written by an earlier nook, kept) from
   * then on.
   */
  keepEmbeddingsFrom?: number;
  /**
   * After an open, the worker recomputes in idle time (not during an add, nor within a
   * second of a search) the embeddings searches are most likely to need (documents nearest
   * the collection's mean direction first), until the cache holds this many (default 12288,
   * at most three quarters of cacheSize; 0: no warm-up). Searches made later recompute less;
   * their results do not change. Costs most of one core while it runs (~5 ms a short
   * document in Chromium: about a minute for 10,000), and of each search helper
   * (searchWorkers), which it starts. A site's copy (`openSite`) is not warmed unless this
   * is given.
   */
  warmUp?: number;
  /**
   * Remember, in the database, which documents exact searches needed (their keys only: no
   * query, no text; at most 1,024, ~3 KB), so the warm-up after the next open recomputes
   * those first and searches for the same things are fast again seconds after a restart
   * (default true). Never exported; gone with the collection. false: nothing is written
   * (a record an earlier session wrote is deleted at the next save) and the warm-up goes
   * by the collection's mean direction alone.
   */
  rememberSearches?: boolean;
  /** Largest document (title + url + text), bytes (default 1 MiB). */
  maxTextBytes?: number;
  /** Hybrid: weight of the keyword evidence (share of the query's information a document matches by keywords, 0..1, below 0.2 ignored) added to cosine similarity (default 0.4); three times it for a query at most half of whose words the model knows as words (text in a language it was not trained on: most German or French words for the default English model, even where one of them is also English), so the documents' keywords lead; a hundred times it for a query the model only spells out letter by letter or cannot tokenize (Thai, Chinese, Japanese... for the default model), which then ranks by its keywords and keeps only what they found. */
  keywordWeight?: number;
  /** Relevance floor: results scoring below it are dropped, so weak tails are cut and gibberish finds nothing (default 0.25, calibrated for all-MiniLM-L6-v2; a query none of whose words the model or the documents know is held to at least 0.4; 0 keeps every result, for any query). */
  minScore?: number;
  /** Most candidates re-ranked with exact (recomputed or cached) embeddings per query in pruned mode (default 64, at least k): the first 16 always, then more only while one could still enter the top k by what the measured ones say of this query's PQ error. */
  rerank?: number;
  /** Beam width of graph walks: over stored vectors (below pruneAt, default 64) and over the codes' graph (from graphAt, default 512). */
  ef?: number;
  /** PQ subspaces (default 64; bytes per document = subspaces x bits / 8). Read when the
   * codes are trained (at `pruneAt` documents; the stored codebook keeps it); 96 or 128
   * buy recall for bytes (README, "Bytes for recall"). */
  pqSubspaces?: number;
  /** Bits per PQ subspace code: 4 (16 centroids, 12 KB codebook; default) or 8 (256 centroids, 192 KB codebook). */
  pqBits?: 4 | 8;
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

export interface AddResult {
  added: number; updated: number; unchanged: number;
  /** Documents of this call embedded by helper workers (see NookOptions.indexWorkers). */
  helped: number;
}

/** One result. `M` is the type of the `meta` your documents carry (null when a document has none). */
export interface Hit<M = unknown> {
  id: string;
  /** Ranking score: cosine similarity (+ keyword weight x gated keyword evidence when hybrid). */
  score: number;
  /** Cosine similarity of the document's embedding to the query's. */
  similarity: number;
  /** Keyword evidence, 0..1: the share of the query's information (idf-weighted words, typos discounted) the document matches. */
  keyword: number;
  title: string;
  url: string;
  meta: M | null;
  snippet: string;
}

/**
 * Where one search's time went. Measured in the worker with performance.now():
 * embedMs + traversalMs + recomputeMs = searchMs (traversal is the remainder: graph walk,
 * PQ distances, keyword ranking and fusion). totalMs adds the round trip to the worker.
 */
export interface SearchStats {
  /** Time in the wasm search, ms. */
  searchMs: number;
  /** Tokenizing and embedding the query, ms. */
  embedMs: number;
  /** Everything else in the search: graph traversal, PQ distances, BM25, fusion, ms. */
  traversalMs: number;
  /** Recomputing documents' embeddings for exact re-ranking (cache misses only), ms; with
   * `shared`, the wall time of the recomputations shared with search helpers. */
  recomputeMs: number;
  /** Round trip as seen by the calling page (searchMs + messaging), ms. */
  totalMs: number;
  /** Graph nodes reached (pruned: PQ distances computed; stored: layer-0 nodes checked). */
  visited: number;
  /** Exact vectors requested (pruned mode): recomputed + cacheHits. */
  exact: number;
  /** Embeddings recomputed cold by the model. */
  recomputed: number;
  /** Exact vectors served from the cache of recomputed embeddings. */
  cacheHits: number;
  /** Documents matched by the keyword index (hybrid). */
  keywordMatches: number;
  /** Candidates a preview ranked by their PQ code (not cached, not recomputed). */
  approximated: number;
  /** True for a preview's stats. */
  preview: boolean;
  /** With onPreview: the preview's share of searchMs (the stats then cover both runs). */
  previewMs?: number;
  /** When search helpers shared the recomputations (see NookOptions.searchWorkers; a
   * preview's too, when a helper was loaded and idle): the threads that embedded, the
   * rounds (the search stops where it would recompute, then runs again with what was
   * made; a preview has one), how many documents helpers embedded, and how long (ms) this
   * worker waited for them after embedding its own share. */
  shared?: { workers: number; rounds: number; helped: number; waitMs: number };
  mode: 'stored' | 'pruned';
}

export interface LastQuery extends SearchStats { query: string; k: number; hybrid: boolean; results: number }

export type Hits<M = unknown> = Hit<M>[] & { stats: SearchStats };

export interface Stats {
  documents: number;
  dims: number;
  nodes: number;
  deleted: number;
  mode: 'stored' | 'pruned';
  /** stored: f32 vectors (below pruneAt); flat: PQ codes, scanned (below graphAt); graph: PQ codes + pruned graph. */
  phase: 'stored' | 'flat' | 'graph';
  /**
   * While the graph is being built (from graphAt documents on, a few nodes with each add:
   * eight a document added, so it is done once the collection has grown by an eighth;
   * searches scan the codes meanwhile): the nodes linked so far, of `nodes`. Else null.
   */
  graphLinked: number | null;
  /** Which wasm build runs: relaxed-simd where the browser has it, else simd128. */
  build: 'simd128' | 'relaxed-simd';
  generation: number;
  /** kept: the embeddings long documents keep in their records (int8), counted as index; hints: the record of what searches needed (rememberSearches), counted as index. */
  bytes: { documents: number; tokens: number; kept: number; index: number; codebook: number; manifest: number; hints: number };
  /** Everything nook keeps in IndexedDB. */
  storedBytes: number;
  /** The index alone (graph + codes + codebook + manifest + search hints + kept embeddings). */
  indexBytes: number;
  /**
   * Documents of 64 tokens or more keep their embedding (388 bytes at 384 dimensions):
   * a search ranks them by it instead of recomputing them (~17 ms or more each).
   */
  keptVectors: number;
  /** What f32 embeddings + an M=16 HNSW graph would take for the same documents. */
  hnswBytes: number;
  f32VectorBytes: number;
  cachedVectors: number;
  /**
   * Small documents still stored one record each, as databases written before nook packed
   * them 64 to a record; the worker moves them into pages after the open, a few thousand
   * per write (0 once done).
   */
  looseDocuments: number;
  /** Documents exact searches needed that the warm-up after the next open recomputes first (rememberSearches; at most 1,024 are stored). */
  hintedDocuments: number;
  /**
   * Where this open's time went, in ms: starting the worker (from the call to its first
   * step), compiling the wasm, then waiting for the model files (filesMs: from the wasm
   * being ready to the files' arrival; an open meanwhile waits for the IndexedDB connection,
   * opened since the worker started (connectMs), checks it, reads the manifest and issues
   * the records' reads (storeMs)), parsing the model, the time the worker then had nothing
   * to do but wait for IndexedDB's records or the model files (readMs: the documents are
   * indexed part by part as they arrive, while the files still arrive too), rebuilding the
   * collection from its records, and (Nook.import, and a site index's first visit) writing
   * them to IndexedDB.
   */
  open: { startMs: number | null; wasmMs: number; filesMs: number; connectMs?: number; storeMs: number; modelMs: number; readMs: number; loadMs: number; writeMs: number };
  /** Search helpers loaded and idle now (see NookOptions.searchWorkers). */
  searchHelpers: number;
  /** Embeddings the search helpers made for the warm-up since the open (see NookOptions.warmUp). */
  warmedByHelpers: number;
  /** The nook worker's WebAssembly memory now, in bytes (it grows and is never returned;
   * helpers hold their own while they run). */
  wasmMemoryBytes: number;
}

/** Errors reject with one of these `name`s (and AbortError). */
export type NookErrorName = 'NookInputError' | 'NookNotFoundError' | 'NookCorruptError' | 'NookVersionError'
  | 'NookQuotaError' | 'NookStorageError' | 'NookEmbedError' | 'NookStateError' | 'NookNetworkError'
  | 'NookUnsupportedError';
export const ERROR_NAMES: NookErrorName[];
/** True for an error nook rejected with (of kind `name`, if given): a type guard. */
export function isNookError(e: unknown, name?: NookErrorName): e is Error & { name: NookErrorName };

export class Nook {
  static open(name: string, options: NookOptions): Promise<Nook>;
  static connect(name: string, options: NookOptions): Nook;
  static import(name: string, bytes: Uint8Array | ArrayBuffer, options: NookOptions): Promise<Nook>;
  /**
   * A static site's prebuilt index (made by `nook site build`): `url` is its folder or its
   * nook-site.json. A whole index (`--layout whole`) is downloaded once (length and SHA-256
   * checked) into IndexedDB, replaced when the site is rebuilt, opened from the stored copy
   * when offline. A paged one (`--layout paged`) fetches only the pages each search needs
   * and keeps them in the Cache API (`prefetch: true` fetches all of them, `site.bytes`, at
   * open). Read-only: add and delete reject with NookStateError; a paged site takes no
   * search filter.
   */
  static openSite(url: string | URL, options: NookOptions & { prefetch?: boolean }): Promise<Nook>;
  /**
   * A site's prebuilt index and the visitor's own database `ownName` searched as one: hits
   * merged by score, each saying its layer; add, delete and export go to the visitor's
   * database (created on the first add). Options as openSite.
   */
  static layers(siteUrl: string | URL, ownName: string, options: NookOptions & { prefetch?: boolean }): Promise<NookLayers>;
  /** Delete a database and all its data. An instance still open on it (in this page or
   * another) lets go, and its later calls reject with NookStateError. */
  static deleteDatabase(name: string): Promise<void>;
  readonly name: string;
  /**
   * Set on a Nook from openSite: where its manifest is, whether it was opened offline,
   * whether this open downloaded the index (false: the copy stored by an earlier visit),
   * and its documents.
   */
  readonly site?: { manifestUrl: string; offline: boolean; downloaded: boolean; documents: number; paged?: boolean; bytes?: number; build?: string };
  /** A paged site: fetch all its pages now (every later search then works offline). */
  prefetch(): Promise<Stats>;
  readonly ready: Promise<{ generation: number }>;
  add(docs: NookDoc[], options?: { onProgress?: (p: Progress) => void; signal?: AbortSignal; chunk?: number }): Promise<AddResult>;
  /**
   * preview: rank by cached embeddings and PQ codes, recomputing only the preview's own best 4
   * if they are not cached (milliseconds plus those; the exact search then finds them cached).
   * onPreview: called with the preview first; the promise resolves to the exact result.
   */
  search<M = unknown>(query: string, options?: { k?: number; filter?: Record<string, unknown>; hybrid?: boolean; signal?: AbortSignal; preview?: boolean; onPreview?: (hits: Hits<M>) => void }): Promise<Hits<M>>;
  /** The last completed search of this client and its time split, or null. */
  lastQuery(): LastQuery | null;
  embed(texts: string[]): Promise<Float32Array>;
  /** The option rememberSearches while open: false forgets what this session's searches needed and deletes the stored record before resolving; true notes again from the next search. Rejects on a site's read-only index. */
  rememberSearches(on: boolean): Promise<true>;
  delete(ids: Array<string | number> | string | number): Promise<number>;
  stats(): Promise<Stats>;
  export(): Promise<Uint8Array>;
  close(): Promise<void>;
}
export default Nook;

/** A hit of Nook.layers: which layer it came from. */
export type LayeredHit<M = unknown> = Hit<M> & { layer: 'site' | 'own' };

/** Nook.layers: a site's prebuilt index and the visitor's own database as one. */
export class NookLayers {
  readonly site: Nook;
  readonly own: Nook | null;
  readonly ownName: string;
  /** The visitor's database, opened (or created) on first need. */
  ownDatabase(): Promise<Nook>;
  /**
   * Both layers' best `k`, merged by score. `preview: true` asks both for their preview;
   * `onPreview` gets the site's preview (a whole site index's; a paged one has none)
   * merged with the visitor's preview if it came first, then the promise resolves to the
   * exact result of both.
   */
  search<M = unknown>(query: string, options?: {
    k?: number; filter?: Record<string, unknown>; hybrid?: boolean; signal?: AbortSignal; preview?: boolean;
    onPreview?: (hits: LayeredHit<M>[] & { stats: { site: SearchStats; own: SearchStats | null } }) => void;
  }): Promise<LayeredHit<M>[] & { stats: { site: SearchStats; own: SearchStats | null } }>;
  add(docs: NookDoc[], options?: { onProgress?: (p: Progress) => void; signal?: AbortSignal; chunk?: number }): Promise<AddResult>;
  delete(ids: Array<string | number> | string | number): Promise<number>;
  export(): Promise<Uint8Array>;
  stats(): Promise<{ site: Stats; own: Stats | null; documents: number }>;
  close(): Promise<void>;
}
