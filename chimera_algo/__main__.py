import sys

from chimera_algo.cli import main

sys.exit(main())
