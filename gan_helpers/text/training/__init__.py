"""How text models train (notebooks 05-11): the one update and epoch loop (``trainer``), the
one text-GAN loop (``adversarial``), discriminator training (``discriminate``) and maximum
likelihood (``mle``). Built on ``text.core``."""
