"""The entropic core shared by the dense, matrix-free and batched engines.

One place for what makes the three Sinkhorn engines stable and fast:

- the epsilon schedule: :func:`epsilon_stages` generates the warm-up
  regularizations; :func:`make_schedule` is the convention of ``sinkhorn``
  and ``sinkhorn_unbalanced`` (dense and matrix-free: from spread / 100,
  halving), :func:`_schedule` the batched engine's (from spread / 200,
  quartering);
- the scale limits: :func:`check_cost_scale` (the smallest ``reg`` float64
  resolves), :func:`tau_for` (when the dense engine absorbs its scalings
  into the potentials) and :func:`_gibbs` (when a shared Gibbs kernel does
  not underflow; the batched kernels absorb at ``exp(+-100)``,
  ``sklot/_kernels/_scaling.py``);
- the over-relaxation rule of the dense and matrix-free engines,
  :class:`Relaxation` (the batched kernels run the same optimal-omega rule
  from a fixed window, ``_adapt`` in ``sklot/_kernels/_scaling.py``);
- the unbalanced (KL-marginal) algebra every engine applies:
  :func:`exponent` and :func:`translation`, and :func:`log_weights`.
"""

import math
import numbers

import numpy as np

from ...utils._validation import check_spread, cost_spread

__all__ = [
    "MAX_STAGES",
    "MIN_RELATIVE_REG",
    "Relaxation",
    "_gibbs",
    "_schedule",
    "check_cost_scale",
    "epsilon_stages",
    "exponent",
    "log_weights",
    "make_schedule",
    "tau_for",
    "translation",
]


# --------------------------------------------------------------------------
# epsilon schedule


# Below this fraction of the spread of the costs the entropic plan is
# beneath float64 resolution: potentials of the size of the costs cannot
# carry differences of the size of reg, and solves stall or lie.
MIN_RELATIVE_REG = 1e-12

# Most stages of an epsilon-scaling schedule; a finer factor is coarsened.
MAX_STAGES = 64


def check_cost_scale(spread, reg, cost_name):
    """Raise a ValueError naming the culprit if ``reg`` and the costs clash.

    ``spread`` is ``max - min`` of the costs (of the points' costs in the
    matrix-free form), ``cost_name`` the argument(s) they come from.
    """
    check_spread(spread, cost_name)
    if reg < np.finfo(np.float64).tiny:
        raise ValueError(
            f"reg={reg!r} is subnormal (below {np.finfo(np.float64).tiny:.3g}), "
            f"so 1 / reg overflows; pass a reg of at least "
            f"{MIN_RELATIVE_REG:g} times the spread of the costs."
        )
    if reg < MIN_RELATIVE_REG * spread:
        raise ValueError(
            f"reg={reg:.3g} is below {MIN_RELATIVE_REG:g} times the spread of "
            f"the costs from {cost_name} ({spread:.3g}): float64 cannot "
            f"resolve such an entropic plan. Pass reg >= "
            f"{MIN_RELATIVE_REG * spread:.3g}, or use emd for unregularized "
            f"transport."
        )


def epsilon_stages(start, factor, stop):
    """Decreasing regularizations ``start, start * factor, ...`` not below ``stop``.

    The warm-up stages of epsilon scaling, before the final solve at the
    target ``reg``. At most ``MAX_STAGES`` of them: a factor that would
    take more steps from ``start`` to ``stop`` is coarsened to take
    ``MAX_STAGES - 1``.
    """
    out = []
    step = factor
    if start >= stop:
        ratio = math.log(stop / start)
        n_stages = math.floor(ratio / math.log(factor)) + 1
        if n_stages > MAX_STAGES:
            step = (stop / start) ** (1.0 / (MAX_STAGES - 1))
    eps = start
    while eps >= stop and len(out) < MAX_STAGES:
        out.append(eps)
        eps *= step
    return out


