// Unit tests of the demo's and the extension's highlighting (pure functions, no browser):
// words match as nook's keyword terms do (accents folded, CJK by character pairs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { markSpans, queryTerms, snippetAround } from '../../www/js/highlight.js';

const marked = (text, query) => markSpans(text, queryTerms(query)).map(([a, b]) => text.slice(a, b));

test('query terms: folded, stop words out, CJK runs as pairs', () => {
  assert.deepEqual(queryTerms('The Café in Zürich'), ['cafe', 'zurich']);
  assert.deepEqual(queryTerms('東京の天気 and Straße'), ['東京', '京の', 'の天', '天気', 'strasse']);
  assert.deepEqual(queryTerms('猫'), ['猫']);
});

test('words are marked by their stem, accents or not, on either side', () => {
  assert.deepEqual(marked('Urban beekeeping: bees in the city', 'bees'), ['bees']);
  assert.deepEqual(marked('Keeps keeping, kept', 'keeping'), ['Keeps', 'keeping']);
  assert.deepEqual(marked('Le Café de Zürich', 'cafe zurich'), ['Café', 'Zürich']);
  assert.deepEqual(marked('Le Cafe de Zurich', 'café zürich'), ['Cafe', 'Zurich']);
  // Written with a combining accent: the accent is marked with its letter.
  assert.deepEqual(marked('Cafe\u0301 noir', 'cafe'), ['Cafe\u0301']);
  assert.deepEqual(marked('Die Straße', 'strasse'), ['Straße']);
  assert.deepEqual(marked('nothing here', 'zebra'), []);
});

test('CJK text is marked where the query\'s character pairs stand, merged', () => {
  assert.deepEqual(marked('東京の天気予報と週間の気温', '天気予報'), ['天気予報']);
  assert.deepEqual(marked('明日の天気は晴れ', '天気予報'), ['天気']);
  assert.deepEqual(marked('三维棋盘上玩国际象棋的游戏', '国际象棋'), ['国际象棋']);
  assert.deepEqual(marked('iPhone用ケース', 'iphone ケース'), ['iPhone', 'ケース']);
  assert.deepEqual(marked('用iPhone', 'iphone'), ['iPhone']);
});

test('a snippet is cut around the first match', () => {
  const text = `${'filler words '.repeat(40)}the Zürich café ${'more filler '.repeat(40)}`;
  const s = snippetAround(text, queryTerms('zurich'), 100);
  assert.ok(s.startsWith('…') && s.includes('Zürich'), s);
});
