"""Colour transfer between images by optimal transport."""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import (
    BaseEstimator,
    OneToOneFeatureMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .. import solvers
from ..solvers._api import (
    MomentAccumulator,
    _monge_matrix,
    apply_lut,
    build_lut,
    grid_palette,
    palette_bandwidth,
    projected_cdfs,
    random_rotations,
    sliced_transfer,
    smooth_displacement,
    transfer_1d,
)
from ..utils._validation import validate_data
from . import _images
from ._images import (
    _as_float_dtype,
    _check_image_array,
    _Pixels,
    _regrain_channel,
    _regrain_weight,
)
from ._space import LUMA_WEIGHTS, lab_to_rgb, rgb_to_lab

__all__ = ["ColorTransferer"]

# "entropic": relative to the median squared distance between reference
# palette colours; 0.1 gives the blur of ten squared palette spacings on the
# gallery photographs (n_palette=500), sharp and without colour leaks.
_DEFAULT_REG = {"gaussian": 1e-6, "entropic": 0.1}
# The palette plan only needs its barycentres to a fraction of a colour
# level: a loose marginal tolerance, and room for small regularizations.
_SINKHORN_MAX_ITER = 10000


def _barycentres(plan, targets):
    mass = plan.sum(axis=1)
    mass = np.where(mass > 0, mass, 1.0)
    return (plan @ targets) / mass[:, None]


class ColorTransferer(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    r"""Recolour images so that their colours follow a reference's.

    ``fit(reference)`` learns the colour distribution of a reference image
    (or of a list of images, pooled, or of an ``(n_pixels, n_channels)``
    array). ``transform(image)`` computes the optimal transport map from the
    image's own colour distribution to the reference's and applies it to
    every pixel, so the image keeps its content and takes the reference's
    palette. Each image of a batch is mapped on its own.

    Parameters
    ----------
    method : {"sliced", "gaussian", "exact", "entropic"}, default="sliced"
        - ``"sliced"``: iterative sliced transfer on all pixels: ``n_iter``
          times, rotate the colours into a random orthonormal frame and move
          each coordinate by exact 1D optimal transport onto the
          reference's (cumulative histograms of 2048 bins);
        - ``"gaussian"``: the Gaussian optimal map (affine) between the mean
          and covariance of the image colours and the reference's;
        - ``"exact"``, ``"entropic"``: optimal transport between weighted
          palettes of at most ``n_palette`` colours (exact network simplex,
          or entropic Sinkhorn), each palette colour moved to the barycentre
          of its plan row, and every pixel moved by a smooth (Gaussian
          kernel) average of the palette displacements, tabulated on a 3D
          lookup table.
    color_space : {"rgb", "lab"}, default="rgb"
        Space in which the colour distributions are matched: gamma-encoded
        RGB, or CIE L*a*b* (perceptually more uniform; 3 channels only).
    n_palette : int, default=1000
        Palette size of the ``"exact"`` and ``"entropic"`` methods. A palette
        is a fine grid histogram of the colours, reduced by weighted k-means.
    reg : float, default=None
        ``"entropic"``: the entropic regularization relative to the median
        squared distance between the reference palette colours, sklot's
        convention (see :ref:`reg_convention`); None means 0.1.
        ``"gaussian"``: not an entropic regularization but a ridge added to
        both colour covariances, relative to their scale (a multiple of the
        reference's mean colour variance, ``trace / d``; None means 1e-6),
        which keeps single-colour and grey images defined. Unused by the
        other methods.
    n_iter : int, default=10
        Iterations (random frames) of the ``"sliced"`` method.
    preserve_luminance : bool, default=False
        Keep each pixel's luminance and take only its chromaticity from the
        transfer: the ``L*`` channel in ``"lab"``, the Rec. 709 luma
        (shifting R, G and B equally) in ``"rgb"``.
    regrain : float, default=None
        Images only: after the transfer, blend the fine detail of the source
        back in (after Pitie et al. 2007): each colour channel solves a
        screened Poisson equation that keeps the transferred colours at
        coarse scales and the source's gradients at fine ones. The float is
        the weight of the transferred colours (0.3 suits photographs;
        larger keeps more of the pure transfer). It removes the grain and
        banding that an exact transfer can amplify in smooth regions (skies)
        at a small cost in palette accuracy. None turns it off, so that
        each pixel is mapped by its colour alone.
    clip : bool, default=True
        Clip the output to the per-channel range of the reference. Unsigned
        integer output is always clipped to its type's range and rounded.
    random_state : int, RandomState instance or None, default=None
        Seed of the random frames (``"sliced"``) and of the palette k-means.
    verbose : int, default=0
        Print the progress of long transforms.

    Attributes
    ----------
    n_features_in_ : int
        Number of colour channels of the reference (an alpha channel is not
        counted).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when the reference is a DataFrame of colours.
    reference_mean_ : ndarray of shape (n_features_in_,)
        Mean colour of the reference, in ``color_space`` (RGB in [0, 1] for
        unsigned-integer images).
    reference_covariance_ : ndarray of shape (n_features_in_, n_features_in_)
        Colour covariance of the reference, in ``color_space``.
    palette_ : ndarray of shape (n_colors, n_features_in_) or None
        Reference palette (``"exact"`` and ``"entropic"``).
    palette_weights_ : ndarray of shape (n_colors,) or None
        Fraction of the reference pixels each palette colour stands for.
    rotations_ : ndarray of shape (n_iter, n_features_in_, n_features_in_) or None
        The random orthonormal frames of the ``"sliced"`` method.

    See Also
    --------
    sklot.adaptation.GaussianMongeMapper : The Gaussian map for features.
    read_image : Read an image file into an array.
    write_image : Write an array to an image file.

    Notes
    -----
    Inputs: a 2D array is always a set of colours, one row each (any number
    of channels). A 3D array ``(height, width, c)`` is an image: ``c = 3``
    colour, ``c = 4`` colour and alpha (the alpha channel is returned
    untouched and does not weight the colours), ``c = 1`` grey. A grey image
    against a colour reference is matched to the reference's luma
    distribution and stays grey (shape ``(h, w)`` arrays are read as sets of
    colours, so pass grey images as ``(h, w, 1)``). A 4D array is a batch
    of images. ``uint8`` (and ``uint16``) values are read as intensities
    ``0..255`` and returned in the same dtype; float images are expected in
    [0, 1] and keep their dtype.

    Every pass over the pixels runs in blocks of 2^18 pixels, so extra memory
    is bounded, except the ``"sliced"`` method, which keeps one working copy
    of the colours (4 bytes per channel and pixel, 8 for float64 input), and
    ``regrain``, which works on whole channels (about 20 bytes per pixel).
    The map applied to a pixel depends only on its colour and on the colour
    distributions, so identical pixels get identical outputs, and a fitted
    transferer maps an image the same way every time. A transform depends on
    the whole image (or set of rows) passed, as colour transfer does: a
    subset of rows is mapped by the map of the subset's own distribution.

    There is no ``inverse_transform``: each image has its own map, so the
    inverse would need the original image's colours.

    References
    ----------
    .. [1] Pitie, F., Kokaram, A. C. and Dahyot, R. (2007). Automated colour
       grading using colour distribution transfer. Computer Vision and Image
       Understanding, 107(1-2), 123-137.
    .. [2] Rabin, J., Peyre, G., Delon, J. and Bernot, M. (2011). Wasserstein
       barycenter and its application to texture mixing. SSVM 2011.
    .. [3] Ferradans, S., Papadakis, N., Peyre, G. and Aujol, J.-F. (2014).
       Regularized discrete optimal transport. SIAM Journal on Imaging
       Sciences, 7(3), 1853-1882.
    .. [4] Reinhard, E., Ashikhmin, M., Gooch, B. and Shirley, P. (2001).
       Color transfer between images. IEEE Computer Graphics and
       Applications, 21(5), 34-41.

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.color import ColorTransferer
    >>> rng = np.random.default_rng(0)
    >>> reference = rng.uniform(0.5, 1.0, size=(20, 30, 3))  # a light image
    >>> image = rng.uniform(0.0, 0.5, size=(10, 10, 3))      # a dark one
    >>> out = ColorTransferer(random_state=0).fit(reference).transform(image)
    >>> out.shape
    (10, 10, 3)
    >>> bool(out.min() >= 0.5)
    True
    """

    _parameter_constraints: dict = {
        "method": [StrOptions({"sliced", "gaussian", "exact", "entropic"})],
        "color_space": [StrOptions({"rgb", "lab"})],
        "n_palette": [Interval(Integral, 2, None, closed="left")],
        "reg": [Interval(Real, 0, None, closed="neither"), None],
        "n_iter": [Interval(Integral, 1, None, closed="left")],
        "preserve_luminance": ["boolean"],
        "regrain": [Interval(Real, 0, None, closed="neither"), None],
        "clip": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        method: str = "sliced",
        *,
        color_space: str = "rgb",
        n_palette: int = 1000,
        reg: float | None = None,
        n_iter: int = 10,
        preserve_luminance: bool = False,
        regrain: float | None = None,
        clip: bool = True,
        random_state: int | np.random.RandomState | None = None,
        verbose: int = 0,
    ) -> None:
        self.method = method
        self.color_space = color_space
        self.n_palette = n_palette
        self.reg = reg
        self.n_iter = n_iter
        self.preserve_luminance = preserve_luminance
        self.regrain = regrain
        self.clip = clip
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------ inputs

    def _parse(self, X, reset):
        """Split X into distributions: (list of _Pixels, how to reassemble)."""
        if isinstance(X, (list, tuple)) and X and all(
            isinstance(x, np.ndarray) and x.ndim >= 3 for x in X
        ):
            parts = []
            for i, x in enumerate(X):
                parts.extend(self._parse_images(x, f"X[{i}]"))
            return parts, "list"
        if isinstance(X, np.ndarray) and X.ndim >= 3:
            return self._parse_images(X, "X"), "image" if X.ndim == 3 else "batch"
        X = validate_data(self, X, reset=reset, dtype="numeric")
        if X.dtype.kind == "b":
            X = X.astype(np.float64)
        return [_Pixels(X, "rows")], "rows"

    def _parse_images(self, x, name):
        if x.ndim == 3:
            _check_image_array(x, name)
            return [_Pixels(x, "image")]
        if x.ndim == 4:
            _check_image_array(x, name)
            return [_Pixels(img, "image") for img in x]
        raise ValueError(
            f"{name} has {x.ndim} dimensions; pass an image (height, width, c), "
            "a batch (n_images, height, width, c) or colours (n_pixels, "
            "n_channels)."
        )

    @staticmethod
    def _color_channels(part):
        if part.kind == "image" and part.channels == 4:
            return 3
        return part.channels

    # -------------------------------------------------------- colour space

    def _to_work(self, block):
        if self.color_space == "lab" and block.shape[1] == 3:
            return rgb_to_lab(block)
        return block

    def _from_work(self, block):
        if self.color_space == "lab" and block.shape[1] == 3:
            return lab_to_rgb(block)
        return block

    def _work_blocks(self, part, n_color):
        for start, block in part.blocks(n_color):
            yield start, self._to_work(block)

    # ----------------------------------------------------------------- fit

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: ArrayLike, y: ArrayLike | None = None) -> ColorTransferer:
        """Learn the colour distribution of the reference.

        Parameters
        ----------
        X : array-like
            The reference: an image ``(height, width, c)``, a batch or a list
            of images (their pixels pooled), or colours ``(n_pixels,
            n_channels)``.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted transferer.
        """
        parts, _ = self._parse(X, reset=True)
        n_color = {self._color_channels(p) for p in parts}
        if len(n_color) != 1:
            raise ValueError(
                "The reference images have different numbers of colour "
                f"channels {sorted(n_color)}; pass images of one kind."
            )
        d = n_color.pop()
        if parts[0].kind == "image":
            self.n_features_in_ = d
            if hasattr(self, "feature_names_in_"):
                del self.feature_names_in_
        if self.color_space == "lab" and d != 3:
            raise ValueError(
                f"color_space='lab' needs 3 colour channels, the reference has "
                f"{d}; use color_space='rgb'."
            )
        self._reg = self.reg if self.reg is not None else _DEFAULT_REG.get(
            self.method, 1.0
        )
        rng = check_random_state(self.random_state)
        self._seed = int(rng.randint(np.iinfo(np.int32).max))

        # pooled reference colours in the working space (float64), and what
        # the raw colours are needed for, block by block
        n_total = sum(p.n for p in parts)
        work = np.empty((n_total, d))
        y_ref = np.empty((n_total, 1)) if d == 3 else None
        self._clip_lo = np.full(d, np.inf)
        self._clip_hi = np.full(d, -np.inf)
        moments = MomentAccumulator(d)
        offset = 0
        for part in parts:
            for _, raw in part.blocks(d):
                rows = slice(offset, offset + raw.shape[0])
                self._clip_lo = np.minimum(self._clip_lo, raw.min(axis=0))
                self._clip_hi = np.maximum(self._clip_hi, raw.max(axis=0))
                if y_ref is not None:
                    y_ref[rows, 0] = raw @ LUMA_WEIGHTS
                work[rows] = self._to_work(raw)
                moments.add(work[rows])
                offset += raw.shape[0]
        self.reference_mean_ = moments.mean
        self.reference_covariance_ = moments.covariance()
        self.palette_ = self.palette_weights_ = self.rotations_ = None

        if y_ref is not None:
            # the luma distribution, target of grey images
            self._luma_table = projected_cdfs(y_ref, np.ones((1, 1)))
            self._luma_moments = (float(y_ref.mean()), float(y_ref.var()))
            self._luma_range = (y_ref.min(axis=0), y_ref.max(axis=0))
            del y_ref
        if d == 1:
            self._table_1d = projected_cdfs(
                np.ascontiguousarray(work), np.ones((1, 1))
            )
        elif self.method == "sliced":
            self.rotations_ = random_rotations(
                self.n_iter, d, np.random.default_rng(self._seed)
            )
            work = np.ascontiguousarray(work)
            self._reference_tables = [
                projected_cdfs(work, R) for R in self.rotations_
            ]
        elif self.method in ("exact", "entropic"):
            lo, hi = work.min(axis=0), work.max(axis=0)
            self.palette_, self.palette_weights_ = grid_palette(
                [work], lo, hi, self.n_palette, self._seed
            )
            self._bandwidth = palette_bandwidth(self.palette_)
            # the scale that the entropic reg is relative to
            cost = solvers.cost_matrix(self.palette_, self.palette_)
            self._cost_scale = float(np.median(cost)) or 1.0
        return self

    # ----------------------------------------------------------- transform

    def transform(self, X: ArrayLike) -> np.ndarray | list[np.ndarray]:
        """Recolour images (or sets of colours) with the reference's palette.

        Parameters
        ----------
        X : array-like
            An image ``(height, width, c)``, a batch ``(n_images, height,
            width, c)``, a list of images, or colours ``(n_pixels,
            n_channels)``; see the class Notes for channels and dtypes.

        Returns
        -------
        X_new : ndarray or list of ndarray
            Same shape(s) and dtype(s) as ``X`` (integer rows come back as
            float64).
        """
        check_is_fitted(self)
        parts, layout = self._parse(X, reset=False)
        outputs = []
        for index, part in enumerate(parts):
            if self.verbose and len(parts) > 1:
                print(f"ColorTransferer: image {index + 1}/{len(parts)}")
            outputs.append(self._transform_part(part))
        if layout == "rows" or layout == "image":
            return outputs[0]
        if layout == "batch":
            return np.stack(outputs)
        return outputs

    def _transform_part(self, part):
        d = self.n_features_in_
        c = part.channels
        if part.kind == "image":
            if d not in (1, 3):
                raise ValueError(
                    f"The reference has {d} colour channels; images need a "
                    "reference with 3 (colour) or 1 (grey) channels."
                )
            if c == 1 and d == 3:
                return self._transfer_grey(part)
            if c not in (d, d + 1) or (c == d + 1 and c != 4):
                raise ValueError(
                    f"The image has {c} channels but the reference has {d} "
                    "colour channels; pass an image with the same channels "
                    "(plus an optional alpha channel)."
                )
        n_color = self._color_channels(part)
        out_dtype = part.dtype if part.dtype.kind in "fu" else np.dtype(np.float64)
        out = np.empty(part.array.shape, dtype=out_dtype)
        out_flat = out.reshape(-1, c)
        if c > n_color:
            out_flat[:, n_color:] = part.flat[:, n_color:]
        if self.verbose:
            print(
                f"ColorTransferer: {self.method} transfer of {part.n} pixels "
                f"({self.color_space})"
            )
        if n_color == 1:
            self._transfer_1d(part, out_flat, self._table_1d, self._one_d_moments())
        elif self.method == "gaussian":
            self._transfer_gaussian(part, n_color, out_flat)
        elif self.method == "sliced":
            self._transfer_sliced(part, n_color, out_flat)
        else:
            self._transfer_palette(part, n_color, out_flat)
        if part.kind == "image" and self.regrain is not None:
            self._regrain_image(part, out, n_color, self._clip_lo, self._clip_hi)
        return out

    def _regrain_image(self, part, out, n_color, lo, hi):
        # one channel at a time: a few float32 copies of one channel alive
        if self.verbose > 1:
            print("  regrain: restoring the source's fine detail")
        scale = np.float32(part.scale)
        weight = _regrain_weight(out.shape[0], out.shape[1], self.regrain)
        for c in range(n_color):
            source = part.array[:, :, c].astype(np.float32) / scale
            mapped = out[:, :, c].astype(np.float32) / scale
            blended = _regrain_channel(source, mapped, weight)
            del source, mapped
            if self.clip:
                np.clip(blended, lo[c], hi[c], out=blended)
            if part.dtype.kind == "u":
                blended = np.clip(np.rint(blended * scale), 0, scale)
            out[:, :, c] = blended

    def _one_d_moments(self):
        return float(self.reference_mean_[0]), float(self.reference_covariance_[0, 0])

    def _write(self, part, start, src_work, mapped_work, out_flat, n_color):
        """Finish one block: luminance, back to RGB, clip, cast, store."""
        if self.preserve_luminance and n_color == 3:
            if self.color_space == "lab":
                mapped_work[:, 0] = src_work[:, 0]
        rgb = self._from_work(mapped_work)
        if self.preserve_luminance and n_color == 3 and self.color_space == "rgb":
            src = src_work
            rgb = rgb + ((src - rgb) @ LUMA_WEIGHTS)[:, None]
        self._store(part, start, rgb, out_flat, n_color)

    def _store(self, part, start, values, out_flat, n_color, lo=None, hi=None):
        if self.clip:
            lo = self._clip_lo if lo is None else lo
            hi = self._clip_hi if hi is None else hi
            values = np.clip(values, lo, hi)
        if part.dtype.kind == "u":
            values = np.clip(np.rint(values * part.scale), 0, part.scale)
        out_flat[start : start + values.shape[0], :n_color] = values

    def _transfer_gaussian(self, part, n_color, out_flat):
        moments = MomentAccumulator(n_color)
        for _, block in self._work_blocks(part, n_color):
            moments.add(block)
        ridge = self._gaussian_ridge() * np.eye(n_color)
        A = _monge_matrix(
            moments.covariance() + ridge, self.reference_covariance_ + ridge
        )
        b = self.reference_mean_ - moments.mean @ A
        for start, block in self._work_blocks(part, n_color):
            self._write(part, start, block, block @ A + b, out_flat, n_color)

    def _gaussian_ridge(self):
        scale = float(np.trace(self.reference_covariance_)) / self.n_features_in_
        return self._reg * max(scale, 1e-12)

    def _transfer_sliced(self, part, n_color, out_flat):
        dtype = _as_float_dtype(part.dtype)
        work = np.empty((part.n, n_color), dtype=dtype)
        for start, block in self._work_blocks(part, n_color):
            work[start : start + block.shape[0]] = block
        if np.all(work.min(axis=0) == work.max(axis=0)):
            # A single colour: the plan spreads it over the whole reference,
            # whose barycentre is the reference's mean.
            work[:] = self.reference_mean_
        else:
            sliced_transfer(
                work, self.rotations_, self._reference_tables,
                verbose=self.verbose > 1,
            )
        for start, block in self._work_blocks(part, n_color):
            mapped = work[start : start + block.shape[0]].astype(np.float64)
            self._write(part, start, block, mapped, out_flat, n_color)

    def _transfer_palette(self, part, n_color, out_flat):
        lo = np.full(n_color, np.inf)
        hi = np.full(n_color, -np.inf)
        for _, block in self._work_blocks(part, n_color):
            lo = np.minimum(lo, block.min(axis=0))
            hi = np.maximum(hi, block.max(axis=0))
        colours, weights = grid_palette(
            (b for _, b in self._work_blocks(part, n_color)),
            lo, hi, self.n_palette, self._seed,
        )
        if self.verbose > 1:
            print(f"  palette of {colours.shape[0]} colours; solving the plan")
        displacement = self._palette_map(colours, weights) - colours
        bandwidth = palette_bandwidth(colours)
        if n_color == 3:
            lut, origin, step = build_lut(
                lo, hi, colours, weights, displacement, bandwidth
            )
            if self.verbose > 1:
                print("  lookup table built; mapping every pixel")
        for start, block in self._work_blocks(part, n_color):
            if n_color == 3:
                mapped = apply_lut(block, lut, origin, step)
            else:
                mapped = block + smooth_displacement(
                    block, colours, weights, displacement, bandwidth
                )
            self._write(part, start, block, mapped, out_flat, n_color)

    def _palette_map(self, colours, weights):
        """Barycentric images of the source palette under the palette plan."""
        M = solvers.cost_matrix(colours, self.palette_)
        if self.method == "exact":
            plan = solvers.emd(weights, self.palette_weights_, M).plan
            return _barycentres(plan, self.palette_)
        eps = self._reg * self._cost_scale
        images = _barycentres(
            self._sinkhorn_plan(weights, self.palette_weights_, M, eps), self.palette_
        )
        # Debias: the entropic plan of the palette onto itself shrinks it by
        # about as much as the cross plan shrinks the map; removing that
        # displacement keeps the spread of the reference colours.
        M_self = solvers.cost_matrix(colours, colours)
        self_images = _barycentres(
            self._sinkhorn_plan(weights, weights, M_self, eps), colours
        )
        return images - (self_images - colours)

    @staticmethod
    def _sinkhorn_plan(a, b, M, eps):
        result = solvers.sinkhorn(
            a, b, M, eps, max_iter=_SINKHORN_MAX_ITER, tol=1e-6, warn=False
        )
        if not result.converged:
            warnings.warn(
                f"Sinkhorn did not converge on the palettes in "
                f"{_SINKHORN_MAX_ITER} iterations; the entropic map may be "
                "inaccurate. Increase reg.",
                ConvergenceWarning,
            )
        return result.plan

    def _transfer_1d(self, part, out_flat, table, moments, lo=None, hi=None):
        """Exact 1D transfer (monotone rearrangement), or affine for gaussian."""
        values = np.empty((part.n, 1), dtype=_as_float_dtype(part.dtype))
        for start, block in part.blocks(1):
            values[start : start + block.shape[0]] = block
        if self.method == "gaussian":
            mean, var = moments
            src_mean = float(values.mean(dtype=np.float64))
            src_var = float(values.var(dtype=np.float64))
            ridge = self._reg * max(var, 1e-12)
            scale = np.sqrt((var + ridge) / (src_var + ridge))
            values = (values - src_mean) * scale + mean
        else:
            transfer_1d(values, table)
        step = _images._BLOCK
        for start in range(0, part.n, step):
            block = values[start : start + step].astype(np.float64)
            self._store(part, start, block, out_flat, 1, lo, hi)

    def _transfer_grey(self, part):
        out_dtype = part.dtype if part.dtype.kind in "fu" else np.dtype(np.float64)
        out = np.empty(part.array.shape, dtype=out_dtype)
        out_flat = out.reshape(-1, 1)
        lo, hi = self._luma_range
        self._transfer_1d(part, out_flat, self._luma_table, self._luma_moments, lo, hi)
        if self.regrain is not None:
            self._regrain_image(part, out, 1, lo, hi)
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        tags.input_tags.allow_nan = False
        return tags