def make_schedule(reg, epsilon_scaling, cost_name="M"):
    """Return ``spread -> decreasing list of eps ending at reg``.

    The stages start at ``spread / 100`` and shrink by ``factor`` (0.5 for
    ``"auto"`` and ``True``, or the float given); stages below ``2 * reg``
    are skipped, so moderate regularizations are solved directly. With the
    factor 0.5 the stages are ``reg * 2**k``, the first one at most
    ``spread / 100``. ``False`` always solves at ``reg`` directly.
    """
    if epsilon_scaling is False or epsilon_scaling is None:
        factor = None
    elif epsilon_scaling is True or epsilon_scaling == "auto":
        factor = 0.5
    elif (
        isinstance(epsilon_scaling, numbers.Real)
        and not isinstance(epsilon_scaling, bool)
        and 0 < epsilon_scaling < 1
    ):
        factor = float(epsilon_scaling)
    else:
        raise ValueError(
            "epsilon_scaling must be 'auto', True, False or a factor in (0, 1), "
            f"got {epsilon_scaling!r}."
        )

    def schedule(spread):
        check_cost_scale(spread, reg, cost_name)
        if factor is None:
            return [reg]
        if factor == 0.5 and spread >= 200.0 * reg:
            # Stages at reg * 2**k: each is exactly twice the next, so the
            # dense engine moves from one to the next by squaring its kernel
            # (no exponential).
            k = math.floor(math.log2(spread / 100.0 / reg))
            return [reg * 2.0**i for i in range(min(k, MAX_STAGES - 1), 0, -1)] + [reg]
        return epsilon_stages(spread / 100.0, factor, 2.0 * reg) + [reg]

    return schedule


def _schedule(C, reg, cost_name="M"):
    """Regularizations from the cost spread / 200 down to ``reg``, by 4.

    The batched engine's convention (it starts colder and steps faster than
    :func:`make_schedule`, which suits its many small, warm-started
    problems): stages strictly above ``reg``, then ``reg``.
    """
    spread = cost_spread(C)
    check_cost_scale(spread, reg, cost_name)
    return epsilon_stages(spread / 200.0, 0.25, math.nextafter(reg, math.inf)) + [reg]


# --------------------------------------------------------------------------
# absorption thresholds


def tau_for(dtype):
    """Largest ``|log|`` of a scaling before absorption, by kernel dtype.

    Kernel entries that underflowed (below ~1e-308 in float64, ~1e-38 in
    float32) stay negligible after multiplication by two such scalings.
    """
    return 200.0 if dtype == np.float64 else 20.0


def _gibbs(C, reg):
    """Shared Gibbs kernel exp(-(C - min C) / reg) and its shift.

    Only when no entry underflows far (spread / reg <= 200); otherwise an
    empty kernel tells the kernels to build theirs by log-sum-exp.
    """
    shift = float(C.min())
    if (float(C.max()) - shift) / reg <= 200.0:
        return np.exp(-(C - shift) / reg), shift
    return np.empty((0, C.shape[1])), shift


# --------------------------------------------------------------------------
# over-relaxation


