"""`python -m tutor` is the same as the `rnn-tutor` command."""

from tutor.cli import main

raise SystemExit(main())
