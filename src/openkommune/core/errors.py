"""Errors shared by every app. The API turns them into the project's one error shape."""


class OfficialFileError(Exception):
    """An official reference file (GV100AD, catalogue CSV, postcode list) cannot be imported.

    Carries the file and line so the operator can find the problem; raised before anything
    is written, or inside the import transaction so that nothing is kept.
    """

    def __init__(self, message: str, *, path=None, line: int | None = None):
        self.message = message
        self.path = path
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = f"{self.path}"
            if self.line is not None:
                where += f", Zeile {self.line}"
            where += ": "
        return f"{where}{self.message}"
