"""The service's tests."""

import pytest

# conftest.py imports helpers from the plugin modules before pytest loads them as
# plugins: registering first keeps pytest's assertion rewriting for their asserts.
pytest.register_assert_rewrite("tests.plugins")
