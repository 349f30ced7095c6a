# The error schema lives in core so that every app's router can document it without
# importing the api layer above it.
from openkommune.core.schemas import ErrorDetail, ErrorOut

__all__ = ["ErrorDetail", "ErrorOut"]
