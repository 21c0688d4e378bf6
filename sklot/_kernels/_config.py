"""The one place where numba compilation flags and thread use are chosen.

Every kernel in :mod:`sklot._kernels` is decorated with :func:`jit` from this
module, and every decision about threads (serial or parallel build, numba's
thread count, thread pools) is taken by the helpers below, so the switches
apply everywhere:

- ``SKLOT_NUMBA_CACHE=0`` turns off numba's on-disk cache (on by default;
  a cached kernel loads in a fraction of its compile time).
- ``SKLOT_NUMBA_FASTMATH=0`` turns off the fast-math flags (on by default:
  without reassociation numba does not vectorize reductions, which costs half
  the speed of memory-bound loops). The flags never include ``nnan`` or
  ``ninf``: kernels rely on ``inf`` arithmetic (``-inf`` log-weights, for
  example), which those flags would make undefined.
- ``SKLOT_NUMBA_PARALLEL=0`` runs everything on one thread: ``parallel=True``
  kernels are compiled serially and no thread pool is started. Like the
  fast-math switch, it is another compilation: large problems may differ
  from the default in the last bits. ``NUMBA_NUM_THREADS=1`` keeps the same
  kernels on one thread, with results identical to any other thread count.
- ``SKLOT_NUMBA_CACHE_DIR`` (or numba's ``NUMBA_CACHE_DIR``) chooses the
  cache directory.

A kernel's machine code is self-contained: the kernels it calls are linked
into it as private copies (see :class:`_SelfContainedLibrary`), so it runs
the same code whether it was compiled in the process or loaded from the
cache, whatever was loaded before it.

The cache is kept apart per combination of switches (a subdirectory each),
so a kernel compiled under other flags is never loaded. Without a chosen
directory it lives next to the kernels (``__pycache__``), else in the
user's cache directory (``~/.cache/sklot/numba``), else in a private
temporary directory; where nothing is writable, kernels are not cached.
The last two cases warn once.

A ``parallel=True`` kernel has a serial build as well. Small problems run
the serial one (:func:`use_parallel`): waking the thread pool costs more
than their work, and much more when another process keeps a core busy. The
choice depends on the problem size only, never on the thread count, so
results do not depend on the number of threads.

Kernels are compiled lazily, on first call, never at import.
"""

import contextlib
import functools
import hashlib
import os
import tempfile
import warnings
from concurrent.futures import ThreadPoolExecutor

import numba
from llvmlite import binding as llvm
from numba.core import caching
from numba.core.compiler import CompilerBase, DefaultPassBuilder
from numba.core.compiler_machinery import FunctionPass, register_pass
from numba.core.typed_passes import NopythonTypeInference

__all__ = [
    "CACHE",
    "FASTMATH",
    "FASTMATH_FLAGS",
    "PARALLEL",
    "PARALLEL_MIN_WORK",
    "jit",
    "num_threads",
    "single_threaded",
    "thread_pool",
    "use_parallel",
]


