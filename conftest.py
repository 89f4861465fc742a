"""The repository's root conftest: pytest accepts ``pytest_plugins`` and ``pytest_addoption`` only in a
conftest it reads at start-up, wherever it is run from (``pytest``, ``pytest .``, ``pytest articles``).

The fixtures that the test modules of one feature share (each feature's tests are split by aspect) live in
these support modules: registered here rather than imported, as a parameter of the same name would shadow
an imported fixture; each module imports the helpers. articles/tests/conftest.py holds the rest."""

import pytest

pytest_plugins = [
    "articles.tests.hostile_pages_support",
    "articles.tests.notifications_support",
    "articles.tests.wayback_support",
    "articles.tests.xss_support",
]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database-pass",
        action="store_true",
        help="run only the tests whose subject is the database (make test's second database): those that "
        "use it and are not marked once",
    )
