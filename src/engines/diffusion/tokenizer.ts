/**
 * The CLIP tokenizer of Stable Diffusion models, on Hugging Face's tokenizers.js. Diffusion
 * exports ship either `tokenizer.json` (the fast tokenizer) or only the slow tokenizer's
 * `vocab.json` + `merges.txt`; for the latter the fast tokenizer's definition is assembled from them
 * exactly as transformers' converter does (src/transformers/convert_slow_tokenizer.py, CLIPConverter),
 * so the library does the normalising, splitting and byte-level BPE either way.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';

const BOS = '<|startoftext|>';
const EOS = '<|endoftext|>';

/** CLIPConverter.converted(): BPE with "</w>" word ends, NFC + whitespace + lowercase, CLIP's split, byte level, BOS…EOS. */
export function clipTokenizerDefinition(vocab: Record<string, number>, merges: string[]): object {
  const special = (content: string) => ({ id: vocab[content], content, single_word: false, lstrip: false, rstrip: false, normalized: true, special: true });
  if (vocab[BOS] === undefined || vocab[EOS] === undefined) throw new Error(`a CLIP vocabulary needs ${BOS} and ${EOS}`);
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [special(BOS), special(EOS)],
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFC' }, { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' }, { type: 'Lowercase' }] },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: "'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+" }, behavior: 'Removed', invert: true },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: { type: 'RobertaProcessing', sep: [EOS, vocab[EOS]], cls: [BOS, vocab[BOS]], trim_offsets: false, add_prefix_space: false },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: EOS, continuing_subword_prefix: '', end_of_word_suffix: '</w>', fuse_unk: false, byte_fallback: false, vocab, merges },
  };
}

/** `merges.txt` → merge rules ("a b"), without its "#version" header. */
export function parseMerges(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#version'));
}

export interface PromptTokenizer {
  /** The prompt as the text encoder reads it: BOS, tokens, EOS, cut and padded to `length` ids. */
  encode(prompt: string): number[];
  readonly length: number;
}

/**
 * Loads the tokenizer in `dir` (`tokenizer.json`, else `vocab.json` + `merges.txt`), with
 * `tokenizer_config.json`'s pad token and length when present (SD 1.5: `<|endoftext|>`, 77). Reads the
 * files on every call: the caller keeps what it loaded (the embedded backend, per model).
 */
export function loadClipTokenizer(dir: string): PromptTokenizer {
  const read = (f: string) => readFileSync(path.join(dir, f), 'utf8');
  const config = existsSync(path.join(dir, 'tokenizer_config.json')) ? (JSON.parse(read('tokenizer_config.json')) as Record<string, unknown>) : {};
  const definition = existsSync(path.join(dir, 'tokenizer.json'))
    ? (JSON.parse(read('tokenizer.json')) as object)
    : clipTokenizerDefinition(JSON.parse(read('vocab.json')) as Record<string, number>, parseMerges(read('merges.txt')));
  const tokenizer = new Tokenizer(definition, config);
  const length = typeof config.model_max_length === 'number' && config.model_max_length <= 1024 ? config.model_max_length : 77;
  const padToken = typeof config.pad_token === 'string' ? config.pad_token : (config.pad_token as { content?: string } | undefined)?.content ?? EOS;
  const pad = tokenizer.token_to_id(padToken) ?? tokenizer.token_to_id(EOS);
  const eos = tokenizer.token_to_id(EOS);
  if (pad === undefined || eos === undefined) throw new Error(`${dir}: the tokenizer has no ${EOS} token`);
  const t: PromptTokenizer = {
    length,
    // pipeline_stable_diffusion.py, encode_prompt: tokenizer(prompt, padding="max_length",
    // max_length=model_max_length, truncation=True) — a long prompt keeps its first tokens and its EOS.
    encode(prompt) {
      const ids = tokenizer.encode(prompt).ids;
      const cut = ids.length > length ? [...ids.slice(0, length - 1), eos] : ids;
      return [...cut, ...new Array<number>(length - cut.length).fill(pad)];
    },
  };
  return t;
}
