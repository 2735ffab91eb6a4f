"""Migrations: one head, they build exactly the models' schema, and they go down again."""
import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect

from tests.conftest import IN_CI, PG_URL, ROOT, _reachable


def test_single_head(app):
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config(str(ROOT / "migrations"))
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def _scratch_urls(tmp_path):
    import os
    pid = os.getpid()
    urls = [f"sqlite:///{tmp_path / 'mig.db'}"]
    if _reachable(PG_URL, 5432):
        admin = PG_URL.replace("+psycopg", "")
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS microcourt_migrations_{pid}")
            conn.execute(f"CREATE DATABASE microcourt_migrations_{pid}")
        urls.append(PG_URL.rsplit("/", 1)[0] + f"/microcourt_migrations_{pid}")
    elif IN_CI:
        pytest.fail("PostgreSQL is required in CI")
    return urls


def test_upgrade_matches_models_and_downgrades(tmp_path):
    from app import create_app
    from app.config import TestConfig
    from app.extensions import db
    for url in _scratch_urls(tmp_path):
        class Config(TestConfig):
            SQLALCHEMY_DATABASE_URI = url
        app = create_app(Config)
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            with db.engine.connect() as conn:
                diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), db.metadata)
            assert diff == [], f"{url}: models and migrations differ: {diff}"
            downgrade(directory=str(ROOT / "migrations"), revision="base")
            assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
            db.engine.dispose()
