"""The `maestro` command installed with the package: the core's own command line
(`maestro --help`), run by the native module in this process."""

import signal
import sys
from typing import List, Optional

from . import _native


def main(argv: Optional[List[str]] = None) -> None:
    """Runs `maestro` with `argv` (default: this process's arguments) and exits with its
    status."""
    args = sys.argv[1:] if argv is None else argv
    # The command handles SIGINT and SIGTERM itself where it waits (`events --follow`);
    # elsewhere they end it at once, as they end the compiled binary.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    sys.exit(_native.cli_main(["maestro", *args]))


if __name__ == "__main__":
    main()
