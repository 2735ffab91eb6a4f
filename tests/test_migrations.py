"""Migrations: one head, `flask db upgrade` builds exactly the models' schema, and it goes down again."""
import os
import subprocess
import sys

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from tests.conftest import IN_CI, PG_URL, ROOT, _reachable


def test_single_head():
    script = ScriptDirectory.from_config(_config())
    assert len(script.get_heads()) == 1


def _config():
    cfg = Config()
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    return cfg


def _scratch_urls(tmp_path):
    urls = [f"sqlite:///{tmp_path / 'mig.db'}"]
    if _reachable(PG_URL, 5432):
        name = f"microcourt_migrations_{os.getpid()}"
        with psycopg.connect(PG_URL.replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name}")
            conn.execute(f"CREATE DATABASE {name}")
        urls.append(PG_URL.rsplit("/", 1)[0] + "/" + name)
    elif IN_CI:
        pytest.fail("PostgreSQL is required in CI")
    return urls


def _flask(url, *args):
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="x")
    env.pop("REDIS_URL", None)
    out = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", *args], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]


def _upgrade_compare_downgrade(url):
    from app.extensions import db
    _flask(url, "upgrade")
    engine = create_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), db.metadata)
    assert diff == [], f"{url}: models and migrations differ: {diff}"
    _flask(url, "downgrade", "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()


def test_upgrade_matches_models_and_downgrades(tmp_path):
    from concurrent.futures import ThreadPoolExecutor
    from app import models  # noqa: F401 - every table on the metadata
    # SQLite and PostgreSQL side by side: each is a chain of `flask db` processes (app import included).
    with ThreadPoolExecutor(max_workers=2) as pool:
        for done in [pool.submit(_upgrade_compare_downgrade, url) for url in _scratch_urls(tmp_path)]:
            done.result()
