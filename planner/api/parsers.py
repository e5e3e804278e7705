"""How request bodies are read: DRF's JSON parser, with JSON nested too deeply for Python's
parser answered as any other malformed JSON."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class PlannerJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply") from None
