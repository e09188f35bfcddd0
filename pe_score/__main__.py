"""``python -m pe_score`` runs the ``pe-score`` command."""
from pe_score.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
