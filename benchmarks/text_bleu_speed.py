"""Time of BLEU-2..5 for 500 samples against 8,000 references: gan_helpers.text.bleu vs nltk.

    python benchmarks/text_bleu_speed.py            # target: under 3 s on a 2-core CPU

The sentences are Rotten Tomatoes reviews (all splits, tokenized): the first 8,000 are the
references, the next 500 the "samples". nltk's sentence_bleu (smoothing method1, the
definition the course uses) is timed on a few samples and extrapolated to 500; on those
few, both must give the same scores. Self-BLEU of the 500 samples is timed too.
"""
from __future__ import annotations

import argparse
import time

from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu

from gan_helpers import load_rotten_tomatoes
from gan_helpers.text import NgramReferences, bleu, self_bleu, tokenize


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--num-refs", type=int, default=8000)
    parser.add_argument("--num-samples", type=int, default=500)
    parser.add_argument("--nltk-samples", type=int, default=3, help="samples scored by nltk (it is slow)")
    args = parser.parse_args()
    sentences = [tokenize(t) for part in load_rotten_tomatoes() for t in part.texts]
    refs = sentences[: args.num_refs]
    hyps = sentences[args.num_refs: args.num_refs + args.num_samples]
    print(f"{len(hyps)} samples vs {len(refs)} references (Rotten Tomatoes reviews, "
          f"{sum(map(len, refs)) / len(refs):.1f} tokens on average)")

    start = time.perf_counter()
    scores = bleu(hyps, refs, (2, 3, 4, 5), num_samples=args.num_samples)
    fast = time.perf_counter() - start
    print(f"gan_helpers.text.bleu, BLEU-2..5:     {fast:6.2f} s   " +
          "  ".join(f"BLEU-{n} {v:.3f}" for n, v in scores.items()))

    start = time.perf_counter()
    sb = self_bleu(hyps, (2, 3, 4, 5), num_samples=args.num_samples)
    print(f"gan_helpers.text.self_bleu, 2..5:     {time.perf_counter() - start:6.2f} s   " +
          "  ".join(f"Self-BLEU-{n} {v:.3f}" for n, v in sb.items()))

    smooth = SmoothingFunction().method1
    table = NgramReferences(refs, 5)
    start = time.perf_counter()
    slow = [sentence_bleu(refs, h, [(1 / n,) * n for n in (2, 3, 4, 5)], smoothing_function=smooth)
            for h in hyps[: args.nltk_samples]]
    per_sample = (time.perf_counter() - start) / args.nltk_samples
    same = all(abs(s[i] - table.sentence_bleu(h, n)) < 1e-12
               for s, h in zip(slow, hyps) for i, n in enumerate((2, 3, 4, 5)))
    print(f"nltk sentence_bleu, BLEU-2..5:       {per_sample * args.num_samples:6.1f} s (extrapolated from "
          f"{args.nltk_samples} samples; same scores: {same})")
    print(f"speed-up: {per_sample * args.num_samples / fast:.0f}x;  target < 3 s: {'met' if fast < 3 else 'MISSED'}")


if __name__ == "__main__":
    main()
