"""The single source of truth for need types, their fields and their links.

Every need type of the specification is a pydantic model here. The sphinx-needs
configuration (``needs_types``, ``needs_fields``, ``needs_links``, the id regex)
is derived from these models by :mod:`smets_spec.sphinx.config`; the corpus
loader validates records against the same models. Nothing else declares a field.

Field kinds are read from the annotations:

* ``str`` / ``int`` / ``bool`` / an enum: a scalar option (``:name: value``);
* ``tuple[Enum, ...]``: a comma-separated list of enum values;
* ``Links``: a comma-separated list of need ids, with the target types and
  titles given by :func:`link`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.fields import FieldInfo

from .ids import CLAUSE, REQUIREMENT_ID, canonical


class Status(StrEnum):
    DRAFT = "draft"
    PROPOSED = "proposed"
    APPROVED = "approved"
    WITHDRAWN = "withdrawn"


class Degree(StrEnum):
    """How strongly a requirement binds a device."""

    MANDATORY = "mandatory"
    OPTIONAL = "optional"
    NOT_APPLICABLE = "not applicable"


class ImpactClass(StrEnum):
    """What implementing (or changing) a requirement touches, most severe first."""

    HARDWARE = "hardware"
    FIRMWARE = "firmware"
    CONFIGURATION = "configuration"
    BACK_OFFICE = "back-office"


class Section(StrEnum):
    """Sections of the SMETS (the ESoDR groups of the 2011 IDTS, and security)."""

    IM = "IM"
    OP = "OP"
    DS = "DS"
    IN = "IN"
    PC = "PC"
    ES = "ES"
    GS = "GS"
    DI = "DI"
    HA = "HA"
    WA = "WA"
    IH = "IH"
    SP = "SP"


#: Section titles: the reading of the ESoDR group codes used in this repository.
SECTION_TITLES: dict[Section, str] = {
    Section.IM: "Installation and maintenance",
    Section.OP: "Operation",
    Section.DS: "Data storage and display",
    Section.IN: "Interoperability and change of supplier",
    Section.PC: "Prepayment and credit",
    Section.ES: "Electricity supply and measurement",
    Section.GS: "Gas supply and measurement",
    Section.DI: "Diagnostics, events and alarms",
    Section.HA: "Home area network (HAN)",
    Section.WA: "Wide area network (WAN)",
    Section.IH: "In-home display (IHD)",
    Section.SP: "Security",
}


class DataType(StrEnum):
    INTEGER = "integer"
    DECIMAL = "decimal"
    STRING = "string"
    BOOLEAN = "boolean"
    ENUMERATION = "enumeration"
    TIMESTAMP = "timestamp"
    DURATION = "duration"
    STRUCTURE = "structure"
    PROFILE = "profile"
    LOG = "log"


class AccessRole(StrEnum):
    """Parties that may read or write a data item (GBCS remote party roles, and local)."""

    SUPPLIER = "supplier"
    NETWORK_OPERATOR = "network-operator"
    OTHER_USER = "other-user"
    DCC = "dcc"
    CONSUMER = "consumer"
    INSTALLER = "installer"


#: A comma-separated list of access roles.
AccessRoles = Annotated[tuple[AccessRole, ...], BeforeValidator(lambda v: _split_list(v))]


class Protocol(StrEnum):
    DLMS_COSEM = "dlms-cosem"
    ZIGBEE_SE = "zigbee-se"
    GBCS = "gbcs"


class Evidence(StrEnum):
    """How a protocol mapping is known (see shared seed-data/protocol-mappings.md)."""

    VERIFIED = "verified"
    SECONDARY = "secondary"
    #: accepted from a standard object list (IEC 62056-6-1 via gurux-dlms, ZCL via zigpy), not GB evidence
    STANDARD = "standard"
    UNMAPPED = "unmapped"


# --- protocol assessment (issue 18): fields read by smets_spec.protocols ---------------------


class Assessment(StrEnum):
    """A reviewer's assessment of an unmapped data item against the standard protocols."""

    STANDARD_OBJECT = "standard-object"
    NEEDS_EXTENSION = "needs-extension"
    LOCAL_ONLY = "local-only"


class ObisRange(StrEnum):
    """Where an OBIS code lies: a standard pattern, or a range the standard leaves to others."""

    STANDARD = "standard"
    COUNTRY_SPECIFIC = "country-specific"
    MANUFACTURER_SPECIFIC = "manufacturer-specific"


