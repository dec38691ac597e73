"""aqwal_conformance: tools that check implementations of the ActionQueue WAL against the spec.

* ``aqwal_conformance.strategies`` — Hypothesis strategies for every declared type;
* ``aqwal_conformance.workload`` — realistic, deterministic engine-like event streams.
"""
