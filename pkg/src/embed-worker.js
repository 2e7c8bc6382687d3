// A helper of the nook worker (helpers.js): loads the same wasm build and model and embeds
// the token sequences it is sent, exactly as the nook worker's own NookCore.add would, so
// that a large add is embedded on several cores. Stores nothing and owns no database.
// Protocol: {id, op: 'open', args: {wasmUrl, model, tokenizer, embedOptions}} (model and
// tokenizer: {url} or {bytes}) then
// {id, op: 'embed', args: {tokens, lengths}}; answers {id, ok, result | error}.

import init, { NookEmbedder } from '../dist/nook.js';
import { modelFiles } from './assets.js';

let embedder = null;

async function handle({ op, args }) {
  if (op === 'open') {
    const assets = modelFiles(args.model, args.tokenizer);
    await init({ module_or_path: args.wasmUrl });
    const [model, tokenizer] = await assets;
    embedder = new NookEmbedder(model, tokenizer, args.embedOptions);
    return true;
  }
  if (op === 'embed') {
    if (!embedder) throw { name: 'NookStateError', message: 'the embedding helper is not open' };
    return embedder.embedTokens(args.tokens, args.lengths);
  }
  throw { name: 'NookStateError', message: `unknown operation ${op}` };
}

self.onmessage = async ({ data }) => {
  try {
    const result = await handle(data);
    postMessage({ id: data.id, ok: true, result }, result instanceof Float32Array ? [result.buffer] : []);
  } catch (e) {
    postMessage({ id: data.id, ok: false, error: { name: (e && e.name) || 'NookEmbedError', message: (e && e.message) || String(e) } });
  }
};
