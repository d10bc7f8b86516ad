"""The API's one request body parser: JSON, bounded in size and in depth before it is parsed.

Python's JSON parser recurses once per level of nesting: a body nested about 1,000 levels deep
raised RecursionError, which DRF does not catch, and the API answered 500 (issue 12). The
bodies the API takes are three levels deep (``{"lines": [{...}]}``), so a body nested deeper
than ``MAX_DEPTH`` is refused with a 400 before any parser sees it, by a linear scan that stops
at the first level too many. A body larger than Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (the
limit Django puts on forms) is refused with a 413 after reading one byte more than the limit.
(Not a subclass of DRF's JSONParser: DRF hands those Django's ``request.body``, whose own check
of that limit answers with an HTML 400.) Only JSON is taken, as the document says: a form or a
multipart body is a 415.
"""

from __future__ import annotations

import re

from django.conf import settings
from rest_framework import renderers, status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import BaseParser
from rest_framework.settings import api_settings
from rest_framework.utils import json

#: Levels of arrays and objects a body may hold; the API's own bodies need three.
MAX_DEPTH = 32

# A JSON string, escapes included (linear: no nested quantifiers over the same text).
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


class BodyTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"


def nesting_depth_exceeds(data: bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether the JSON text ``data`` opens more than ``limit`` arrays or objects one inside
    another (brackets inside strings do not count). Stops at the first level too many."""
    level = 0
    for match in _BRACKET.finditer(_STRING.sub(b'""', data)):
        if match.group() in (b"[", b"{"):
            level += 1
            if level > limit:
                return True
        else:
            level -= 1
    return False


class BoundedJSONParser(BaseParser):
    media_type = "application/json"
    renderer_class = renderers.JSONRenderer
    strict = api_settings.STRICT_JSON

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        # One byte over the limit is enough to know; DRF gives no stream for an empty body.
        data = stream.read(-1 if limit is None else limit + 1) if stream is not None else b""
        if limit is not None and len(data) > limit:
            raise BodyTooLarge(f"The request body is over {limit:,} bytes.")
        if nesting_depth_exceeds(data):
            raise ParseError(f"The JSON is nested more than {MAX_DEPTH} levels deep.")
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = data.decode(encoding)
            constant = json.strict_constant if self.strict else None  # NaN, Infinity refused
            return json.loads(text, parse_constant=constant)
        except (ValueError, RecursionError) as error:
            raise ParseError(f"JSON parse error - {error}") from error
