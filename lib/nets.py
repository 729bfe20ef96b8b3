"""Feed-forward networks as plain data.

A :class:`Net` is a list of affine maps ``z_l = W_l h_{l-1} + b_l`` with one activation per map,
``h_l = act_l(z_l)``, ``h_0 = x``. Conventions (the book's *Conventions* chapter compares them with
each source):

* ``W_l`` has shape ``(width_l, width_{l-1})`` (the torch ``Linear`` layout); inputs are rows,
  so ``net(X)`` maps ``(n, d_in)`` to ``(n, d_out)``.
* ``depth`` counts affine maps (so a network with one hidden layer has depth 2);
  ``num_nodes`` counts hidden units (activations of all maps but the last);
  ``num_params`` counts every weight and bias entry, zero or not.
* Threshold units come in the two conventions of the sources: ``step`` is ``1[z >= 0]``
  (Telgarsky's notes) and ``step_strict`` is ``1[z > 0]`` (Vershynin's paper).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from .validate import as_array, as_choice, as_float, as_generator, as_probability, as_widths

__all__ = ["ACTIVATIONS", "Net", "gaussian_net", "activation", "activation_derivative"]


def _relu(z):
    return np.maximum(z, 0.0)


def _step(z):
    return (z >= 0).astype(np.float64)


def _step_strict(z):
    return (z > 0).astype(np.float64)


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # overflow-free logistic


ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "relu": _relu,
    "identity": lambda z: np.asarray(z, dtype=np.float64),
    "step": _step,
    "step_strict": _step_strict,
    "tanh": np.tanh,
    "sigmoid": _sigmoid,
}

# Derivatives used for forward-mode tangents. ReLU uses 1[z > 0] (the value at 0 is a
# convention; it matters only on a null set). Thresholds have derivative 0 almost everywhere.
_DERIVATIVES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "relu": lambda z: (z > 0).astype(np.float64),
    "identity": lambda z: np.ones_like(z, dtype=np.float64),
    "step": lambda z: np.zeros_like(z, dtype=np.float64),
    "step_strict": lambda z: np.zeros_like(z, dtype=np.float64),
    "tanh": lambda z: 1.0 - np.tanh(z) ** 2,
    "sigmoid": lambda z: _sigmoid(z) * (1.0 - _sigmoid(z)),
}


def activation(name: str, z) -> np.ndarray:
    """Apply the activation called ``name`` (a key of :data:`ACTIVATIONS`) to ``z``."""
    as_choice("name", name, ACTIVATIONS)
    return ACTIVATIONS[name](as_array("z", z, nonempty=False))


def activation_derivative(name: str, z) -> np.ndarray:
    """Derivative of activation ``name`` at ``z`` (ReLU'(0) = 0, thresholds' = 0)."""
    as_choice("name", name, ACTIVATIONS)
    return _DERIVATIVES[name](as_array("z", z, nonempty=False))


# Overflow in an evaluation becomes the ValueError of _finite, not a stream of RuntimeWarnings.
def _overflow_reported_below():
    return np.errstate(over="ignore", invalid="ignore")


def _finite(what: str, a: np.ndarray) -> np.ndarray:
    """``a`` unchanged if finite; otherwise the evaluation overflowed, which is an input error."""
    if not np.isfinite(a).all():
        raise ValueError(f"{what} of the network is not finite (overflow): X or the weights are too "
                         "large for float64 at this depth; rescale them (e.g. a smaller sigma_w)")
    return a


@dataclass(frozen=True)
class Net:
    """A feed-forward network: ``weights[l]`` of shape (out, in), ``biases[l]`` of shape (out,).

    Parameters
    ----------
    weights : sequence of arrays, ``weights[l].shape == (width_{l+1}, width_l)``
    biases : sequence of arrays, ``biases[l].shape == (width_{l+1},)``
    activations : sequence of str, one per affine map (see :data:`ACTIVATIONS`); or a single
        name applied to every hidden map, with ``identity`` on the output map.
    """

    weights: tuple
    biases: tuple
    activations: tuple = field(default="relu")

    def __post_init__(self):
        ws = self.weights
        if isinstance(ws, np.ndarray) or not isinstance(ws, (list, tuple)):
            raise ValueError("weights must be a list of 2-D arrays, one per affine map")
        if len(ws) < 1:
            raise ValueError("weights must hold at least one affine map; got none")
        ws = tuple(as_array(f"weights[{i}]", w, ndim=2) for i, w in enumerate(ws))
        bs = self.biases
        if isinstance(bs, np.ndarray) or not isinstance(bs, (list, tuple)) or len(bs) != len(ws):
            raise ValueError(f"biases must be a list of {len(ws)} 1-D arrays, one per affine map")
        bs = tuple(as_array(f"biases[{i}]", b, ndim=1) for i, b in enumerate(bs))
        for i in range(len(ws)):
            if bs[i].shape[0] != ws[i].shape[0]:
                raise ValueError(
                    f"biases[{i}] must have length {ws[i].shape[0]} (rows of weights[{i}]); "
                    f"got {bs[i].shape[0]}"
                )
            if i and ws[i].shape[1] != ws[i - 1].shape[0]:
                raise ValueError(
                    f"weights[{i}] must have {ws[i - 1].shape[0]} columns to follow weights[{i - 1}]; "
                    f"got {ws[i].shape[1]}"
                )
        acts = self.activations
        if isinstance(acts, str):
            acts = (acts,) * (len(ws) - 1) + ("identity",)
        acts = tuple(acts)
        if len(acts) != len(ws):
            raise ValueError(f"activations must name one activation per affine map ({len(ws)}); got {len(acts)}")
        for i, a in enumerate(acts):
            as_choice(f"activations[{i}]", a, ACTIVATIONS)
        object.__setattr__(self, "weights", ws)
        object.__setattr__(self, "biases", bs)
        object.__setattr__(self, "activations", acts)

    # -- sizes ---------------------------------------------------------------------------
    @property
    def widths(self) -> tuple[int, ...]:
        """``(d_in, width_1, ..., d_out)``."""
        return (self.weights[0].shape[1],) + tuple(w.shape[0] for w in self.weights)

    @property
    def d_in(self) -> int:
        return self.widths[0]

    @property
    def d_out(self) -> int:
        return self.widths[-1]

    @property
    def depth(self) -> int:
        """Number of affine maps (hidden layers + 1)."""
        return len(self.weights)

    @property
    def num_nodes(self) -> int:
        """Number of hidden units: the widths of all maps but the output map."""
        return int(sum(self.widths[1:-1]))

    @property
    def num_params(self) -> int:
        """Number of weight and bias entries, zeros included."""
        return int(sum(w.size + b.size for w, b in zip(self.weights, self.biases)))

    @property
    def num_nonzero_params(self) -> int:
        """Number of non-zero weight and bias entries (the size that sparse constructions count)."""
        return int(sum(np.count_nonzero(w) + np.count_nonzero(b) for w, b in zip(self.weights, self.biases)))

    # -- evaluation ----------------------------------------------------------------------
    def _inputs(self, X) -> np.ndarray:
        return as_array("X", X, shape=(None, self.d_in))

    def __call__(self, X) -> np.ndarray:
        """Outputs for rows ``X`` of shape ``(n, d_in)``; returns ``(n, d_out)``."""
        h = self._inputs(X)
        with _overflow_reported_below():
            for W, b, a in zip(self.weights, self.biases, self.activations):
                h = ACTIVATIONS[a](h @ W.T + b)
        return _finite("the output", h)

    def forward(self, X) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """All layers: ``(pre, post)`` with ``pre[l]`` = z_{l+1} and ``post[l]`` = h_{l+1}.

        ``post[-1]`` equals ``self(X)``; the input itself is not included.
        """
        h = self._inputs(X)
        pre, post = [], []
        with _overflow_reported_below():
            for W, b, a in zip(self.weights, self.biases, self.activations):
                z = h @ W.T + b
                h = ACTIVATIONS[a](z)
                pre.append(_finite(f"layer {len(pre) + 1}", z))
                post.append(h)
        return pre, post

    def jvp(self, X, V) -> tuple[np.ndarray, np.ndarray]:
        """Forward-mode derivative: outputs and their directional derivatives.

        ``V`` has the shape of ``X``; row i is the direction at row i. Returns ``(net(X), J(X) V)``
        with ReLU'(0) = 0 and threshold derivatives 0 (valid off a null set of inputs).
        """
        h = self._inputs(X)
        t = as_array("V", V, shape=h.shape)
        with _overflow_reported_below():
            for W, b, a in zip(self.weights, self.biases, self.activations):
                z = h @ W.T + b
                t = _DERIVATIVES[a](z) * (t @ W.T)
                h = ACTIVATIONS[a](z)
        return _finite("the output", h), _finite("the tangent", t)

    # -- building ------------------------------------------------------------------------
    def then(self, other: "Net") -> "Net":
        """The composition ``other(self(x))`` as one network (``self``'s output map keeps its activation)."""
        if not isinstance(other, Net):
            raise ValueError(f"other must be a Net; got {type(other).__name__}")
        if other.d_in != self.d_out:
            raise ValueError(f"other must take {self.d_out} inputs to follow this net; it takes {other.d_in}")
        return Net(self.weights + other.weights, self.biases + other.biases, self.activations + other.activations)

    # -- torch ---------------------------------------------------------------------------
    def to_torch(self):
        """An equal ``torch.nn.Sequential`` of ``Linear`` and activation modules, in float64."""
        import torch

        from . import torch_modules

        layers = []
        for W, b, a in zip(self.weights, self.biases, self.activations):
            lin = torch.nn.Linear(W.shape[1], W.shape[0], dtype=torch.float64)
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(W))
                lin.bias.copy_(torch.from_numpy(b))
            layers.append(lin)
            layers.append(torch_modules.module_for(a))
        return torch.nn.Sequential(*layers)

    @classmethod
    def from_torch(cls, module) -> "Net":
        """Read a ``torch.nn.Sequential`` of ``Linear`` layers, each followed by at most one activation.

        Recognised activations: ``ReLU``, ``Identity``, ``Tanh``, ``Sigmoid`` and the book's
        :class:`lib.torch_modules.Step`. A ``Linear`` not followed by one gets ``identity``.
        """
        import torch

        from . import torch_modules

        if not isinstance(module, torch.nn.Sequential):
            raise ValueError(f"module must be a torch.nn.Sequential; got {type(module).__name__}")
        weights, biases, acts = [], [], []
        awaiting_activation = False  # True right after a Linear that has no activation yet
        for i, layer in enumerate(module):
            if isinstance(layer, torch.nn.Linear):
                weights.append(layer.weight.detach().cpu().double().numpy().copy())
                b = layer.bias
                biases.append(np.zeros(layer.out_features) if b is None else b.detach().cpu().double().numpy().copy())
                acts.append("identity")
                awaiting_activation = True
                continue
            name = torch_modules.name_of(layer)
            if name is None:
                raise ValueError(f"module[{i}] must be Linear or a known activation; got {type(layer).__name__}")
            if not awaiting_activation:
                raise ValueError(f"module[{i}] must follow a Linear layer (one activation per Linear)")
            acts[-1] = name
            awaiting_activation = False
        if not weights:
            raise ValueError("module must contain at least one Linear layer")
        return cls(weights, biases, acts)


