// Types of nook-search-minilm (index.js).
/** URL of all-MiniLM-L6-v2 (int8 ONNX, prepared for nook). */
export declare const modelUrl: string;
/** URL of its tokenizer.json. */
export declare const tokenizerUrl: string;
/** Dimensions of an embedding (384). */
export declare const dims: number;
declare const minilm: { modelUrl: string; tokenizerUrl: string };
export default minilm;
