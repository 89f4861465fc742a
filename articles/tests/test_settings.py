"""Settings come from the environment; production refuses unsafe ones. Each case runs manage.py afresh."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "a-production-key-that-is-long-and-random-enough-0123456789-abcdefghij",
    "ALLOWED_HOSTS": "news.example.org",
}


def manage(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS")}
    clean.update({"NEWSDIFFS_VAR_DIR": str(tmp_path), "DATABASE_URL": "", "REDIS_URL": "", **env})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_nothing_set_is_a_working_local_install(tmp_path: Path) -> None:
    result = manage(tmp_path, "check")
    assert result.returncode == 0, result.stderr
    key_file = tmp_path / "secret_key"
    assert len(key_file.read_text()) >= 50
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert (tmp_path / "broker" / "queue").is_dir()


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    result = manage(tmp_path, "check", **{**PRODUCTION, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr
    assert not (tmp_path / "secret_key").exists()


def test_production_refuses_to_start_without_allowed_hosts(tmp_path: Path) -> None:
    result = manage(tmp_path, "check", **{**PRODUCTION, "ALLOWED_HOSTS": ""})
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set" in result.stderr


def test_deploy_check_is_clean_in_production(tmp_path: Path) -> None:
    result = manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_debug_on_fails_the_deploy_check(tmp_path: Path) -> None:
    result = manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **{**PRODUCTION, "DEBUG": "1"})
    assert result.returncode != 0
    assert "security.W018" in result.stderr


@pytest.mark.parametrize(("name", "value"), [("DEBUG", "maybe"), ("TRACK_INTERVAL_NEW", "soon")])
def test_malformed_values_are_named(tmp_path: Path, name: str, value: str) -> None:
    result = manage(tmp_path, "check", **{name: value})
    assert result.returncode != 0
    assert f"{name} must be" in result.stderr


def test_database_and_broker_follow_their_urls(tmp_path: Path) -> None:
    code = (
        "from django.conf import settings as s; print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL)"
    )
    result = manage(
        tmp_path,
        "shell",
        "--no-imports",
        "-c",
        code,
        DATABASE_URL="postgres://u@db:5432/news",
        REDIS_URL="redis://cache:6379/0",
    )
    assert result.stdout.split() == ["django.db.backends.postgresql", "redis://cache:6379/0"]
    result = manage(tmp_path, "shell", "--no-imports", "-c", code)
    assert result.stdout.split() == ["django.db.backends.sqlite3", "filesystem://localhost//"]


@pytest.mark.django_db
def test_models_and_migrations_agree() -> None:
    from django.core.management import call_command

    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.parametrize(
    ("value", "admin_index"),
    [("", "/admin/"), ("office-7f3a/", "/office-7f3a/"), ("office-7f3a", "/office-7f3a/"),
     ("/staff/office/", "/staff/office/")],
)  # fmt: skip
def test_admin_path_is_one_prefix_ending_in_a_slash(tmp_path: Path, value: str, admin_index: str) -> None:
    """An empty ADMIN_PATH would otherwise put the admin at the site's root, over /login/ and the like."""
    code = "from django.urls import reverse; print(reverse('admin:index'))"
    result = manage(tmp_path, "shell", "--no-imports", "-c", code, ADMIN_PATH=value)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [admin_index]


def test_admin_path_cannot_be_the_root(tmp_path: Path) -> None:
    result = manage(tmp_path, "check", ADMIN_PATH="/")
    assert result.returncode != 0
    assert "ADMIN_PATH must name a path" in result.stderr
