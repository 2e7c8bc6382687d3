// The app esbuild builds. esbuild does not follow `new URL('…', import.meta.url)`, so this
// is pkg/README.md's esbuild recipe: node_modules/nook-search copied next to the bundle and
// its worker named with workerUrl (the worker finds its wasm files next to itself), and
// nook-search-minilm's two files copied next to the bundle, where its URLs point once
// bundled. Then the same checks as every app.
import { checks } from './checks.js';

const out = (window.packResult = { state: 'running', example: 'not run: the example needs a bundler that follows import.meta.url, or none' });
checks(out, { workerUrl: new URL('./nook-search/src/worker.js', import.meta.url) })
  .catch((e) => Object.assign(out, { state: 'error', error: `${e.name}: ${e.message}` }));
