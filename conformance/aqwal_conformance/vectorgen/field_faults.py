"""Snapshot vectors that break one field at a time (spec: JSN-2, JSN-5, JSN-7, JSN-8, SNP-4).

One small valid snapshot holds at least one value of every struct and every data-carrying
variant the snapshot document can reach (:func:`fault_base`). For every field of every such
type, and for the value of every newtype variant, the declarations decide which faults the
field gets (:func:`faults_of`):

* every field, a JSON value of another type than the declared one — the one a reader that
  skipped the type check would most likely take for a valid value (``true`` for an integer,
  for an array an object whose keys are valid elements, ...) — and ``null`` unless the field
  is an ``Option``;
* an integer, also a string, the integer one below its type's minimum and the one above its
  maximum;
* an array of strings or identifiers, an array holding a number and an empty object (an object
  held as its pairs gives no element); an array of strings, the text ``"x"`` (a text gives its
  characters);
* an enum, an unknown variant name (as a string and as an object's key), an empty object, an
  object with two keys, a unit variant's key with a non-null value (JSN-8 accepts ``null``
  only), and, for an enum whose variants carry data, a data variant written as its name.

Each vector is the base with exactly one value replaced (and, to keep it small, the arrays of
the document root that the field is not in and that nothing left refers to emptied), so its
expected outcome, the error code and JSON Pointer of the reference, is the same for a reader
that reads in document order (serde_json) and one that reads in declaration order (JSN-13).
Every key stays present: a reader with a fast path for the usual shape takes that path up to
the broken field. A variant
absent from the default profile (``RunPolicy::Cron``) is placed in a copy of the base read in
its profile.
The base itself is a valid vector (``snapshot/field-base``, ``snapshot/field-base-workflow``):
a reader that built a wrong value from one of its usual shapes shows it there. Fault vector
ids are ``snapshot/field-<Type>.<field>-<fault>`` (``<Enum>.<Variant>.<field>`` inside a
struct variant, ``<Enum>.<Variant>`` for a newtype variant's value).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from aqwal import types as t
from aqwal.declarations import SNAPSHOT_V8
from aqwal.errors import AqwalError
from aqwal.schema import Enum, Field, Newtype, Opt, Prim, Ref, Registry, Seq, Struct, WireType
from aqwal.snapshot import load_snapshot_state
from aqwal_conformance.scenarios import HOLD, LogBuilder
from aqwal_conformance.vectorgen.builders import RS, raw_snapshot, snapshot_document
from aqwal_conformance.vectors import Vector

Path = tuple[str | int, ...]

#: A valid identifier, the one key of an object given for an array of identifiers.
SAMPLE_ID = "00000000-0000-4000-8000-0000000003e7"
#: A name no enum of the snapshot declares.
UNKNOWN_VARIANT = "NoSuchVariant"
#: The value of a workflow-profile variant placed in the base: (enum, variant) -> JSON value.
FEATURE_VALUES: dict[tuple[str, str], Any] = {
    ("RunPolicy", "Cron"): {"Cron": {"expression": "0 0 * * * * *", "max_occurrences": 3}},
}


def fault_base(*, running: bool = True) -> dict[str, Any]:
    """The JSON form of a small valid snapshot holding every struct and data variant once
    (``running``: its run is Running, with four history entries, an attempt and a lease; else
    just created, with one history entry)."""
    b = LogBuilder()
    tenant = t.TenantId(b.fresh(6))
    b.add(t.TenantCreated(tenant, "acme", b.tick()))
    task = t.TaskId(b.fresh(1))
    spec = t.TaskSpec(
        task,
        t.TaskPayload(b"{}", "application/json"),
        t.RunPolicyRepeat(t.RepeatPolicy(2, 60)),
        t.TaskConstraints(3, 60, "key", HOLD, t.SafetyLevel.Idempotent, ("deploy",)),
        t.TaskMetadata((), -5, "first"),
        None,
        tenant,
    )
    b.add(t.TaskCreated(spec, b.tick()))
    run = b.run(task)
    if running:
        b.drive(run, RS.Ready)
        b.lease(run)
        b.move(run, RS.Ready, RS.Leased)
        b.move(run, RS.Leased, RS.Running)
        attempt = b.attempt(run)
        b.add(t.AttemptFinished(run, attempt, t.AttemptResultKind.Failure, "boom", None, b.tick()))
    b.add(t.DependencyDeclared(task, (), b.tick()))
    b.add(t.BudgetAllocated(task, t.BudgetDimension.Token, 10, b.tick()))
    filters = (
        t.EventFilterTaskCompleted(task),
        t.EventFilterRunStateChanged(task, RS.Completed),
        t.EventFilterBudgetThreshold(task, t.BudgetDimension.Token, 80),
        t.EventFilterCustom("k"),
    )
    for event_filter in filters:
        b.add(t.SubscriptionCreated(t.SubscriptionId(b.fresh(7)), task, event_filter, b.tick()))
    actor = t.ActorId(b.fresh(8))
    b.add(t.ActorRegistered(actor, "worker", ("exec",), "ops", 30, tenant, b.tick()))
    b.add(t.RoleAssigned(actor, t.RoleCustom("auditor"), tenant, b.tick()))
    b.add(t.CapabilityGranted(actor, t.CapabilityCustom("deploy"), tenant, b.tick()))
    ledger_entry = t.LedgerEntryId(b.fresh(9))
    b.add(t.LedgerEntryAppended(ledger_entry, tenant, "k", actor, b"\x01", b.tick()))
    b.add(t.EnginePaused(b.tick()))
    return snapshot_document(b.events, 1_700_000_000)


# ---------------------------------------------------------------------------------------------
# where each field is


@dataclass(frozen=True)
class Target:
    """One field (or a newtype variant's value) and where the base holds it."""

    #: ``Type.field``, ``Enum.Variant.field`` or ``Enum.Variant``.
    label: str
    wire: WireType
    #: The path of the field's value in the document (its parent's path, then its key).
    path: Path
    #: The build feature whose profile reads the document (None: the default profile).
    feature: str | None
    #: The struct (``Name``) or variant (``Enum.Variant``) the field belongs to, and the rest of
    #: the path after that value's own.
    owner: str
    suffix: Path


def _struct_fields(reg: Registry) -> Iterator[tuple[str, str | None, tuple[Field, ...]]]:
    """(owner, variant or None, fields) of every struct and every variant carrying data."""
    for d in reg:
        if isinstance(d, Struct):
            yield d.name, None, d.fields
        elif isinstance(d, Enum):
            for v in d.variants:
                if v.kind != "unit":
                    yield d.name, v.name, v.fields


def field_labels(reg: Registry = SNAPSHOT_V8) -> list[str]:
    """The label of every field the family must cover, in declaration order."""
    labels: list[str] = []
    for owner, variant, fields in _struct_fields(reg):
        if variant is None:
            labels += [f"{owner}.{f.name}" for f in fields]
        elif _is_newtype_variant(reg, owner, variant):
            labels.append(f"{owner}.{variant}")
        else:
            labels += [f"{owner}.{variant}.{f.name}" for f in fields]
    return labels


def _is_newtype_variant(reg: Registry, owner: str, variant: str) -> bool:
    d = reg[owner]
    return isinstance(d, Enum) and d.variant(variant).kind == "newtype"


def _sites(reg: Registry, doc: dict[str, Any]) -> dict[str, Path]:
    """The path of the first value of each struct (``Name``) and each variant carrying data
    (``Enum.Variant``, the path of the variant's value) in ``doc``."""
    sites: dict[str, Path] = {}

    def visit(w: WireType, value: Any, path: Path) -> None:
        if isinstance(w, Opt):
            if value is not None:
                visit(w.inner, value, path)
            return
        if isinstance(w, Seq):
            for i, item in enumerate(value):
                visit(w.inner, item, (*path, i))
            return
        if isinstance(w, Prim):
            return
        d = reg[w.name]
        if isinstance(d, Newtype):
            visit(d.inner, value, path)
        elif isinstance(d, Struct):
            sites.setdefault(d.name, path)
            for f in d.fields:
                if f.name in value:
                    visit(f.wire, value[f.name], (*path, f.name))
        elif isinstance(value, dict):
            ((name, inner),) = value.items()
            variant = d.variant(name)
            sites.setdefault(f"{d.name}.{name}", (*path, name))
            if variant.kind == "newtype":
                visit(variant.fields[0].wire, inner, (*path, name))
            elif variant.kind == "struct":
                for f in variant.fields:
                    visit(f.wire, inner[f.name], (*path, name, f.name))

    visit(Ref(reg.root), doc, ())
    return sites


def targets(
    reg: Registry, base: dict[str, Any], featured: dict[str, dict[str, Any]]
) -> Iterator[Target]:
    """Every field of every struct and data variant, located in the base or, for what only a
    build feature's variant holds, in that feature's copy of it."""
    found: list[tuple[str | None, dict[str, Path]]] = [(None, _sites(reg, base))]
    found += [(feature, _sites(reg, doc)) for feature, doc in featured.items()]

    def site(key: str) -> tuple[str | None, Path]:
        for feature, sites in found:
            if key in sites:
                return feature, sites[key]
        raise AssertionError(f"the fault base holds no {key}: add one to fault_base()")

    for owner, variant, fields in _struct_fields(reg):
        if variant is None:
            feature, path = site(owner)
            for f in fields:
                label = f"{owner}.{f.name}"
                yield Target(label, f.wire, (*path, f.name), feature, owner, (f.name,))
        elif _is_newtype_variant(reg, owner, variant):
            key = f"{owner}.{variant}"
            feature, path = site(key)
            yield Target(key, fields[0].wire, path, feature, key, ())
        else:
            key = f"{owner}.{variant}"
            feature, path = site(key)
            for f in fields:
                label = f"{key}.{f.name}"
                yield Target(label, f.wire, (*path, f.name), feature, key, (f.name,))


# ---------------------------------------------------------------------------------------------
# which faults a field gets


@dataclass(frozen=True)
class Fault:
    name: str
    description: str
    value: Any
    error: str
    clauses: tuple[str, ...]


def int_bounds(prim: Prim) -> tuple[int, int]:
    """The range of an integer primitive, from its name (``u8`` .. ``u64``, ``i8`` .. ``i64``)."""
    bits = int(prim.value[1:])
    if prim.value.startswith("i"):
        return -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    return 0, (1 << bits) - 1


def _resolved(reg: Registry, w: WireType) -> WireType:
    """The wire type behind newtypes."""
    while isinstance(w, Ref) and isinstance(reg[w.name], Newtype):
        inner = reg[w.name]
        assert isinstance(inner, Newtype)
        w = inner.inner
    return w


TYPE = "form_type_mismatch"


def faults_of(reg: Registry, wire: WireType) -> list[Fault]:
    """The faults of a field of type ``wire``, each with the error the reference reports."""
    faults: list[Fault] = []
    if not isinstance(wire, Opt):
        faults.append(Fault("null", "null where no Option is declared", None, TYPE, ("JSN-2",)))
    else:
        wire = wire.inner
    w = _resolved(reg, wire)
    if isinstance(w, Prim):
        faults += _prim_faults(w)
    elif isinstance(w, Seq):
        faults.append(_object_for_array(reg, w.inner))
        element = _resolved(reg, w.inner)
        if element is Prim.STRING or element is Prim.UUID:
            # a reader that holds objects as their pairs iterates an empty one as no element
            faults.append(
                Fault(
                    "empty-object",
                    "an empty object where an array is declared",
                    {},
                    TYPE,
                    ("JSN-2",),
                )
            )
        if element is Prim.STRING:
            # iterated, a text gives its characters, each a valid element
            faults.append(
                Fault(
                    "text",
                    'the text "x" where an array of texts is declared',
                    "x",
                    TYPE,
                    ("JSN-2",),
                )
            )
        if isinstance(element, Prim):
            faults.append(
                Fault("element-number", "an array holding the number 5", [5], TYPE, ("JSN-2",))
            )
        if element is Prim.STRING:
            # as for a string: no character is found in an array, and no error either
            faults.append(
                Fault(
                    "element-array",
                    'an array holding the array ["x"] where an array of texts is declared',
                    [["x"]],
                    TYPE,
                    ("JSN-2",),
                )
            )
    else:
        assert isinstance(w, Ref)
        d = reg[w.name]
        if isinstance(d, Struct):
            faults.append(Fault("number", "the number 5 for a struct", 5, TYPE, ("JSN-2",)))
        else:
            assert isinstance(d, Enum)
            faults += _enum_faults(d)
    return faults


def _object_for_array(reg: Registry, element: WireType) -> Fault:
    """An object where an array is declared. Iterated, an object gives its keys: for an array
    of strings or identifiers its one key is a valid element (an empty array may break a rule
    of its own, VAL-8); for any other array it is empty, giving no element."""
    w = _resolved(reg, element)
    if w is Prim.STRING or w is Prim.UUID:
        key = SAMPLE_ID if w is Prim.UUID else "x"
        return Fault(
            "object",
            f"an object whose one key {key!r} is a valid element, where an array is declared",
            {key: None},
            TYPE,
            ("JSN-2",),
        )
    return Fault("object", "an empty object where an array is declared", {}, TYPE, ("JSN-2",))


def _prim_faults(w: Prim) -> list[Fault]:
    if w is Prim.BOOL:
        return [Fault("number", "the number 1 for a bool", 1, TYPE, ("JSN-2",))]
    if w is Prim.STRING:
        return [
            Fault("number", "the number 5 for a string", 5, TYPE, ("JSN-2",)),
            # a reader that looks for a character in what it takes for a text finds none in
            # an array, and no error either
            Fault("array", 'the array ["x"] for a string', ["x"], TYPE, ("JSN-2",)),
        ]
    if w is Prim.UUID:
        return [Fault("number", "the number 5 for an identifier", 5, TYPE, ("JSN-6",))]
    if w is Prim.BYTES:
        return [Fault("string", "a string for a byte vector", "AQI=", TYPE, ("JSN-12",))]
    lo, hi = int_bounds(w)
    return [
        Fault("bool", f"true where {w.value} is declared", True, TYPE, ("JSN-2",)),
        Fault("string", f'the string "1" where {w.value} is declared', "1", TYPE, ("JSN-2",)),
        Fault(
            f"below-{w.value}",
            f"{lo - 1}, one below the {w.value} minimum",
            lo - 1,
            "form_out_of_range",
            ("JSN-7",),
        ),
        Fault(
            f"above-{w.value}",
            f"{hi + 1}, one above the {w.value} maximum",
            hi + 1,
            "form_out_of_range",
            ("JSN-7",),
        ),
    ]


def _enum_faults(d: Enum) -> list[Fault]:
    units = [v.name for v in d.variants if v.kind == "unit"]
    data = [v.name for v in d.variants if v.kind != "unit" and v.feature is None]
    first, second = d.variants[0].name, d.variants[1].name
    faults = [
        Fault("number", f"the number 5 for a {d.name}", 5, TYPE, ("JSN-5",)),
        Fault(
            "unknown-variant",
            f"the name {UNKNOWN_VARIANT}, no variant of {d.name}",
            UNKNOWN_VARIANT,
            "form_unknown_variant",
            ("JSN-5",),
        ),
        Fault(
            "unknown-variant-key",
            f"an object whose one key {UNKNOWN_VARIANT} is no variant of {d.name}",
            {UNKNOWN_VARIANT: None},
            "form_unknown_variant",
            ("JSN-5",),
        ),
        Fault("empty-object", "an object with no key for an enum", {}, TYPE, ("JSN-5",)),
        Fault(
            "array",
            f"the one-element array [{first!r}] for a {d.name}",
            [first],
            TYPE,
            ("JSN-5",),
        ),
        Fault(
            "two-keys",
            f"an object with the two keys {first} and {second} for an enum",
            {first: None, second: None},
            TYPE,
            ("JSN-5",),
        ),
    ]
    if units:
        faults.append(
            Fault(
                "unit-with-value",
                f'the unit variant {units[0]} written {{"{units[0]}": 1}}',
                {units[0]: 1},
                TYPE,
                ("JSN-8",),
            )
        )
    if data:
        faults.append(
            Fault(
                "data-variant-name",
                f"the variant {data[0]}, which carries data, written as its bare name",
                data[0],
                TYPE,
                ("JSN-5",),
            )
        )
    return faults


# ---------------------------------------------------------------------------------------------
# the vectors


def feature_bases(reg: Registry, base: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """For each build feature, a copy of the base whose first value of each enum with a
    variant of that feature holds that variant instead."""
    sites = _sites(reg, base)
    copies: dict[str, dict[str, Any]] = {}
    for (enum_name, variant), value in FEATURE_VALUES.items():
        feature = reg.enum(enum_name).variant(variant).feature
        assert feature is not None
        doc = copies.setdefault(feature, copy.deepcopy(base))
        placed = next(p for key, p in sites.items() if key.startswith(f"{enum_name}."))
        set_at(doc, placed[:-1], value)
    return copies


def set_at(doc: Any, path: Path, value: Any) -> None:
    """Replace the value at ``path`` in ``doc``."""
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


def pointer(path: Path) -> str:
    """The JSON Pointer of a path (JSN-12)."""
    return "".join(f"/{key}" for key in path) or "/"


def is_valid(doc: dict[str, Any], feature: str | None) -> bool:
    """Whether the reference loads ``doc`` as a snapshot in the profile of ``feature``."""
    try:
        load_snapshot_state(raw_snapshot(doc), workflow=feature == "workflow")
    except AqwalError:
        return False
    return True


def pruned(reg: Registry, doc: dict[str, Any], keep: str, feature: str | None) -> dict[str, Any]:
    """``doc`` with each defaulted array of the root but ``keep`` emptied where that leaves it
    valid, the last declared first so that what refers to a value goes before it. The keys
    stay: an absent one would be read as its default (JSN-3), but would send a fast reader of
    the usual shape to its general reader before it meets the fault."""
    out = doc
    for f in reversed(reg.struct(reg.root).fields):
        if f.serde_default and isinstance(f.wire, Seq) and f.name != keep and out[f.name]:
            trial = {**out, f.name: []}
            if is_valid(trial, feature):
                out = trial
    return out


def get_at(doc: Any, path: Path) -> Any:
    """The value at ``path`` in ``doc`` (the counterpart of :func:`set_at`)."""
    for key in path:
        doc = doc[key]
    return doc


def alone(doc: dict[str, Any], path: Path, feature: str | None) -> tuple[dict[str, Any], Path]:
    """``doc`` with each array on ``path`` reduced to the element the path goes through, where
    that leaves it valid, and the path into the result. A reader whose check of a field were
    inverted would give up at any other valid value of that field, before or after the fault,
    and so hide that it takes the faulty one."""
    for i, key in enumerate(path):
        if isinstance(key, int) and len(get_at(doc, path[:i])) > 1:
            trial = copy.deepcopy(doc)
            set_at(trial, path[:i], [get_at(doc, path[: i + 1])])
            if is_valid(trial, feature):
                doc, path = trial, (*path[:i], 0, *path[i + 1 :])
    return doc, path


def _alone_on_path(doc: dict[str, Any], path: Path) -> bool:
    return all(len(get_at(doc, path[:i])) == 1 for i, k in enumerate(path) if isinstance(k, int))


def fault_sites(reg: Registry = SNAPSHOT_V8) -> Iterator[tuple[Target, dict[str, Any], Path]]:
    """Each target with the valid document its faults are placed in and the path there: the
    base (or its feature's copy), pruned and with the target alone in its arrays; where the
    base cannot have it alone (a run's history), the base whose run was just created."""
    base = fault_base()
    featured = feature_bases(reg, base)
    created = fault_base(running=False)
    created_sites = _sites(reg, created)
    sources: dict[tuple[int, str | int], dict[str, Any]] = {}

    def placed(whole: dict[str, Any], path: Path, feature: str | None) -> tuple[Any, Path]:
        key = (id(whole), path[0])
        if key not in sources:
            sources[key] = pruned(reg, whole, str(path[0]), feature)
        return alone(sources[key], path, feature)

    for target in targets(reg, base, featured):
        whole = featured[target.feature] if target.feature else base
        doc, path = placed(whole, target.path, target.feature)
        lone = _alone_on_path(doc, path)
        if not lone and target.feature is None and target.owner in created_sites:
            other = (*created_sites[target.owner], *target.suffix)
            other_doc, other_path = placed(created, other, None)
            if _alone_on_path(other_doc, other_path):
                doc, path = other_doc, other_path
        yield target, doc, path


def field_fault_vectors(reg: Registry = SNAPSHOT_V8) -> Iterator[Vector]:
    base = fault_base()
    for feature, doc in (("", base), *feature_bases(reg, base).items()):
        # valid: read whole, every struct and variant once, by a fast path too
        yield Vector(
            f"snapshot/field-base{'-' + feature if feature else ''}",
            "snapshot",
            "the document the field vectors break, whole: every struct and variant of the "
            f"snapshot model{' in the ' + feature + ' profile' if feature else ''}",
            "valid",
            raw_snapshot(doc),
            ("SNP-3", "SNP-4", "JSN-1", "JSN-5"),
            options={"profile": feature} if feature else {},
        )
    for target, source, path in fault_sites(reg):
        for fault in faults_of(reg, target.wire):
            doc = copy.deepcopy(source)
            set_at(doc, path, fault.value)
            yield Vector(
                f"snapshot/field-{target.label}-{fault.name}",
                "snapshot",
                f"{target.label} at {pointer(path)}: {fault.description}",
                "invalid",
                raw_snapshot(doc),
                (*fault.clauses, "JSN-13", "SNP-4"),
                error=fault.error,
                options={"profile": target.feature} if target.feature else {},
            )
