"""The Spark fixtures (``spark_session``, ``spark_engine``) live in ``tests/conftest.py``: reader tests use
them too."""
