"""Helpers for the course "GANs for text generation".

Each notebook shows the idea in short cells and imports the plumbing from here.
"""
from .utils import *  # noqa: F401,F403
from .toy_data import *  # noqa: F401,F403
from .nets import *  # noqa: F401,F403
from .replicas import *  # noqa: F401,F403
from .training import *  # noqa: F401,F403
from .metrics import *  # noqa: F401,F403
from .theory import *  # noqa: F401,F403
from .plotting import *  # noqa: F401,F403
from .widgets import *  # noqa: F401,F403
from .data import *  # noqa: F401,F403
from .tabular import *  # noqa: F401,F403

__version__ = "0.1.0"
