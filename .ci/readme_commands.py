"""Print a Quickstart command of README.md, exactly as the README writes it.

Usage: ``python3 .ci/readme_commands.py README.md demo|test``. ``demo`` is
the command that runs ``python -m sklot demo``, ``test`` the one that runs
pytest. CI runs what this prints, so the README's commands are the ones
tested. Standard library only: it runs before any environment exists.
"""

import re
import sys

KINDS = {"demo": "-m sklot demo", "test": "-m pytest"}


def quickstart_commands(text: str) -> dict[str, str]:
    """Return ``{"demo": command, "test": command}`` from the README text.

    Parameters
    ----------
    text : str
        The README, in Markdown.

    Returns
    -------
    commands : dict
        Each Quickstart command, keyed by kind.
    """
    match = re.search(r"^## Quickstart\n(.*?)(?=^## )", text, re.S | re.M)
    if match is None:
        raise ValueError("README.md has no '## Quickstart' section")
    blocks = re.findall(r"^```bash\n(.*?)^```", match.group(1), re.S | re.M)
    commands = {}
    for block in blocks:
        lines = [line for line in block.splitlines() if line.strip()]
        if len(lines) != 1:
            raise ValueError(f"a Quickstart block must hold one command: {block!r}")
        for kind, marker in KINDS.items():
            if marker in lines[0]:
                commands[kind] = lines[0]
    missing = sorted(set(KINDS) - set(commands))
    if missing:
        raise ValueError(f"README.md Quickstart has no {missing} command")
    return commands


def main(argv: list[str]) -> int:
    """Print the command of the kind named in ``argv``; return a status."""
    path, kind = argv
    with open(path, encoding="utf-8") as handle:
        print(quickstart_commands(handle.read())[kind])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
