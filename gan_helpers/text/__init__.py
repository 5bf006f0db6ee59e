"""Text GANs: vocabulary and corpora, the oracle, generators and discriminators, MLE
pretraining, gradient estimators and text metrics (notebooks 05-10).

Import from here: ``from gan_helpers.text import load_review_corpus, LSTMGenerator, ...``.
"""
from .vocab import *  # noqa: F401,F403
from .models import *  # noqa: F401,F403
from .oracle import *  # noqa: F401,F403
from .estimators import *  # noqa: F401,F403
from .metrics import *  # noqa: F401,F403
from .mle import *  # noqa: F401,F403
from .discriminate import *  # noqa: F401,F403
from .plots import *  # noqa: F401,F403
from .seqgan import *  # noqa: F401,F403
from .pretrained import *  # noqa: F401,F403
from .gumbel_gan import *  # noqa: F401,F403
from .seq2seq import *  # noqa: F401,F403
from .qa import *  # noqa: F401,F403
from .vae import *  # noqa: F401,F403
from .compare import *  # noqa: F401,F403
