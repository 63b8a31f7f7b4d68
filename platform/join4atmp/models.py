"""Every model, imported in one place so that Alembic sees the whole schema."""
from .accounts.models import ApiToken, User  # noqa: F401
from .core.ratelimit import RateLimitHit  # noqa: F401
from .notifications.models import OutboxMessage  # noqa: F401
from .profiles.models import DeclaredInterest, ExpertProfile, ProfileLanguage, ProfileTopic, Publication  # noqa: F401
from .matching.models import EvidencePassage, IndexChange, MatchRequest  # noqa: F401
from .questions.models import Answer, Question, QuestionTopic  # noqa: F401
from .webinars import models as webinar_models  # noqa: F401
