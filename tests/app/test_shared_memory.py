"""One model per machine: gunicorn loads the sentence model and the index in its master and forks, so
more web workers cost little more memory (each loading its own copy cost about 2.7x for four)."""

import time

from join4atmp import create_app
from join4atmp.extensions import db

from processes import app_env, group_pss_mib, start_web, wait_until, workers_booted


def _memory_with(tmp_path, workers) -> float:
    env = app_env(tmp_path / "instance", f"sqlite:///{tmp_path / 'memory.db'}")
    web, base = start_web(env, tmp_path / f"web-{workers}.log", workers=workers)
    try:
        wait_until(lambda: workers_booted(web, workers), 120, 0.3, "every worker to start")
        assert "Model and index loaded in the master" in web.output()
        time.sleep(1)
        return group_pss_mib(web.popen.pid)
    finally:
        web.stop()


def test_four_web_workers_share_one_loaded_model(tmp_path):
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'memory.db'}", "INSTANCE_PATH": str(tmp_path / "instance")}
    )
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    one, four = _memory_with(tmp_path, 1), _memory_with(tmp_path, 4)
    assert one > 300  # the model is in there
    assert four <= 1.5 * one, (one, four)
