// Search as you type, shared by the demo page and the extension's popup: nook's preview is
// sent on each keystroke, the exact search once the query has been still for SETTLE_MS.
// While the user types only previews run, and after each one nook's search helper embeds
// what that text's exact search would recompute, so the exact search usually finds its
// candidates cached. Text that arrives whole (pasted, or more than one character at once)
// is not being typed: its exact search follows its preview at once.

export const SETTLE_MS = 250;

export class Settle {
  #until = 0;
  #last = '';

  /** An input event `e` on the field, which now holds `text`. */
  input(e, text) {
    const typed = e?.inputType !== 'insertFromPaste' && Math.abs(text.length - this.#last.length) <= 1;
    this.#until = typed ? performance.now() + SETTLE_MS : 0;
    this.#last = text;
  }

  /** Resolves once the query is still (at once for text that arrived whole): true, or
   * false as soon as `stale()` says a newer search took over. */
  async still(stale) {
    for (let wait; (wait = this.#until - performance.now()) > 0;) {
      await new Promise((resolve) => setTimeout(resolve, wait));
      if (stale()) return false;
    }
    return true;
  }
}
