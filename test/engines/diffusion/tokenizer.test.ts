import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { clipTokenizerDefinition, loadClipTokenizer } from '../../../src/engines/diffusion/tokenizer.js';
import { tinyVocab, writeTinyTokenizer } from './tiny-diffusion.js';

describe('CLIP tokenizer (tokenizers.js) from a diffusion export', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'darkroom-tok-'));
  writeTinyTokenizer(dir);
  const { vocab } = tinyVocab();
  const t = loadClipTokenizer(dir);

  test('BOS, merged word ends, EOS, padded with the pad token to 77', () => {
    const ids = t.encode('red cat');
    assert.equal(ids.length, 77);
    assert.deepEqual(ids.slice(0, 4), [vocab['<|startoftext|>'], vocab['red</w>'], vocab['cat</w>'], vocab['<|endoftext|>']]);
    assert.ok(ids.slice(4).every((v) => v === vocab['<|endoftext|>']));
  });

  test('lowercases, folds whitespace, spells an unmerged word out in letters', () => {
    const ids = t.encode('  A   Dog\n ab');
    assert.deepEqual(ids.slice(0, 6), [0, vocab['a</w>'], vocab['dog</w>'], vocab.a, vocab['b</w>'], 1]);
  });

  test('a long prompt keeps its first 75 tokens and ends in EOS', () => {
    const ids = t.encode(Array(100).fill('cat').join(' '));
    assert.equal(ids.length, 77);
    assert.equal(ids[0], 0);
    assert.ok(ids.slice(1, 76).every((v) => v === vocab['cat</w>']));
    assert.equal(ids[76], vocab['<|endoftext|>']);
  });

  test('a tokenizer.json (fast tokenizer) is read the same way', () => {
    const fast = mkdtempSync(path.join(os.tmpdir(), 'darkroom-tok-fast-'));
    const { merges } = tinyVocab();
    writeFileSync(path.join(fast, 'tokenizer.json'), JSON.stringify(clipTokenizerDefinition(vocab, merges)));
    assert.deepEqual(loadClipTokenizer(fast).encode('red dog'), t.encode('red dog'));
  });
});
