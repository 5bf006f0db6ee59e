"""pytest settings for the whole course, notebooks included (nbval starts each notebook's
kernel from this process, so the kernel inherits this environment)."""
import os

# Training loops print one finished line instead of a live bar: the same outputs the
# committed notebooks show (see gan_helpers.utils.progress_bar).
os.environ.setdefault("GAN_HELPERS_PROGRESS", "final")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
