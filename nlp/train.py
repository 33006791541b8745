"""``python -m nlp.train``: rebuild the diacritic restoration model (see nlp.restore.train)."""
import sys

from nlp.restore.train import main

if __name__ == "__main__":
    sys.exit(main())
