"""Sync configuration: field mapping, list routing, thresholds, read from ``include/sync.yaml``.

The data team edits the YAML, not Python, so a mistake must fail before any data moves, with a message
that names the key and the problem (``forward.routing.by_stage.LEED: unknown stage ...``). Unknown keys
are rejected because a misspelt optional key would otherwise be silently ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin

import phonenumbers
import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from netsuite_acton.errors import PermanentSyncError
from netsuite_acton.sync.contract import CONTACT_COLUMNS, LIST_NAME, NETSUITE_ID, REASONS, ROW_HASH, Stage

#: A column of the forward SuiteQL's output: a standard one (``MAPPABLE_COLUMNS``) or any other the query
#: selects, custom fields (``custentity_*``) included. Whether the query returns it is checked against the
#: query itself before extraction (``sources.suiteql_templates.check_output_columns``).
ContactColumn = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,99}$")]
Heading = Annotated[str, StringConstraints(min_length=1, max_length=200)]
ListName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
#: NetSuite entity custom fields always carry the ``custentity`` prefix.
_FIELD_ID = re.compile(r"^custentity[a-z0-9_]{1,90}$")


def _field_id(value: str) -> str:
    if not _FIELD_ID.match(value):
        raise ValueError(
            "must be the script id of a NetSuite entity custom field, lower case, "
            "starting with 'custentity' (e.g. custentity_acton_score)"
        )
    return value


FieldId = Annotated[str, AfterValidator(_field_id)]
Ratio = Annotated[float, Field(ge=0.0, le=1.0)]

_RESERVED_HEADINGS = {LIST_NAME, NETSUITE_ID, ROW_HASH, REASONS, "_contact_id_"}


class ConfigError(PermanentSyncError, ValueError):
    """The YAML is missing, unparsable or invalid; the message names the file, the key and the problem."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldSpec(_Strict):
    """One Act-On column: the NetSuite column it comes from and, optionally, its own length cap."""

    column: ContactColumn
    max_length: Annotated[int, Field(ge=1, le=65_535)] | None = None


class RoutingConfig(_Strict):
    """Which Act-On list a contact lands in, by the stage of its company."""

    by_stage: dict[Stage, ListName] = Field(min_length=1)
    unaffiliated: ListName | None = "NetSuite Unaffiliated"
    folder: ListName | None = None

    @model_validator(mode="after")
    def _distinct_lists(self) -> RoutingConfig:
        names = [*self.by_stage.values(), *([self.unaffiliated] if self.unaffiliated else [])]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"each stage needs its own list; used more than once: {repeated}")
        return self


class RemovalsConfig(_Strict):
    """Mirroring: addresses leave the lists they no longer belong to, within a safety valve."""

    enabled: bool = True
    max_share: Ratio = 0.05
    min_count: Annotated[int, Field(ge=0, le=1_000_000)] = 20


#: What the forward sync does with a phone phonenumbers cannot parse or validate: keep the text as typed
#: (tidied) or blank it. A Literal, so a typo fails naming the key and the allowed values.
InvalidPhones = Literal["keep", "blank"]


