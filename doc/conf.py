"""Sphinx configuration of the sklot documentation.

Build with ``python -m sphinx -W -b html doc doc/_build/html`` after
``python -m pip install -e ".[docs]"``. The build needs no network: the API
reference is generated from the public ``__all__`` of every subpackage by
``sphinxext/sklot_api.py`` and the gallery runs the scripts in ``examples/``.
Nor does reading it: MathJax is served from ``_static`` and
``check_offline.py`` fails if any page loads a script, style sheet or font
from another host.
"""

import os
import sys
import warnings

import sklot

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "sphinxext"))

project = "sklot"
author = "The sklot developers"
copyright = "the sklot developers"
version = release = sklot.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    # Ships MathJax 3 (scripts and fonts) and points ``mathjax_path`` at the
    # copy in ``_static``: formulas render without a network.
    "sphinx-mathjax-offline",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "sklot_api",
]

# Cross-project links (intersphinx) would fetch inventories over the network
# at build time; the build must work offline, so it is left out. References
# to numpy, scipy and scikit-learn objects render as plain code.

templates_path = []
exclude_patterns = [
    "_build",
    "README.md",
    "gen_modules/backreferences",
    # left by older builds; see write_computation_times below
    "sg_execution_times.rst",
    "auto_examples/sg_execution_times.rst",
]
source_suffix = {".rst": "restructuredtext"}
root_doc = "index"
default_role = "literal"
pygments_style = "sphinx"

# -- autodoc, autosummary, numpydoc -----------------------------------------

autosummary_generate = False  # sklot_api writes the pages itself
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "none"
autodoc_inherit_docstrings = True
numpydoc_show_class_members = True
numpydoc_class_members_toctree = False
numpydoc_show_inherited_class_members = True
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

# -- sphinx-gallery ---------------------------------------------------------

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    # Run every example (not only plot_*.py): each must finish in under a
    # minute on two cores.
    "filename_pattern": r".*\.py$",
    "ignore_pattern": r"(__init__|/_[^/]*)\.py$",
    "doc_module": ("sklot",),
    "backreferences_dir": os.path.join("gen_modules", "backreferences"),
    "reference_url": {"sklot": None},
    "within_subsection_order": "FileNameSortKey",
    "remove_config_comments": True,
    "min_reported_time": 1,
    "show_memory": False,
    "matplotlib_animations": False,
    "download_all_examples": False,
    # The timing pages load jQuery and DataTables from a CDN; the docs must
    # not need a network to read (check_offline.py).
    "write_computation_times": False,
}

# A gallery script that warns about a non-interactive backend is not an error.
warnings.filterwarnings(
    "ignore", category=UserWarning, message="Matplotlib is currently using agg"
)

# -- HTML -------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"sklot {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "navbar_align": "left",
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version", "theme-version"],
}
html_static_path = []
html_show_sourcelink = False
html_context = {"default_mode": "light"}