def gaussian_net(
    widths: Sequence[int],
    rng: np.random.Generator,
    *,
    sigma_w: float = 1.0,
    sigma_b: float = 0.0,
    density: float = 1.0,
    scale: str = "fan_in",
    activation: str = "relu",
    output_activation: str = "identity",
) -> Net:
    """A random network with i.i.d. Gaussian weights, optionally sparsified by Bernoulli masks.

    ``W_l[i, j] = m_ij * sigma_w * g_ij / s_l`` and ``b_l[i] = sigma_b * g'_i`` with ``g, g'``
    standard normal and masks ``m_ij ~ Bernoulli(density)``; biases are never masked.
    ``scale='fan_in'`` uses ``s_l = sqrt(width_{l-1})`` (the experiments' scaling, which does not
    compensate for sparsity), ``'none'`` uses ``s_l = 1`` (unscaled definitions), and
    ``'fan_in_density'`` uses ``s_l = sqrt(density * width_{l-1})``.

    Parameters
    ----------
    widths : ``(d_in, width_1, ..., d_out)``, each at least 1; at least two entries.
    rng : ``numpy.random.Generator``.
    density : alpha in (0, 1], the probability that a weight is kept.
    """
    widths = as_widths("widths", widths, min_len=2)  # an input and an output width at least
    as_generator("rng", rng)
    sigma_w = as_float("sigma_w", sigma_w, min=0.0)
    sigma_b = as_float("sigma_b", sigma_b, min=0.0)
    density = as_probability("density", density)
    as_choice("scale", scale, ("fan_in", "none", "fan_in_density"))
    as_choice("activation", activation, ACTIVATIONS)
    as_choice("output_activation", output_activation, ACTIVATIONS)
    weights, biases = [], []
    for k_in, k_out in zip(widths[:-1], widths[1:]):
        s = {"fan_in": np.sqrt(k_in), "none": 1.0, "fan_in_density": np.sqrt(density * k_in)}[scale]
        W = rng.standard_normal((k_out, k_in)) * (sigma_w / s)
        if density < 1.0:
            W = W * (rng.random((k_out, k_in)) < density)
        weights.append(W)
        biases.append(rng.standard_normal(k_out) * sigma_b)
    acts = [activation] * (len(widths) - 2) + [output_activation]
    return Net(weights, biases, acts)