class ForwardConfig(_Strict):
    """NetSuite contacts -> Act-On lists."""

    mapping: dict[Heading, FieldSpec] = Field(min_length=1)
    email_heading: Heading
    routing: RoutingConfig
    include_individuals: bool = True
    include_inactive: bool = False
    default_phone_region: str = "US"
    invalid_phones: InvalidPhones = "keep"
    max_field_length: Annotated[int, Field(ge=1, le=65_535)] = 255
    reject_rate_threshold: Ratio = 0.2
    lookback_minutes: Annotated[int, Field(ge=0, le=7 * 24 * 60)] = 15
    chunk_rows: Annotated[int, Field(ge=1_000, le=500_000)] = 50_000
    removals: RemovalsConfig = RemovalsConfig()

    @field_validator("mapping", mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        """``"First Name": firstname`` is shorthand for ``{column: firstname}``."""
        if isinstance(value, Mapping):
            return {k: {"column": v} if isinstance(v, str) else v for k, v in value.items()}
        return value

    @field_validator("mapping")
    @classmethod
    def _headings(cls, value: dict[str, FieldSpec]) -> dict[str, FieldSpec]:
        for heading in value:
            if heading != heading.strip():
                raise ValueError(f"heading {heading!r} has leading or trailing spaces")
            if heading in _RESERVED_HEADINGS:
                raise ValueError(f"heading {heading!r} is reserved for internal use")
        folded = [h.casefold() for h in value]
        clashes = sorted({h for h in value if folded.count(h.casefold()) > 1})
        if clashes:
            raise ValueError(f"headings differ only by case: {clashes}")
        return value

    @field_validator("default_phone_region")
    @classmethod
    def _region(cls, value: str) -> str:
        region = value.strip().upper()
        if region not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"{value!r} is not a region phonenumbers knows (ISO 3166 alpha-2, e.g. US, GB)")
        return region

    @model_validator(mode="after")
    def _email_heading_mapped(self) -> ForwardConfig:
        spec = self.mapping.get(self.email_heading)
        if spec is None:
            raise ValueError(f"email_heading {self.email_heading!r} is not a heading of mapping")
        if spec.column != "email":
            raise ValueError(f"email_heading {self.email_heading!r} must map the 'email' column")
        return self

    @property
    def headings(self) -> list[str]:
        """Act-On headings in file order (the upload's column order)."""
        return list(self.mapping)

    @property
    def routed_lists(self) -> list[str]:
        """Every list the forward sync writes, in routing order."""
        names = list(self.routing.by_stage.values())
        return [*names, self.routing.unaffiliated] if self.routing.unaffiliated else names

    @property
    def extra_columns(self) -> list[str]:
        """Mapped columns beyond the standard contract (custom fields, extra joins), in mapping order."""
        columns = [spec.column for spec in self.mapping.values()]
        return [c for c in dict.fromkeys(columns) if c not in CONTACT_COLUMNS]

    def max_length(self, heading: str) -> int:
        """The heading's own cap, or the global one."""
        return self.mapping[heading].max_length or self.max_field_length


#: Act-On's standard headings, used when neither create_leads nor forward.mapping names one.
_LEAD_HEADING_DEFAULTS = {
    "first_name": ("firstname", "First Name"),
    "last_name": ("lastname", "Last Name"),
    "phone": ("phone", "Business Phone"),
    "company": ("companyname", "Company"),
}


class CreateLeadsConfig(_Strict):
    """Addresses of one Act-On list that NetSuite does not know become NetSuite leads (reverse DAG).

    A lead is an individual customer (``isPerson``) at a LEAD-stage customer status. The headings default
    to those ``forward.mapping`` uses for firstname, lastname, phone and companyname (else Act-On's
    standard "First Name", "Last Name", "Business Phone", "Company"); the email is
    ``forward.email_heading``.
    """

    list: ListName
    #: A customer status: its internal id (``6``) or its name (``Unqualified``), resolved at run time.
    entity_status: int | str
    subsidiary: Annotated[int, Field(ge=1)] | None = None
    max_per_run: Annotated[int, Field(ge=1, le=100_000)] = 500
    first_name_heading: Heading | None = None
    last_name_heading: Heading | None = None
    phone_heading: Heading | None = None
    company_heading: Heading | None = None
    #: A claim this old whose create never reported back may be taken over (after a lookup by email).
    claim_timeout_minutes: Annotated[int, Field(ge=5, le=7 * 24 * 60)] = 60

    @field_validator("entity_status", mode="before")
    @classmethod
    def _status(cls, value: Any) -> int | str:
        """An id (a positive whole number, or its digits as text) or a status name."""
        if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            return value
        if isinstance(value, str) and value.strip():
            text = value.strip()
            return int(text) if text.isdigit() and int(text) >= 1 else text[:100]
        raise ValueError("must be a customer status id (e.g. 6) or name (e.g. Unqualified)")

    def headings(self, forward: ForwardConfig) -> dict[str, str]:
        """Role -> Act-On heading: ``email``, ``first_name``, ``last_name``, ``phone``, ``company``."""
        by_column = {}
        for heading, spec in forward.mapping.items():
            by_column.setdefault(spec.column, heading)
        chosen = {"email": forward.email_heading}
        for role, (column, fallback) in _LEAD_HEADING_DEFAULTS.items():
            explicit = getattr(self, f"{role}_heading")
            chosen[role] = explicit or by_column.get(column) or fallback
        return chosen


