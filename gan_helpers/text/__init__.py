"""Text GANs (notebooks 05-10), one layer per row, each importing only the rows above it:

1. ``vocab`` (tokens, ids, the row format, the review corpus), ``qa_data`` (question-answer
   pairs); ``sampling`` (every way to draw a word, the one decoding loop); ``models``
   (LSTM generator, CNN discriminator); ``oracle``.
2. ``metrics`` (NLL, BLEU, Self-BLEU, distinct-n, corpus BLEU), ``estimators`` (gradient
   estimators against the exact gradient).
3. ``trainer`` (the one History, the one update, the one epoch loop), ``adversarial`` (the
   one text-GAN loop), ``discriminate``, ``mle``.
4. Methods: ``seqgan``, ``gumbel_gan``, ``seq2seq`` and ``qa_gan``, ``vae`` and ``vae_train``.
5. ``checkpoints`` (save and read any model, fingerprinted against its data).
6. ``recipes`` (how each shipped model is trained; ``python -m gan_helpers.text`` rebuilds them).
7. ``compare``, ``qa_eval``, ``plots``, ``widgets``.

Import from here: ``from gan_helpers.text import review_corpus, LSTMGenerator, train_seqgan, ...``.
"""
from .vocab import *  # noqa: F401,F403
from .qa_data import *  # noqa: F401,F403
from .sampling import *  # noqa: F401,F403
from .models import *  # noqa: F401,F403
from .oracle import *  # noqa: F401,F403
from .metrics import *  # noqa: F401,F403
from .estimators import *  # noqa: F401,F403
from .trainer import *  # noqa: F401,F403
from .adversarial import *  # noqa: F401,F403
from .discriminate import *  # noqa: F401,F403
from .mle import *  # noqa: F401,F403
from .seqgan import *  # noqa: F401,F403
from .gumbel_gan import *  # noqa: F401,F403
from .seq2seq import *  # noqa: F401,F403
from .qa_gan import *  # noqa: F401,F403
from .vae import *  # noqa: F401,F403
from .vae_train import *  # noqa: F401,F403
from .checkpoints import *  # noqa: F401,F403
from .recipes import *  # noqa: F401,F403
from .compare import *  # noqa: F401,F403
from .qa_eval import *  # noqa: F401,F403
from .plots import *  # noqa: F401,F403
from .widgets import *  # noqa: F401,F403
