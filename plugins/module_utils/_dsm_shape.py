# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The shape of a DSM answer: what the modules expect (a small language), whether an answer has it, and the
shape of an answer without its values (for a capture a user can attach to a bug report).

PRIVATE to the collection: it can change at any time.

The language (JSON-able, so a capture can carry it):
- a type name: "str", "int", "float", "bool", "null", "dict", "list", "any", or a union such as "int|str";
  "dict" and "list" say the type only (nothing inside is expected, and nothing inside is captured);
- a record {"key": shape, "key?": shape}: a dict with those keys ("?" may be absent); other keys are allowed
  (DSM adds fields from one release to the next) and are captured by name and type only; {} is a record of
  DSM's field names with none expected (a capture lists them);
- a map {"*": shape}: a dict keyed by data (project ids, share names): every value has the shape, and a capture
  collapses the keys to "*";
- a list [shape]: every item has the shape ([] for a list of anything);
- one_of(v1, v2, ...): one of these values (DSM's vocabulary, such as a status word).

A capture keeps no value: strings, numbers and booleans become their type names; only a value of a one_of() that
is one of its listed values is kept (words of DSM's vocabulary). Keys are kept only where they are DSM's field names:
the keys a shape declares, and the other keys of a declared record when they look like field names; the keys of a
map, and everything inside a dict or list the shape does not describe, are never captured.
"""

import re

#: a key that looks like one of DSM's field names (UUID, _key, containerIds, sub_alt_name); API names such as
#: SYNO.Docker.Project are kept only where a shape declares them
FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
#: a value of a one_of() outside its list that may still be shown: a number, or a word of DSM's upper-case vocabulary
SHOWABLE = re.compile(r"^[A-Z][A-Z0-9_]{0,31}$")
#: differences reported per contract at most (the rest are counted)
MAX_DIFFERENCES = 6

TYPES = ("str", "int", "float", "bool", "null", "dict", "list", "any")


def one_of(*values):
    """A shape: one of these values."""
    return {"$one_of": list(values)}


def type_name(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    if isinstance(value, dict):
        return "dict"
    if isinstance(value, list):
        return "list"
    return type(value).__name__


def _is_type(value, name):
    if name == "any":
        return True
    if name == "float":
        return type_name(value) in ("float", "int")
    return type_name(value) == name


def _fields(record):
    """(name, optional, shape) of a record's declared keys, the map key "*" left out."""
    return [(key.rstrip("?"), key.endswith("?"), shape) for key, shape in record.items() if key != "*"]


def _show(value):
    """A value of a one_of() as a message may show it (never a string outside DSM's vocabulary)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and SHOWABLE.match(value):
        return repr(value)
    return f"a {type_name(value)}"


def differences(expected, value, path="answer"):
    """What in value differs from the expected shape: a list of short texts, each naming the place (no values)."""
    found = []
    _compare(expected, value, path, found)
    unique = list(dict.fromkeys(found))
    if len(unique) > MAX_DIFFERENCES:
        unique = [*unique[:MAX_DIFFERENCES], f"and {len(unique) - MAX_DIFFERENCES} more"]
    return unique


def _compare(expected, value, path, found):
    if isinstance(expected, str):
        names = expected.split("|")
        if not any(_is_type(value, name) for name in names):
            found.append(f"{path} is {_article(type_name(value))}, expected {' or '.join(names)}")
        return
    if isinstance(expected, list):
        if not isinstance(value, list):
            found.append(f"{path} is {_article(type_name(value))}, expected a list")
            return
        if expected:
            for item in value:
                _compare(expected[0], item, f"{path}[]", found)
        return
    if isinstance(expected, dict) and "$one_of" in expected:
        if value not in expected["$one_of"]:
            allowed = ", ".join(_show(item) for item in expected["$one_of"])
            found.append(f"{path} is {_show(value)}, expected one of {allowed}")
        return
    if not isinstance(value, dict):
        found.append(f"{path} is {_article(type_name(value))}, expected a dict")
        return
    if "*" in expected:
        for item in value.values():
            _compare(expected["*"], item, f"{path}.*", found)
    for name, optional, shape in _fields(expected):
        if name in value:
            _compare(shape, value[name], f"{path}.{name}", found)
        elif not optional:
            found.append(f"{path}.{name} is missing")


def _article(name):
    return f"an {name}" if name[0] in "aeiou" else f"a {name}"


def capture(value, expected=None):
    """The shape of value, as the language above writes it, with no value kept (see the module's docstring)."""
    if isinstance(expected, dict) and "$one_of" in expected:
        return {"$value": value} if value in expected["$one_of"] else type_name(value)
    if isinstance(value, list):
        item = expected[0] if isinstance(expected, list) and expected else None
        if isinstance(expected, str) or not value:
            return [] if not value else "list"
        if item is None:
            return "list"
        return [_merge([capture(entry, item) for entry in value])]
    if isinstance(value, dict):
        if not isinstance(expected, dict):
            return "dict"
        if "*" in expected:
            return {"*": _merge([capture(entry, expected["*"]) for entry in value.values()])} if value else {}
        declared = {name: shape for name, _optional, shape in _fields(expected)}
        shape = {}
        for key in sorted(value):
            if key in declared:
                shape[key] = capture(value[key], declared[key])
            elif FIELD_NAME.match(str(key)):
                shape[key] = capture(value[key])
            else:
                shape["<other keys>"] = "collapsed"
        return shape
    return type_name(value)


def _merge(shapes):
    """One shape for the items of a list (or the values of a map): keys missing in some items end in "?"."""
    if not shapes:
        return "any"
    if all(isinstance(shape, dict) and "$value" not in shape for shape in shapes):
        keys = sorted({key for shape in shapes for key in shape})
        merged = {}
        for key in keys:
            present = [shape[key] for shape in shapes if key in shape]
            name = key if len(present) == len(shapes) else key + "?"
            merged[name] = _merge(present)
        return merged
    if all(isinstance(shape, list) for shape in shapes):
        items = [shape[0] for shape in shapes if shape]
        return [_merge(items)] if items else []
    kinds = []
    for shape in shapes:
        text = _kind(shape)
        if text not in kinds:
            kinds.append(text)
    if len(kinds) == 1:
        return shapes[0]
    return "|".join(kinds)


def _kind(shape):
    if isinstance(shape, dict):
        return "dict" if "$value" not in shape else type_name(shape["$value"])
    if isinstance(shape, list):
        return "list"
    return shape


def describe(expected):
    """The expected shape in one line: keys and nesting, without the types (for the probe's report)."""
    if isinstance(expected, str):
        return expected
    if isinstance(expected, list):
        return f"[{describe(expected[0])}]" if expected else "[...]"
    if "$one_of" in expected:
        return " | ".join(str(item) for item in expected["$one_of"])
    parts = []
    if "*" in expected:
        parts.append(f"<key>: {describe(expected['*'])}")
    for name, optional, shape in _fields(expected):
        label = name + ("?" if optional else "")
        plain = isinstance(shape, str) or _is_one_of(shape) or shape == {}
        parts.append(label if plain else f"{label}: {describe(shape)}")
    return "{" + ", ".join(parts) + "}"


def _is_one_of(shape):
    return isinstance(shape, dict) and "$one_of" in shape
