import sys

from sklot._cli import main

sys.exit(main(prog="python -m sklot"))
