"""``python -m gpfed.viz [--host HOST] [--port PORT]``: serve the browser page."""

from __future__ import annotations

import argparse

from gpfed.viz.server import serve


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and serve the page."""
    parser = argparse.ArgumentParser(prog="python -m gpfed.viz", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="TCP port (default 8765)")
    arguments = parser.parse_args(argv)
    serve(arguments.host, arguments.port)


if __name__ == "__main__":
    main()
