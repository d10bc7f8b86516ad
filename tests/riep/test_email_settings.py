"""Email settings: production reads its SMTP server from the environment; `make run` writes
emails to files under var/mail/ (or prints them, on request)."""

from __future__ import annotations

import json

from tests.test_deploy_check import production_env, run_manage

SHOW = (
    "import json; from django.conf import settings as s; print(json.dumps([s.EMAIL_BACKEND, "
    "s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, s.EMAIL_HOST_PASSWORD, s.EMAIL_USE_TLS, "
    "s.DEFAULT_FROM_EMAIL, s.SITE_URL, str(getattr(s, 'EMAIL_FILE_PATH', ''))]))"
)


def settings_of(env) -> list:
    result = run_manage("shell", "-c", SHOW, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_sends_through_the_smtp_server_the_environment_names(tmp_path):
    env = production_env(
        tmp_path,
        DJANGO_DEFAULT_FROM_EMAIL="RIEP <targets@emiep.example.org>",
        DJANGO_SITE_URL="https://riep.example.org",
    )
    env.update(
        EMAIL_HOST="smtp.example.org",
        EMAIL_PORT="587",
        EMAIL_HOST_USER="riep",
        EMAIL_HOST_PASSWORD="s3cret",
        EMAIL_USE_TLS="true",
    )

    assert settings_of(env)[:8] == [
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.example.org",
        587,
        "riep",
        "s3cret",
        True,
        "RIEP <targets@emiep.example.org>",
        "https://riep.example.org",
    ]


def test_production_refuses_tls_and_ssl_together(tmp_path):
    env = production_env(tmp_path)
    env.update(EMAIL_USE_TLS="1", EMAIL_USE_SSL="1")

    result = run_manage("check", env=env)

    assert result.returncode != 0
    assert "not both" in result.stderr


def test_make_run_writes_emails_to_files(tmp_path):
    env = production_env(tmp_path, DJANGO_SETTINGS_MODULE="riep.settings.local")
    env["RIEP_VAR_DIR"] = str(tmp_path)

    backend, *_, path = settings_of(env)

    assert backend == "django.core.mail.backends.filebased.EmailBackend"
    assert path == str(tmp_path / "mail")
