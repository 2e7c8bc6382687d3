// The app every packaging test builds: what a web developer writes after
// `npm install nook-search nook-search-minilm`. First pkg/README.md's example, as written
// (example.js, copied out of the README by scripts/test_packaging.sh); then checks.js.
// It reports to the test through window.packResult.
import { checks } from './checks.js';

const out = (window.packResult = { state: 'running' });
(async () => {
  try {
    const logged = [];
    const log = console.log;
    console.log = (...args) => { logged.push(args.join(' ')); log(...args); };
    try { await import('./example.js'); } finally { console.log = log; }
    out.example = logged;
    await checks(out);
  } catch (e) {
    Object.assign(out, { state: 'error', error: `${e.name}: ${e.message}` });
  }
})();
