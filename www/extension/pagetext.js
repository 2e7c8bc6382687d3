// Optional page-text indexing (off by default): the main text of a bookmarked page.
//
// `extractMainText` must stay self-contained (no imports, no outer variables): the service
// worker passes it to chrome.scripting.executeScript, which serialises it and runs it in
// the bookmarked tab; the offscreen document runs it on a DOMParser document of a fetched
// page. Both give the same text for the same DOM.

/** The readable main text of `doc` (article / main element if any, else the body), at most `max` characters. */
export function extractMainText(doc = document, max = 20000) {
  const pick = () => {
    const cands = [...doc.querySelectorAll('article, main, [role="main"], #content, .content, .post, .entry-content')];
    let best = null;
    let bestLen = 0;
    for (const c of cands) {
      const n = (c.textContent || '').length;
      if (n > bestLen) { best = c; bestLen = n; }
    }
    return best && bestLen >= 200 ? best : doc.body;
  };
  const root = pick();
  if (!root) return '';
  const clone = root.cloneNode(true);
  for (const el of clone.querySelectorAll('script, style, noscript, template, svg, canvas, iframe, nav, header, footer, aside, form, button, [hidden], [aria-hidden="true"]')) el.remove();
  // Block elements end a line, so words of adjacent paragraphs do not run together.
  for (const el of clone.querySelectorAll('p, div, li, h1, h2, h3, h4, h5, h6, br, tr, section, article, blockquote, pre')) el.append(' ');
  const title = (doc.title || '').trim();
  let text = (clone.textContent || '').replace(/\s+/g, ' ').trim();
  if (title && text.startsWith(title)) text = text.slice(title.length).trim();
  return text.slice(0, max);
}

/** The host permission that page-text indexing needs for `url` (its origin). */
export function originPattern(url) {
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    return `${u.protocol}//${u.hostname}/*`;
  } catch {
    return null;
  }
}

/** Permissions asked when the user turns the option on. */
export const PAGE_TEXT_PERMISSIONS = { permissions: ['scripting'], origins: ['<all_urls>'] };
