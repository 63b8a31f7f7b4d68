"""The baseline of bench/pages.py: the smallest Flask app, served by the same gunicorn.conf.py."""

from flask import Flask

app = Flask(__name__)


@app.get("/", defaults={"path": ""})
@app.get("/<path:path>")
def hello(path):
    return "Hello, World!"