def _flag(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() not in {"0", "false", "no", "off", ""}


CACHE = _flag("SKLOT_NUMBA_CACHE", True)
FASTMATH_FLAGS = frozenset({"reassoc", "contract", "arcp", "nsz", "afn"})
FASTMATH = set(FASTMATH_FLAGS) if _flag("SKLOT_NUMBA_FASTMATH", True) else False
PARALLEL = _flag("SKLOT_NUMBA_PARALLEL", True)

# Below this much work (matrix entries of one pass, or the equivalent) a
# call runs on the calling thread. Waking numba's pool costs tens of
# microseconds on an idle machine and a scheduler time slice (milliseconds)
# when another process holds a core; above ~1e5 entries the pass itself
# takes longer than that.
PARALLEL_MIN_WORK = 1 << 17


# --------------------------------------------------------------------------
# threads


def use_parallel(work):
    """Whether a call doing ``work`` elementary steps uses the thread pool.

    Depends on the problem size only, never on the thread count: serial and
    parallel builds may round differently, and results must not depend on
    the number of threads.
    """
    return PARALLEL and work >= PARALLEL_MIN_WORK


def num_threads():
    """Return the number of threads a parallel kernel or thread pool may use.

    1 with ``SKLOT_NUMBA_PARALLEL=0`` (numba's pool is then never started)
    and inside :func:`single_threaded`.
    """
    return numba.get_num_threads() if PARALLEL else 1


@contextlib.contextmanager
def single_threaded(active=True):
    """Run numba's parallel kernels on one thread in this block.

    For code that already runs in several threads (joblib workers): nested
    thread pools would oversubscribe the cores. numba's thread count is
    per thread, so other threads are not affected.
    """
    if not (active and PARALLEL):
        yield
        return
    previous = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(previous)


def thread_pool(work, min_work=PARALLEL_MIN_WORK):
    """Return a thread pool for ``work`` elementary steps, or None.

    None below ``min_work`` or with one thread available; else a pool of
    :func:`num_threads` threads, which the caller shuts down.
    """
    n_threads = num_threads()
    if n_threads <= 1 or work < min_work:
        return None
    return ThreadPoolExecutor(n_threads)


# --------------------------------------------------------------------------
# cache location


_ENV_CACHE_DIR = "SKLOT_NUMBA_CACHE_DIR"
_warned = []


def _warn_once(message):
    if not _warned:
        _warned.append(message)
        warnings.warn(message, RuntimeWarning, stacklevel=3)


def _cache_hint():
    return (
        f"Set {_ENV_CACHE_DIR} (or NUMBA_CACHE_DIR) to a writable directory "
        f"to keep compiled kernels, or SKLOT_NUMBA_CACHE=0 to silence this."
    )


def _source_subpath(source_dir):
    # As numba does: the package directory's name, for the eye, and a hash
    # of its full path, so two installations do not share (and overwrite)
    # one cache.
    digest = hashlib.sha1(os.path.abspath(source_dir).encode()).hexdigest()[:16]
    return f"{os.path.basename(source_dir)}_{digest}"


def _private_enough(path):
    # A shared temporary directory could be prepared by another user; the
    # cache holds pickled code, so only a directory of our own will do.
    if not hasattr(os, "getuid"):
        return True
    st = os.stat(path)
    return st.st_uid == os.getuid() and not st.st_mode & 0o022


def _writable(path, private=False):
    try:
        os.makedirs(path, mode=0o700 if private else 0o777, exist_ok=True)
        if private and not _private_enough(path):
            return False
        tempfile.TemporaryFile(dir=path).close()
    except OSError:
        return False
    return True


@functools.lru_cache(maxsize=None)
def _cache_root(source_dir):
    """Directory holding the caches of the kernels in ``source_dir``, or None."""
    tried = []
    chosen = os.environ.get(_ENV_CACHE_DIR) or numba.config.CACHE_DIR
    sub = _source_subpath(source_dir)
    if chosen:
        path = os.path.join(os.path.abspath(chosen), sub)
        if _writable(path):
            return path
        tried.append(path)
    for path in (
        os.path.join(source_dir, "__pycache__"),
        os.path.join(
            os.environ.get("XDG_CACHE_HOME")
            or os.path.join(os.path.expanduser("~"), ".cache"),
            "sklot", "numba", sub,
        ),
    ):
        if _writable(path):
            if chosen:
                _warn_once(
                    f"The chosen cache directory {tried[0]} is not writable; "
                    f"sklot caches compiled kernels in {path} instead. "
                    + _cache_hint()
                )
            return path
        tried.append(path)
    uid = os.getuid() if hasattr(os, "getuid") else "user"
    temp = os.path.join(tempfile.gettempdir(), f"sklot-numba-{uid}")
    if _writable(temp, private=True):
        path = os.path.join(temp, sub)
        if _writable(path):
            _warn_once(
                f"No writable cache directory for sklot's numba kernels "
                f"(tried {', '.join(tried)}); they are cached in the "
                f"temporary directory {path}, which the system may clean. "
                + _cache_hint()
            )
            return path
    tried.append(temp)
    _warn_once(
        f"No writable cache directory for sklot's numba kernels (tried "
        f"{', '.join(tried)}); every process compiles them again. "
        + _cache_hint()
    )
    return None


# Raised when the machine code of a cached kernel changes in a way that
# the kernel's source does not show (2: kernels keep private copies of the
# kernels they call), so that entries written before are not loaded.
_CODE_VERSION = 2


def _switches_tag():
    return "-".join([
        f"v{_CODE_VERSION}",
        "fastmath" if FASTMATH else "ieee",
        "threads" if PARALLEL else "nothreads",
    ])


@functools.lru_cache(maxsize=None)
def _hash_file(path, mtime, size):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class _Locator(caching._CacheLocator):
    """Cache files of one function in a directory chosen here."""

    _path = None  # set on the subclass made per directory

    def __init__(self, py_func, py_file):
        self._py_file = py_file
        self._lineno = py_func.__code__.co_firstlineno

    @classmethod
    def from_function(cls, py_func, py_file):
        return cls(py_func, py_file)

    def get_cache_path(self):
        return self._path

    def get_source_stamp(self):
        st = os.stat(self._py_file)
        return _hash_file(self._py_file, st.st_mtime, st.st_size)

    def get_disambiguator(self):
        return str(self._lineno)


class _FunctionCache(caching.FunctionCache):
    """numba's function cache; a failing disk turns it off, with a warning."""

    def load_overload(self, sig, target_context):
        try:
            return super().load_overload(sig, target_context)
        except OSError:
            return None

    def save_overload(self, sig, data):
        try:
            super().save_overload(sig, data)
        except OSError as exc:
            self.disable()
            _warn_once(
                f"sklot could not write numba's cache in {self.cache_path} "
                f"({exc}); kernels are compiled again in every process. "
                + _cache_hint()
            )


@functools.lru_cache(maxsize=None)
def _cache_class(path):
    locator = type("_Locator", (_Locator,), {"_path": path})
    impl = type(
        "_CacheImpl", (caching.CompileResultCacheImpl,),
        {"_locator_classes": [locator]},
    )
    return type("_FunctionCache", (_FunctionCache,), {"_impl_class": impl})


def _attach_cache(dispatcher, tag):
    function = dispatcher.py_func
    root = _cache_root(os.path.dirname(os.path.abspath(function.__code__.co_filename)))
    if root is not None:
        dispatcher._cache = _cache_class(os.path.join(root, tag))(function)


# --------------------------------------------------------------------------
# self-contained machine code

# numba links a copy of each jitted function a kernel calls into the
# kernel's machine code as a weak symbol, and the process binds a weak
# symbol to the first definition of it that was loaded. Under fast-math the
# copies of one function are not alike: each is optimized again within the
# module it is linked into, and reassociation may then round differently.
# Which copy ran depended on the process's history: a kernel compiled in
# the process called its callees' own builds (loaded first), the same kernel
# loaded from the cache its own copies, or those of another kernel loaded
# before it; results differed in the last bits, iteration counts with them.
# The kernels built here make their linked copies private, so a kernel
# always runs the code that is cached with it.
_WEAK = frozenset({
    llvm.Linkage.linkonce_odr, llvm.Linkage.weak_odr,
    llvm.Linkage.linkonce_any, llvm.Linkage.weak_any,
})


def _keeps_private_copies(library_class):
    # These are numba internals (checked on 0.59-0.68): where a numba
    # release lacks them, kernels are built as numba builds them.
    return library_class is not None and hasattr(
        library_class, "_optimize_final_module"
    )


@functools.lru_cache(maxsize=None)
def _private_copies(library_class):
    class Library(library_class):
        def _optimize_final_module(self):
            for function in self._final_module.functions:
                if not function.is_declaration and function.linkage in _WEAK:
                    function.linkage = "internal"
            super()._optimize_final_module()

    Library.__name__ = Library.__qualname__ = f"SelfContained{library_class.__name__}"
    return Library


@register_pass(mutates_CFG=False, analysis_only=True)
class _SelfContainedLibrary(FunctionPass):
    """Create the library of a kernel as one that keeps its copies private."""

    _name = "sklot_self_contained_library"

    def __init__(self):
        FunctionPass.__init__(self)

    def run_pass(self, state):
        codegen = state.targetctx.codegen()
        base = getattr(codegen, "_library_class", None)
        if state.library is None and _keeps_private_copies(base):
            library_class = _private_copies(base)
            state.library = library_class(codegen, state.func_id.func_qualname)
            # as numba's lowering does for the libraries it creates
            state.library.enable_object_caching()
        return False


class _Compiler(CompilerBase):
    """numba's nopython pipeline, with :class:`_SelfContainedLibrary`."""

    def define_pipelines(self):
        pipeline = DefaultPassBuilder.define_nopython_pipeline(self.state)
        pipeline.add_pass_after(_SelfContainedLibrary, NopythonTypeInference)
        pipeline.finalize()
        return [pipeline]


# --------------------------------------------------------------------------
# decorator


def _build(function, flags, tag):
    dispatcher = numba.njit(cache=False, pipeline_class=_Compiler, **flags)(function)
    if CACHE:
        _attach_cache(dispatcher, tag)
    return dispatcher


class ParallelKernel:
    """A ``parallel=True`` kernel with its serial build, each compiled lazily.

    Calling it runs the parallel build; :meth:`sized` picks the build for a
    given amount of work. With ``SKLOT_NUMBA_PARALLEL=0`` both are one
    serial build.
    """

    def __init__(self, function, flags):
        functools.update_wrapper(self, function)
        self.py_func = function
        self._flags = flags
        self._builds = {}

    def _get(self, parallel):
        parallel = parallel and PARALLEL
        build = self._builds.get(parallel)
        if build is None:
            tag = _switches_tag() + ("" if parallel else "-serial")
            build = _build(self.py_func, {**self._flags, "parallel": parallel}, tag)
            self._builds[parallel] = build
        return build

    @property
    def parallel(self):
        """The build that runs on numba's thread pool."""
        return self._get(True)

    @property
    def serial(self):
        """The build that runs on the calling thread."""
        return self._get(False)

    def sized(self, work):
        """Return the build for a call doing ``work`` elementary steps."""
        return self._get(use_parallel(work))

    def __call__(self, *args):
        return self._get(True)(*args)


def jit(function=None, *, parallel=False, fastmath=None, **options):
    """Compile ``function`` lazily with sklot's numba flags.

    Use as ``@jit`` or ``@jit(parallel=True)``; the latter returns a
    :class:`ParallelKernel`. ``fastmath=False`` opts a kernel out where IEEE
    semantics matter (for example ``inf`` handling in a log-sum-exp).
    Signatures are never given, so nothing compiles at import.
    """
    flags = {
        "fastmath": FASTMATH if fastmath is None or fastmath else False,
        "nogil": True,
        **options,
    }

    def decorate(func):
        if parallel:
            return ParallelKernel(func, flags)
        return _build(func, {**flags, "parallel": False}, _switches_tag())

    if function is None:
        return decorate
    return decorate(function)
