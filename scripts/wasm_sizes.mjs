// What a wasm file's bytes are: per section, and the code section per crate (a function's
// bytes go to the crate its name starts with, read from the "name" custom section; names
// like `<tokenizers::X as core::fmt::Debug>::fmt` count for the crate of the type,
// `core::ptr::drop_in_place<serde_json::Value>` for the crate of the value dropped).
//
//   node scripts/wasm_sizes.mjs FILE.wasm [TOP]     prints the table
//   import { breakdown } from './wasm_sizes.mjs'    { sections, crates: [[crate, bytes]] }
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SECTIONS = ['custom', 'type', 'import', 'function', 'table', 'memory', 'global', 'export', 'start', 'element', 'code', 'data', 'data count'];

function reader(buf) {
  let pos = 0;
  const r = {
    get pos() { return pos; },
    set pos(p) { pos = p; },
    byte: () => buf[pos++],
    u32() {
      let v = 0, shift = 0, b;
      do { b = buf[pos++]; v += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80);
      return v;
    },
    name() { const n = r.u32(); const s = buf.subarray(pos, pos + n).toString('utf8'); pos += n; return s; },
  };
  return r;
}

/** Crate of a demangled function name (see the header). */
export function crateOf(name) {
  let s = name.replace(/::h[0-9a-f]{16}$/, '');
  for (const wrapper of ['core::ptr::drop_in_place<', 'alloc::', 'core::']) {
    if (s.startsWith(wrapper) && s.includes('<')) {
      const inner = s.slice(s.indexOf('<') + 1).replace(/^[&*]+(mut |const )?/, '');
      if (/^[a-z_][a-z0-9_]*::/.test(inner) && !inner.startsWith('core::') && !inner.startsWith('alloc::')) s = inner;
      break;
    }
  }
  s = s.replace(/^<+/, '').replace(/^[&*]+(mut |const )?/, '').replace(/^dyn /, '');
  const m = /^([A-Za-z_][A-Za-z0-9_]*)::/.exec(s);
  return m ? m[1] : s.startsWith('__wbg') || s.startsWith('__wbindgen') ? 'wasm-bindgen glue' : '(other)';
}

export function breakdown(buf) {
  const r = reader(buf);
  r.pos = 8;
  const sections = {};
  let imported = 0;
  const bodies = [];
  const names = new Map();
  while (r.pos < buf.length) {
    const id = r.byte();
    const size = r.u32();
    const start = r.pos;
    let key = SECTIONS[id] || `section ${id}`;
    if (id === 0) {
      const name = r.name();
      key = `custom "${name}"`;
      if (name === 'name') {
        while (r.pos < start + size) {
          const sub = r.byte();
          const len = r.u32();
          const end = r.pos + len;
          if (sub === 1) {
            const count = r.u32();
            for (let i = 0; i < count; i++) { const idx = r.u32(); names.set(idx, r.name()); }
          }
          r.pos = end;
        }
      }
    } else if (id === 2) {
      const count = r.u32();
      for (let i = 0; i < count; i++) {
        r.name(); r.name();
        const kind = r.byte();
        if (kind === 0) { r.u32(); imported++; } else if (kind === 1) { r.byte(); const f = r.byte(); r.u32(); if (f & 1) r.u32(); } else if (kind === 2) { const f = r.byte(); r.u32(); if (f & 1) r.u32(); } else { r.byte(); r.byte(); }
      }
    } else if (id === 10) {
      const count = r.u32();
      for (let i = 0; i < count; i++) { const len = r.u32(); bodies.push(len); r.pos += len; }
    }
    sections[key] = (sections[key] || 0) + size;
    r.pos = start + size;
  }
  const crates = new Map();
  bodies.forEach((len, i) => {
    const name = names.get(imported + i);
    const c = name === undefined ? '(no name section)' : crateOf(name);
    crates.set(c, (crates.get(c) || 0) + len);
  });
  return { sections, crates: [...crates].sort((a, b) => b[1] - a[1]) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, top = '15'] = process.argv.slice(2);
  const { sections, crates } = breakdown(readFileSync(file));
  const kb = (n) => `${(n / 1024).toFixed(0).padStart(6)} KB`;
  console.log(`${file}: sections`);
  for (const [k, v] of Object.entries(sections).sort((a, b) => b[1] - a[1])) console.log(`  ${kb(v)}  ${k}`);
  console.log('code by crate:');
  for (const [c, v] of crates.slice(0, Number(top))) console.log(`  ${kb(v)}  ${c}`);
}
