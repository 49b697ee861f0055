"""Generate realistic synthetic SMETS-like specifications for benchmarks and scale tests.

``generate(dest, n)`` copies this repository's project (conf.py, templates/, the
whole spec/ with its real needs and pages) and adds generated needs until the
spec holds ``n`` requirements: requirements in every section with device
applicability and data items, a data catalogue, protocol objects, reference
models and conformance tests, all linked. Every generated id contains ``SYN``
or a section number of 100 and above, so it never collides with a real one,
and every generated page is an ``:orphan:`` page so no toctree needs editing.

The generated protocol objects use the manufacturer-specific ranges (OBIS C
group 128-199, ZigBee clusters 0xFC00-0xFFFF) and say "synthetic" in their
source: they are benchmark data, never real mappings.
"""

from __future__ import annotations

import random
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from .schema import Section

ROOT = Path(__file__).resolve().parents[3]

DEVICES = ("DEV_ESME", "DEV_GSME", "DEV_CHF", "DEV_GPF", "DEV_IHD", "DEV_PPMID", "DEV_HCALCS")
SUBJECTS = {
    "DEV_ESME": "The electricity meter",
    "DEV_GSME": "The gas meter",
    "DEV_CHF": "The communications hub",
    "DEV_GPF": "The gas proxy function",
    "DEV_IHD": "The in-home display",
    "DEV_PPMID": "The prepayment interface device",
    "DEV_HCALCS": "The auxiliary load control switch",
}
QUALIFIERS = (
    "import",
    "export",
    "reactive import",
    "reactive export",
    "tariff",
    "block",
    "prepayment",
    "debt",
    "emergency credit",
    "half-hourly",
    "daily",
    "monthly",
    "billing",
    "event",
    "alarm",
    "voltage",
    "supply",
    "valve",
    "battery",
    "firmware",
    "security",
    "network",
    "clock",
    "profile",
)
BASES = (
    "register",
    "threshold",
    "counter",
    "log",
    "table",
    "status",
    "limit",
    "profile",
    "configuration",
    "history",
    "price",
    "timestamp",
    "identifier",
    "setting",
    "balance",
    "schedule",
)
UNITS = ("kWh", "kVArh", "m3", "GBP", "seconds", "minutes", "V", "W", "%", "")
ACTIONS = (
    "shall record the {a} at intervals of {n} minutes and retain it for at least {m} months",
    "shall display the {a} to the consumer in {u} within {n} seconds of a request",
    "shall support remote configuration of the {a} by an authorised supplier",
    "shall raise an alert to the head-end system when the {a} exceeds the configured {b}",
    "shall retain the {a} and the {b} in non-volatile memory across a loss of supply",
    "shall make the {a} available on the HAN at least every {n} seconds",
    "shall store the last {n} entries of the {a}, each with the date and time in UTC",
    "shall reset the {a} only on a command from an authorised party, and record the reset in the {b}",
    "shall apply a change to the {a} at the time given in the command, within {n} seconds",
    "should allow the {a} to be read locally by an installer without a WAN connection",
)
TAILS = (
    "",
    " This applies in both credit and prepayment mode.",
    " The value shall be expressed in {u} with at least {n} significant digits.",
    " Where the {b} is not configured, a default of {n} shall apply.",
    " The function shall continue to operate while the WAN is unavailable.",
)


@dataclass
class _Spec:
    rng: random.Random
    items: list[tuple[str, str, str]] = field(default_factory=list)  # id, name, unit
    objects: list[str] = field(default_factory=list)
    requirements: list[str] = field(default_factory=list)


def _opts(values: dict[str, str]) -> str:
    return "".join(f"   :{k}: {v}\n" for k, v in values.items() if v)


def _need(directive: str, title: str, options: dict[str, str], content: str) -> str:
    return f".. {directive}:: {title}\n{_opts(options)}\n   {content}\n\n"


def _page(title: str, body: str) -> str:
    return f":orphan:\n\n{title}\n{'=' * len(title)}\n\n{body}"


