// The model files' URLs, next to this module. Bundlers (Vite, webpack 5, Parcel) see the
// `new URL('./file', import.meta.url)` form and emit the files with the app; without a
// bundler they resolve inside node_modules/nook-search-minilm/.

/** all-MiniLM-L6-v2, int8 weights, with nook's word-embedding rewrite (22.9 MB). */
export const modelUrl = new URL('./minilm-l6-int8.onnx', import.meta.url).href;
/** Its tokenizer.json (BERT uncased WordPiece, 30,522 tokens). */
export const tokenizerUrl = new URL('./tokenizer.json', import.meta.url).href;
/** Dimensions of an embedding. */
export const dims = 384;

/** Both URLs, as Nook.open takes them: `Nook.open('notes', { ...minilm })`. */
export default { modelUrl, tokenizerUrl };