# --- end of protocol assessment enums ---------------------------------------------------------


class Rating(StrEnum):
    MAJOR = "Major"
    MINOR = "Minor"
    NONE = "none"


@dataclass(frozen=True)
class LinkSpec:
    """A link field: the need types it may point to and its titles."""

    targets: tuple[str, ...]
    outgoing: str
    incoming: str
    description: str


def _split_list(value: Any) -> Any:
    """Options arrive as ``"A, B"`` from reST and as lists from needs.json."""
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if isinstance(value, list):
        return tuple(value)
    return value


def _link_list(value: Any) -> Any:
    """A link list; a clause number (``GS.08``) given for a requirement becomes its id (``GS_08``)."""
    value = _split_list(value)
    if isinstance(value, tuple):
        return tuple(canonical(v) if isinstance(v, str) else v for v in value)
    return value


Links = Annotated[tuple[str, ...], BeforeValidator(_link_list)]


def _unknown_or_number(value: Any) -> Any:
    if isinstance(value, str) and value.strip().lower() == "unknown":
        return "unknown"
    return value


def _tri_state(value: Any) -> Any:
    if isinstance(value, str):
        word = value.strip().lower()
        if word in {"true", "yes"}:
            return True
        if word in {"false", "no"}:
            return False
        if word == "unknown":
            return "unknown"
    return value


#: A yes/no fact that may honestly be unknown: ``:firmware_upgradeable: unknown``.
TriState = Annotated[bool | Literal["unknown"], BeforeValidator(_tri_state)]

#: A figure that may honestly be unknown: ``:installed_base: unknown``.
Figure = Annotated[float | Literal["unknown"], BeforeValidator(_unknown_or_number)]


def link(*targets: str, outgoing: str, incoming: str, description: str) -> Any:
    """Declare a link field pointing to needs of ``targets`` types."""
    spec = LinkSpec(tuple(targets), outgoing, incoming, description)
    return Field(default=(), description=description, json_schema_extra={"link": spec})  # type: ignore[dict-item]


def field(description: str, default: Any = None, pattern: str | None = None) -> Any:
    """Declare a data field, with its help text and an optional regex."""
    return Field(default=default, description=description, pattern=pattern)


def link_spec(info: FieldInfo) -> LinkSpec | None:
    extra = info.json_schema_extra
    if isinstance(extra, dict):
        spec = extra.get("link")
        if isinstance(spec, LinkSpec):
            return spec
    return None


