"""Journey tests use the ``browser`` and ``mail_dir`` fixtures of tests/conftest.py."""
