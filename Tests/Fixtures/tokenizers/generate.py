#!/usr/bin/env python3
"""Builds small tokenizers with Hugging Face `tokenizers` and records the ids it
gives for a set of test strings, so the Swift encoder can be checked against it.

Run from this folder:  python3 generate.py   (needs `pip install tokenizers sentencepiece protobuf`)
Writes <name>/tokenizer.json and <name>/expected.json for every case below, and
expected.json for the shared fixture models listed in FIXTURE_MODELS.
"""
import json
import os
import random

from tokenizers import Tokenizer, Regex, AddedToken, models, normalizers, pre_tokenizers, processors, decoders, trainers

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE_MODELS = ["llama-base", "llama-ft3-chatml", "llama-donor"]

WORDS = ("the quick brown fox jumps over lazy dog they're it's we'll I'd you've don't "
         "Hello World hello world HELLO naïve café résumé Straße 東京 日本語 北京 Привет мир "
         "ὀδυσσεύς 2024 123456 3.14159 ½ ⅻ ① foo_bar foo-bar e-mail user@example.com "
         "tokenization merges vocabulary embedding layers attention model models merging").split()
STRINGS = [
    "", " ", "  ", "a", "Hello world", "Hello  world", " Hello world", "Hello world ",
    "hello\nworld\n\n  indented\ttab", "line one\r\nline two", "they're here, it's done; we'll see.",
    "I'D YOU'VE DON'T", "naïve café", "nai\u0308ve cafe\u0301", "Straße ǅ İstanbul ΣΑΣ",
    "東京は日本の首都です。", "Привет, мир!", "numbers 1234567 3.14159 ½ ⅻ ①②",
    "emoji 🤗🚀 and 👩‍💻", "vertical\u000btab and next\u0085line and nbsp\u00a0here",
    "  leading and trailing spaces   ", "foo_bar foo-bar e-mail user@example.com",
    "<s>hello</s>", "<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n",
    "x<|im_end|>y", "<special>inside<special>", " <special> spaced <special> ", "word<sw>word <sw> end",
    "lowerCASE Mixed", "tokenization merges vocabulary", "a" * 50, "ab" * 40 + " " + "z" * 30,
    "\u00e9\u0301\u0327", "zero\u200bwidth", "\u3000ideographic space", "x\u2028y\u2029z",
    "[CLS] should not be special", "[MASK] is special", "snake_case_identifier and CamelCaseIdentifier",
    "ＡＢＣ ａｂｃ ﬁne ① AAAA e\u0301te nai\u0308ve x\u3000y", "AAA e\u0301\u0301 \uff21\u0301",
]


def corpus():
    rng = random.Random(7)
    lines = []
    for _ in range(3000):
        n = rng.randint(3, 14)
        lines.append(" ".join(rng.choice(WORDS) for _ in range(n)))
    return lines + STRINGS


def save(name, tok):
    d = os.path.join(HERE, name)
    os.makedirs(d, exist_ok=True)
    tok.save(os.path.join(d, "tokenizer.json"))
    record(d, Tokenizer.from_file(os.path.join(d, "tokenizer.json")))


def record(d, tok):
    cases = []
    for s in STRINGS:
        cases.append({
            "text": s,
            "ids": tok.encode(s, add_special_tokens=False).ids,
            "ids_special": tok.encode(s, add_special_tokens=True).ids,
        })
    samples = [tok.encode(s, add_special_tokens=False).ids for s in STRINGS[4:12]]
    decoded = [{"ids": ids, "text": tok.decode(ids, skip_special_tokens=False),
                "text_skip": tok.decode(ids, skip_special_tokens=True)} for ids in samples]
    with open(os.path.join(d, "expected.json"), "w", encoding="utf-8") as f:
        json.dump({"tokenizers_version": __import__("tokenizers").__version__, "cases": cases, "decode": decoded},
                  f, ensure_ascii=False, indent=1)


def bpe_trainer(size, **kw):
    return trainers.BpeTrainer(vocab_size=size, show_progress=False, **kw)


