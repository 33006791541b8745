"""One exception hierarchy; the CLI and the web convert it to exit codes and HTTP at the edge.

Messages are for the person using congvan: Vietnamese, saying what went wrong and what to do.
"""


class CongvanError(Exception):
    """Base of every error congvan reports to a user."""

    exit_code = 1
    http_status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class BadInputError(CongvanError):
    """The file cannot be read: empty, corrupt, encrypted, an unsupported type or encoding."""

    exit_code = 2
    http_status = 400


class UnsupportedTypeError(BadInputError):
    http_status = 415


class LimitExceededError(BadInputError):
    """The file is over a configured limit (size, pages, pixels, text length)."""

    http_status = 413


class OcrError(CongvanError):
    """Tesseract is missing, crashed or ran out of time."""

    exit_code = 3
    http_status = 500


class DuplicateDocumentError(CongvanError):
    """The same bytes are already in the archive."""

    def __init__(self, message: str, document_id: int):
        super().__init__(message)
        self.document_id = document_id


class NotFoundError(CongvanError):
    exit_code = 4
    http_status = 404


class SearchIndexError(CongvanError):
    """The search index failed; the database is unchanged and the index can be rebuilt."""

    exit_code = 5
    http_status = 500


class ConfigError(CongvanError):
    exit_code = 6
