"""Every model, imported in one place so that Alembic sees the whole schema."""

from .accounts.models import ApiToken, User  # noqa: F401
from .core.audit import AuditEvent  # noqa: F401
from .core.consent import Consent  # noqa: F401
from .core.mail import OutboxMessage  # noqa: F401
from .core.pagecache import PageGeneration  # noqa: F401
from .core.ratelimit import RateLimitHit  # noqa: F401
from .matching.models import EvidencePassage, IndexChange, MatchRequest, StaleEvidence  # noqa: F401
from .notifications.models import Notification  # noqa: F401
from .profiles.models import DeclaredInterest, ExpertProfile, ProfileLanguage, ProfileTopic, Publication  # noqa: F401
from .questions.models import (  # noqa: F401
    Answer,
    AnswerRevision,
    AnswerVote,
    Flag,
    Question,
    QuestionRevision,
    QuestionTopic,
    QuestionWatch,
)
from .webinars import models as webinar_models  # noqa: F401
