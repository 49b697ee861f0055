"""A conformance target that speaks DLMS/COSEM: ``dlms+tcp://HOST:PORT[?settings]``.

The adapter :class:`WireESME` implements the suite's ESME interface. Every call whose data
item the spec maps to a DLMS/COSEM object is answered by reading that object over the wire
(class, OBIS code and attribute from the spec, see :mod:`.cosem`): the energy registers, the
meter balance and the event log. Everything else (stimuli such as a load, the passing of
time, a button press; data items with no mapped object) goes to the test rig, a JSON line
channel (``rig=HOST:PORT``, default the DLMS port + 1, which a golden unit opens).

Settings (URL query or ``--dlms-config`` TOML): ``client`` (client address, default 16),
``server`` (server address, 1), ``auth`` (none|low), ``password``, ``rig``, ``timeout``;
``dlms+hdlc+tcp://`` uses HDLC framing over TCP instead of the IEC 62056-47 wrapper.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ..corpus.load import Corpus, load_spec
from ..reference import codec
from ..reference.bridge import RIG_METHODS
from ..reference.interfaces import Event, EventCode, Register
from . import cosem
from .frontend import FrontEnd, FrontEndError

SCHEMES = {"dlms+tcp": "wrapper", "dlms+hdlc+tcp": "hdlc"}
#: the interface's registers -> the catalogue's data items (the suite's own glue, not a protocol fact)
REGISTER_ITEMS: Mapping[Register, str] = {
    Register.ACTIVE_IMPORT: "DAT_ACTIVE_IMPORT_REGISTER",
    Register.ACTIVE_EXPORT: "DAT_ACTIVE_EXPORT_REGISTER",
    Register.REACTIVE_IMPORT: "DAT_REACTIVE_IMPORT_REGISTER",
    Register.REACTIVE_EXPORT: "DAT_REACTIVE_EXPORT_REGISTER",
}
BALANCE_ITEM = "DAT_METER_BALANCE"
EVENT_LOG_ITEM = "DAT_EVENT_LOG"


class WireError(AssertionError):
    """A protocol object could not be read, or its content is not what the data item needs.

    An AssertionError, so the suite reports it as a failed test of the device (not an error of the suite).
    """


@dataclass(frozen=True)
class Settings:
    host: str
    port: int
    interface: str = "wrapper"
    client: int = 16
    server: int = 1
    auth: str = "none"
    password: str = ""
    rig: tuple[str, int] = ("", 0)
    timeout: float = 5.0

    @property
    def label(self) -> str:
        return (
            f"DLMS/COSEM device at {self.host}:{self.port} ({self.interface}, client {self.client}, "
            f"server {self.server}, authentication {self.auth}; rig {self.rig[0]}:{self.rig[1]})"
        )


def parse_target(url: str) -> Settings:
    """Settings from ``dlms+tcp://HOST:PORT?client=16&server=1&auth=none&rig=HOST:PORT&config=FILE``."""
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES:
        raise ValueError(f"target '{url}': the scheme must be one of {', '.join(s + '://' for s in SCHEMES)}")
    try:
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"target '{url}': {exc}") from exc
    if not parts.hostname or not port:
        raise ValueError(f"target '{url}': write it as {parts.scheme}://HOST:PORT")
    query: dict[str, Any] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key == "config":
            query.update(_config_file(Path(value)))
        else:
            query[key] = value
    known = {"client", "server", "auth", "password", "rig", "timeout"}
    unknown = sorted(set(query) - known)
    if unknown:
        raise ValueError(
            f"target '{url}': unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    rig_host, _, rig_port = str(query.get("rig", f"{parts.hostname}:{port + 1}")).rpartition(":")
    try:
        settings = Settings(
            parts.hostname,
            port,
            SCHEMES[parts.scheme],
            int(query.get("client", 16)),
            int(query.get("server", 1)),
            str(query.get("auth", "none")),
            str(query.get("password", "")),
            (rig_host or parts.hostname, int(rig_port)),
            float(query.get("timeout", 5.0)),
        )
    except ValueError as exc:
        raise ValueError(f"target '{url}': {exc}") from exc
    if settings.auth not in ("none", "low"):
        raise ValueError(f"target '{url}': auth must be none or low (high-level security is not covered)")
    return settings


def _config_file(path: Path) -> dict[str, Any]:
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{path}: cannot read the DLMS settings: {exc}") from exc
    table = data.get("dlms", data)
    if not isinstance(table, dict):
        raise ValueError(f"{path}: [dlms] must be a table")
    return {str(k): v for k, v in table.items()}


class CosemReader:
    """One client association (the front end process) shared by every device of a run."""

    def __init__(self, settings: Settings) -> None:
        args = ["client", "--host", settings.host, "--port", str(settings.port)]
        args += ["--interface", settings.interface, "--client-address", str(settings.client)]
        args += ["--server-address", str(settings.server), "--authentication", settings.auth]
        args += ["--timeout", str(settings.timeout)]
        if settings.password:
            args += ["--password", settings.password]
        self.front = FrontEnd(args)
        self.lock = threading.Lock()
        try:
            hello = self.front.receive()
        except FrontEndError:
            self.front.close()
            raise
        if hello.get("event") != "associated":
            self.front.close()
            raise FrontEndError(str(hello.get("message", hello)))
        self.objects = {(int(c), str(o)) for c, o, _v in hello.get("objects", [])}

    def get(self, obj: cosem.MappedObject, attribute: int) -> tuple[str, Any]:
        with self.lock:
            self.front.send({"class": obj.class_id, "obis": obj.obis, "attribute": attribute})
            answer = self.front.receive()
        if not answer.get("ok"):
            raise WireError(f"{obj.trace()}: reading attribute {attribute} failed: {answer.get('error')}")
        return str(answer.get("type", "")), answer.get("value")

    def close(self) -> None:
        self.front.close()


class RigClient:
    """The test-rig channel: JSON lines over TCP to whatever drives the meter's surroundings."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        try:
            self.sock = socket.create_connection((host, port), timeout=max(timeout, 60.0))
        except OSError as exc:
            raise FrontEndError(f"cannot reach the test rig at {host}:{port}: {exc.strerror or exc}") from exc
        self.stream = self.sock.makefile("rw", encoding="utf-8")
        self.lock = threading.Lock()

    def request(self, message: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self.stream.write(json.dumps(message) + "\n")
            self.stream.flush()
            line = self.stream.readline()
        if not line:
            raise FrontEndError("the test rig closed the connection")
        answer: dict[str, Any] = json.loads(line)
        if not answer.get("ok"):
            raise codec.decode_error(answer)
        return answer

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        message: dict[str, Any] = {"op": "call", "method": method, "args": [codec.encode(a) for a in args]}
        message["kwargs"] = {k: codec.encode(v) for k, v in kwargs.items()}
        return codec.decode(self.request(message).get("result"))

    def close(self) -> None:
        self.stream.close()
        self.sock.close()


@dataclass
class WireLog:
    """What a device read over the wire during one test (for failure messages)."""

    objects: dict[str, list[str]] = field(default_factory=dict)

    def add(self, obj: cosem.MappedObject, attribute: int, value: Any) -> None:
        shown = json.dumps(value)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        self.objects.setdefault(obj.trace(), []).append(f"attribute {attribute} = {shown}")

    def clear(self) -> None:
        self.objects.clear()

    @property
    def reads(self) -> list[str]:
        """One line per object: its trace and the attributes read, each value once."""
        return [f"{trace}: {', '.join(dict.fromkeys(values))}" for trace, values in self.objects.items()]


class WireESME:
    """The ESME interface over DLMS/COSEM (mapped data items) and the rig (everything else)."""

    def __init__(
        self, reader: CosemReader, rig: RigClient, mapping: Mapping[str, cosem.MappedObject], log: WireLog
    ) -> None:
        self._reader, self._rig, self._mapping, self._log = reader, rig, mapping, log
        self._device_id = str(rig.call("device_id"))

    @property
    def device_id(self) -> str:
        return self._device_id

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name not in RIG_METHODS:
            raise AttributeError(name)
        return lambda *args, **kwargs: self._rig.call(name, *args, **kwargs)

    def _object(self, item_id: str, class_id: int) -> cosem.MappedObject | None:
        found = self._mapping.get(item_id)
        return found if found is not None and found.class_id == class_id else None

    def _read(self, obj: cosem.MappedObject, attribute: int) -> tuple[str, Any]:
        kind, value = self._reader.get(obj, attribute)
        self._log.add(obj, attribute, value)
        return kind, value

    def register(self, register: Register) -> float:
        obj = self._object(REGISTER_ITEMS.get(Register(register), ""), 3)
        if obj is None:
            return float(self._rig.call("register", register))
        return register_value(
            obj, self._read(obj, obj.value_attribute), self._read(obj, cosem.SCALER_UNIT_ATTRIBUTE)
        )

    def balance(self) -> float:
        obj = self._object(BALANCE_ITEM, 112)
        if obj is None:
            return float(self._rig.call("balance"))
        kind, value = self._read(obj, obj.value_attribute)
        if kind not in cosem.NUMERIC_TYPES:
            raise WireError(f"{obj.trace()}: credit amount has type {kind}, not a number")
        return float(value) / cosem.MONEY_SCALE

    def events(self) -> Sequence[Event]:
        obj = self._object(EVENT_LOG_ITEM, 7)
        if obj is None:
            return tuple(self._rig.call("events"))
        return tuple(
            Event(when, EventCode(code), self._device_id)
            for when, code in log_rows(obj, self._read(obj, obj.value_attribute))
        )


def register_value(obj: cosem.MappedObject, value: tuple[str, Any], scaler_unit: tuple[str, Any]) -> float:
    """A register's value in the data item's unit, checked against its scaler and unit."""
    kind, raw = value
    if kind not in cosem.NUMERIC_TYPES:
        raise WireError(f"{obj.trace()}: value has type {kind}, not a number")
    try:
        scaler, unit = (int(v) for v in scaler_unit[1])
    except (TypeError, ValueError) as exc:
        raise WireError(f"{obj.trace()}: scaler_unit is {scaler_unit[1]!r}, not [scaler, unit]") from exc
    expected = cosem.ENERGY_UNITS.get(obj.item_unit)
    if expected is None:
        raise WireError(f"{obj.trace()}: no COSEM unit is known for the data item's unit {obj.item_unit!r}")
    if unit != expected[0]:
        raise WireError(f"{obj.trace()}: unit code {unit}, but {obj.item_unit} needs unit code {expected[0]}")
    return float(raw) * 10.0**scaler / expected[1]


def log_rows(obj: cosem.MappedObject, value: tuple[str, Any]) -> list[tuple[datetime, str]]:
    rows = value[1]
    if not isinstance(rows, list):
        raise WireError(f"{obj.trace()}: the buffer is {value[0]}, not an array of entries")
    try:
        return [(cosem.date_time(row[0]), str(row[1])) for row in rows]
    except (IndexError, TypeError, ValueError) as exc:
        raise WireError(f"{obj.trace()}: an entry is not (date-time, event code): {exc}") from exc


class DlmsTarget:
    """The device under test at a DLMS/COSEM URL, with its test rig."""

    def __init__(self, url: str, corpus: Corpus | None = None) -> None:
        self.url = url
        self.settings = parse_target(url)
        self.name = self.settings.label
        self.corpus = corpus or load_spec(_spec_folder())
        self.objects = cosem.mapped_objects(self.corpus, "DEV_ESME")
        self.mapping = {o.item_id: o for o in self.objects if o.class_id not in cosem.NOT_COVERED}
        self.log = WireLog()
        self.reader = CosemReader(self.settings)
        try:
            self.rig = RigClient(*self.settings.rig, self.settings.timeout)
        except FrontEndError:
            self.reader.close()
            raise

    def esme(self, start: datetime) -> WireESME:
        self.rig.request({"op": "reset", "start": codec.encode(start)})
        self.log.clear()
        return WireESME(self.reader, self.rig, self.mapping, self.log)

    def gsme(self, start: datetime) -> Any:
        raise NotImplementedError("a DLMS/COSEM target is an electricity meter")

    def ihd(self, start: datetime) -> Any:
        raise NotImplementedError("a DLMS/COSEM target is an electricity meter")

    def close(self) -> None:
        self.reader.close()
        self.rig.close()


def _spec_folder() -> Path:
    from ..corpus.project import find_project

    return find_project(Path.cwd()).spec


def probe(url: str, corpus: Corpus | None = None) -> str:
    """Associate with the device and reach its rig, then let go; returns the target's label.

    Raises ValueError (bad URL or settings) or FrontEndError (cannot connect), each one line.
    """
    target = DlmsTarget(url, corpus)
    target.close()
    return target.name
