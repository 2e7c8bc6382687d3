// Unit tests of the demo's and the extension's highlighting (pure functions, no browser):
// words match as nook's keyword terms do (accents folded, CJK by character pairs, Thai,
// Lao, Khmer and Myanmar by pairs of a letter with its marks).
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

test('Thai, Lao, Khmer and Myanmar are marked where the query\'s pairs of units stand', () => {
  // The same pairs as the core's terms (src/text/terms.rs): a unit is a letter and its marks.
  assert.deepEqual(queryTerms('ภาษาไทย'), ['ภา', 'าษ', 'ษา', 'าไ', 'ไท', 'ทย']);
  assert.deepEqual(queryTerms('ที่นี่ ณ Thai'), ['ที่นี่', 'ณ', 'thai']);
  assert.deepEqual(queryTerms('ខ្មែរ'), ['ខ្មែ', 'មែរ']);
  // A word inside a sentence, marks and all; a partial match marks the pairs it holds.
  assert.deepEqual(marked('ฉันไปโรงเรียนทุกวัน', 'โรงเรียน'), ['โรงเรียน']);
  assert.deepEqual(marked('ພາສາລາວ ງາມ', 'ລາວ'), ['ລາວ']);
  assert.deepEqual(marked('မြန်မာစာ', 'မြန်မာ'), ['မြန်မာ']);
  // Next to Latin letters: the word is marked alone.
  assert.deepEqual(marked('Thaiภาษา', 'thai'), ['Thai']);
});

test('a snippet is cut around the first match', () => {
  const text = `${'filler words '.repeat(40)}the Zürich café ${'more filler '.repeat(40)}`;
  const s = snippetAround(text, queryTerms('zurich'), 100);
  assert.ok(s.startsWith('…') && s.includes('Zürich'), s);
});