class Need(BaseModel):
    """Fields every need has. Subclasses are the need types."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False)

    directive: ClassVar[str]
    title_: ClassVar[str]
    prefix: ClassVar[str]
    id_pattern: ClassVar[str]
    color: ClassVar[str] = "#DDDDDD"
    #: fields that must be present (besides id and title)
    required: ClassVar[tuple[str, ...]] = ()

    id: str
    title: str
    content: str = ""
    status: Status | None = field("Lifecycle state of the item.")
    tags: Links = ()

    @classmethod
    def own_fields(cls) -> dict[str, FieldInfo]:
        """The fields a spec author writes as options (not id/title/content)."""
        return _own_fields(cls)

    @classmethod
    def links(cls) -> dict[str, LinkSpec]:
        """The link fields of this type (computed once per type)."""
        return _links(cls)

    def outgoing(self) -> dict[str, tuple[str, ...]]:
        return {name: getattr(self, name) for name in _links(type(self))}


@cache
def _own_fields(model: type[Need]) -> dict[str, FieldInfo]:
    return {k: v for k, v in model.model_fields.items() if k not in {"id", "title", "content"}}


@cache
def _links(model: type[Need]) -> dict[str, LinkSpec]:
    out: dict[str, LinkSpec] = {}
    for name, info in model.model_fields.items():
        spec = link_spec(info)
        if spec is not None:
            out[name] = spec
    return out


class Requirement(Need):
    directive = "req"
    title_ = "Requirement"
    prefix = ""
    id_pattern = REQUIREMENT_ID  # GS_08, SMETS_5_4_8_1 (see corpus/ids.py)
    color = "#BFD8D2"
    required = ("section", "status", "impact")

    clause: str | None = field(
        "Clause number as the SMETS writes it (GS.08, 5.4.8.1): shown, sorted and searched by; "
        "the need id is the same with underscores (GS_08, SMETS_5_4_8_1).",
        pattern=rf"^(?:{CLAUSE})$",
    )
    section: Section | None = field("Section code of the SMETS this requirement belongs to.")
    introduced: str | None = field(
        "Specification version that introduced it: a version id (VER_...) when the spec has versions, "
        "or 'unreleased'."
    )
    impact: ImpactClass | None = field(
        "Impact class of implementing it: hardware, firmware, configuration or back-office."
    )
    applicability_basis: str | None = field(
        "Where the device applicability and impact class come from (for example an editorial reading)."
    )
    retrofit: bool | None = field(
        "True when installed equipment must be brought up to this requirement (an exceptional case); "
        "by default a change applies to new installations only."
    )
    retrofit_basis: str | None = field("Why retrofit is asked: the exceptional circumstance.")
    mandatory_for: Links = link(
        "device",
        outgoing="mandatory for",
        incoming="mandatory requirements",
        description="Devices this requirement binds as mandatory.",
    )
    optional_for: Links = link(
        "device",
        outgoing="optional for",
        incoming="optional requirements",
        description="Devices for which this requirement is optional.",
    )
    not_applicable_for: Links = link(
        "device",
        outgoing="not applicable for",
        incoming="not applicable requirements",
        description="Devices this requirement explicitly does not bind.",
    )
    uses: Links = link("dataitem", outgoing="uses", incoming="used by", description="Data items used.")
    refines: Links = link(
        "req", outgoing="refines", incoming="refined by", description="Requirements refined."
    )
    depends_on: Links = link(
        "req", outgoing="depends on", incoming="needed by", description="Requirements depended on."
    )
    conflicts_with: Links = link(
        "req", outgoing="conflicts with", incoming="conflicted by", description="Known conflicts."
    )
    changed_in: Links = link(
        "version",
        outgoing="changed in",
        incoming="changed",
        description="Versions that changed it normatively (checked against git history by `smets check`).",
    )
    withdrawn_in: Links = link(
        "version", outgoing="withdrawn in", incoming="withdrew", description="The version that withdrew it."
    )

    def degree_for(self, device_id: str) -> Degree:
        if device_id in self.mandatory_for:
            return Degree.MANDATORY
        if device_id in self.optional_for:
            return Degree.OPTIONAL
        return Degree.NOT_APPLICABLE


class Device(Need):
    directive = "device"
    title_ = "Device"
    prefix = "DEV_"
    id_pattern = r"DEV_[A-Z0-9_]+"
    color = "#FEDCD2"
    required = ("firmware_upgradeable", "installed_base", "installed_base_source")

    firmware_upgradeable: TriState | None = field(
        "Can installed units take a remote firmware upgrade? true, false or unknown."
    )
    firmware_upgradeable_source: str | None = field("Source of the firmware_upgradeable statement.")
    installed_base: Figure | None = field("Units installed in GB, or 'unknown'.")
    installed_base_source: str | None = field("Source of the installed base figure.")
    unit_cost_gbp: Figure | None = field("Replacement unit cost in GBP, or 'unknown'.")
    unit_cost_source: str | None = field("Source of the unit cost figure.")
    visit_cost_gbp: Figure | None = field("Cost of a site visit in GBP, or 'unknown'.")
    visit_cost_source: str | None = field("Source of the visit cost figure.")
    visit_hours: Figure | None = field("Duration of an exchange visit in hours, or 'unknown'.")
    visit_hours_source: str | None = field("Source of the visit duration figure.")
    upgrade_cost_gbp: Figure | None = field(
        "Cost of a remote firmware upgrade per unit in GBP, or 'unknown'."
    )
    upgrade_cost_source: str | None = field("Source of the firmware upgrade cost figure.")


class DataItem(Need):
    directive = "dataitem"
    title_ = "Data item"
    prefix = "DAT_"
    id_pattern = r"DAT_[A-Z0-9_]+"
    color = "#DCB239"
    required = ("data_type", "mapping_evidence")

    data_type: DataType | None = field("Type of the value.")
    unit: str | None = field("Unit of measure, if any.")
    range: str | None = field("Allowed range or size, as the spec states it.")
    access: AccessRoles = field("Roles that may access the item.", default=())
    mapping_evidence: Evidence | None = field(
        "How the protocol mapping is known: verified, secondary, or unmapped."
    )
    mapping_source: str | None = field("Citable source of the protocol mapping.")
    held_by: Links = link("device", outgoing="held by", incoming="holds", description="Devices that hold it.")
    maps_to: Links = link(
        "protobj", outgoing="maps to", incoming="carries", description="Protocol objects carrying it."
    )
    # protocol assessment (issue 18)
    assessment: Assessment | None = field(
        "For an unmapped item: standard-object, needs-extension or local-only (see smets protocols)."
    )
    assessment_note: str | None = field(
        "Why: which protocol and what kind of object an extension needs, or why the item stays local."
    )


class ProtocolObject(Need):
    directive = "protobj"
    title_ = "Protocol object"
    prefix = "PO_"
    id_pattern = r"PO_[A-Z0-9_]+"
    color = "#DF744A"
    required = ("protocol", "evidence", "source")

    protocol: Protocol | None = field("dlms-cosem, zigbee-se or gbcs.")
    interface_class: int | None = field("DLMS/COSEM interface class id.")
    obis: str | None = field(
        "DLMS/COSEM logical name (OBIS code) as A-B:C.D.E.F.",
        pattern=r"^[0-9]{1,3}-[0-9]{1,3}:[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$",
    )
    attribute: str | None = field("DLMS/COSEM attribute index(es), or ZigBee attribute id (0xNNNN).")
    method: str | None = field("DLMS/COSEM method index.")
    cluster: str | None = field("ZigBee cluster id as 0xNNNN.", pattern=r"^0x[0-9A-Fa-f]{4}$")
    use_case: str | None = field("GBCS use case name, e.g. ECS01a.")
    message_code: str | None = field("GBCS message code as 0xNNNN.", pattern=r"^0x[0-9A-Fa-f]{4}$")
    evidence: Evidence | None = field("verified (read from a test vector) or secondary.")
    source: str | None = field("Citable source of this object's identity.")
    carried_by: Links = link(
        "protobj", outgoing="carried by", incoming="carries object", description="GBCS use cases."
    )
    # protocol assessment (issue 18): what the catalogue checks compare
    obis_range: ObisRange | None = field(
        "standard (default), or country-specific / "
        "manufacturer-specific when the OBIS code is in such a range."
    )
    scaler_unit: str | None = field(
        "DLMS/COSEM register scaler and unit as 'scaler, unit', e.g. '3, Wh' for kWh.",
        pattern=r"^-?[0-9]{1,3}, *[A-Za-z0-9/]+$",
    )
    zcl_name: str | None = field("ZigBee attribute name as the ZCL catalogue spells it (zigpy).")
    zcl_type: str | None = field("ZigBee attribute data type, e.g. uint48, enum8, octstr.")


class ReferenceModel(Need):
    directive = "refmodel"
    title_ = "Reference model"
    prefix = "MOD_"
    id_pattern = r"MOD_[A-Z0-9_]+"
    color = "#9856A5"
    required = ("module",)

    module: str | None = field("Python module:object of the executable model.")
    implements: Links = link(
        "req", outgoing="implements", incoming="implemented by", description="Requirements implemented."
    )


class ConformanceTest(Need):
    directive = "conftest"
    title_ = "Conformance test"
    prefix = "TST_"
    id_pattern = r"TST_[A-Z0-9_]+"
    color = "#8FB9A8"
    required = ("test_ref",)

    test_ref: str | None = field("pytest node id of the test.")
    verifies: Links = link(
        "req", outgoing="verifies", incoming="verified by", description="Requirements verified."
    )
    exercises: Links = link(
        "refmodel", outgoing="exercises", incoming="exercised by", description="Models run."
    )


class Consultation(Need):
    directive = "consultation"
    title_ = "Consultation"
    prefix = "CON_"
    id_pattern = r"CON_[A-Z0-9_]+"
    color = "#F4E1D2"
    required = ("closing_date",)

    closing_date: str | None = field("Closing date, YYYY-MM-DD.", pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
    spec_revision: str | None = field("Spec revision (git) the consultation was issued on.")
    closing_date_source: str | None = field("Where the closing date comes from (or why it is a placeholder).")


class ConsultationQuestion(Need):
    directive = "cquestion"
    title_ = "Consultation question"
    prefix = "CQ_"
    id_pattern = r"CQ_[A-Z0-9_]+"
    color = "#F7CAC9"
    required = ("number",)

    number: int | None = field("Question number within its consultation.")
    part_of: Links = link(
        "consultation", outgoing="part of", incoming="questions", description="The consultation."
    )
    about: Links = link(
        "req", outgoing="about", incoming="open questions", description="Requirements it asks about."
    )


class ConsultationComment(Need):
    directive = "ccomment"
    title_ = "Consultation comment"
    prefix = "CC_"
    id_pattern = r"CC_[A-Z0-9_]+"
    color = "#92A8D1"
    required = ("respondent",)

    respondent: str | None = field("Responding organisation.")
    rating: Rating | None = field("Major, Minor or none.")
    proposed_wording: str | None = field("Wording the respondent proposes.")
    fingerprint: str | None = field("Fingerprint of the requirement text the comment was made on.")
    stale: bool | None = field("True when the requirement changed after the workbook was exported.")
    topic: str | None = field("Topic of a general comment (one on no single requirement or question).")
    source: str | None = field("Where the response was read: sheet and row of the returned workbook.")
    cost_kind: str | None = field(
        "Respondent's cost evidence: what the requirement costs them, hardware or firmware.",
        pattern=r"^(hardware|firmware)$",
    )
    cost_gbp_per_unit: float | None = field("Respondent's cost evidence: pounds per unit.")
    lead_time_months: float | None = field("Respondent's cost evidence: lead time in months.")
    responds_to: Links = link(
        "consultation", outgoing="responds to", incoming="responses", description="The consultation."
    )
    comments_on: Links = link(
        "req", outgoing="comments on", incoming="comments", description="The requirement commented on."
    )
    answers: Links = link(
        "cquestion", outgoing="answers", incoming="answers", description="The question answered."
    )


#: An ISO date, YYYY-MM-DD.
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


class Version(Need):
    """A version (baseline) of the specification and the installations it governs.

    Equipment stays compliant with the version extant when it was installed: the
    installation window says which installation dates a version governs.
    """

    directive = "version"
    title_ = "Specification version"
    prefix = "VER_"
    id_pattern = r"VER_[A-Z0-9_]+"
    color = "#C9D6DF"
    required = ("dates_basis",)

    designated: str | None = field(
        "Designation date, YYYY-MM-DD; none for a draft that is not designated.", pattern=DATE_PATTERN
    )
    installed_from: str | None = field(
        "First installation date the version governs, YYYY-MM-DD (none: from the beginning).",
        pattern=DATE_PATTERN,
    )
    installed_until: str | None = field(
        "Last installation date the version governs, YYYY-MM-DD (none: open-ended, the version in force).",
        pattern=DATE_PATTERN,
    )
    revision: str | None = field(
        "Git revision (commit id or tag) of the version's text; none for the working draft."
    )
    dates_basis: str | None = field("Where the dates come from, or why they are assumptions.")

    @property
    def is_draft(self) -> bool:
        """The working draft: no recorded text, so it governs no installation yet."""
        return not self.revision


class Term(Need):
    directive = "term"
    title_ = "Glossary term"
    prefix = "TERM_"
    id_pattern = r"TERM_[A-Z0-9_]+"
    color = "#EEEEEE"

    abbreviation: str | None = field("The abbreviation as written in the spec, if any.")
    synonyms: str | None = field("Other spellings that mean the same, comma-separated.")


NEED_TYPES: tuple[type[Need], ...] = (
    Requirement,
    Device,
    DataItem,
    ProtocolObject,
    ReferenceModel,
    ConformanceTest,
    Consultation,
    ConsultationQuestion,
    ConsultationComment,
    Term,
    Version,
)

BY_DIRECTIVE: dict[str, type[Need]] = {t.directive: t for t in NEED_TYPES}

#: Fields whose names are shared by every type (sphinx-needs core fields).
CORE_FIELDS = frozenset({"id", "title", "content", "status", "tags"})


def id_regex() -> str:
    """One regex accepting the ids of every need type (for ``needs_id_regex``)."""
    return "^(" + "|".join(t.id_pattern for t in NEED_TYPES) + ")$"


def type_for_id(need_id: str) -> type[Need] | None:
    for need_type in NEED_TYPES:
        if re.fullmatch(need_type.id_pattern, need_id):
            return need_type
    return None
