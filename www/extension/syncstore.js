// The sync record: what nook's index holds, by bookmark id, so a tree diff finds what
// changed (see sync.js). Its own small IndexedDB database, `nook-bookmarks-sync`:
//   known: id -> entry (sync.js `entry`: a hash of the bookmark's signature, with its page
//          text's digest when it has page text), read whole into `map` when first needed
//          (`load`);
//   pages: id -> page text, read only for the bookmarks being (re)indexed;
//   meta:  'treeDigest' -> the digest (sync.js `treeDigest`) of the bookmark tree the last
//          full diff made the record equal to. Every write of `known` or `pages` deletes it
//          in its own transaction, so it stands only while the record is exactly what that
//          diff left: a browser start whose tree has that digest has nothing to diff, and
//          reads neither the record nor a summary of the tree (80,000 bookmarks: ~0.6 s of
//          IndexedDB and ~70 MB in the extension's process, until Chrome stops its
//          service worker).
// Version 1 kept {sig, pageText} per id (the whole signature string and the text, all read
// at every start); opening converts it once. Version 2 had no `meta`.

import { fromFirstFormat, hasPage } from './sync.js';

const NAME = 'nook-bookmarks-sync';
const VERSION = 3;
const DIGEST = 'treeDigest';

export class SyncStore {
  constructor(name = NAME) {
    this.name = name;
    /** id -> entry, once `load` has read them. */
    this.map = new Map();
    this.db = null;
    /** The stored tree digest (null: none stands). */
    this.digest = null;
    /** Writes of the record since the open (which a caller compares across a diff). */
    this.writes = 0;
    this.loading = null;
  }

  /** Open (converting a version-1 record) and read the tree digest; the entries wait for `load`. */
  open() {
    return new Promise((ok, no) => {
      const req = indexedDB.open(this.name, VERSION);
      req.onupgradeneeded = (e) => {
        const db = req.result;
        if (e.oldVersion < 1) db.createObjectStore('known');
        if (e.oldVersion < 2) db.createObjectStore('pages');
        if (e.oldVersion === 1) convertFirstFormat(req.transaction);
        if (e.oldVersion < 3) db.createObjectStore('meta');
      };
      req.onerror = () => no(req.error);
      // An older version's connection that does not close holds the upgrade: it goes on once that closes.
      req.onblocked = () => console.warn('nook: the sync record is held open elsewhere; waiting for it to close');
      req.onsuccess = () => {
        this.db = req.result;
        // Never in the way of a newer version's upgrade (or of deleting the database).
        this.db.onversionchange = () => this.db.close();
        const get = this.db.transaction('meta').objectStore('meta').get(DIGEST);
        get.onsuccess = () => {
          this.digest = typeof get.result === 'string' ? get.result : null;
          ok();
        };
        get.onerror = () => no(get.error);
      };
    });
  }

  /** Read every entry into `map` (once; after `open`; a failed read is tried again by the next call). */
  load() {
    if (!this.loading) {
      this.loading = new Promise((ok, no) => {
        // Two bulk reads, not a cursor: a cursor costs one event per record (seconds at 80,000).
        const os = this.db.transaction('known').objectStore('known');
        const keys = os.getAllKeys();
        const values = os.getAll();
        values.onsuccess = () => {
          keys.result.forEach((k, i) => this.map.set(k, values.result[i]));
          ok();
        };
        keys.onerror = () => no(keys.error);
        values.onerror = () => no(values.error);
      });
      this.loading.catch(() => { this.loading = null; });
    }
    return this.loading;
  }

  /** Record `digest` as the tree the record now stands for (see the module's comment). */
  async setDigest(digest) {
    await this.#tx(['meta'], 'readwrite', (t) => t.objectStore('meta').put(digest, DIGEST));
    this.digest = digest;
  }

  /** The stored page text of each of `ids` that has some: Map id -> text. */
  async pages(ids) {
    await this.load();
    const want = ids.filter((id) => hasPage(this.map.get(id)));
    const out = new Map();
    if (!want.length) return out;
    await this.#tx(['pages'], 'readonly', (t) => {
      const os = t.objectStore('pages');
      for (const id of want) os.get(id).onsuccess = (e) => { if (typeof e.target.result === 'string') out.set(id, e.target.result); };
    });
    return out;
  }

  /** Record `entries` ([id, entry]); `texts` (Map id -> page text) are stored beside them. */
  async put(entries, texts = new Map()) {
    await this.#write((known, pages) => {
      for (const [id, v] of entries) {
        known.put(v, id);
        if (texts.has(id)) pages.put(texts.get(id), id);
        else if (!hasPage(v)) pages.delete(id);
      }
    });
    entries.forEach(([id, v]) => this.map.set(id, v));
  }

  async remove(ids) {
    await this.#write((known, pages) => ids.forEach((id) => { known.delete(id); pages.delete(id); }));
    ids.forEach((id) => this.map.delete(id));
  }

  /** Every write of the record: after its entries are read, in one transaction with the
   * tree digest's deletion (see the module's comment), counted in `writes`. */
  async #write(fn) {
    await this.load();
    this.writes += 1;
    this.digest = null;
    await this.#tx(['known', 'pages', 'meta'], 'readwrite', (t) => {
      t.objectStore('meta').delete(DIGEST);
      fn(t.objectStore('known'), t.objectStore('pages'));
    });
  }

  #tx(stores, mode, fn) {
    return new Promise((ok, no) => {
      const t = this.db.transaction(stores, mode);
      fn(t);
      t.oncomplete = () => ok();
      t.onerror = () => no(t.error);
      t.onabort = () => no(t.error ?? new Error('transaction aborted'));
    });
  }
}

/** Version 1 -> 2, inside the upgrade: each {sig, pageText} becomes an entry, its text a page. */
function convertFirstFormat(t) {
  const known = t.objectStore('known');
  const pages = t.objectStore('pages');
  const keys = known.getAllKeys();
  const values = known.getAll();
  values.onsuccess = () => keys.result.forEach((id, i) => {
    const v = values.result[i];
    known.put(fromFirstFormat(v), id);
    if (v?.pageText) pages.put(v.pageText, id);
  });
}
