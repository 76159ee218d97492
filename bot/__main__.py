"""`python -m bot`: see bot/cli/main.py."""

import sys

from bot.cli.main import main

# Guarded: the search processes (bot/archive/search_pool.py) start by importing this module
# again under another name, and must not run the command line a second time.
if __name__ == "__main__":
    sys.exit(main())
