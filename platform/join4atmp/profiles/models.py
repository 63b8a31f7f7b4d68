"""Expert profiles: who a member is, what they know, what they declared, whether they take requests."""

from ..core.fulltext import searchable
from ..core.relations import synced_links
from ..core.text import guard_text
from ..core.time import utcnow
from ..extensions import db


class ExpertProfile(db.Model):
    __tablename__ = "expert_profile"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, unique=True)
    display_name = db.Column(db.String(120), nullable=False, default="")
    organisation = db.Column(db.String(200), nullable=False, default="")
    country = db.Column(db.String(2))
    expertise = db.Column(db.Text, nullable=False, default="")
    # Role-specific fields
    authority = db.Column(db.String(200))  # regulator
    specialty = db.Column(db.String(120))  # clinician
    hospital = db.Column(db.String(200))  # clinician
    organisation_type = db.Column(db.String(20))  # developer: academic, hospital, sme, industry
    development_stage = db.Column(db.String(20))  # developer
    disease_areas = db.Column(db.String(500))  # patient organisation
    members_represented = db.Column(db.Integer)  # patient organisation
    # Availability
    accepting_requests = db.Column(db.Boolean, nullable=False, default=True)
    max_open_requests = db.Column(db.Integer, nullable=False, default=3)
    is_listed = db.Column(db.Boolean, nullable=False, default=True)
    # Shown on the public profile only while the member's consent (core.consent.PUBLIC_CONTACT) holds.
    contact_email = db.Column(db.String(254))
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    search_text = db.Column(db.Text, nullable=False, default="")  # core.fulltext: the words the directory finds

    user = db.relationship("User", back_populates="profile")
    topic_links = db.relationship("ProfileTopic", cascade="all, delete-orphan", order_by="ProfileTopic.slug")
    language_links = db.relationship("ProfileLanguage", cascade="all, delete-orphan", order_by="ProfileLanguage.code")
    publications = db.relationship(
        "Publication",
        back_populates="profile",
        cascade="all, delete-orphan",
        order_by="(Publication.year.desc(), Publication.id)",
    )
    interests = db.relationship(
        "DeclaredInterest", back_populates="profile", cascade="all, delete-orphan", order_by="DeclaredInterest.id"
    )

    @property
    def topics(self) -> list[str]:
        return [link.slug for link in self.topic_links]

    @topics.setter
    def topics(self, slugs):
        self.topic_links = synced_links(self.topic_links, "slug", slugs, lambda s: ProfileTopic(slug=s))

    @property
    def languages(self) -> list[str]:
        return [link.code for link in self.language_links]

    @languages.setter
    def languages(self, codes):
        self.language_links = synced_links(self.language_links, "code", codes, lambda c: ProfileLanguage(code=c))

    @property
    def is_complete(self) -> bool:
        return bool(self.display_name.strip() and self.country and self.expertise.strip())


searchable(
    ExpertProfile, "display_name", "organisation", "expertise", "authority", "specialty", "hospital", "disease_areas"
)


class ProfileTopic(db.Model):
    __tablename__ = "profile_topic"

    profile_id = db.Column(db.Integer, db.ForeignKey("expert_profile.id", ondelete="CASCADE"), primary_key=True)
    slug = db.Column(db.String(40), primary_key=True, index=True)


class ProfileLanguage(db.Model):
    __tablename__ = "profile_language"

    profile_id = db.Column(db.Integer, db.ForeignKey("expert_profile.id", ondelete="CASCADE"), primary_key=True)
    code = db.Column(db.String(8), primary_key=True, index=True)


class Publication(db.Model):
    __tablename__ = "publication"

    id = db.Column(db.Integer, primary_key=True)
    profile_id = db.Column(
        db.Integer, db.ForeignKey("expert_profile.id", ondelete="CASCADE"), nullable=False, index=True
    )
    title = db.Column(db.String(300), nullable=False)
    abstract = db.Column(db.Text, nullable=False, default="")
    year = db.Column(db.Integer)
    doi = db.Column(db.String(200))
    url = db.Column(db.String(500))

    profile = db.relationship("ExpertProfile", back_populates="publications")

    @property
    def link(self):
        if self.doi:
            return f"https://doi.org/{self.doi}"
        return self.url


class DeclaredInterest(db.Model):
    """A declared interest (employment, consultancy, funding...) used for conflict-of-interest rules."""

    __tablename__ = "declared_interest"

    id = db.Column(db.Integer, primary_key=True)
    profile_id = db.Column(
        db.Integer, db.ForeignKey("expert_profile.id", ondelete="CASCADE"), nullable=False, index=True
    )
    organisation = db.Column(db.String(200), nullable=False)
    kind = db.Column(db.String(20), nullable=False)
    start_year = db.Column(db.Integer)
    end_year = db.Column(db.Integer)
    is_public = db.Column(db.Boolean, nullable=False, default=True)

    profile = db.relationship("ExpertProfile", back_populates="interests")


# Length and control-character rules on every member-written field (core/text.py).
guard_text(ExpertProfile, exclude=("search_text",))
guard_text(Publication)
guard_text(DeclaredInterest)