class PushedFieldConfig(_Strict):
    """One Act-On list field written back into a NetSuite custom field (``reverse.fields``).

    ``record``: ``contact`` writes every contact linked to the address; ``customer`` writes the contact's
    company, or the individual's own record. ``type`` is the NetSuite field's type: every value is
    converted to it before any PATCH, and one that does not convert is refused with its reason.
    ``policy``: ``always`` keeps NetSuite in step with Act-On; ``if_empty`` only fills a field that is
    empty in NetSuite (a salesperson's own entry is never overwritten).
    """

    heading: Heading
    field: FieldId
    record: Literal["contact", "customer"] = "contact"
    type: Literal["integer", "float", "text", "checkbox", "date"]
    policy: Literal["always", "if_empty"] = "always"


class ReverseConfig(_Strict):
    """Act-On scores -> NetSuite custom fields."""

    score_column: Heading = "Act-On score"
    score_range: tuple[float, float] = (0.0, 100.0)
    contact_field: FieldId = "custentity_acton_score"
    lead_field: FieldId | None = "custentity_acton_lead_score"
    individual_field: FieldId | None = "custentity_acton_score"
    lists: list[ListName] | None = None
    failure_rate_threshold: Ratio = 0.1
    hard_bounce_field: FieldId | None = None
    create_leads: CreateLeadsConfig | None = None
    fields: list[PushedFieldConfig] = []

    @model_validator(mode="after")
    def _fields_distinct(self) -> ReverseConfig:
        """Each NetSuite field is written from one place: not twice, not by a score and a field."""
        score_fields = {
            ("contact", self.contact_field),
            ("customer", self.lead_field),
            ("customer", self.individual_field),
        }
        seen: set[tuple[str, str]] = set()
        for entry in self.fields:
            target = (entry.record, entry.field)
            if target in seen or target in score_fields:
                raise ValueError(
                    f"fields: {entry.record} field {entry.field} is written twice (by two entries, or "
                    "by an entry and a score field)"
                )
            if entry.heading == self.score_column:
                raise ValueError(f"fields: {entry.heading!r} is the score column; the score is built in")
            seen.add(target)
        return self

    @field_validator("score_range")
    @classmethod
    def _ordered(cls, value: tuple[float, float]) -> tuple[float, float]:
        if value[0] >= value[1]:
            raise ValueError(f"score_range must be [low, high] with low < high, got {list(value)}")
        return value

    @field_validator("lists")
    @classmethod
    def _lists(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and (not value or len(set(value)) != len(value)):
            raise ValueError("lists must be a non-empty list without repeats, or null for all routed lists")
        return value


class ConsentConfig(_Strict):
    """Opt-outs both ways (DAG netsuite_acton_optouts): NetSuite status 2/4 <-> Act-On's opt-out list."""

    enabled: bool = True
    spam_complaints: bool = True
    lookback_minutes: Annotated[int, Field(ge=0, le=10_080)] = 60
    failure_rate_threshold: Ratio = 0.05


class ExpectationsConfig(_Strict):
    """Where the Great Expectations suites live (relative paths are relative to the YAML file)."""

    contacts: Path = Path("expectations/contacts.json")
    scores: Path = Path("expectations/scores.json")


class StagingConfig(_Strict):
    """How long run folders (staged data, quarantines, reports: personal data) are kept."""

    retention_days: Annotated[int, Field(ge=1, le=3650)] = 14


class SyncConfig(_Strict):
    """The whole file."""

    version: Literal[1] = 1
    forward: ForwardConfig
    reverse: ReverseConfig = ReverseConfig()
    consent: ConsentConfig = ConsentConfig()
    expectations: ExpectationsConfig = ExpectationsConfig()
    staging: StagingConfig = StagingConfig()

    @property
    def reverse_lists(self) -> list[str]:
        """Lists the reverse sync reads: the configured ones, else every routed list."""
        return list(self.reverse.lists) if self.reverse.lists else self.forward.routed_lists


def load_config(path: str | Path) -> SyncConfig:
    """Read and validate the YAML; suite paths come back absolute, so callers need not know its folder."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the sync configuration ({exc.strerror or exc})") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path}: not valid YAML{where}: {problem}") from exc
    config = parse_config(data, source=str(path))
    base = path.resolve().parent
    suites = config.expectations
    absolute = ExpectationsConfig(contacts=base / suites.contacts, scores=base / suites.scores)
    return config.model_copy(update={"expectations": absolute})


def parse_config(data: Any, source: str = "sync configuration") -> SyncConfig:
    """Validate already-parsed YAML; every problem is listed, each as ``key.path: message``."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source}: expected a mapping at the top level, got {type(data).__name__}")
    try:
        return SyncConfig.model_validate(data)
    except ValidationError as exc:
        problems = [_describe(error) for error in exc.errors()]
        raise ConfigError(f"{source}: {len(problems)} problem(s):\n  " + "\n  ".join(problems)) from None


