// webpack 5 as a web developer configures it for the packaging test app: an ES module
// entry, nothing nook-specific (webpack finds the worker and the wasm files itself).
// NOOK_APP: the app folder; NOOK_OUT: the output folder.
export default {
  mode: 'production',
  context: process.env.NOOK_APP,
  entry: './main.js',
  output: { path: process.env.NOOK_OUT, filename: 'main.js', publicPath: 'auto', clean: true },
  performance: { hints: false },
};
