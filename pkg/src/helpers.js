// The nook worker's embedding helpers: while a large add runs, up to `size` more workers
// (embed-worker.js, each its own wasm instance and model: ~80 MB, measured) embed chunks ahead
// of the one being committed; the nook worker embeds what they have not taken, indexes and
// commits in order. Started by the first add that can use them; stopped when adds have
// been idle for IDLE_MS, so their memory is held only while indexing.

const IDLE_MS = 15000;

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
   * embedOptions (the embedder's options: maxTokens, pooling, heads)}. */
  constructor(size, assets) {
    this.size = Math.max(0, size | 0);
    this.assets = assets;
    this.running = [];
    this.timer = null;
  }

  /** The helpers for an add (started now if not running; some may still be loading). */
  start() {
    clearTimeout(this.timer);
    this.running = this.running.filter((h) => !h.failed);
    while (this.running.length < this.size) this.running.push(new Helper(this.assets));
    return this.running;
  }

  /** The add is over: stop the helpers unless another starts within IDLE_MS. */
  idle() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.stop(), IDLE_MS);
  }

  stop() {
    clearTimeout(this.timer);
    for (const h of this.running) h.worker.terminate();
    this.running = [];
  }
}