def _describe(error: Mapping[str, Any]) -> str:
    """One readable line per pydantic error: dotted key path, what is wrong, and the offending value."""
    loc = [str(part) for part in error["loc"] if not _is_internal_loc(part)]
    is_key = bool(loc) and loc[-1] == "[key]"
    loc = loc[:-1] if is_key else loc
    key = ".".join(loc) or "(top level)"
    if error["type"] == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        hint = f"; allowed keys here: {', '.join(allowed)}" if allowed else ""
        return f"{key}: unknown key{hint}"
    if error["type"] == "missing":
        return f"{key}: required key is missing"
    message = re.sub(r"^(Value error|Assertion failed), ", "", error["msg"])
    value = error.get("input")
    shown = "" if isinstance(value, Mapping | list) or value is None else f" (got {value!r})"
    return f"{key}: {'this key is not allowed: ' if is_key else ''}{message}{shown}"


def _is_internal_loc(part: Any) -> bool:
    """pydantic adds union/function tags such as ``function-before[...]`` to locations; hide them."""
    return isinstance(part, str) and "[" in part and part.endswith("]") and not part.startswith("[")


def _allowed_keys(loc: list[str]) -> list[str]:
    """The keys the model at ``loc`` accepts, so an "unknown key" error can suggest the right spelling."""
    model: Any = SyncConfig
    for part in loc:
        if isinstance(model, type) and issubclass(model, BaseModel):
            field = model.model_fields.get(part)
            if field is None:
                return []
            model = _model_in(field.annotation)
        elif get_origin(model) is dict:
            model = _model_in(get_args(model)[-1])
        else:
            return []
    return sorted(model.model_fields) if isinstance(model, type) and issubclass(model, BaseModel) else []


def _model_in(annotation: Any) -> Any:
    """Unwrap ``X | None`` to ``X``; dicts are kept so the walk can step into their values."""
    if get_origin(annotation) is dict or (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
        return annotation
    for arg in get_args(annotation):
        if get_origin(arg) is dict or (isinstance(arg, type) and issubclass(arg, BaseModel)):
            return arg
    return annotation
