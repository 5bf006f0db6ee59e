import os

import pytest
import torch

# Unit tests use tiny models; one thread avoids oversubscribing small CI machines.
torch.set_num_threads(1)
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)