def _protocol_objects(spec: _Spec, count: int) -> dict[str, str]:
    pages: dict[str, list[str]] = {}
    for k in range(count):
        oid = f"PO_SYN_{k:05d}"
        spec.objects.append(oid)
        if k % 2 == 0:
            opts = {
                "protocol": "dlms-cosem",
                "interface_class": str(spec.rng.choice((1, 3, 7))),
                "obis": f"0-0:{128 + k % 72}.{k // 72 % 256}.{k % 7}.255",
                "attribute": "2",
            }
        else:
            opts = {
                "protocol": "zigbee-se",
                "cluster": f"0x{0xFC00 + k % 1024:04X}",
                "attribute": f"0x{k % 4096:04X}",
            }
        opts |= {
            "id": oid,
            "evidence": "secondary",
            "source": "synthetic benchmark data (not a real mapping)",
        }
        text = _need("protobj", f"Synthetic object {k}", opts, "Synthetic protocol object.")
        pages.setdefault(f"protocol/syn-{k // 200:03d}.rst", []).append(text)
    return {p: _page("Synthetic protocol objects", "".join(b)) for p, b in pages.items()}


def _data_items(spec: _Spec, count: int) -> dict[str, str]:
    pages: dict[str, list[str]] = {}
    rng = spec.rng
    for k in range(count):
        iid = f"DAT_SYN_{k:05d}"
        name = f"{rng.choice(QUALIFIERS)} {rng.choice(BASES)} {k}"
        unit = rng.choice(UNITS)
        spec.items.append((iid, name, unit))
        mapped = spec.objects and rng.random() < 0.6
        opts = {
            "id": iid,
            "data_type": rng.choice(("integer", "decimal", "timestamp", "structure", "log")),
            "unit": unit,
            "access": "supplier, network-operator",
            "held_by": ", ".join(rng.sample(DEVICES, rng.randint(1, 2))),
            "mapping_evidence": "secondary" if mapped else "unmapped",
            "maps_to": rng.choice(spec.objects) if mapped else "",
            "mapping_source": "synthetic benchmark data" if mapped else "",
        }
        text = _need("dataitem", name.capitalize(), opts, f"The {name} as held by the device.")
        pages.setdefault(f"data/syn-{k // 200:03d}.rst", []).append(text)
    return {p: _page("Synthetic data items", "".join(b)) for p, b in pages.items()}


def requirement_text(rng: random.Random, subject: str, items: list[tuple[str, str, str]]) -> str:
    (_, a, unit), (_, b, _) = rng.choice(items), rng.choice(items)
    n, m = rng.choice((2, 5, 10, 15, 30, 48, 60, 100)), rng.choice((3, 6, 13, 24))
    action = rng.choice(ACTIONS).format(a=a, b=b, n=n, m=m, u=unit or "the unit of the value")
    tail = rng.choice(TAILS).format(b=b, n=n, u=unit or "its unit")
    return f"{subject} {action}.{tail}"


def _requirements(spec: _Spec, count: int) -> dict[str, str]:
    rng = spec.rng
    sections = list(Section)
    pages: dict[str, list[str]] = {}
    for k in range(count):
        section = sections[k % len(sections)]
        number = 100 + k // len(sections)
        rid = f"{section.value}_{number}"
        devices = rng.sample(DEVICES, rng.randint(1, 3))
        picked = rng.sample(spec.items, min(len(spec.items), rng.randint(1, 3)))
        used = [i[0] for i in picked]
        rng.choice(
            ("1.0", "1.1", "2.0")
        )  # the draw that once picked a version: kept, so corpora stay the same
        opts = {
            "id": rid,
            "clause": f"{section.value}.{number}",
            "status": rng.choice(("draft", "proposed", "approved", "approved")),
            "section": section.value,
            "introduced": "unreleased",  # generated requirements belong to no recorded version
            "impact": rng.choice(("hardware", "firmware", "firmware", "configuration", "back-office")),
            "mandatory_for": devices[0],
            "optional_for": ", ".join(devices[1:]),
            "uses": ", ".join(used),
        }
        if spec.requirements and rng.random() < 0.2:
            opts["refines"] = rng.choice(spec.requirements)
        spec.requirements.append(rid)
        text = requirement_text(rng, SUBJECTS[devices[0]], picked)
        pages.setdefault(f"sections/{section.value.lower()}-syn-{number // 50:02d}.rst", []).append(
            _need("req", f"Synthetic requirement {rid}", opts, text)
        )
    return {p: _page("Synthetic requirements", "".join(b)) for p, b in pages.items()}


