"""How the code hangs together, checked from its imports (read, not run)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def module_file(name: str) -> Path | None:
    path = ROOT.joinpath(*name.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def project_imports(name: str) -> set[str]:
    """The project's modules that module ``name`` imports, at any depth in the file (TYPE_CHECKING and
    function-level imports included: they load the module as surely when they run)."""
    path = module_file(name)
    assert path is not None, name
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {n for n in found if n.split(".")[0] == "articles" and module_file(n) is not None}


def reachable(name: str) -> set[str]:
    seen, todo = set(), [name]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        parts = current.split(".")
        # Importing a.b.c runs a/__init__ and a/b/__init__ first.
        todo.extend(".".join(parts[:i]) for i in range(2, len(parts)) if module_file(".".join(parts[:i])))
        todo.extend(project_imports(current))
    return seen


def test_the_models_do_not_load_the_fetcher() -> None:
    """What a check writes lives in recording.py; the models judge a URL's address with the pure
    articles/addresses.py, so loading a model never loads the HTTP client."""
    loaded = reachable("articles.models")
    assert "articles.addresses" in loaded
    assert not [name for name in loaded if name.startswith(("articles.fetching", "articles.checking"))]


def test_the_address_guard_and_tracking_judge_addresses_with_one_function() -> None:
    assert "articles.addresses" in project_imports("articles.fetching.guard")
    assert "articles.addresses" in project_imports("articles.models.sources")


def test_no_module_of_the_app_is_over_500_lines() -> None:
    """A module that grows past a few hundred lines is doing more than one job: split it by job (its tests
    too, by aspect; migrations are written once and never read as code)."""
    long = {
        str(path.relative_to(ROOT)): lines
        for path in (ROOT / "articles").rglob("*.py")
        if "migrations" not in path.parts
        if (lines := len(path.read_text().splitlines())) > 500
    }
    assert long == {}


def test_the_benchmarks_bulk_load_every_column_the_database_requires() -> None:
    """bench/export.py COPYs articles and versions straight into the tables: a NOT NULL column the model
    gained and the list lacked broke it (body_parsed_by, current_hash)."""
    from django.db.models import NOT_PROVIDED

    from articles.models import Article, Version
    from bench.database import ARTICLE_COLUMNS, VERSION_COLUMNS

    for model, columns in ((Article, ARTICLE_COLUMNS), (Version, VERSION_COLUMNS)):
        required = {
            field.column
            for field in model._meta.concrete_fields
            if not field.null and not field.primary_key and field.db_default is NOT_PROVIDED
        }
        assert required - set(columns) == set(), model.__name__
