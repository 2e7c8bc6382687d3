// Nook.layers: a static site's prebuilt index (Nook.openSite) and the visitor's own
// database (Nook.open) searched as one. Both rank with the same model and the same score
// (cosine + keyword lift), so their hits merge by score. Writes (add, delete) and export go
// to the visitor's database, created on the first add; the site's index stays read-only.

const fail = (name, message) => Object.assign(new Error(message), { name });

export class NookLayers {
  /** Open the site at `siteUrl` and, if it exists already, the database `ownName`. */
  static async open(Nook, siteUrl, ownName, options = {}) {
    if (typeof ownName !== 'string' || !ownName) throw fail('NookInputError', 'Nook.layers(siteUrl, ownName, options): ownName must be a non-empty string');
    const { prefetch, ...rest } = options;
    const site = await Nook.openSite(siteUrl, options);
    let own = null;
    try {
      const names = typeof indexedDB !== 'undefined' && indexedDB.databases ? (await indexedDB.databases()).map((d) => d.name) : [];
      if (names.includes(ownName)) own = await Nook.open(ownName, rest);
    } catch (e) {
      await site.close();
      throw e;
    }
    return new NookLayers(Nook, site, own, ownName, rest);
  }

  constructor(Nook, site, own, ownName, options) {
    this._Nook = Nook;
    this.site = site;
    this.own = own;
    this.ownName = ownName;
    this._options = options;
    this._opening = null;
  }

  /** The visitor's database, opened (or created) on first need. */
  async ownDatabase() {
    if (this.own) return this.own;
    this._opening ??= this._Nook.open(this.ownName, this._options).then((db) => { this.own = db; return db; });
    return this._opening;
  }

  /**
   * Both layers' best `k`, merged by score; each hit says which layer it came from
   * (`layer`: 'site' or 'own'). Options as Nook.search (a paged site refuses a filter).
   * `hits.stats` = {site, own}. `onPreview` is called once with the site's preview (a
   * whole site index's; a paged one has none) merged with the visitor's database's
   * preview if it came first, then the search resolves to the exact result of both.
   */
  async search(query, options = {}) {
    const k = options.k ?? 10;
    const { onPreview, ...rest } = options;
    const early = { site: null, own: null, done: false };
    const show = () => { if (!early.done && early.site) onPreview(merge(early.site, early.own, k)); };
    const [site, own] = await Promise.all([
      this.site.search(query, onPreview ? { ...rest, onPreview: (h) => { early.site = h; show(); } } : rest),
      this.own ? this.own.search(query, onPreview ? { ...rest, onPreview: (h) => { early.own = h; } } : rest) : null,
    ]);
    early.done = true;
    return merge(site, own, k);
  }

  /** Add to the visitor's database (created on the first add). */
  async add(docs, options) {
    return (await this.ownDatabase()).add(docs, options);
  }

  /** Delete from the visitor's database; the site's documents cannot be deleted. */
  async delete(ids) {
    if (!this.own) throw fail('NookNotFoundError', `no document of the visitor's database ${this.ownName} (it holds nothing yet)`);
    return this.own.delete(ids);
  }

  /** The visitor's documents as export bytes (the site's index is the site's). */
  async export() {
    return (await this.ownDatabase()).export();
  }

  /** {site, own (null before the first add), documents (both)}. */
  async stats() {
    const [site, own] = await Promise.all([this.site.stats(), this.own ? this.own.stats() : null]);
    return { site, own, documents: site.documents + (own ? own.documents : 0) };
  }

  async close() {
    if (this._opening) await this._opening.catch(() => {});
    await Promise.all([this.site.close(), this.own ? this.own.close() : null]);
  }
}

/** Each layer's hits tagged with their layer, the best `k` of both by score. */
function merge(site, own, k) {
  const tag = (hits, layer) => hits.map((h) => ({ ...h, layer }));
  const merged = [...tag(site, 'site'), ...(own ? tag(own, 'own') : [])]
    .sort((a, b) => b.score - a.score || (a.layer < b.layer ? -1 : a.layer > b.layer ? 1 : 0))
    .slice(0, k);
  return Object.assign(merged, { stats: { site: site.stats, own: own ? own.stats : null } });
}
