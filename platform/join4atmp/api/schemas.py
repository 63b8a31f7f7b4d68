"""What /api/v1 takes and gives, as pydantic models: spectree validates requests (and the responses the
views return) against them, and writes the OpenAPI description at /api/v1/openapi.json from them."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, model_validator

from ..core import roles, taxonomy
from ..core.text import TEXT_LIMIT


def _choice(values):
    return Literal[tuple(sorted(values))]


RoleValue = _choice(roles.MEMBER_VALUES)
Country = _choice(set(taxonomy.COUNTRY_CODES) | {taxonomy.OTHER_COUNTRY})
Language = _choice(taxonomy.LANGUAGE_CODES)
Topic = _choice(taxonomy.TOPICS)
Page = Field(1, ge=1, le=1_000_000, description="Page number, from 1.")
PerPage = Field(None, ge=1, le=200, description="Items per page (default 50, at most 200).")
Words = Field(None, max_length=200, description="Words to find, in any order; each word also as a prefix.")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- requests ------------------------------------------------------------------------------


class _Query(BaseModel):
    @model_validator(mode="before")
    @classmethod
    def _empty_is_absent(cls, values):
        """``?role=`` means no role filter, as a form left empty sends it."""
        return {k: v for k, v in values.items() if v != ""} if isinstance(values, dict) else values


class ExpertsQuery(_Query):
    role: RoleValue | None = None
    country: Country | None = None
    topic: Topic | None = None
    language: Language | None = None
    q: str | None = Words
    page: int = Page
    per_page: int | None = PerPage


class QuestionsQuery(_Query):
    topic: Topic | None = None
    answered: Literal["yes", "no"] | None = None
    answered_by: RoleValue | None = None
    q: str | None = Words
    page: int = Page
    per_page: int | None = PerPage


class MatchBody(_Strict):
    text: str = Field(min_length=3, max_length=TEXT_LIMIT, description="The question, in plain words.")
    k: StrictInt = Field(5, ge=1, le=50, description="How many experts to propose.")
    role: RoleValue | None = None
    country: Country | None = None
    language: Language | None = None
    verified_only: StrictBool = False
    balanced: StrictBool = Field(False, description="Mix roles in the proposal (regulator, clinician...).")
    preferred_countries: list[Country] = Field(default_factory=list, max_length=20)
    preferred_languages: list[Language] = Field(default_factory=list, max_length=20)
    exclude_organisations: list[str] = Field(
        default_factory=list, max_length=20, description="Leave out experts linked to these (public data only)."
    )


class QuestionBody(_Strict):
    title: str = Field(min_length=10, max_length=200, description="One line, 10 to 200 characters.")
    body: str = Field("", max_length=TEXT_LIMIT, description="Markdown.")
    visibility: Literal["public", "confidential"] = "public"
    topics: list[Topic] = Field(default_factory=list, max_length=20)
    invitee_summary: str = Field(
        "",
        max_length=500,
        description="Confidential questions: what invited experts read before they accept (asked for on the site "
        "before requests are sent if empty).",
    )


class AnswerBody(_Strict):
    body: str = Field(max_length=TEXT_LIMIT, description="Markdown.")


# --- responses -----------------------------------------------------------------------------


class Publication(BaseModel):
    title: str
    abstract: str
    year: int | None
    doi: str | None
    url: str | None


class Interest(BaseModel):
    organisation: str
    kind: str
    start_year: int | None
    end_year: int | None


class Expert(BaseModel):
    """A listed expert's public profile (never their login email, never private interests). Role fields
    (authority, specialty, hospital, organisation_type, development_stage, disease_areas,
    members_represented) appear for the roles that have them; contact_email only with consent."""

    model_config = ConfigDict(extra="allow")

    id: int
    display_name: str
    role: str
    verified: bool
    organisation: str
    country: str
    languages: list[str]
    topics: list[str]
    expertise: str
    accepting_requests: bool
    publications: list[Publication]
    declared_interests: list[Interest]
    contact_email: str | None = None


class ExpertPage(BaseModel):
    items: list[Expert]
    page: int
    per_page: int
    total: int
    pages: int


class Me(BaseModel):
    id: int
    email: str
    role: str
    verified: bool
    profile_id: int | None


class Segment(BaseModel):
    text: str
    match: bool


class Evidence(BaseModel):
    source: str
    label: str
    title: str | None
    segments: list[Segment]


class Proposal(BaseModel):
    expert: Expert
    score: float
    strength: Literal["strong", "good", "partial"]
    open_requests: int
    max_open_requests: int
    evidence: list[Evidence]


class Proposals(BaseModel):
    items: list[Proposal]


class Author(BaseModel):
    display_name: str | None
    role: str
    verified: bool


class AnswerOut(BaseModel):
    id: int
    body: str
    accepted: bool
    helpful: int
    author: Author
    created_at: str


class QuestionSummary(BaseModel):
    id: int
    title: str
    topics: list[str]
    visibility: Literal["public", "confidential"]
    status: str
    created_at: str


class QuestionFull(QuestionSummary):
    body: str
    answers: list[AnswerOut]


class QuestionPage(BaseModel):
    items: list[QuestionSummary]
    page: int
    per_page: int
    total: int
    pages: int


class ErrorDetail(BaseModel):
    code: int
    title: str
    message: str
    field: str | None = None


class Error(BaseModel):
    """Every refusal: 400 bad input (``field`` names the input), 401 not logged in, 403 not allowed,
    404 no such thing (or not yours to see), 413 too large, 429 too many for now, 503 busy."""

    error: ErrorDetail