def byte_level_llama3():
    tok = Tokenizer(models.BPE())
    pattern = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
               r"|\s*[\r\n]+|\s+(?!\S)|\s+")
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(pattern), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(corpus(), bpe_trainer(500, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                                  special_tokens=["<|begin_of_text|>", "<|end_of_text|>"]))
    tok.add_special_tokens([AddedToken("<|im_start|>", special=True), AddedToken("<|im_end|>", special=True, rstrip=True),
                            AddedToken("<special>", special=True, lstrip=True, rstrip=True)])
    tok.add_tokens([AddedToken("<sw>", single_word=True, normalized=False), AddedToken("mixed", normalized=True)])
    tok.post_processor = processors.TemplateProcessing(
        single="<|begin_of_text|> $A", pair="<|begin_of_text|> $A $B",
        special_tokens=[("<|begin_of_text|>", tok.token_to_id("<|begin_of_text|>"))])
    return tok


def gpt2_byte_level():
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=True)
    tok.train_from_iterator(corpus(), bpe_trainer(420, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                                  special_tokens=["<|endoftext|>"]))
    return tok


def sentencepiece_bpe():
    tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    tok.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
    tok.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(),
                                     decoders.Strip(content=" ", left=1, right=0)])
    alphabet = [f"<0x{b:02X}>" for b in range(256)]
    tok.train_from_iterator(corpus(), bpe_trainer(700, special_tokens=["<unk>", "<s>", "</s>"] + alphabet,
                                                  limit_alphabet=60))
    tok.post_processor = processors.TemplateProcessing(single="<s> $A", pair="<s> $A <s> $B",
                                                       special_tokens=[("<s>", tok.token_to_id("<s>"))])
    tok.add_special_tokens([AddedToken("<|im_end|>", special=True)])
    return tok


def metaspace_bpe():
    tok = Tokenizer(models.BPE(unk_token="<unk>", fuse_unk=False))
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="first")
    tok.train_from_iterator(corpus(), bpe_trainer(400, special_tokens=["<unk>", "<s>", "</s>"], limit_alphabet=50))
    tok.add_special_tokens([AddedToken("<special>", special=True)])
    tok.add_tokens([AddedToken("mixed", normalized=True)])
    tok.post_processor = processors.TemplateProcessing(single="<s> $A </s>", pair="<s> $A </s> $B </s>",
                                                       special_tokens=[("<s>", 1), ("</s>", 2)])
    return tok


def unigram():
    tok = Tokenizer(models.Unigram())
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    tok.train_from_iterator(corpus(), trainers.UnigramTrainer(vocab_size=400, show_progress=False, unk_token="<unk>",
                                                              special_tokens=["<pad>", "<unk>", "</s>"]))
    tok.post_processor = processors.TemplateProcessing(single="$A </s>", pair="$A </s> $B </s>",
                                                       special_tokens=[("</s>", tok.token_to_id("</s>"))])
    return tok


def unigram_byte_fallback():
    vocab = [("<unk>", 0.0), ("<s>", 0.0), ("</s>", 0.0)] + [(f"<0x{b:02X}>", 0.0) for b in range(256)]
    base = Tokenizer(models.Unigram())
    base.pre_tokenizer = pre_tokenizers.Metaspace()
    base.train_from_iterator(corpus(), trainers.UnigramTrainer(vocab_size=300, show_progress=False, unk_token="<unk>"))
    learned = json.loads(base.to_str())["model"]["vocab"]
    seen = {t for t, _ in vocab}
    vocab += [(t, s) for t, s in learned if t not in seen]
    tok = Tokenizer(models.Unigram(vocab, unk_id=0, byte_fallback=True))
    tok.pre_tokenizer = pre_tokenizers.Metaspace(prepend_scheme="first")
    tok.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse()])
    return tok


def wordpiece_bert():
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]", max_input_chars_per_word=20))
    tok.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=None, lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    tok.train_from_iterator(corpus(), trainers.WordPieceTrainer(vocab_size=500, show_progress=False,
                                                                special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]))
    tok.post_processor = processors.BertProcessing(("[SEP]", tok.token_to_id("[SEP]")), ("[CLS]", tok.token_to_id("[CLS]")))
    return tok


