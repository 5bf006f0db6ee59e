import math

import pytest
import torch
import torch.nn.functional as F

from gan_helpers.text import (ESTIMATORS, bias_variance, compare_estimators, estimates, exact_gradient,
                              gumbel_softmax_estimates, reinforce_estimates, select_row, toy_objective)

K = 6
THETA = torch.tensor([0.3, -1.0, 0.8, 0.0, -0.4, 1.2])


def test_exact_gradient_matches_closed_form():
    f = toy_objective(K)
    values = f(torch.eye(K))
    p = F.softmax(THETA, -1)
    assert torch.allclose(exact_gradient(THETA, f), p * (values - p @ values), atol=1e-7)


def test_reinforce_is_unbiased_and_the_baseline_cuts_variance():
    f = toy_objective(K)
    g = exact_gradient(THETA, f)
    plain = bias_variance(reinforce_estimates(THETA, f, 10, 5000), g)
    based = bias_variance(reinforce_estimates(THETA, f, 10, 5000, baseline=True), g)
    assert plain["bias"] < 4 * plain["bias_se"] and based["bias"] < 4 * based["bias_se"]
    assert based["variance"] < plain["variance"] / 1.5
    assert plain["mse"] == pytest.approx(plain["variance"] + plain["bias"] ** 2, rel=0.01)


def test_variance_falls_like_one_over_n():
    f = toy_objective(K)
    g = exact_gradient(THETA, f)
    v10 = bias_variance(reinforce_estimates(THETA, f, 10, 4000), g)["variance"]
    v100 = bias_variance(reinforce_estimates(THETA, f, 100, 4000), g)["variance"]
    assert v10 / v100 == pytest.approx(10, rel=0.15)


def test_gumbel_softmax_trades_bias_for_variance():
    f = toy_objective(K)
    g = exact_gradient(THETA, f)
    hot = bias_variance(gumbel_softmax_estimates(THETA, f, 10, 4000, temperature=2.0), g)
    cold = bias_variance(gumbel_softmax_estimates(THETA, f, 10, 4000, temperature=0.1), g)
    assert hot["rel_bias"] > 0.5 and hot["bias"] > 10 * hot["bias_se"]      # clearly biased when warm
    assert cold["rel_bias"] < hot["rel_bias"] / 3                             # less biased when cold
    assert cold["variance"] > 10 * hot["variance"]                            # but much noisier


def test_straight_through_equals_relaxed_for_a_linear_f():
    # for linear f the gradient does not depend on where f is evaluated: same noise, same estimate
    values = torch.linspace(-1, 2, K)
    f = lambda y: y @ values  # noqa: E731
    torch.manual_seed(5)
    soft = gumbel_softmax_estimates(THETA, f, 4, 3, temperature=0.7)
    torch.manual_seed(5)
    hard = gumbel_softmax_estimates(THETA, f, 4, 3, temperature=0.7, straight_through=True)
    assert torch.allclose(soft, hard, atol=1e-6)


def test_compare_estimators_table():
    f = toy_objective(K)
    table = compare_estimators(THETA, f, num_samples=[1, 10], temperatures=[0.5, 1.0], total_samples=2000)
    # n=1: no baseline row; each relaxed estimator has one row per temperature
    assert len(table) == 2 * (1 + 1 + 2 + 2) - 1
    assert set(table["estimator"]) == set(ESTIMATORS)
    row = select_row(table, "Gumbel-softmax", num_samples=10, temperature=1.0)
    assert row["rel_mse"] >= row["rel_bias"] ** 2 * 0.99
    with pytest.raises(KeyError, match="2 rows match"):
        select_row(table, "Gumbel-softmax", num_samples=10)


def test_estimator_bad_input():
    f = toy_objective(K)
    with pytest.raises(ValueError, match="needs num_samples >= 2"):
        reinforce_estimates(THETA, f, 1, baseline=True)
    with pytest.raises(ValueError, match="temperature must be positive"):
        gumbel_softmax_estimates(THETA, f, 5, temperature=0.0)
    with pytest.raises(ValueError, match="1-D tensor of K >= 2"):
        exact_gradient(torch.zeros(2, 3), f)
    with pytest.raises(ValueError, match="NaN or infinite"):
        exact_gradient(torch.tensor([0.0, math.nan]), f)
    with pytest.raises(ValueError, match="f must map"):
        reinforce_estimates(THETA, lambda y: y, 5)
    with pytest.raises(ValueError, match="unknown estimator"):
        estimates("REBAR", THETA, f, 5)
    with pytest.raises(ValueError, match="at least 2 repeats"):
        bias_variance(torch.zeros(1, K), torch.zeros(K))