class Relaxation:
    """Adaptive over-relaxation of the Sinkhorn updates.

    Plain Sinkhorn (``omega = 1``) behaves near the solution like a block
    Gauss-Seidel iteration whose errors decay like ``rho ** k``. Once that
    regime shows (errors decreasing over a window), ``omega`` is set to the
    optimal successive over-relaxation factor ``2 / (1 + sqrt(1 - rho))``
    (Young's theory, applied to Sinkhorn by Thibault, Chizat, Dossal and
    Papadakis, 2017). The rate observed under relaxation, ``lam``, then
    refines the estimate of ``rho`` through Young's relation
    ``(lam + omega - 1) ** 2 = lam * omega ** 2 * rho``, so ``omega`` grows
    towards the optimum as the asymptotic regime sets in.

    Over-relaxed errors oscillate, so progress is judged on the envelope:
    the largest error over blocks of about ``2 / (2 - omega)`` iterations.
    When the envelope shrinks more slowly than plain Sinkhorn did, a few
    plain steps re-estimate ``rho`` (the regime may have changed); when it
    grows, the cap on ``omega`` is also halved towards 1.
    """

    _WINDOW = 6

    def __init__(self, enabled=True, cap=1.99):
        self.enabled = enabled
        self.cap = cap
        self.reset()

    def reset(self):
        self.omega = 1.0
        self.plain_rate = 1.0
        self.history = []
        self.block = []
        self.envelope = math.inf

    def _rate(self):
        h, k = self.history, self._WINDOW
        if len(h) < k:
            return None
        if not all(h[i + 1] < h[i] for i in range(len(h) - k, len(h) - 1)):
            return None
        return (h[-1] / h[-k]) ** (1.0 / (k - 1))

    def _envelope_status(self, err):
        """Record ``err``; "grew", "slow" (slower than plain) or "ok"."""
        self.block.append(err)
        size = max(10, int(2.0 / (2.0 - self.omega)))
        if len(self.block) < size:
            return "ok"
        peak = max(self.block)
        self.block = []
        previous, self.envelope = self.envelope, peak
        if math.isinf(previous):
            return "ok"
        if peak >= previous:
            return "grew"
        return "ok" if peak < previous * self.plain_rate**size else "slow"

    def __call__(self, err):
        """Record the violation ``err``; return ``omega`` for the next step."""
        if not self.enabled:
            return 1.0
        self.history.append(err)
        if self.omega > 1.0:
            status = self._envelope_status(err)
            if status != "ok":
                # Probe plain Sinkhorn again to re-estimate its rate; if the
                # envelope grew, also lower the cap.
                if status == "grew":
                    self.cap = max(1.0, 1.0 + 0.5 * (self.omega - 1.0))
                self.omega = 1.0
                self.history = [err]
                self.block = []
                self.envelope = math.inf
                return self.omega
        lam = self._rate()
        if lam is None or err > 0.1 or not 0.0 < lam < 1.0:
            return self.omega
        w = self.omega
        if w == 1.0:
            self.plain_rate = lam
        elif lam <= w - 1.0:
            # At or past the optimum: Young's relation has no solution.
            return self.omega
        rho = min((lam + w - 1.0) ** 2 / (lam * w * w), 1.0 - 1e-12)
        target = min(self.cap, 2.0 / (1.0 + math.sqrt(1.0 - rho)))
        if rho > 0.5 and target > w + 0.01:
            self.omega = target
            self.history = []
            self.block = []
            self.envelope = math.inf
        return self.omega


# --------------------------------------------------------------------------
# unbalanced marginals


def log_weights(w):
    """``log(w)`` with ``-inf`` for zero weights and no warning."""
    out = np.full(w.shape, -np.inf)
    pos = w > 0
    out[pos] = np.log(w[pos])
    return out


def exponent(lam, eps):
    """Return the unbalanced exponent ``lam / (lam + eps)`` (1 if inf)."""
    return 1.0 if math.isinf(lam) else lam / (lam + eps)


def translation(source, target):
    """Optimal ``t`` in the dual translation ``(F + t, G - t)``.

    ``source`` and ``target`` are ``(weights, log weights, potential, lam)``.
    With KL marginals the dual objective is not invariant under this
    translation and plain Sinkhorn moves along it at the rate ``fa * fb``,
    which tends to 1 for large penalties. The optimal ``t`` has a closed form
    (Sejourne, Vialard and Peyre, 2022); the plan does not depend on it.
    """
    log_mass = []
    kappa = 0.0
    for w, lw, pot, lam in (source, target):
        if math.isinf(lam):
            log_mass.append(math.log(float(w.sum())))
        else:
            z = lw - pot / lam
            top = float(np.max(z))
            log_mass.append(top + math.log(float(np.exp(z - top).sum())))
            kappa += 1.0 / lam
    return (log_mass[0] - log_mass[1]) / kappa
