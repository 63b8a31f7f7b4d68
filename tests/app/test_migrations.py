"""Migrating an empty database yields exactly the models' schema, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from join4atmp import create_app, migrate
from join4atmp.core.fulltext import include_name
from join4atmp.extensions import db

from helpers import make_config


def _assert_no_drift(app):
    migrate.configure(app)
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True, "include_name": include_name})
            diff = compare_metadata(context, db.metadata)
        assert diff == []


def test_migrations_match_models_on_sqlite(tmp_path):
    _assert_no_drift(create_app(make_config(tmp_path)))


def test_migrations_match_models_on_postgresql(tmp_path, postgres_database, model):
    app = create_app(make_config(tmp_path, SQLALCHEMY_DATABASE_URI=postgres_database))
    _assert_no_drift(app)
    # And the accounts and directory rules work there too.
    from helpers import login, make_user

    with app.app_context():
        make_user("pg@uni.example", country="FR")
        client = app.test_client()
        assert login(client, "pg@uni.example").status_code == 302
        assert client.get("/api/v1/experts?country=FR").json["total"] == 1
        # Matching stores its vectors in PostgreSQL and finds the expert through them.
        from join4atmp.matching.indexing import reindex_all
        from join4atmp.matching.services import MatchQuery, find_experts

        make_user(
            "vector@pei.example",
            role="regulator",
            verified=True,
            organisation="PEI",
            expertise="Lentiviral vector comparability after a change of vector supplier.",
        )
        reindex_all()
        [best] = find_experts(MatchQuery(text="vector supplier change comparability", k=1))
        assert best.profile.user.email == "vector@pei.example" and best.evidence
        db.session.remove()
        db.engine.dispose()
