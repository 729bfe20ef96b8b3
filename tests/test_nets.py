"""lib.nets against independent computations: hand-written loops, torch, closed forms."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lib import nets
from lib.nets import Net
from lib.torch_modules import Step


def loop_forward(net, x):
    """The network evaluated one unit at a time, for a single input vector."""
    h = list(x)
    for W, b, a in zip(net.weights, net.biases, net.activations):
        z = [sum(W[i, j] * h[j] for j in range(len(h))) + b[i] for i in range(W.shape[0])]
        f = {"relu": lambda v: max(v, 0.0), "identity": lambda v: v, "step": lambda v: float(v >= 0),
             "step_strict": lambda v: float(v > 0), "tanh": np.tanh, "sigmoid": lambda v: 1 / (1 + np.exp(-v))}[a]
        h = [f(v) for v in z]
    return np.array(h)


@pytest.mark.parametrize("act", sorted(nets.ACTIVATIONS))
def test_forward_matches_unit_by_unit_loop(act):
    rng = np.random.default_rng(0)
    net = nets.gaussian_net([4, 6, 5, 3], rng, sigma_b=0.5, activation=act)
    X = rng.standard_normal((5, 4))
    out = net(X)
    assert out.shape == (5, 3)
    for i in range(5):
        np.testing.assert_allclose(out[i], loop_forward(net, X[i]), rtol=1e-12, atol=1e-12)


def test_sizes_follow_the_definitions():
    net = nets.gaussian_net([3, 7, 2, 5], np.random.default_rng(1))
    assert net.widths == (3, 7, 2, 5)
    assert net.depth == 3
    assert net.num_nodes == 9
    assert net.num_params == 7 * 4 + 2 * 8 + 5 * 3
    assert net.num_nonzero_params == 7 * 3 + 2 * 7 + 5 * 2  # sigma_b = 0: only the weights are non-zero


def test_forward_returns_every_layer():
    rng = np.random.default_rng(2)
    net = nets.gaussian_net([3, 4, 4, 2], rng, sigma_b=1.0)
    X = rng.standard_normal((6, 3))
    pre, post = net.forward(X)
    assert [p.shape for p in pre] == [(6, 4), (6, 4), (6, 2)]
    np.testing.assert_array_equal(post[0], np.maximum(pre[0], 0))
    np.testing.assert_array_equal(post[-1], net(X))


def test_jvp_matches_finite_differences():
    rng = np.random.default_rng(3)
    net = nets.gaussian_net([3, 20, 20, 2], rng, sigma_b=0.3, activation="tanh")
    X, V = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    out, tangent = net.jvp(X, V)
    eps = 1e-6
    fd = (net(X + eps * V) - net(X - eps * V)) / (2 * eps)
    np.testing.assert_allclose(out, net(X))
    np.testing.assert_allclose(tangent, fd, rtol=1e-6, atol=1e-8)


def test_jvp_matches_torch_autograd_for_relu():
    rng = np.random.default_rng(4)
    net = nets.gaussian_net([3, 16, 16, 1], rng, sigma_b=0.3)
    x, v = rng.standard_normal((1, 3)), rng.standard_normal((1, 3))
    _, tangent = net.jvp(x, v)
    tnet = net.to_torch()
    _, jv = torch.func.jvp(tnet, (torch.from_numpy(x),), (torch.from_numpy(v),))
    np.testing.assert_allclose(tangent, jv.detach().numpy(), rtol=1e-12, atol=1e-12)


def test_then_composes():
    rng = np.random.default_rng(5)
    a = nets.gaussian_net([2, 3, 4], rng, output_activation="relu")
    b = nets.gaussian_net([4, 5, 1], rng)
    X = rng.standard_normal((7, 2))
    np.testing.assert_allclose(a.then(b)(X), b(a(X)))
    assert a.then(b).depth == 4


def test_torch_round_trip_is_exact():
    rng = np.random.default_rng(6)
    for act in sorted(nets.ACTIVATIONS):
        net = nets.gaussian_net([3, 4, 2], rng, sigma_b=0.1, activation=act)
        mod = net.to_torch()
        assert all(p.dtype == torch.float64 for p in mod.parameters())
        back = Net.from_torch(mod)
        assert back.activations == net.activations
        for w0, w1 in zip(net.weights, back.weights):
            np.testing.assert_array_equal(w0, w1)


def test_from_torch_reads_a_handwritten_module():
    lin1, lin2 = torch.nn.Linear(2, 3, dtype=torch.float64), torch.nn.Linear(3, 1, bias=False, dtype=torch.float64)
    mod = torch.nn.Sequential(lin1, Step(strict=True), lin2)
    net = Net.from_torch(mod)
    assert net.activations == ("step_strict", "identity")
    np.testing.assert_array_equal(net.biases[1], [0.0])
    X = np.random.default_rng(7).standard_normal((5, 2))
    np.testing.assert_allclose(net(X), mod(torch.from_numpy(X)).detach().numpy())


def test_threshold_conventions_at_zero():
    assert nets.activation("step", [0.0]).tolist() == [1.0]
    assert nets.activation("step_strict", [0.0]).tolist() == [0.0]
    assert Step(strict=False)(torch.zeros(1)).item() == 1.0
    assert Step(strict=True)(torch.zeros(1)).item() == 0.0


def test_gaussian_net_density_masks_weights_not_biases():
    rng = np.random.default_rng(8)
    net = nets.gaussian_net([200, 300], rng, density=0.25, sigma_b=1.0)
    frac = np.mean(net.weights[0] != 0)
    # 60000 Bernoulli(0.25) draws: std 0.0018; 0.01 is > 5 standard deviations
    assert abs(frac - 0.25) < 0.01
    assert np.all(net.biases[0] != 0)


@pytest.mark.parametrize("scale, density, expected", [
    ("fan_in", 1.0, 1.0), ("fan_in", 0.25, 0.25), ("none", 0.5, 0.5 * 200), ("fan_in_density", 0.25, 1.0)])
def test_gaussian_net_weight_scales(scale, density, expected):
    # E sum_j W_ij^2 = sigma_w^2 * density * k_in / s^2 with s^2 = k_in, 1 or density * k_in.
    # 300 rows of 200 entries: the mean row sum has relative std <= 0.01; 6% is > 5 std.
    rng = np.random.default_rng(9)
    net = nets.gaussian_net([200, 300], rng, density=density, scale=scale)
    row_sq = (net.weights[0] ** 2).sum(axis=1)
    assert abs(row_sq.mean() / expected - 1.0) < 0.06


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(widths=[3, 0, 2]), "widths\\[1\\] must be at least 1"),
        (dict(widths=[3, -2]), "widths\\[1\\] must be at least 1"),
        (dict(widths=[3]), "widths must list at least 2"),
        (dict(widths=[3, 2], density=0.0), "density must be > 0"),
        (dict(widths=[3, 2], density=1.5), "density must be <= 1"),
        (dict(widths=[3, 2], sigma_w=float("nan")), "sigma_w must be finite"),
        (dict(widths=[3, 2], sigma_w=-1.0), "sigma_w must be >= 0"),
        (dict(widths=[3, 2], scale="xavier"), "scale must be one of"),
        (dict(widths=[3, 2], activation="gelu"), "activation must be one of"),
        (dict(widths=[3.5, 2]), "widths\\[0\\] must be an integer"),
    ],
)
def test_gaussian_net_rejects_bad_input(kwargs, match):
    widths = kwargs.pop("widths")
    with pytest.raises(ValueError, match=match):
        nets.gaussian_net(widths, np.random.default_rng(0), **kwargs)


def test_gaussian_net_requires_a_generator():
    with pytest.raises(ValueError, match="rng must be a numpy.random.Generator"):
        nets.gaussian_net([2, 2], 42)


@pytest.mark.parametrize(
    "weights, biases, acts, match",
    [
        ([np.ones((2, 3)), np.ones((1, 3))], [np.ones(2), np.ones(1)], "relu", "weights\\[1\\] must have 2 columns"),
        ([np.ones((2, 3))], [np.ones(3)], "relu", "biases\\[0\\] must have length 2"),
        ([np.ones(3)], [np.ones(1)], "relu", "weights\\[0\\] must have 2 dimension"),
        ([np.full((1, 1), np.nan)], [np.ones(1)], "relu", "weights\\[0\\] must be finite"),
        ([np.ones((1, 1))], [np.ones(1)], ["softmax"], "activations\\[0\\] must be one of"),
        ([np.ones((1, 1))], [np.ones(1)], ["relu", "relu"], "one activation per affine map"),
        ([], [], "relu", "at least one affine map"),
    ],
)
def test_net_rejects_inconsistent_parts(weights, biases, acts, match):
    with pytest.raises(ValueError, match=match):
        Net(weights, biases, acts)


def test_call_rejects_bad_inputs():
    net = nets.gaussian_net([3, 2], np.random.default_rng(0))
    with pytest.raises(ValueError, match="X must have shape \\(any, 3\\)"):
        net(np.ones((4, 2)))
    with pytest.raises(ValueError, match="X must be finite"):
        net(np.full((1, 3), np.inf))
    with pytest.raises(ValueError, match="X must have shape"):
        net(np.ones(3))
    with pytest.raises(ValueError, match="V must have shape"):
        net.jvp(np.ones((1, 3)), np.ones((2, 3)))


def test_from_torch_rejects_unknown_modules():
    with pytest.raises(ValueError, match="module\\[1\\] must be Linear or a known activation"):
        Net.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.GELU()))
    with pytest.raises(ValueError, match="must follow a Linear"):
        Net.from_torch(torch.nn.Sequential(torch.nn.ReLU()))
    with pytest.raises(ValueError, match="torch.nn.Sequential"):
        Net.from_torch(torch.nn.Linear(2, 2))


@settings(max_examples=40, deadline=None)
@given(
    widths=st.lists(st.integers(1, 8), min_size=2, max_size=5),
    sigma_w=st.floats(0.0, 3.0),
    density=st.floats(0.01, 1.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_random_valid_networks_give_finite_outputs_of_the_right_shape(widths, sigma_w, density, seed):
    rng = np.random.default_rng(seed)
    net = nets.gaussian_net(widths, rng, sigma_w=sigma_w, density=density)
    out = net(rng.standard_normal((3, widths[0])))
    assert out.shape == (3, widths[-1]) and np.all(np.isfinite(out))


def test_overflow_is_an_error_not_inf():
    # 40 layers of weight 1e9 overflow float64: a clear ValueError, never inf or NaN
    net = Net([np.full((2, 2), 1e9)] * 40, [np.zeros(2)] * 40, "relu")
    for call in (lambda: net(np.ones((1, 2))), lambda: net.forward(np.ones((1, 2))),
                 lambda: net.jvp(np.ones((1, 2)), np.ones((1, 2)))):
        with pytest.raises(ValueError, match="not finite \\(overflow\\)"):
            call()


@settings(max_examples=30, deadline=None)
@given(depth=st.integers(1, 60), sigma_w=st.floats(0.1, 50.0), seed=st.integers(0, 2**32 - 1))
def test_deep_wide_variance_nets_are_finite_or_refuse(depth, sigma_w, seed):
    rng = np.random.default_rng(seed)
    net = nets.gaussian_net([4] * (depth + 1) + [1], rng, sigma_w=sigma_w, sigma_b=1.0)
    try:
        out = net(rng.standard_normal((5, 4)) * 10)
    except ValueError as exc:
        assert "overflow" in str(exc)
    else:
        assert out.shape == (5, 1) and np.isfinite(out).all()
