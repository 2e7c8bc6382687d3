// The nook worker's embedding helpers: up to `size` more workers (embed-worker.js, each its
// own wasm instance and model: ~65 MB, measured). While a large add runs they embed chunks
// ahead of the one being committed; the nook worker embeds what they have not taken,
// indexes and commits in order. A second pool shares a cold search's recomputations (the
// worker's searchWarm loop). Started by the first add (or cold search) that can use them;
// stopped when unused for `idleMs`, so their memory is held only while they help.

class Helper {
  constructor(assets) {
    this.worker = new Worker(new URL('./embed-worker.js', import.meta.url), { type: 'module' });
    this.next = 1;
    this.calls = new Map();
    this.inflight = 0;
    this.usable = false;
    this.worker.onmessage = ({ data }) => {
      const c = this.calls.get(data.id);
      if (!c) return;
      this.calls.delete(data.id);
      if (data.ok) c.resolve(data.result); else c.reject(data.error);
    };
    this.worker.onerror = (ev) => this.fail({ name: 'NookStateError', message: `an embedding helper failed: ${ev.message || 'script error'}` });
    this.call('open', assets).then(() => { if (!this.failed) this.usable = true; }, (e) => this.fail(e));
  }

  call(op, args) {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.calls.set(id, { resolve, reject });
      this.worker.postMessage({ id, op, args });
    });
  }

  /** Embeddings (Float32Array) of `{tokens, lengths}` as NookCore.tokens gives them. */
  embed(seqs) {
    this.inflight++;
    return this.call('embed', seqs).finally(() => { this.inflight--; });
  }

  /** A failed helper takes no more work; what it held is embedded by the nook worker. */
  fail(error) {
    this.usable = false;
    this.failed = error;
    for (const [, c] of this.calls) c.reject(error);
    this.calls.clear();
    this.worker.terminate();
  }
}

export class Helpers {
  /** `size` helpers at most; `assets`: {wasmUrl (the build the nook worker runs), model, tokenizer ({url} or {bytes} each),
   * embedOptions (the embedder's options: maxTokens, pooling, heads)}; stopped `idleMs` after the last use. */
  constructor(size, assets, idleMs) {
    this.size = Math.max(0, size | 0);
    this.assets = assets;
    this.idleMs = idleMs;
    this.running = [];
    this.timer = null;
  }

  /** The helpers loaded and not busy, now (none are started here). */
  ready() {
    return this.running.filter((h) => h.usable && h.inflight === 0);
  }

  /** The helpers (started now if not running; some may still be loading). */
  start() {
    clearTimeout(this.timer);
    this.running = this.running.filter((h) => !h.failed);
    while (this.running.length < this.size) this.running.push(new Helper(this.assets));
    return this.running;
  }

  /** The work is over: stop the helpers unless more comes within idleMs. */
  idle() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.stop(), this.idleMs);
  }

  stop() {
    clearTimeout(this.timer);
    for (const h of this.running) h.worker.terminate();
    this.running = [];
  }
}