def _tests_and_models(spec: _Spec, n_tests: int, n_models: int) -> dict[str, str]:
    rng = spec.rng
    models = [f"MOD_SYN_{k:04d}" for k in range(n_models)]
    body = "".join(
        _need(
            "refmodel",
            f"Synthetic model {k}",
            {
                "id": mid,
                "module": f"synthetic.models:model_{k}",
                "implements": ", ".join(rng.sample(spec.requirements, min(5, len(spec.requirements)))),
            },
            "A synthetic reference model.",
        )
        for k, mid in enumerate(models)
    )
    pages = {"models/syn-models.rst": _page("Synthetic models", body)}
    chunks: dict[str, list[str]] = {}
    for k in range(n_tests):
        opts = {
            "id": f"TST_SYN_{k:05d}",
            "test_ref": f"synthetic/test_syn.py::test_{k}",
            "verifies": ", ".join(rng.sample(spec.requirements, min(2, len(spec.requirements)))),
            "exercises": rng.choice(models) if models else "",
        }
        chunks.setdefault(f"conformance/syn-{k // 200:03d}.rst", []).append(
            _need("conftest", f"Synthetic test {k}", opts, "A synthetic conformance test.")
        )
    pages |= {p: _page("Synthetic tests", "".join(b)) for p, b in chunks.items()}
    return pages


def copy_project(dest: Path, source: Path = ROOT) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(source / "conf.py", dest / "conf.py")
    for folder in ("spec", "templates", "docs"):  # docs: the user guide is part of the site
        if (source / folder).is_dir():
            shutil.copytree(
                source / folder,
                dest / folder,
                dirs_exist_ok=True,
                ignore=shutil.ignore_patterns("_build", "__pycache__"),
            )
    for name in ("policy.toml",):
        if (source / name).is_file():
            shutil.copy(source / name, dest / name)


def generate(dest: Path, n_requirements: int, seed: int = 0, source: Path = ROOT) -> Path:
    """Write a project with ``n_requirements`` requirements (real ones included) into ``dest``."""
    from .load import load_spec

    copy_project(dest, source)
    real = len(load_spec(dest / "spec", relative_to=dest).requirements)
    extra = max(0, n_requirements - real)
    spec = _Spec(random.Random(seed))
    pages: dict[str, str] = {}
    pages |= _protocol_objects(spec, max(10, extra // 10))
    pages |= _data_items(spec, max(20, extra // 5))
    pages |= _requirements(spec, extra)
    pages |= _tests_and_models(spec, extra // 2, max(1, extra // 50))
    for rel, text in pages.items():
        path = dest / "spec" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return dest


def edit_requirement(project: Path, tag: str, title: str = r"[^\n]*") -> Path:
    """Edit the title and text of the first requirement (in the spec files' sorted order) whose title
    matches ``title``: `` TAG`` appended to its title, ``EDITEDTAG `` put before its text. The file
    edited; LookupError when no requirement's title matches."""
    for path in sorted((project / "spec").rglob("*.rst")):
        text = path.read_text(encoding="utf-8")
        found = re.search(rf"^\.\. req:: ({title})\n", text, re.M)
        if found:
            text = text.replace(found[0], f".. req:: {found[1]} {tag}\n", 1)
            body = text.index("\n\n", found.end()) + 2
            path.write_text(text[:body] + f"   EDITED{tag} " + text[body:].lstrip(" "), encoding="utf-8")
            return path
    raise LookupError(f"no requirement whose title matches {title!r} in {project / 'spec'}")