def wordlevel_splits():
    tok = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tok.normalizer = normalizers.Sequence([normalizers.NFD(), normalizers.StripAccents(), normalizers.Strip()])
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Whitespace(), pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.Punctuation(behavior="isolated"),
    ])
    tok.train_from_iterator(corpus(), trainers.WordLevelTrainer(vocab_size=400, show_progress=False, special_tokens=["[UNK]"]))
    return tok


def split_behaviours():
    tok = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.WhitespaceSplit(),
        pre_tokenizers.Split("-", behavior="merged_with_previous"),
        pre_tokenizers.Split("_", behavior="merged_with_next"),
        pre_tokenizers.Split(Regex(r"\d"), behavior="contiguous"),
        pre_tokenizers.Split(Regex(r"[aeiou]"), behavior="removed", invert=True),
        pre_tokenizers.Digits(individual_digits=False),
    ])
    tok.train_from_iterator(corpus(), trainers.WordLevelTrainer(vocab_size=600, show_progress=False, special_tokens=["[UNK]"]))
    return tok


def roberta():
    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(corpus(), bpe_trainer(400, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                                  special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"]))
    tok.post_processor = processors.RobertaProcessing(("</s>", 2), ("<s>", 0))
    tok.add_special_tokens([AddedToken("<mask>", lstrip=True, special=True)])
    return tok


def precompiled_unigram():
    """A SentencePiece model with custom normalization rules, as a tokenizer.json Unigram with a Precompiled normalizer."""
    import tempfile
    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2 as pb
    with tempfile.TemporaryDirectory() as d:
        rules = os.path.join(d, "rules.tsv")
        with open(rules, "w", encoding="utf-8") as f:
            # source code points (hex, space separated) TAB target code points
            for src, dst in [("FF21", "41"), ("FF41", "61"), ("FB01", "66 69"), ("2460", "31"), ("3000", "20"),
                             ("65 301", "E9"), ("69 308", "EF"), ("2028", "20"), ("41 41 41", "61")]:
                f.write(f"{src}\t{dst}\n")
        text = os.path.join(d, "corpus.txt")
        with open(text, "w", encoding="utf-8") as f:
            f.write("\n".join(corpus()))
        spm.SentencePieceTrainer.train(input=text, model_prefix=os.path.join(d, "sp"), vocab_size=160, model_type="unigram", hard_vocab_limit=False,
                                       normalization_rule_tsv=rules, character_coverage=0.98, minloglevel=2)
        proto = pb.ModelProto()
        proto.ParseFromString(open(os.path.join(d, "sp.model"), "rb").read())
    vocab = [(p.piece, p.score) for p in proto.pieces]
    tok = Tokenizer(models.Unigram(vocab, unk_id=proto.trainer_spec.unk_id, byte_fallback=False))
    tok.normalizer = normalizers.Sequence([normalizers.Precompiled(proto.normalizer_spec.precompiled_charsmap),
                                           normalizers.Replace(Regex(" {2,}"), " ")])
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Metaspace()])
    tok.decoder = decoders.Metaspace()
    return tok


CASES = {
    "byte-level-llama3": byte_level_llama3, "byte-level-gpt2": gpt2_byte_level,
    "sentencepiece-bpe": sentencepiece_bpe, "metaspace-bpe": metaspace_bpe, "unigram": unigram,
    "unigram-byte-fallback": unigram_byte_fallback, "wordpiece-bert": wordpiece_bert,
    "wordlevel-splits": wordlevel_splits, "split-behaviours": split_behaviours, "roberta": roberta,
    "precompiled-unigram": precompiled_unigram,
}

if __name__ == "__main__":
    for name, build in CASES.items():
        save(name, build())
    for m in FIXTURE_MODELS:
        d = os.path.join(HERE, "fixture-" + m)
        os.makedirs(d, exist_ok=True)
        record(d, Tokenizer.from_file(os.path.join(HERE, "../../../../../shared/fixtures/models", m, "tokenizer.json")))
    print("ok")
