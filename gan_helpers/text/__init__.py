"""Text GANs (notebooks 05-11), in floors that show the layers; each imports only the
floors below it (and ``gan_helpers.common``), never the continuous wing:

1. ``core``: tokens, ids and corpora (``vocab``, ``qa_data``); every way to draw a word
   and the one decoding loop (``sampling``); the LSTM generator and CNN discriminator
   (``models``); the synthetic ``oracle``; ``metrics``; gradient ``estimators``.
2. ``training``: the one update and epoch loop (``trainer``), the one text-GAN loop
   (``adversarial``), ``discriminate``, ``mle``.
3. ``methods``: ``seqgan`` and ``reward_arms``, ``gumbel_gan`` and ``relgan``, ``seq2seq`` and ``qa_gan``, ``vae``
   and ``vae_train``, ``autoencoder``.
4. ``pretrained``: ``checkpoints`` (any model saved with its settings, checked against its
   data), ``recipes`` (how each shipped model is trained), ``arm_recipes`` (notebook 06's
   long runs), ``relgan_recipes`` (notebook 07's) and ``vae_study`` (notebook 09's remedies over seeds), with the shipped files.
5. ``lessons``: ``compare``, ``decompose``, ``qa_eval``, ``plots``, ``widgets``.

Import from here: ``from gan_helpers.text import review_corpus, LSTMGenerator, train_seqgan``.
A name loads its module on first use, so reading a shipped model does not import every
trainer.
"""
from ..common.exports import lazy_exports as _lazy_exports

_MODULES = ("core.vocab", "core.qa_data", "core.sampling", "core.models", "core.oracle", "core.metrics",
            "core.estimators", "training.trainer", "training.adversarial", "training.discriminate", "training.mle",
            "methods.seqgan", "methods.reward_arms", "methods.gumbel_gan", "methods.relgan", "methods.seq2seq", "methods.qa_gan",
            "methods.vae", "methods.vae_train", "methods.autoencoder", "pretrained.checkpoints", "pretrained.recipes",
            "pretrained.arm_recipes", "pretrained.relgan_recipes", "pretrained.vae_study", "lessons.compare", "lessons.decompose", "lessons.qa_eval",
            "lessons.plots", "lessons.widgets")
_SUBPACKAGES = ("core", "training", "methods", "pretrained", "lessons")

__all__, __getattr__, __dir__ = _lazy_exports(__name__, __path__[0], _MODULES, _SUBPACKAGES)
