"""Production's settings as they run (DEBUG off): cookies, the deploy check, the admin's address; and no
secret in the repository."""

import json
import re
import subprocess
from typing import Any

import pytest

from articles.tests.test_settings import BASE_DIR, PRODUCTION, manage

# --- production -----------------------------------------------------------------------------------------

# Run in production settings (DEBUG=0), on a fresh SQLite database: the cookies a login and a form page set.
COOKIES = """
import json
from django.core.management import call_command
from django.test import Client, override_settings
from django.contrib.auth.models import User

call_command("migrate", verbosity=0)
User.objects.create_superuser("editor", "editor@example.org", "a-long-password-for-tests-0123")
# The static manifest is collectstatic's, which this check does not run; the pages only need names.
with override_settings(
    STORAGES={{"staticfiles": {{"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}}}
):
    client = Client(HTTP_HOST="news.example.org")
    login_page = client.get("/{admin}login/", secure=True)
    csrf = login_page.cookies["csrftoken"]
    logged_in = client.post(
        "/{admin}login/",
        {{"username": "editor", "password": "a-long-password-for-tests-0123",
          "csrfmiddlewaretoken": csrf.value}},
        secure=True,
        headers={{"Referer": "https://news.example.org/{admin}login/"}},
    )
    session = logged_in.cookies["sessionid"]
    plain = Client(HTTP_HOST="news.example.org").get("/{admin}login/")
    old_admin = client.get("/admin/", secure=True)
print(json.dumps({{
    "login_status": login_page.status_code, "logged_in_status": logged_in.status_code,
    "cookies": {{name: {{"secure": c["secure"], "httponly": c["httponly"], "samesite": c["samesite"]}}
                 for name, c in (("csrftoken", csrf), ("sessionid", session))}},
    "hsts": logged_in.headers.get("Strict-Transport-Security"),
    "login_policy": login_page.headers["Content-Security-Policy"],
    "plain_http": [plain.status_code, plain.headers.get("Location")],
    "old_admin": [old_admin.status_code, old_admin.headers["Content-Security-Policy"]],
}}))
"""


def production_run(tmp_path: Any, admin: str = "admin/", **env: str) -> dict[str, Any]:
    result = manage(tmp_path, "shell", "--no-imports", "-c", COOKIES.format(admin=admin), **PRODUCTION, **env)
    assert result.returncode == 0, result.stderr
    report: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return report


def test_production_cookies_are_secure_httponly_and_lax(tmp_path: Any) -> None:
    run = production_run(tmp_path)
    assert (run["login_status"], run["logged_in_status"]) == (200, 302)
    for name in ("csrftoken", "sessionid"):
        assert run["cookies"][name] == {"secure": True, "httponly": True, "samesite": "Lax"}, name
    assert run["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert run["plain_http"] == [301, "https://news.example.org/admin/login/"]


def test_the_admin_moves_to_admin_path_and_its_old_address_is_gone(tmp_path: Any) -> None:
    run = production_run(tmp_path, admin="office-7f3a/", ADMIN_PATH="office-7f3a/")
    assert (run["login_status"], run["logged_in_status"]) == (200, 302)
    assert "script-src 'self'" in run["login_policy"]  # the admin's scripts follow it
    status, policy = run["old_admin"]
    assert status == 404  # /admin/ is now an ordinary missing page
    assert "connect-src" not in policy


def test_the_deploy_check_has_nothing_to_say(tmp_path: Any) -> None:
    """test_settings.py runs the check at WARNING; here it must not print a single line of any level."""
    result = manage(tmp_path, "check", "--deploy", "--fail-level", "DEBUG", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."
    assert result.stderr == ""


# --- no secret in the repository ----------------------------------------------------------------------

SECRET_SHAPES = {
    "a private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "an AWS access key": re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"),
    "a GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "a Slack token": re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    "Django's generated key": re.compile(r"django-insecure[-]"),
    # A secret written into code or configuration; tests' made-up values are allowed.
    "a literal secret": re.compile(
        r"""(?i)\b\w*(secret_key|password|passwd|api_key|auth_token)\w*["']?\s*[:=]\s*["'][^"'\s$]{8,}["']"""
    ),
    "a password in a URL": re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@\"'$]+:(?!\$\{)[^@\s/\"']+@"),
}
# Documentation, tests and benchmarks hold made-up keys and URLs with passwords on purpose (examples of what
# is refused, settings for a throwaway process).
CODE_ONLY = {"a literal secret", "a password in a URL"}


def secrets_in(path: str, text: str) -> list[str]:
    is_test = path.startswith(("articles/tests/", "bench/")) or path.endswith(".md")
    return [
        f"{path}: {kind}"
        for kind, shape in SECRET_SHAPES.items()
        if not (is_test and kind in CODE_ONLY) and shape.search(text)
    ]


@pytest.mark.parametrize(
    ("path", "text", "found"),
    [
        ("newsdiffs/settings.py", 'SECRET_KEY = "k3y-0f-pr0duct10n-abcdefgh"', True),
        ("docker-compose.yml", "DATABASE_URL: postgres://newsdiffs:hunter22@postgres/db", True),
        # Samples of what must be found are put together here, or this file would hold them.
        ("deploy/id_ed25519", "-----BEGIN OPENSSH " + "PRIVATE KEY-----", True),
        ("newsdiffs/settings.py", "aws = 'AKIA" + "IOSFODNN7EXAMPLE'", True),
        ("newsdiffs/settings.py", "SECRET_KEY = 'django-" + "insecure-abc'", True),
        ("newsdiffs/settings.py", 'SECRET_KEY = os.environ.get("SECRET_KEY", "")', False),
        ("docker-compose.yml", "SECRET_KEY: ${SECRET_KEY:?set SECRET_KEY}", False),
        ("docker-compose.yml", "DATABASE_URL: postgres://newsdiffs:${POSTGRES_PASSWORD}@postgres/db", False),
        ("articles/tests/test_canonical.py", "'https://user:hunter22@example.com/'", False),
    ],
)
def test_the_secret_scan_finds_what_it_should(path: str, text: str, found: bool) -> None:
    assert bool(secrets_in(path, text)) is found


def test_no_secret_is_committed() -> None:
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=BASE_DIR, capture_output=True, text=True, check=True
    ).stdout.split("\0")
    found, scanned = [], 0
    for path in filter(None, files):
        try:
            text = (BASE_DIR / path).read_text()
        except (UnicodeDecodeError, FileNotFoundError):  # binary, or deleted in the working tree
            continue
        found += secrets_in(path, text)
        scanned += 1
    assert found == []
    assert scanned > 100  # the code, settings, templates and docs were read, not an empty list
    # The key a local install generates, its database and its broker stay out of git, as do the packages
    # the installs fetch.
    kept_out = ["var/secret_key", "var/newsdiffs.sqlite3", ".venv/", "node_modules/"]
    ignored = subprocess.run(["git", "check-ignore", *kept_out], cwd=BASE_DIR, capture_output=True, text=True)
    assert ignored.stdout.split() == kept_out
