"""No Docker engine runs here, so the production stack is checked as a file: services, wiring, health."""

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.urls import resolve

BASE_DIR = Path(__file__).resolve().parents[2]
APP_SERVICES = ("migrate", "web", "worker", "beat")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    compose: dict[str, Any] = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
    return compose


def command(service: dict[str, Any]) -> str:
    cmd = service["command"]
    return cmd if isinstance(cmd, str) else shlex.join(cmd)


def test_it_has_the_whole_stack(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {*APP_SERVICES, "postgres", "redis"}


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_run_the_project_image_in_production_mode(compose: dict[str, Any], name: str) -> None:
    service = compose["services"][name]
    assert service["build"] == "."
    env = service["environment"]
    assert env["DEBUG"] == "0"
    assert env["SECRET_KEY"].startswith("${SECRET_KEY:?")  # compose refuses to start without one
    assert re.fullmatch(
        r"postgres://newsdiffs:\$\{POSTGRES_PASSWORD:\?[^}]+\}@postgres:5432/newsdiffs", env["DATABASE_URL"]
    )
    assert env["REDIS_URL"] == "redis://redis:6379/0"
    for dependency in ("postgres", "redis"):
        assert service["depends_on"][dependency] == {"condition": "service_healthy"}


@pytest.mark.parametrize("name", ["web", "worker", "beat"])
def test_long_running_services_wait_for_migrations(compose: dict[str, Any], name: str) -> None:
    assert compose["services"][name]["depends_on"]["migrate"] == {
        "condition": "service_completed_successfully"
    }


def test_each_service_runs_its_own_process(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert command(services["migrate"]) == "python manage.py migrate --noinput"
    assert command(services["web"]).startswith("gunicorn newsdiffs.wsgi --bind 0.0.0.0:8000")
    assert command(services["worker"]).startswith("celery -A newsdiffs worker")
    assert command(services["beat"]).startswith("celery -A newsdiffs beat")
    assert services["web"]["ports"] == ["${WEB_PORT:-8000}:8000"]


def test_health_checks(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert "pg_isready -U newsdiffs -d newsdiffs" in services["postgres"]["healthcheck"]["test"][1]
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    assert "/healthz/" in " ".join(services["web"]["healthcheck"]["test"])
    assert "inspect ping" in " ".join(services["worker"]["healthcheck"]["test"])


def test_data_lives_in_volumes(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert "postgres-data:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert "redis-data:/data" in services["redis"]["volumes"]
    assert {"postgres-data", "redis-data", "beat-schedule"} <= set(compose["volumes"])
    assert services["postgres"]["environment"]["POSTGRES_DB"] == "newsdiffs"
    # No default password: compose refuses to start without one, as without SECRET_KEY.
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")


def test_the_image_and_its_entry_points_exist() -> None:
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in dockerfile
    assert "pip install -r requirements.txt" in dockerfile
    assert "collectstatic --noinput" in dockerfile
    assert "USER newsdiffs" in dockerfile
    assert (BASE_DIR / "newsdiffs" / "wsgi.py").exists()
    assert (BASE_DIR / "newsdiffs" / "celery.py").exists()
    assert resolve("/healthz/").url_name == "healthz"
