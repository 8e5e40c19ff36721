from io import StringIO

from django.core.management import call_command


def test_models_and_migrations_agree(db):
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)


def test_serving_without_a_secret_key_is_refused():
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG", "HRFLOW_TESTING")}
    served = subprocess.run([sys.executable, "-c", "import hrflow.wsgi"], env=env, capture_output=True, text=True)
    assert served.returncode != 0 and "SECRET_KEY" in served.stderr
    command = subprocess.run([sys.executable, "manage.py", "check"], env=env, capture_output=True, text=True)
    assert command.returncode == 0, command.stderr
