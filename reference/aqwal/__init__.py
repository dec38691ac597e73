"""aqwal: reference implementation of the ActionQueue write-ahead log, WAL v5.

Modules (see README.md for the architecture):

* ``aqwal.types`` — value classes of every WAL type (generated from ``aqwal.declarations``);
* ``aqwal.codec`` — postcard payloads and framed records: ``decode_record``, ``encode_record``;
* ``aqwal.forms`` — the JSON form (serde_json's shape) and the CBOR form of every value;
* ``aqwal.errors`` — the error hierarchy and its stable codes.
"""

__version__ = "0.1.0"
