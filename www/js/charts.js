// Small charts drawn with plain elements (no library, nothing fetched): bytes stored by
// part next to a full HNSW with f32 vectors, and a query's time split.

export function fmtBytes(n) {
  if (n == null || !Number.isFinite(n)) return '–';
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(n < 10240 ? 1 : 0)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(n < 10 * 1024 ** 2 ? 2 : 1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

export function fmtMs(ms) {
  if (ms == null || !Number.isFinite(ms)) return '–';
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

const el = (tag, cls, text) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null) e.textContent = text;
  return e;
};

/**
 * One row per bar; each bar is a list of segments {label, value}. Bars share one scale
 * (the largest total), so their lengths compare. `fmt` formats values.
 */
export function stackedBars(container, bars, { fmt = String, legend = true } = {}) {
  container.replaceChildren();
  const max = Math.max(1e-9, ...bars.map((b) => b.parts.reduce((a, p) => a + p.value, 0)));
  const colors = new Map();
  for (const b of bars) for (const p of b.parts) if (!colors.has(p.label)) colors.set(p.label, p.color ?? `c${colors.size % 6}`);
  for (const b of bars) {
    const total = b.parts.reduce((a, p) => a + p.value, 0);
    const row = el('div', 'bar-row');
    row.append(el('span', 'label', b.label));
    const bar = el('div', 'bar');
    bar.style.width = `${Math.max(0.5, (100 * total) / max)}%`;
    bar.setAttribute('role', 'img');
    bar.setAttribute('aria-label', `${b.label}: ${fmt(total)} — ` + b.parts.map((p) => `${p.label} ${fmt(p.value)}`).join(', '));
    for (const p of b.parts) {
      if (!(p.value > 0)) continue;
      const seg = el('span', colors.get(p.label));
      seg.style.width = `${(100 * p.value) / total}%`;
      seg.title = `${p.label}: ${fmt(p.value)}`;
      bar.append(seg);
    }
    row.append(bar);
    row.append(el('span', 'bar-value', b.caption ?? fmt(total)));
    container.append(row);
  }
  if (legend) {
    const lg = el('div', 'legend');
    for (const [label, cls] of colors) {
      const item = el('span');
      item.append(el('i', cls), label);
      lg.append(item);
    }
    container.append(lg);
  }
}
